// The container creates a shell script's (or one command line's) `docker run` and `docker create` commands
// would send: each command read as the CLI reads it (read-run-line.ts), its flags put into the create body
// (run-flags.ts), the name and platform into the query, the attached streams as -a, -i and -d ask, with
// where each field was written. `docker container run` and
// `docker container create` too; other docker commands send other requests and are listed as not checked.
import { ConfigError } from '../../errors/config-error.js';
import type { CheckedRequest, SourceLocation } from '../checked-request.js';
import { CreateBody } from './create-body.js';
import { readRunLine, type FlagUse, type RunLine } from './read-run-line.js';
import { applyEndpointOptions, READ_FIRST, settleCapabilities } from './run-flags.js';
import { shellCommands, type ShellEnvironment, type ShellWord } from './shell-words.js';

/** The API version the docker CLI speaks to an engine that offers it (the e2e engines' 1.41). */
export const CLI_API_VERSION = '1.41';

export interface ScriptRequests {
  requests: CheckedRequest[];
  /** Docker commands that send something else than a container create, which `check` does not judge. */
  notChecked: Array<{ location: SourceLocation; command: string }>;
}

/** The streams `-a` names (stdin, stdout, stderr), as the CLI checks them. */
function attached(uses: readonly FlagUse[]): Set<string> {
  const streams = new Set<string>();
  for (const use of uses) {
    const stream = use.value.toLowerCase();
    if (!['stdin', 'stdout', 'stderr'].includes(stream))
      throw new ConfigError(
        `${use.location.file}:${use.location.line}:${use.location.column}: invalid argument "${use.value}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`,
      );
    streams.add(stream);
  }
  return streams;
}

function runLineRequest(line: RunLine): CheckedRequest {
  const body = new CreateBody(line.image.value, line.image.location);
  const last = (name: string): FlagUse | undefined => line.uses.filter((u) => u.flag.name === name).at(-1);
  const name = last('name');
  const platform = last('platform');
  const detached = last('detach')?.value === 'true';
  const interactive = last('interactive')?.value === 'true';
  const attach = attached(line.uses.filter((u) => u.flag.name === 'attach'));
  const uses = [...line.uses.filter((u) => READ_FIRST.has(u.flag.name)), ...line.uses.filter((u) => !READ_FIRST.has(u.flag.name))];
  for (const use of uses) {
    const { flag } = use;
    if (flag.apply !== undefined) flag.apply(body, use.value, use.location);
    // -i is read with -a and -d below; endpoint options once the network is known.
    else if (flag.client !== true && flag.endpoint !== true && flag.name !== 'interactive') {
      throw new ConfigError(
        `${use.location.file}:${use.location.line}:${use.location.column}: --${flag.name} is not read by dockgate check yet, so this line cannot be judged as the CLI would send it`,
      );
    }
  }
  settleCapabilities(body);
  applyEndpointOptions(body, line.uses);
  if (line.args.length > 0) line.args.forEach((arg) => body.push('Cmd', arg.value, arg.location));
  // Attached streams as the CLI's parse() and run.go set them: -a names them (stdout and stderr when none),
  // -i attaches stdin and keeps it open, -d attaches nothing.
  const streamsAt = line.uses.find((u) => u.flag.name === 'attach' || u.flag.name === 'interactive' || u.flag.name === 'detach')?.location ?? line.location;
  const stdin = !detached && (interactive || attach.has('stdin'));
  body.set('AttachStdin', stdin, streamsAt);
  body.set('AttachStdout', !detached && (attach.size === 0 || attach.has('stdout')), streamsAt);
  body.set('AttachStderr', !detached && (attach.size === 0 || attach.has('stderr')), streamsAt);
  body.set('OpenStdin', interactive, streamsAt);
  body.set('StdinOnce', stdin && interactive, streamsAt);
  const query = new URLSearchParams([...(name !== undefined ? [['name', name.value]] : []), ...(platform !== undefined ? [['platform', platform.value]] : [])]).toString();
  const where = line.location;
  return {
    subject: `docker ${line.command} (line ${where.line})`,
    method: 'POST',
    path: `/v${CLI_API_VERSION}/containers/create${query === '' ? '' : `?${query}`}`,
    body: body.body,
    location: where,
    locate: (field) => (field === '?name' && name !== undefined ? name.location : field === '?platform' && platform !== undefined ? platform.location : (body.placeOf(field) ?? where)),
  };
}

/** `run`/`create` and the words after it, for `docker run`, `docker create`, `docker container run|create`. */
function runWords(words: readonly ShellWord[]): { command: 'run' | 'create'; rest: number } | { other: string } {
  const first = words[1]?.value;
  const second = words[2]?.value;
  if (first === 'run' || first === 'create') return { command: first, rest: 2 };
  if (first === 'container' && (second === 'run' || second === 'create')) return { command: second, rest: 3 };
  return {
    other: words
      .slice(0, 3)
      .map((w) => w.value)
      .join(' '),
  };
}

export function scriptRequests(source: string, file: string, env: ShellEnvironment): ScriptRequests {
  const out: ScriptRequests = { requests: [], notChecked: [] };
  for (const command of shellCommands(source, file, env)) {
    if (command.program !== 'docker') continue;
    const words = command.words();
    const which = runWords(words);
    if ('other' in which) {
      out.notChecked.push({ location: command.location, command: which.other });
      continue;
    }
    out.requests.push(runLineRequest(readRunLine(which.command, words.slice(which.rest), command.location)));
  }
  return out;
}

/** `dockgate check -- docker run ARGS...`: the words as given (no shell in between), located by their place on that line. */
export function argumentRequests(args: readonly string[]): CheckedRequest {
  const file = '<command line>';
  let column = 1;
  const words = args.map((value) => {
    const word = { value, location: { file, line: 1, column } };
    column += value.length + 1;
    return word;
  });
  const docker = words[0];
  if (docker?.value !== 'docker') throw new ConfigError('after --, give a docker run or docker create command: -- docker run [OPTIONS] IMAGE [COMMAND]');
  const rest = words[1]?.value === 'container' ? 2 : 1;
  const verb = words[rest]?.value;
  if (verb !== 'run' && verb !== 'create') throw new ConfigError(`after --, give a docker run or docker create command, not docker ${verb ?? ''}`);
  return runLineRequest(readRunLine(verb, words.slice(rest + 1), docker.location));
}
