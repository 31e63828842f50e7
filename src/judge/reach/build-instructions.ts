// The instructions of a build's Dockerfile, judged by what the engine will do with them: fetch a URL or
// clone a repository from the host's network (ADD), run a step on the host's network or without
// confinement (RUN --network=host, --security=insecure), hand a step the client's secrets or SSH agent
// (RUN --mount=type=secret|ssh), pull a base image, run the base image's ONBUILD triggers, or let a
// frontend image named by `# syntax=` read the file its own way.
//
// Each Dockerfile is read by both parsers the engine may use (the 20.10 classic builder's, without
// heredocs, and newer ones, with them), and every instruction either reading finds is judged: a file the
// two read differently cannot hide an instruction from one of them. Words are expanded as the engine
// expands them (build arguments, ARG defaults, ENV); a word dockgate cannot expand the way the engine
// will is judged as whatever it could become.

import type { BuildContextReading } from '../../inspect/build-context/read-build-context.js';
import { DockerfileSyntaxError, parseDockerfile, type DockerfileInstruction, type DockerfileReading } from '../../inspect/dockerfile/dockerfile-parser.js';
import { processWord } from '../../inspect/dockerfile/shell-word.js';
import { show } from './go-strings.js';
import { judgeImageReference } from './image-refs.js';
import type { ReachContext } from './reach-context.js';

export type BuildBuilder = 'classic' | 'buildkit';

export interface BuildRequest {
  readonly builder: BuildBuilder;
  /** `?buildargs`, as the engine decodes it (a null value: the argument is declared without a value). */
  readonly buildArgs: ReadonlyMap<string, string | null>;
}

/** Build arguments every Dockerfile may use without declaring them (the engine's builtinAllowedBuildArgs). */
const PREDEFINED_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

/** RUN options BuildKit knows; anything else is refused rather than guessed at. */
const RUN_FLAGS = new Set(['mount', 'network', 'security', 'device']);

const REMOTE_FIX = 'Download the file or clone the repository on the client and send it in the build context (COPY it), or ask for a rule that grants remote fetches (remoteFetch: true)';

/**
 * Sources ADD fetches instead of reading from the context: URLs (the classic builder fetches http and
 * https; BuildKit any scheme it knows) and git references (`git@host:repo`, `git://`, `github.com/...`,
 * and `user@host:path` in newer frontends). A source is judged remote if any builder reads it so.
 */
export function isRemoteSource(source: string): boolean {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(source)) return true;
  if (source.startsWith('github.com/') || source.startsWith('git@')) return true;
  // scp-like git addresses: `host:path` before any slash.
  const colon = source.indexOf(':');
  const slash = source.indexOf('/');
  return colon > 0 && (slash === -1 || colon < slash);
}

/** BuildKit's automatic platform arguments: usable in FROM lines, and in a stage once declared by ARG. */
const PLATFORM_ARGS = new Set(['BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT', 'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT']);

/** A variable's value; undefined: only the engine knows it (a platform argument, an image pulled later). */
type Value = string | undefined;

/**
 * The variables in scope as one reading of a Dockerfile is walked: global ARGs for FROM lines; in a stage,
 * the base's environment (an image's Config.Env, or an earlier stage's), then ARG and ENV as they come.
 */
class BuildScope {
  private readonly globals = new Map<string, Value>();
  private readonly stages = new Map<string, Map<string, Value>>();
  /** The current stage's variables; undefined before the first FROM. */
  private stage: Map<string, Value> | undefined;
  /** What a name not set in the stage is: the base's environment, or unknown (an image not on the engine). */
  private base: ReadonlyMap<string, string> | undefined = new Map();

  constructor(private readonly request: BuildRequest) {}

  /** Whether a FROM or COPY --from names an earlier stage (compared as BuildKit does, case-insensitively). */
  isStage(name: string): boolean {
    return this.stages.has(name.toLowerCase());
  }

