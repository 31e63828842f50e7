// The container-reach judge: given an operation the policy grants, its validated body, the route's
// target and the query, decide whether the request reaches the host beyond the client's constraints.
// Every place the engine decides a container's reach is dispatched here; other operations pass.
import type { AppliedDefault } from '../decision.js';
import type { JsonBodyOf } from '../../inspect/inspect-body.js';
import { judgesReach, OPERATION_NAMES, type JsonBodyOperation, type Operation, type ReachOperation } from '../../route/operations.js';
import type { QueryView } from '../../route/query.js';
import type { ObjectKind } from '../../route/route.js';
import type { ContainerConstraints, ContainerDefaults } from '../container-constraints.js';
import { readBuildArgs } from '../../inspect/build-context/build-args.js';
import { builderOf, isBuildContextReading } from '../../inspect/build-context/read-build-context.js';
import { judgeBuildContext } from './build-instructions.js';
import { judgeContainerCreate } from './container-create.js';
import { judgeContainerName, judgeContainerRename, judgeContainerStart, judgeContainerUpdate, judgeContainerUse, judgeExecCreate, judgeExecStart } from './container-ops.js';
import type { CheckResult, Violation } from './findings.js';
import { isRecord, ReachContext, referenceKey, type DeferredLookup, type ReachEngine, type ReachOptions } from './reach-context.js';
import { judgeTopArguments } from './top-arguments.js';
import { onceEach } from './engine-asked-once.js';
import { judgeServiceSpec } from './service-spec.js';
import { judgeBuild, judgeBuildkit, judgeImageCreate, judgeNetworkCreate, judgePluginChange, judgePluginPrivileges, judgeSwarm, judgeVolumeCreate } from './side-doors.js';

export interface ReachRequest {
  operation: Operation;
  target?: { kind: ObjectKind; ref: string };
  query: QueryView;
  /** The body as read by src/inspect, for operations whose body is judged. */
  body?: unknown;
  constraints: ContainerConstraints;
  defaults?: ContainerDefaults;
  engine: ReachEngine;
  options?: ReachOptions;
  /**
   * The rule forwards what it refuses (warn mode, learning what would be denied): judged whole at once,
   * never refused on its own fields first, so that its record names every reason.
   */
  forwardsRefusals?: boolean;
}

export interface ReachOutcome {
  violations: readonly Violation[];
  checks: readonly CheckResult[];
  changes: readonly AppliedDefault[];
  /** The body to forward when the judge changed it (defaults, pinned references); absent otherwise. */
  body?: unknown;
  /** Full ids of the objects the judgement looked up, by referenceKey (`container:web`). */
  resolved: ReadonlyMap<string, string>;
  /** For a container create that looked its image up: the image's full id (Decision.createdFromImage). */
  createdFromImage?: string;
  /** The base images a build names, as ReachContext.baseImages (the owner's check of them). */
  baseImages: ReadonlyArray<{ field: string; ref: string | undefined }>;
  /** A request refused on its own fields: the look-ups that were not made (ReachJudge.engineFreeFirst). */
  notLookedUp?: readonly DeferredLookup[];
}

/**
 * The body of an operation whose body is JSON, as the gateway hands it over: the value src/inspect decoded
 * for that operation (readJudgedBody, against the schema of inspect-body.ts), or nothing or null where the
 * operation takes them. The judges still check every value's JSON type where they read it (reach-context.ts
 * readers), so a body of another shape is refused, not trusted.
 */
function decoded<O extends JsonBodyOperation>(body: unknown): JsonBodyOf<O> | null | undefined {
  return body as JsonBodyOf<O> | null | undefined;
}

