// The container-reach judge: given an operation the policy grants, its validated body, the route's
// target and the query, decide whether the request reaches the host beyond the client's constraints.
// Every place the engine decides a container's reach is dispatched here; other operations pass.
import type { AppliedDefault } from '../decision.js';
import type { QueryView } from '../../route/query.js';
import type { ObjectKind } from '../../route/route.js';
import type { ContainerConstraints, ContainerDefaults } from '../container-constraints.js';
import { readBuildArgs } from '../../inspect/build-context/build-args.js';
import { builderOf, isBuildContextReading } from '../../inspect/build-context/read-build-context.js';
import { judgeBuildContext } from './build-instructions.js';
import { judgeContainerCreate } from './container-create.js';
import { judgeContainerName, judgeContainerRename, judgeContainerStart, judgeContainerUpdate, judgeContainerUse, judgeExecCreate, judgeExecStart } from './container-ops.js';
import type { CheckResult, Violation } from './findings.js';
import { isRecord, ReachContext, referenceKey, type ReachEngine, type ReachOptions } from './reach-context.js';
import { judgeTopArguments } from './top-arguments.js';
import { judgeServiceSpec } from './service-spec.js';
import {
  judgeBuild,
  judgeBuildkit,
  judgeImageCreate,
  judgeNetworkCreate,
  judgePluginChange,
  judgePluginPrivileges,
  judgeSwarm,
  judgeVolumeCreate,
  SWARM_OPERATIONS,
} from './side-doors.js';

export interface ReachRequest {
  operation: string;
  target?: { kind: ObjectKind; ref: string };
  query: QueryView;
  /** The body as read by src/inspect, for operations whose body is judged. */
  body?: unknown;
  constraints: ContainerConstraints;
  defaults?: ContainerDefaults;
  engine: ReachEngine;
  options?: ReachOptions;
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
}

const CONTAINER_USES: ReadonlySet<string> = new Set([
  'container.attach',
  'container.attach.ws',
  'container.archive.get',
  'container.archive.head',
  'container.archive.put',
  'container.copy',
  'container.export',
]);

/** Operations whose reach the judge decides; every other operation passes it untouched. */
export const REACH_OPERATIONS: ReadonlySet<string> = new Set([
  'container.create',
  'container.update',
  'container.start',
  'container.restart',
  'container.exec.create',
  'exec.start',
  'container.commit',
  'container.rename',
  ...CONTAINER_USES,
  'service.create',
  'service.update',
  ...SWARM_OPERATIONS,
  'plugin.pull',
  'plugin.upgrade',
  'plugin.create',
  'plugin.set',
  'plugin.enable',
  'plugin.disable',
  'image.build',
  'image.create',
  'container.top',
  'volume.create',
  'network.create',
  'session',
  'grpc',
]);

/** Operations whose body the judge reads (the gateway must hand it over, read by src/inspect). */
export const BODY_OPERATIONS: ReadonlySet<string> = new Set([
  'container.create',
  'container.update',
  'container.start',
  'container.exec.create',
  'service.create',
  'service.update',
  'plugin.pull',
  'plugin.upgrade',
  'volume.create',
  'network.create',
]);

export function judgesReach(operation: string): boolean {
  return REACH_OPERATIONS.has(operation);
}

export async function judgeReach(request: ReachRequest): Promise<ReachOutcome> {
  const ctx = new ReachContext(request.constraints, request.defaults, request.engine, request.options);
  const { operation, body, query } = request;
  const ref = request.target?.ref;
  let forwarded: unknown;
  switch (operation) {
    case 'container.create':
      forwarded = await judgeContainerCreate(ctx, body);
      await judgeContainerName(ctx, query.get('name'), '?name');
      break;
    case 'container.rename':
      await judgeContainerRename(ctx, ref ?? '', query.get('name'));
      break;
    case 'container.update':
      forwarded = await judgeContainerUpdate(ctx, ref ?? '', body);
      break;
    case 'container.start':
    case 'container.restart':
      await judgeContainerStart(ctx, ref ?? '', body);
      break;
    case 'container.exec.create':
      await judgeExecCreate(ctx, ref ?? '', body);
      break;
    case 'exec.start':
      await judgeExecStart(ctx, ref ?? '');
      break;
    case 'container.commit':
      await judgeContainerUse(ctx, operation, query.get('container'));
      break;
    case 'service.create':
    case 'service.update':
      await judgeServiceSpec(ctx, body);
      break;
    case 'plugin.pull':
    case 'plugin.upgrade':
      judgePluginPrivileges(ctx, body);
      break;
    case 'plugin.create':
    case 'plugin.set':
    case 'plugin.enable':
    case 'plugin.disable':
      judgePluginChange(ctx, operation);
      break;
    case 'image.build':
      await judgeBuild(ctx, query);
      if (isBuildContextReading(body)) {
        await judgeBuildContext(ctx, body, { builder: builderOf(query), buildArgs: readBuildArgs(query.get('buildargs')) });
      }
      break;
    case 'image.create':
      judgeImageCreate(ctx, query);
      break;
    case 'container.top':
      judgeTopArguments(ctx, query.get('ps_args'));
      break;
    case 'volume.create':
      await judgeVolumeCreate(ctx, body);
      break;
    case 'network.create':
      judgeNetworkCreate(ctx, body);
      break;
    case 'session':
    case 'grpc':
      judgeBuildkit(ctx, operation === 'session' ? '/session' : '/grpc');
      break;
    default:
      if (CONTAINER_USES.has(operation)) await judgeContainerUse(ctx, operation, ref);
      else if (SWARM_OPERATIONS.has(operation)) judgeSwarm(ctx, operation);
      else ctx.findings.skip('operation', `${operation} does not decide a container's reach`);
  }
  const { violations, checks, changes } = ctx.findings;
  const image = operation === 'container.create' && isRecord(body) && typeof body['Image'] === 'string' ? ctx.resolved.get(referenceKey('image', body['Image'])) : undefined;
  return {
    violations,
    checks,
    changes,
    resolved: ctx.resolved,
    ...(changes.length > 0 && forwarded !== undefined && { body: forwarded }),
    ...(image !== undefined && { createdFromImage: image }),
  };
}