  lookup(name: string): Value {
    if (this.stage === undefined) {
      if (this.globals.has(name)) return this.globals.get(name);
      return this.request.builder === 'buildkit' && PLATFORM_ARGS.has(name) ? undefined : this.predefined(name);
    }
    if (this.stage.has(name)) return this.stage.get(name);
    if (this.base === undefined) return undefined;
    return this.base.get(name) ?? this.predefined(name);
  }

  private predefined(name: string): string {
    return PREDEFINED_ARGS.has(name) ? (this.request.buildArgs.get(name) ?? '') : '';
  }

  /** FROM: a new stage on `base` (an image's environment, an earlier stage's name, or unknown). */
  fromStage(stageName: string | undefined, base: { stage: string } | { env: ReadonlyMap<string, string> | undefined }): void {
    if ('stage' in base) {
      this.stage = new Map(this.stages.get(base.stage.toLowerCase()));
      this.base = new Map();
    } else {
      this.stage = new Map();
      this.base = base.env;
    }
    if (stageName !== undefined) this.stages.set(stageName.toLowerCase(), this.stage);
  }

  /** ARG name[=default]: the build argument wins; without a default, a global ARG's value is taken again. */
  declareArg(name: string, defaultValue: Value, hasDefault: boolean): void {
    const given = this.request.buildArgs.get(name);
    let value: Value;
    if (given !== undefined && given !== null) value = given;
    else if (hasDefault) value = defaultValue;
    else if (this.stage !== undefined && this.globals.has(name)) value = this.globals.get(name);
    else value = this.request.builder === 'buildkit' && PLATFORM_ARGS.has(name) ? undefined : '';
    (this.stage ?? this.globals).set(name, value);
  }

  setEnv(name: string, value: Value): void {
    this.stage?.set(name, value);
  }
}

/** An image's Config.Env as a map (`NAME=value` entries). */
function environmentOf(env: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(env)) return out;
  for (const entry of env) {
    if (typeof entry !== 'string') continue;
    const equals = entry.indexOf('=');
    if (equals > 0) out.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  return out;
}

/** A word as the engine expands it; `undefined` when its value is not known to dockgate. */
function expand(word: string, escape: string, scope: BuildScope): string | undefined {
  const result = processWord(word, escape, (name) => scope.lookup(name));
  return result.uncertain || result.unknown.length > 0 ? undefined : result.value;
}

/** Splits `key=value,key=value` as BuildKit's --mount parser reads it (a CSV record). */
function mountFields(spec: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const field of spec.split(',')) {
    const equals = field.indexOf('=');
    const key = (equals === -1 ? field : field.slice(0, equals)).trim().toLowerCase();
    fields.set(key, equals === -1 ? '' : field.slice(equals + 1).trim());
  }
  return fields;
}

interface Place {
  readonly file: string;
  readonly escape: string;
  readonly scope: BuildScope;
  /** `ONBUILD` when the instruction is a trigger that runs in a later build. */
  readonly trigger: string;
  readonly request: BuildRequest;
  /** The reading of the newer parser (heredocs, and ENV pairs followed by their separator). */
  readonly heredocs: boolean;
}