/** How one operation's reach is judged. */
interface ReachJudge {
  /** Whether the judge reads the body (the gateway must hand it over, read by src/inspect). */
  readonly readsBody: boolean;
  /** Collects findings in `ctx`; resolves to the body to forward where the judge completed it (create, update). */
  judge(ctx: ReachContext, request: ReachRequest): Promise<unknown> | void;
  /**
   * Judged first without the engine (ReachContext.defers), and refused then and there when its own fields
   * refuse it: an engine look-up costs a refusal more than the rest of its judgement, and can only add
   * reasons to it. Only for judges whose every look-up site defers, or a look-up would be made twice.
   */
  readonly engineFreeFirst?: true;
}

/** An operation that hands an existing container's reach to the client (attach, archive, copy, export). */
function containerUse(verb: string): ReachJudge {
  return { readsBody: false, judge: (ctx, { target }) => judgeContainerUse(ctx, verb, target?.ref) };
}

const swarm: ReachJudge = { readsBody: false, judge: (ctx, { operation }) => judgeSwarm(ctx, operation) };

function pluginChange(why: string): ReachJudge {
  return { readsBody: false, judge: (ctx, { operation }) => judgePluginChange(ctx, operation, why) };
}

function buildkit(path: string): ReachJudge {
  return { readsBody: false, judge: (ctx) => judgeBuildkit(ctx, path) };
}

/** The judge of every operation that decides a container's reach (`reach: 'judged'` in src/route/operations.ts). */
const JUDGES: Readonly<Record<ReachOperation, ReachJudge>> = {
  'container.archive.head': containerUse('reads file information from'),
  'container.export': containerUse('exports the filesystem of'),
  'container.top': { readsBody: false, judge: (ctx, { query }) => judgeTopArguments(ctx, query.get('ps_args')) },
  'container.attach.ws': containerUse('attaches to'),
  'container.archive.get': containerUse('copies files out of'),
  'container.create': {
    readsBody: true,
    engineFreeFirst: true,
    judge: async (ctx, { body, query }) => {
      const forwarded = await judgeContainerCreate(ctx, decoded<'container.create'>(body));
      await judgeContainerName(ctx, query.get('name'), '?name');
      return forwarded;
    },
  },
  // Restart's body is not read (the engine ignores it); start's is, and must be empty.
  'container.restart': { readsBody: false, judge: (ctx, { target, body }) => judgeContainerStart(ctx, target?.ref ?? '', body) },
  'container.start': { readsBody: true, judge: (ctx, { target, body }) => judgeContainerStart(ctx, target?.ref ?? '', body) },
  'container.attach': containerUse('attaches to'),
  'container.copy': containerUse('copies files out of'),
  'container.exec.create': { readsBody: true, judge: (ctx, { target, body }) => judgeExecCreate(ctx, target?.ref ?? '', decoded<'container.exec.create'>(body)) },
  'exec.start': { readsBody: false, judge: (ctx, { target }) => judgeExecStart(ctx, target?.ref ?? '') },
  'container.rename': { readsBody: false, judge: (ctx, { target, query }) => judgeContainerRename(ctx, target?.ref ?? '', query.get('name')) },
  'container.update': { readsBody: true, judge: (ctx, { target, body }) => judgeContainerUpdate(ctx, target?.ref ?? '', decoded<'container.update'>(body)) },
  // The container is named in the query, not the path.
  'container.commit': { readsBody: false, judge: (ctx, { query }) => judgeContainerUse(ctx, 'commits', query.get('container')) },
  'container.archive.put': containerUse('copies files into'),
  'image.create': { readsBody: false, judge: (ctx, { query }) => judgeImageCreate(ctx, query) },
  'volume.create': { readsBody: true, judge: (ctx, { body }) => judgeVolumeCreate(ctx, decoded<'volume.create'>(body)) },
  'image.build': {
    readsBody: false,
    judge: async (ctx, { body, query }) => {
      await judgeBuild(ctx, query);
      if (isBuildContextReading(body)) {
        await judgeBuildContext(ctx, body, { builder: builderOf(query), buildArgs: readBuildArgs(query.get('buildargs')) });
      }
    },
  },
  session: buildkit('/session'),
  'swarm.init': swarm,
  'swarm.join': swarm,
  'swarm.leave': swarm,
  'swarm.inspect': swarm,
  'swarm.unlockkey': swarm,
  'swarm.update': swarm,
  'swarm.unlock': swarm,
  'service.create': { readsBody: true, judge: (ctx, { body }) => judgeServiceSpec(ctx, decoded<'service.create'>(body)) },
  'service.update': { readsBody: true, judge: (ctx, { body }) => judgeServiceSpec(ctx, decoded<'service.update'>(body)) },
  'node.delete': swarm,
  'node.update': swarm,
  'plugin.enable': pluginChange('runs a plugin as root with the privileges it was granted'),
  'plugin.disable': pluginChange('stops a plugin the host relies on'),
  'plugin.pull': { readsBody: true, judge: (ctx, { body }) => judgePluginPrivileges(ctx, decoded<'plugin.pull'>(body)) },
  'plugin.upgrade': { readsBody: true, judge: (ctx, { body }) => judgePluginPrivileges(ctx, decoded<'plugin.upgrade'>(body)) },
  'plugin.set': pluginChange("changes a plugin's host mounts, devices or settings"),
  'plugin.create': pluginChange('creates a plugin whose configuration can ask for any host privilege'),
  'network.create': { readsBody: true, judge: (ctx, { body }) => judgeNetworkCreate(ctx, decoded<'network.create'>(body)) },
  grpc: buildkit('/grpc'),
};

