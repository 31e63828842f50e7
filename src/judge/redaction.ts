// What a rule redacts from the engine's answers to reads (`redact: [env, mounts, secrets, labels:PATTERN]`),
// and where each kind sits in the answer of each operation that carries it. The decision carries the
// rule's Redaction; the forward step turns it into the answer's targets (redactionTargets) and rewrites
// those values as the answer streams (src/forward/json-redactor.ts).
import type { Operation } from '../route/operations.js';

export const REDACT_KINDS = ['env', 'mounts', 'secrets', 'labels'] as const;
export type RedactKind = (typeof REDACT_KINDS)[number];

export interface Redaction {
  /** Environment values (`NAME=value` keeps NAME), plugin settings' env values. */
  readonly env: boolean;
  /** Host sources of binds and mounts. */
  readonly mounts: boolean;
  /** Secret and config data, and the engine's proxy URLs (which may carry credentials). */
  readonly secrets: boolean;
  /** Label keys whose values are redacted, as `*` globs (`*` alone: every label). */
  readonly labels: readonly string[];
}

/** What `--profile read-only` and the dashboard presets redact: everything but labels (dashboards route by them). */
export const READ_REDACTION: Redaction = { env: true, mounts: true, secrets: true, labels: [] };

/** Reads one `redact:` entry (`env`, `mounts`, `secrets`, `labels:PATTERN`); a message when it is not one. */
export function redactEntryProblem(entry: string): string | undefined {
  if (entry === 'env' || entry === 'mounts' || entry === 'secrets') return undefined;
  if (entry.startsWith('labels:') && entry.length > 'labels:'.length) return undefined;
  return `expected env, mounts, secrets or labels:PATTERN (a label key, * matching any characters), got ${JSON.stringify(entry)}`;
}

/** The Redaction a rule's checked `redact:` entries describe. */
export function parseRedaction(entries: readonly string[]): Redaction {
  return {
    env: entries.includes('env'),
    mounts: entries.includes('mounts'),
    secrets: entries.includes('secrets'),
    labels: entries.filter((e) => e.startsWith('labels:')).map((e) => e.slice('labels:'.length)),
  };
}

/** How a redaction reads in `policy explain` and messages: `env, mounts, labels:*password*`. */
export function describeRedaction(redaction: Redaction): string {
  const kinds = (['env', 'mounts', 'secrets'] as const).filter((k) => redaction[k]);
  return [...kinds, ...redaction.labels.map((p) => `labels:${p}`)].join(', ');
}

export function redactsAnything(redaction: Redaction): boolean {
  return redaction.env || redaction.mounts || redaction.secrets || redaction.labels.length > 0;
}

/** One step of a path into the answer: an object key, any array element, any key, or a label key the rule's patterns match. */
export type PathStep = string | typeof ANY_ELEMENT | typeof ANY_KEY | typeof LABEL_KEY;
export const ANY_ELEMENT = Symbol('[*]');
export const ANY_KEY = Symbol('<any>');
export const LABEL_KEY = Symbol('label');

/**
 * How a string value at a target is rewritten: `whole` replaces it; `after-equals` keeps what precedes the
 * first `=` (an env variable's name); `before-colon` replaces what precedes the first `:` (a bind's source).
 */
export type RewriteMode = 'whole' | 'after-equals' | 'before-colon';

export interface RedactionTarget {
  readonly path: readonly PathStep[];
  readonly mode: RewriteMode;
  readonly kind: RedactKind;
}

type Shape = readonly [kind: RedactKind, path: string, mode: RewriteMode];