async function judgeInstruction(ctx: ReachContext, place: Place, instruction: DockerfileInstruction): Promise<void> {
  const field = `${place.file}:${instruction.line} ${place.trigger}${instruction.keyword.toUpperCase()}`;
  const { scope, escape } = place;
  switch (instruction.keyword) {
    case 'from': {
      const [image, as, stage] = instruction.args;
      const base = image === undefined ? { env: undefined } : await judgeBaseImage(ctx, place, field, image, true);
      scope.fromStage(as?.toLowerCase() === 'as' ? stage : undefined, base);
      return;
    }
    case 'arg':
      for (const arg of instruction.args) {
        const equals = arg.indexOf('=');
        const name = equals === -1 ? arg : arg.slice(0, equals);
        scope.declareArg(name, equals === -1 ? undefined : expand(arg.slice(equals + 1), escape, scope), equals !== -1);
      }
      return;
    case 'env': {
      // Name, value (and, from the newer parser, the separator the pair was written with).
      const stride = place.heredocs ? 3 : 2;
      for (let i = 0; i + 1 < instruction.args.length; i += stride) scope.setEnv(instruction.args[i]!, expand(instruction.args[i + 1]!, escape, scope));
      return;
    }
    case 'add': {
      const sources = instruction.args.slice(0, -1).filter((s) => !(instruction.heredocs.length > 0 && s.startsWith('<<')));
      for (const source of sources) {
        const value = expand(source, escape, scope);
        if (value === undefined && !ctx.constraints.remoteFetch) {
          ctx.deny(
            'build',
            field,
            `the source ${show(source)} is built from variables dockgate cannot resolve as the engine will, and ADD fetches URLs from the host's network`,
            'Write the source literally, or use COPY for files from the context',
          );
        } else if (value !== undefined && isRemoteSource(value) && !ctx.constraints.remoteFetch) {
          ctx.deny('build', field, `makes the engine fetch ${show(value)} from the host's network (it reaches what only the host can reach, loopback included)`, REMOTE_FIX);
        }
      }
      return;
    }
    case 'copy':
      for (const flag of instruction.flags) {
        if (flag.name !== 'from' || flag.value === undefined) continue;
        await judgeBaseImage(ctx, place, `${field} --from`, flag.value, false);
      }
      return;
    case 'run':
      judgeRunFlags(ctx, field, instruction);
      return;
    case 'onbuild':
      if (instruction.trigger !== undefined) await judgeInstruction(ctx, { ...place, trigger: `${place.trigger}ONBUILD ` }, instruction.trigger);
      return;
    default:
      return;
  }
}

function judgeRunFlags(ctx: ReachContext, field: string, instruction: DockerfileInstruction): void {
  for (const flag of instruction.flags) {
    const value = flag.value ?? '';
    if (!RUN_FLAGS.has(flag.name)) {
      ctx.deny('build', `${field} --${flag.name}`, 'is a RUN option dockgate does not know, so it cannot tell what it lets the step reach', 'Remove the option');
      continue;
    }
    if (flag.name === 'network' && value !== 'none' && value !== 'default' && !ctx.constraints.hostNamespaces.network) {
      ctx.deny(
        'build',
        `${field} --network`,
        value === 'host' ? "runs the step on the host's network" : `${show(value)} is not a network mode dockgate can judge`,
        'Remove --network (or use --network=none)',
      );
    } else if (flag.name === 'security' && value !== 'sandbox' && !ctx.constraints.unconfined) {
      ctx.deny(
        'build',
        `${field} --security`,
        value === 'insecure'
          ? 'runs the step without confinement (the insecure entitlement: every capability, no seccomp or AppArmor)'
          : `${show(value)} is not a security mode dockgate can judge`,
        'Remove --security',
      );
    } else if (flag.name === 'device' && !ctx.constraints.devices) {
      ctx.deny('build', `${field} --device`, 'gives the step a host device', 'Remove --device');
    } else if (flag.name === 'mount') {
      const type = mountFields(value).get('type') ?? 'bind';
      if ((type === 'secret' || type === 'ssh') && !ctx.constraints.buildkit) {
        ctx.deny(
          'build',
          `${field} --mount`,
          `hands the step ${type === 'ssh' ? "an SSH agent's keys" : 'a secret'} from a BuildKit session, which this policy does not grant`,
          'Remove the mount, or ask for a rule that grants BuildKit',
        );
      } else if (!['bind', 'cache', 'tmpfs', 'secret', 'ssh'].includes(type)) {
        ctx.deny('build', `${field} --mount`, `${show(type)} is not a mount type dockgate can judge`, 'Use a bind, cache or tmpfs mount');
      }
    }
  }
}

/**
 * A base image (FROM, COPY --from): the policy's images, and the ONBUILD triggers it will run. Returns
 * what a stage built on it starts with: an earlier stage, or the image's environment (unknown when the
 * image is not on the engine yet: the engine pulls it, and dockgate cannot see its Env or triggers).
 */
