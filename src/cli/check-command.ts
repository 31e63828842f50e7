// `dockgate check`: what compose files, `docker run` lines and raw API bodies would send, judged before it
// is sent by the gateway's own decision under a profile, preset or policy file; text, JSON or SARIF.
// Exit codes as `dockgate audit`: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad
// arguments or a file the client itself would refuse (a shell syntax error, a flag the CLI does not know).
import type { Command } from 'commander';
import { ConfigError, readingConfig } from '../errors/config-error.js';
import type { FailOn } from '../audit/report.js';
import { renderCheckSarif } from '../check/format/sarif.js';
import { renderCheckText } from '../check/format/text.js';
import { fileRequests, type CheckSources } from '../check/check-sources.js';
import { argumentRequests } from '../check/run-line/run-requests.js';
import { runCheck } from '../check/run-check.js';
import { createEngineLookup } from '../forward/engine-client.js';
import { createUpstream } from '../forward/upstream.js';
import { PRESET_NAMES } from '../judge/profiles/application-presets.js';
import { choicePolicy } from '../policy/builtin-policies.js';
import { loadPolicy } from '../policy/load-policy.js';
import { PolicyFileError } from '../policy/policy-file-error.js';
import type { RulePolicy } from '../policy/rule-policy.js';
import { parseIdentity } from './policy-command.js';
import { failOnOption, formatOption, packageVersion, terminalWidth, writeReport } from './report-output.js';

interface CheckOptions {
  policy?: string;
  profile?: string;
  preset?: string;
  allowBind: string[];
  identity?: string;
  upstream?: string;
  format: 'text' | 'json' | 'sarif';
  output?: string;
  failOn: FailOn;
  file: string[];
  projectName?: string;
  composeProfile: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function chosenPolicy(opts: CheckOptions): { policy: RulePolicy; name: string } {
  const given = [opts.policy, opts.profile, opts.preset].filter((v) => v !== undefined).length;
  if (given > 1) throw new ConfigError('give at most one of --policy FILE, --profile NAME or --preset NAME');
  if (opts.policy !== undefined) {
    try {
      return { policy: loadPolicy(opts.policy), name: opts.policy };
    } catch (err) {
      if (err instanceof PolicyFileError) throw new ConfigError(err.describeAll());
      throw err;
    }
  }
  const choice = opts.preset !== undefined ? { kind: 'preset' as const, name: opts.preset } : { kind: 'profile' as const, name: opts.profile ?? 'baseline' };
  return { policy: readingConfig(choicePolicy)(choice, { allowBind: opts.allowBind }), name: `--${choice.kind} ${choice.name}` };
}

/** The files, and the `docker run` line after `--` when there is one (commander hands both over as operands). */
function splitOperands(operands: readonly string[]): { files: string[]; line?: string[] } {
  const dash = process.argv.indexOf('--');
  if (dash === -1) return { files: [...operands] };
  const line = process.argv.slice(dash + 1);
  return { files: operands.slice(0, operands.length - line.length), line };
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('judge what compose files, docker run lines and raw API bodies would send, before it is sent, as the gateway would')
    .argument('[files...]', 'compose files (.yml, .yaml), raw container create bodies (.json), shell scripts with docker run/create lines (anything else); or -- docker run ARGS...')
    .option('--profile <name>', 'a built-in profile: baseline (default), restricted, read-only, audit')
    .option('--preset <name>', `an application preset: ${PRESET_NAMES.join(', ')}`)
    .option('--policy <file>', 'a YAML policy file')
    .option('--allow-bind <path[:ro]>', 'a bind root on top of the profile or preset; repeatable', collect, [])
    .option(
      '-f, --file <compose-file>',
      'a compose file of one project merged as docker compose -f merges them (repeatable, in order); a .yml given as an argument is a project of its own',
      collect,
      [],
    )
    .option('-p, --project-name <name>', "the compose project's name (docker compose -p); default: COMPOSE_PROJECT_NAME, else the first file's directory")
    .option('--compose-profile <name>', 'a compose profile to enable (docker compose --profile); repeatable; default: COMPOSE_PROFILES', collect, [])
    .option('--identity <pairs>', 'who would send the requests, for a policy file whose rules select clients (as policy explain takes it); default: this user, uid=UID,gid=GID')
    .option(
      '--upstream <url>',
      'ask this engine about the images, volumes and containers the requests name (default: none; each is taken as missing and the report says which verdicts depend on it)',
    )
    .addOption(formatOption())
    .option('--output <file>', 'write the report to a file instead of standard output')
    .addOption(failOnOption('none: always 0 once the files are read'))
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (operands: string[], opts: CheckOptions) => {
      const { files, line } = splitOperands(operands);
      if (files.length === 0 && opts.file.length === 0 && line === undefined) throw new ConfigError('give the files to check, or -- docker run ARGS...');
      const { policy, name } = chosenPolicy(opts);
      const identity = parseIdentity(opts.identity ?? `uid=${process.getuid?.() ?? 0},gid=${process.getgid?.() ?? 0}`);
      const compose = { ...(opts.projectName !== undefined && { projectName: opts.projectName }), profiles: opts.composeProfile };
      const sources: CheckSources = fileRequests(files, process.env, compose, opts.file);
      if (line !== undefined) sources.requests.push(argumentRequests(line));
      const upstream = opts.upstream !== undefined ? readingConfig(createUpstream)(opts.upstream) : undefined;
      try {
        const report = await runCheck({
          sources,
          policy,
          policyName: name,
          identity,
          ...(upstream !== undefined && { engine: { lookup: createEngineLookup(upstream), name: opts.upstream! } }),
          failOn: opts.failOn,
          version: packageVersion(),
        });
        const width = opts.output === undefined ? terminalWidth() : undefined;
        const text = opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : opts.format === 'sarif' ? renderCheckSarif(report) : renderCheckText(report, width);
        writeReport(text, opts.output);
        process.exitCode = report.exitCode;
      } finally {
        upstream?.close();
      }
    });
}