/** A container's configuration as `inspect` shows it (Config, HostConfig, Mounts). */
const CONTAINER: readonly Shape[] = [
  ['env', 'Config.Env[*]', 'after-equals'],
  ['mounts', 'HostConfig.Binds[*]', 'before-colon'],
  ['mounts', 'HostConfig.Mounts[*].Source', 'whole'],
  ['mounts', 'Mounts[*].Source', 'whole'],
  ['labels', 'Config.Labels.<label>', 'whole'],
  // Log drivers' options carry their credentials (splunk-token, the address of a syslog or fluentd server).
  ['secrets', 'HostConfig.LogConfig.Config.<any>', 'whole'],
];
/** A container as `ps` lists it. */
const LISTED_CONTAINER: readonly Shape[] = [
  ['mounts', 'Mounts[*].Source', 'whole'],
  ['labels', 'Labels.<label>', 'whole'],
];
/**
 * A swarm task's container spec (under Spec.TaskTemplate of a service, under Spec of a task), and the
 * plugin spec a plugin service runs instead (its Go fields are lower-case, and so is its JSON: `env`).
 */
function containerSpec(at: string): Shape[] {
  return [
    ['env', `${at}.ContainerSpec.Env[*]`, 'after-equals'],
    ['mounts', `${at}.ContainerSpec.Mounts[*].Source`, 'whole'],
    ['labels', `${at}.ContainerSpec.Labels.<label>`, 'whole'],
    ['env', `${at}.PluginSpec.env[*]`, 'after-equals'],
  ];
}
const SERVICE: readonly Shape[] = [
  ...containerSpec('Spec.TaskTemplate'),
  ...containerSpec('PreviousSpec.TaskTemplate'),
  ['labels', 'Spec.Labels.<label>', 'whole'],
  ['labels', 'PreviousSpec.Labels.<label>', 'whole'],
];
const TASK: readonly Shape[] = [...containerSpec('Spec'), ['labels', 'Labels.<label>', 'whole']];
/** Secrets and configs: the engine never returns a secret's data, but a config's is its content. */
const SECRET_OR_CONFIG: readonly Shape[] = [
  ['secrets', 'Spec.Data', 'whole'],
  ['labels', 'Spec.Labels.<label>', 'whole'],
];
/** An image's configuration: an `ENV` baked in by its Dockerfile or a commit is as secret as a container's. */
const IMAGE: readonly Shape[] = [
  ['env', 'Config.Env[*]', 'after-equals'],
  ['env', 'ContainerConfig.Env[*]', 'after-equals'],
  ['labels', 'Config.Labels.<label>', 'whole'],
  ['labels', 'ContainerConfig.Labels.<label>', 'whole'],
];
const LISTED_IMAGE: readonly Shape[] = [['labels', 'Labels.<label>', 'whole']];
/** A volume's driver options carry mount credentials (`o=username=...,password=...` of a CIFS volume). */
const VOLUME: readonly Shape[] = [
  ['secrets', 'Options.<any>', 'whole'],
  ['labels', 'Labels.<label>', 'whole'],
];
const NETWORK: readonly Shape[] = [
  ['secrets', 'Options.<any>', 'whole'],
  ['labels', 'Labels.<label>', 'whole'],
];
/** The swarm's join tokens make whoever holds them a worker or a manager (root on every node). */
const SWARM: readonly Shape[] = [
  ['secrets', 'JoinTokens.Worker', 'whole'],
  ['secrets', 'JoinTokens.Manager', 'whole'],
  ['labels', 'Spec.Labels.<label>', 'whole'],
];
const NODE: readonly Shape[] = [
  ['labels', 'Spec.Labels.<label>', 'whole'],
  ['labels', 'Description.Engine.Labels.<label>', 'whole'],
];
const PLUGIN: readonly Shape[] = [
  ['env', 'Settings.Env[*]', 'after-equals'],
  ['env', 'Config.Env[*].Value', 'whole'],
  ['mounts', 'Settings.Mounts[*].Source', 'whole'],
  ['mounts', 'Config.Mounts[*].Source', 'whole'],
];
const INFO: readonly Shape[] = [
  ['secrets', 'HttpProxy', 'whole'],
  ['secrets', 'HttpsProxy', 'whole'],
];
/** An event's actor attributes are the container's (or service's, volume's...) labels, with its name and image. */
const EVENT: readonly Shape[] = [['labels', 'Actor.Attributes.<label>', 'whole']];