async function judgeBaseImage(
  ctx: ReachContext,
  place: Place,
  field: string,
  word: string,
  runsTriggers: boolean,
): Promise<{ stage: string } | { env: ReadonlyMap<string, string> | undefined }> {
  const image = expand(word, place.escape, place.scope);
  if (image === undefined) {
    if (ctx.constraints.images.length > 0) ctx.deny('build', field, `the image ${show(word)} is built from variables dockgate cannot resolve as the engine will`, 'Name the image literally');
    ctx.baseImages.push({ field, ref: undefined });
    return { env: undefined };
  }
  if (place.scope.isStage(image)) return { stage: image };
  if (image === 'scratch' || /^[0-9]+$/.test(image)) return { env: new Map() };
  ctx.baseImages.push({ field, ref: image });
  judgeImageReference(ctx, field, image);
  const facts = await ctx.engine.image(image);
  if (facts === undefined) return { env: undefined };
  const env = environmentOf(facts.Config['Env']);
  const triggers = facts.Config['OnBuild'];
  if (runsTriggers && Array.isArray(triggers)) {
    // The triggers run first in the new stage, with the image's environment.
    for (const trigger of triggers) {
      if (typeof trigger === 'string') await judgeText(ctx, `${field} ${image} ONBUILD`, trigger, place.request, env);
    }
  }
  return { env };
}

/** Every reading of a Dockerfile that parses; none: the engine would refuse the file. */
function readings(text: string): Array<{ reading: DockerfileReading; heredocs: boolean }> | DockerfileSyntaxError {
  const found: Array<{ reading: DockerfileReading; heredocs: boolean }> = [];
  let error: DockerfileSyntaxError | undefined;
  for (const heredocs of [false, true]) {
    try {
      found.push({ reading: parseDockerfile(text, { heredocs }), heredocs });
    } catch (err) {
      if (!(err instanceof DockerfileSyntaxError)) throw err;
      error = err;
    }
  }
  return found.length > 0 ? found : error!;
}

async function judgeText(ctx: ReachContext, file: string, text: string, request: BuildRequest, stageOn?: ReadonlyMap<string, string>): Promise<DockerfileReading[]> {
  const parsed = readings(text);
  if (parsed instanceof DockerfileSyntaxError) {
    ctx.deny('build', `${file}:${parsed.line}`, `the Dockerfile does not parse (${parsed.message}), so the engine would refuse it`, 'Fix the Dockerfile');
    return [];
  }
  for (const { reading, heredocs } of parsed) {
    const scope = new BuildScope(request);
    if (stageOn !== undefined) scope.fromStage(undefined, { env: stageOn });
    for (const instruction of reading.instructions) await judgeInstruction(ctx, { file, escape: reading.escape, scope, trigger: '', request, heredocs }, instruction);
  }
  return parsed.map((p) => p.reading);
}

/** POST /build with the context in the body: each Dockerfile the engine may read, judged. */
export async function judgeBuildContext(ctx: ReachContext, reading: BuildContextReading, request: BuildRequest): Promise<void> {
  await ctx.findings.run('build', "no instruction fetches from the host's network, runs outside the build's confinement or takes secrets", async () => {
    for (const dockerfile of reading.dockerfiles) {
      const parsed = await judgeText(ctx, dockerfile.path, dockerfile.text, request);
      // `# syntax=` makes BuildKit pull and run a frontend image that reads the file its own way.
      if (request.builder === 'buildkit' && !ctx.constraints.remoteFetch && parsed.some((r) => r.syntax !== undefined)) {
        ctx.deny(
          'build',
          `${dockerfile.path}:1 # syntax`,
          'names a frontend image that BuildKit pulls and runs to read the Dockerfile, whose instructions dockgate cannot judge',
          'Remove the syntax directive, or ask for a rule that grants remote fetches',
        );
      }
    }
    if (request.builder === 'buildkit' && request.buildArgs.has('BUILDKIT_SYNTAX') && !ctx.constraints.remoteFetch) {
      ctx.deny('build', '?buildargs BUILDKIT_SYNTAX', 'names a frontend image that BuildKit pulls and runs in place of the Dockerfile reader', 'Remove the build argument');
    }
  });
}
