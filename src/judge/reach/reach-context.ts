// Everything one judgement of container reach works with: the client's constraints and defaults, the
// engine's facts, and the findings collected so far.
import type { ContainerConstraints, ContainerDefaults } from '../container-constraints.js';
import type { EngineLookup } from '../engine-lookup.js';
import { Findings, type CheckName } from './findings.js';
import { protectedPaths } from './host-paths.js';
import { show } from './go-strings.js';

export interface NetworkFacts {
  Id: string;
  Name: string;
  Driver: string;
  Scope?: string;
  /** The owner checks read dockgate.owner here (src/judge/owner). */
  Labels?: Readonly<Record<string, string>> | null;
}

/**
 * The engine facts the reach judge asks for. `network` resolves swarm network attachments, which the
 * CLI sends by id; without it a service's network that is not a plain known name is refused.
 */
export interface ReachEngine extends EngineLookup {
  network?(ref: string): Promise<NetworkFacts | undefined>;
}

export interface ReachOptions {
  /** Host paths never allowed in binds beyond the built-in engine sockets (the gateway's own upstream and listeners). */
  protectedPaths?: readonly string[];
}

/** A look-up the engine-free pass left for later (judge-reach.ts): where, and of what. */
export interface DeferredLookup {
  field: string;
  /** `the volume "data"`. */
  what: string;
}

/** The key of a reference the judgement resolved: `container:web`. */
export function referenceKey(kind: string, ref: string): string {
  return `${kind}:${ref}`;
}

/**
 * The engine's look-ups, each remembering the full id a reference resolved to. The engine resolves a
 * name or id prefix again when the request reaches it (names before prefixes), and a rename or a new
 * name in between would change what it means: the ids are what gets forwarded.
 */
function recordingLookups(engine: ReachEngine, resolved: Map<string, string>): ReachEngine {
  const noting =
    <T>(kind: string, lookUp: (ref: string) => Promise<T | undefined>, idOf: (facts: T) => string) =>
    async (ref: string): Promise<T | undefined> => {
      const facts = await lookUp(ref);
      if (facts !== undefined) resolved.set(referenceKey(kind, ref), idOf(facts));
      return facts;
    };
  const network = engine.network?.bind(engine);
  const apiVersion = engine.apiVersion?.bind(engine);
  return {
    container: noting(
      'container',
      (ref) => engine.container(ref),
      (facts) => facts.Id,
    ),
    exec: noting(
      'exec',
      (id) => engine.exec(id),
      (facts) => facts.ID,
    ),
    image: noting(
      'image',
      (ref) => engine.image(ref),
      (facts) => facts.Id,
    ),
    // Volumes are named exactly (no prefixes, no ids): nothing to pin.
    volume: (name) => engine.volume(name),
    ...(network !== undefined && { network: noting('network', network, (facts) => facts.Id) }),
    ...(apiVersion !== undefined && { apiVersion }),
  };
}

export class ReachContext {
  readonly findings = new Findings();
  private protectedList: Promise<string[]> | undefined;
  /** Full ids of the objects the judgement looked up, by referenceKey. */
  readonly resolved = new Map<string, string>();
  /** Fields of the host paths the request mounts (binds, bind mounts, volume devices), as judged. */
  readonly hostPaths: string[] = [];
  /** The base images a build names (FROM, COPY --from, by field), as expanded; undefined: words dockgate could not expand. */
  readonly baseImages: Array<{ field: string; ref: string | undefined }> = [];
  readonly engine: ReachEngine;
  /** The look-ups this pass left for later; undefined when it makes them (see defers). */
  readonly deferred: DeferredLookup[] | undefined;

  constructor(
    readonly constraints: ContainerConstraints,
    readonly defaults: ContainerDefaults | undefined,
    engine: ReachEngine,
    readonly options: ReachOptions = {},
    pass: 'engine-free' | 'whole' = 'whole',
  ) {
    this.engine = recordingLookups(engine, this.resolved);
    this.deferred = pass === 'engine-free' ? [] : undefined;
  }

  /**
   * In the engine-free pass (judge-reach.ts), leaves the look-up of `what` at `field` for later and says so:
   * the caller skips what depends on it. A request refused on its own fields is refused without asking the
   * engine anything; one that is not is judged again, whole.
   */
  defers(field: string, what: string): boolean {
    if (this.deferred === undefined) return false;
    this.deferred.push({ field, what });
    return true;
  }

  /** Protected paths, as resolved on this host (host-paths.ts reuses a resolution for a few seconds). */
  protected(): Promise<string[]> {
    this.protectedList ??= protectedPaths(this.options.protectedPaths ?? []);
    return this.protectedList;
  }

  deny(check: CheckName, field: string, why: string, fix: string): void {
    this.findings.deny(check, field, why, fix);
  }
}

// Typed readers for validated bodies. The body reader (src/inspect) guarantees the engine's types;
// anything else is refused here rather than guessed at (a wrong type would be an error in dockerd).
// A value typed by its schema (src/inspect/schemas/) keeps its type through them.

/**
 * The fields of a decoded body by their schema names, each value checked where it is read. Helpers that
 * judge a request's HostConfig also judge an existing container's, which is the engine's inspect answer
 * as plain JSON (ContainerFacts), not a value decoded against a schema: they take this, so a field name
 * is still checked against the schema.
 */
export type FieldsOf<T> = { readonly [Name in keyof T]?: unknown };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readRecord<T extends object>(ctx: ReachContext, value: T | null | undefined, field: string): T | undefined;
export function readRecord(ctx: ReachContext, value: unknown, field: string): Record<string, unknown> | undefined;
export function readRecord(ctx: ReachContext, value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (isRecord(value)) return value;
  ctx.deny('body', field, `expected an object, got ${show(value)}`, 'Send the field as the Engine API defines it');
  return undefined;
}

export function readString(ctx: ReachContext, value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  ctx.deny('body', field, `expected a string, got ${show(value)}`, 'Send the field as the Engine API defines it');
  return undefined;
}

export function readBoolean(ctx: ReachContext, value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  ctx.deny('body', field, `expected true or false, got ${show(value)}`, 'Send the field as the Engine API defines it');
  return undefined;
}

export function readNumber(ctx: ReachContext, value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  ctx.deny('body', field, `expected a number, got ${show(value)}`, 'Send the field as the Engine API defines it');
  return undefined;
}

export function readArray<T>(ctx: ReachContext, value: readonly T[] | null | undefined, field: string): readonly T[] | undefined;
export function readArray(ctx: ReachContext, value: unknown, field: string): readonly unknown[] | undefined;
export function readArray(ctx: ReachContext, value: unknown, field: string): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value as unknown[];
  ctx.deny('body', field, `expected a list, got ${show(value)}`, 'Send the field as the Engine API defines it');
  return undefined;
}

export function readStrings(ctx: ReachContext, value: unknown, field: string): string[] {
  const list = readArray(ctx, value, field) ?? [];
  const out: string[] = [];
  list.forEach((item, i) => {
    const text = readString(ctx, item, `${field}[${i}]`);
    if (text !== undefined) out.push(text);
  });
  return out;
}

export function readStringMap(ctx: ReachContext, value: unknown, field: string): Record<string, string> {
  const map = readRecord(ctx, value, field) ?? {};
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(map)) {
    const text = readString(ctx, item, `${field}.${key}`);
    if (text !== undefined) out[key] = text;
  }
  return out;
}