const listUnder = (at: string, shapes: readonly Shape[]): Shape[] => shapes.map(([kind, path, mode]) => [kind, `${at}[*].${path}`, mode]);
const list = (shapes: readonly Shape[]): Shape[] => listUnder('', shapes);

/** The operations whose answers carry what a rule may redact, and where. */
const ANSWER_SHAPES: Partial<Record<Operation, readonly Shape[]>> = {
  'container.inspect': CONTAINER,
  'container.list': list(LISTED_CONTAINER),
  'image.inspect': IMAGE,
  'image.list': list(LISTED_IMAGE),
  // A history's CreatedBy is the instruction that made each layer: `ENV TOKEN=...` and `RUN` lines with their values.
  'image.history': [['env', '[*].CreatedBy', 'whole']],
  'volume.inspect': VOLUME,
  'volume.list': listUnder('Volumes', VOLUME),
  'network.inspect': NETWORK,
  'network.list': list(NETWORK),
  'system.df': [...listUnder('Containers', LISTED_CONTAINER), ...listUnder('Volumes', VOLUME), ...listUnder('Images', LISTED_IMAGE)],
  'service.inspect': SERVICE,
  'service.list': list(SERVICE),
  'task.inspect': TASK,
  'task.list': list(TASK),
  'secret.inspect': SECRET_OR_CONFIG,
  'secret.list': list(SECRET_OR_CONFIG),
  'config.inspect': SECRET_OR_CONFIG,
  'config.list': list(SECRET_OR_CONFIG),
  'swarm.inspect': SWARM,
  'swarm.unlockkey': [['secrets', 'UnlockKey', 'whole']],
  'node.inspect': NODE,
  'node.list': list(NODE),
  'plugin.inspect': PLUGIN,
  'plugin.list': list(PLUGIN),
  'system.info': INFO,
  // A stream of event objects, each read from the top.
  'system.events': EVENT,
};

function parsePath(path: string): PathStep[] {
  return path.split('.').flatMap((part): PathStep[] => {
    if (part === '<label>') return [LABEL_KEY];
    if (part === '<any>') return [ANY_KEY];
    if (part === '[*]') return [ANY_ELEMENT];
    return part.endsWith('[*]') ? [part.slice(0, -3), ANY_ELEMENT] : [part];
  });
}

/** Targets worked out once per redaction (a rule's) and operation: every request of a redacting rule asks. */
const targetsOf = new WeakMap<Redaction, Map<Operation, readonly RedactionTarget[]>>();

/** Where the redaction applies in the answer to the operation; empty when it carries nothing the redaction covers. */
export function redactionTargets(operation: Operation, redaction: Redaction): readonly RedactionTarget[] {
  let byOperation = targetsOf.get(redaction);
  if (byOperation === undefined) {
    byOperation = new Map<Operation, readonly RedactionTarget[]>();
    targetsOf.set(redaction, byOperation);
  }
  let targets = byOperation.get(operation);
  if (targets === undefined) {
    targets = (ANSWER_SHAPES[operation] ?? [])
      .filter(([kind]) => (kind === 'labels' ? redaction.labels.length > 0 : redaction[kind]))
      .map(([kind, path, mode]) => ({ kind, path: parsePath(path), mode }));
    byOperation.set(operation, targets);
  }
  return targets;
}

/** Whether a label key is one the patterns name (`*` matches any run of characters). */
export function labelMatches(patterns: readonly string[], key: string): boolean {
  return patterns.some((pattern) => globRegExp(pattern).test(key));
}

const globs = new Map<string, RegExp>();
function globRegExp(pattern: string): RegExp {
  let re = globs.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
    globs.set(pattern, re);
  }
  return re;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