/** Operations whose body the judge reads (the gateway must hand it over, read by src/inspect). */
export const BODY_OPERATIONS: ReadonlySet<Operation> = new Set(OPERATION_NAMES.filter((operation) => judgesReach(operation) && JUDGES[operation].readsBody));

/**
 * Judges what the request would let a container reach: in one pass, or for a judge that is engine-free
 * first (ReachJudge.engineFreeFirst), a first pass on the request's own fields, which is the judgement when
 * it refuses or left no look-up for later, and else a second, whole one.
 */
export async function judgeReach(request: ReachRequest): Promise<ReachOutcome> {
  const { operation } = request;
  if (!judgesReach(operation)) {
    const ctx = new ReachContext(request.constraints, request.defaults, request.engine, request.options);
    ctx.findings.skip('operation', `${operation} does not decide a container's reach`);
    return outcome(request, ctx, undefined);
  }
  const judge = JUDGES[operation];
  if (judge.engineFreeFirst && request.forwardsRefusals !== true) {
    // What the first pass looked up all the same (an image's user) is not asked again by the second.
    request = { ...request, engine: onceEach(request.engine) };
    const first = new ReachContext(request.constraints, request.defaults, request.engine, request.options, 'engine-free');
    const forwarded = await judge.judge(first, request);
    const deferred = first.deferred!;
    // Complete when nothing was left for later; refused already when its own fields refuse it.
    if (deferred.length === 0 || first.findings.denied) return outcome(request, first, forwarded, deferred);
  }
  const ctx = new ReachContext(request.constraints, request.defaults, request.engine, request.options);
  return outcome(request, ctx, await judge.judge(ctx, request));
}

function outcome(request: ReachRequest, ctx: ReachContext, forwarded: unknown, deferred: readonly DeferredLookup[] = []): ReachOutcome {
  const { operation, body } = request;
  const { violations, checks, changes } = ctx.findings;
  const create = operation === 'container.create' ? decoded<'container.create'>(body) : undefined;
  const image = isRecord(create) && typeof create.Image === 'string' ? ctx.resolved.get(referenceKey('image', create.Image)) : undefined;
  return {
    violations,
    checks,
    changes,
    resolved: ctx.resolved,
    baseImages: ctx.baseImages,
    ...(changes.length > 0 && forwarded !== undefined && { body: forwarded }),
    ...(image !== undefined && { createdFromImage: image }),
    ...(deferred.length > 0 && { notLookedUp: deferred }),
  };
}
