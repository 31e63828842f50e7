// `dockgate audit`: how exposed a Docker host is and what to do about it. Audits the local engine (its
// API, daemon process, configuration, sockets, TLS files, containers and host) or remote engines through
// their API, and prints a terminal report, JSON (docs/audit-report.schema.json) or SARIF 2.1.0.
// Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 bad arguments, 3 an engine
// could not be reached at all.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ConfigError } from '../errors/config-error.js';
import { AddressError, DEFAULT_ENGINE_TIME } from '../audit/engine-api.js';
import { renderSarif } from '../audit/format/sarif.js';
import { renderText } from '../audit/format/text.js';
import type { FailOn } from '../audit/report.js';
import { DEFAULT_MAX_CONTAINERS, runAudit } from '../audit/run-audit.js';

interface AuditCommandOptions {
  host: string[];
  format: 'text' | 'json' | 'sarif';
  output?: string;
  failOn: FailOn;
  configFile?: string;
  daemonPid?: number;
  remote?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  allowProcess: string[];
  timeout: number;
  maxContainers: number;
  color?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** A commander parser of a whole number above 0, naming what it is in its error. */
function positiveWhole(what: string): (text: string) => number {
  return (text) => {
    if (!/^[1-9]\d*$/.test(text)) throw new InvalidArgumentError(`expected ${what}, a whole number above 0`);
    return Number(text);
  };
}

/**
 * The width of the terminal the report is read on: standard output's, else standard error's (a report
 * piped to a pager is still read on the terminal); undefined without one (CI logs, cron mail).
 */
function terminalWidth(): number | undefined {
  if (process.stdout.isTTY === true) return process.stdout.columns;
  if (process.stderr.isTTY === true) return process.stderr.columns;
  return undefined;
}

/** The package's version, as reports name it. */
export function packageVersion(): string {
  // src/cli and dist/cli are both two levels below the package root.
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('audit how exposed a Docker host is: who can reach the engine, its settings, TLS files, containers (running or stopped) and host')
    .option(
      '--host <url>',
      'an engine to audit (unix:///path or tcp://host:port); repeatable. Default: DOCKER_HOST, else unix:///var/run/docker.sock. unix:// engines are audited with their host, tcp:// ones through their API only',
      collect,
      [],
    )
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json', 'sarif']).default('text'))
    .option('--output <file>', 'write the report to a file instead of standard output')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity (none: only unreachable engines fail, with 3)')
        .choices(['none', 'info', 'low', 'medium', 'high', 'critical'])
        .default('high'),
    )
    .option('--config-file <path>', 'the daemon.json to read instead of the one the local daemon uses (its --config-file, else /etc/docker/daemon.json)')
    .option('--daemon-pid <pid>', 'the local dockerd process, instead of the one found holding the socket', positiveWhole('a process id'))
    .option('--remote', 'audit unix:// hosts through their API only, as remote engines (e.g. a socket forwarded over SSH)')
    .option('--tls-ca <file>', 'CA certificate to verify tcp:// engines with')
    .option('--tls-cert <file>', 'client certificate for tcp:// engines')
    .option('--tls-key <file>', 'client key for tcp:// engines')
    .option('--allow-process <name>', 'a program allowed to run on the host outside containers, on top of the built-in management services (name, or prefix*); repeatable', collect, [])
    .option(
      '--timeout <seconds>',
      `how long after connecting to an engine the audit may still ask it anything; what it could not ask in time is reported not checked (each call also ends after ${DEFAULT_ENGINE_TIME.callMs / 1000} s)`,
      positiveWhole('seconds'),
      DEFAULT_ENGINE_TIME.totalMs / 1000,
    )
    .option(
      '--max-containers <n>',
      'containers inspected at most per engine, the most recently created; the others are reported not checked',
      positiveWhole('a number of containers'),
      DEFAULT_MAX_CONTAINERS,
    )
    // Bad arguments exit 2, never 1, which says "findings at or above --fail-on" (commander has printed the error).
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .option('--no-color', 'no colour in the text report (colour is used only on a terminal, and never with NO_COLOR set)')
    .action(async (opts: AuditCommandOptions) => {
      const tls =
        opts.tlsCa !== undefined || opts.tlsCert !== undefined || opts.tlsKey !== undefined
          ? { ...(opts.tlsCa !== undefined && { ca: opts.tlsCa }), ...(opts.tlsCert !== undefined && { cert: opts.tlsCert }), ...(opts.tlsKey !== undefined && { key: opts.tlsKey }) }
          : undefined;
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new ConfigError('give --tls-cert and --tls-key together');
      let report;
      try {
        report = await runAudit({
          hosts: opts.host,
          failOn: opts.failOn,
          version: packageVersion(),
          allowProcesses: opts.allowProcess,
          engineTimeoutMs: opts.timeout * 1000,
          maxContainers: opts.maxContainers,
          ...(opts.remote === true && { remote: true }),
          ...(tls !== undefined && { tls }),
          ...(opts.configFile !== undefined && { configFile: opts.configFile }),
          ...(opts.daemonPid !== undefined && { daemonPid: opts.daemonPid }),
        });
      } catch (err) {
        if (err instanceof AddressError) throw new ConfigError(`--host ${err.message}`);
        throw err;
      }
      const toTerminal = opts.output === undefined && process.stdout.isTTY === true;
      const colour = opts.color !== false && toTerminal && (process.env['NO_COLOR'] ?? '') === '';
      const width = terminalWidth();
      const text =
        opts.format === 'json'
          ? `${JSON.stringify(report, null, 2)}\n`
          : opts.format === 'sarif'
            ? renderSarif(report)
            : renderText(report, { colour, ...(width !== undefined && { width }) });
      if (opts.output !== undefined) writeFileSync(opts.output, text);
      else process.stdout.write(text);
      process.exitCode = report.exitCode;
    });
}
