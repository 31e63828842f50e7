// What each operation of the route table does, written once per operation: the gateway's and the judge's
// tables are derived from this one or keyed by the operations it picks out, and the compiler holds them
// together. An operation added to routes.ts does not compile until it has a row here; a row that says
// `body: 'json'` does not compile until src/inspect/inspect-body.ts has its schema, nor one that says
// `reach: 'judged'` until src/judge/reach/judge-reach.ts has its judge.
//
// access: `write` for anything that can change engine, host or registry state, and for anything that
// feeds a container's stdin or opens a channel builds use (attach, exec start, /session, /grpc): it is
// recorded durably before it is forwarded (Route.mutates). POSTs that only read are not writes: /auth
// (checks credentials with a registry, stores nothing), /containers/{id}/wait (blocks until a state is
// reached) and the legacy /containers/{id}/copy (reads files). `read` for the reads a dashboard needs,
// which the read-only profile grants; `guarded-read` for the reads it does not grant, because they carry
// data out of containers, images or the swarm (export, archive, image save, join tokens, secrets) or ask
// beyond the engine (registries, the engine's debug endpoints).
//
// body: `json` when the body is read as the engine's Go decoder reads it into the operation's type and
// judged (src/inspect/inspect-body.ts); `start` for container start, whose short body the engine ignores
// and whose longer one it refuses; `unread` when the gateway forwards the body without reading it as
// JSON (a tar, an image, a stream; a classic build's context is read on its way, src/inspect/build-context/).
//
// reach: `judged` when the request can decide what a container reaches on the host (src/judge/reach/);
// `passes` when it cannot.
import { ROUTE_ROWS, type Operation } from './routes.js';

export type { Operation } from './routes.js';

export interface OperationFacts {
  readonly access: 'read' | 'guarded-read' | 'write';
  readonly body: 'json' | 'start' | 'unread';
  readonly reach: 'judged' | 'passes';
}

export const OPERATIONS = {
  'container.checkpoint.list': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'container.checkpoint.create': { access: 'write', body: 'unread', reach: 'passes' },
  'container.checkpoint.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'container.archive.head': { access: 'guarded-read', body: 'unread', reach: 'judged' },
  'container.list': { access: 'read', body: 'unread', reach: 'passes' },
  'container.export': { access: 'guarded-read', body: 'unread', reach: 'judged' },
  'container.changes': { access: 'read', body: 'unread', reach: 'passes' },
  'container.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'container.top': { access: 'read', body: 'unread', reach: 'judged' },
  'container.logs': { access: 'read', body: 'unread', reach: 'passes' },
  'container.stats': { access: 'read', body: 'unread', reach: 'passes' },
  'container.attach.ws': { access: 'write', body: 'unread', reach: 'judged' },
  'exec.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'container.archive.get': { access: 'guarded-read', body: 'unread', reach: 'judged' },
  'container.create': { access: 'write', body: 'json', reach: 'judged' },
  'container.kill': { access: 'write', body: 'unread', reach: 'passes' },
  'container.pause': { access: 'write', body: 'unread', reach: 'passes' },
  'container.unpause': { access: 'write', body: 'unread', reach: 'passes' },
  'container.restart': { access: 'write', body: 'unread', reach: 'judged' },
  'container.start': { access: 'write', body: 'start', reach: 'judged' },
  'container.stop': { access: 'write', body: 'unread', reach: 'passes' },
  'container.wait': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'container.resize': { access: 'write', body: 'unread', reach: 'passes' },
  'container.attach': { access: 'write', body: 'unread', reach: 'judged' },
  'container.copy': { access: 'guarded-read', body: 'unread', reach: 'judged' },
  'container.exec.create': { access: 'write', body: 'json', reach: 'judged' },
  'exec.start': { access: 'write', body: 'json', reach: 'judged' },
  'exec.resize': { access: 'write', body: 'unread', reach: 'passes' },
  'container.rename': { access: 'write', body: 'unread', reach: 'judged' },
  'container.update': { access: 'write', body: 'json', reach: 'judged' },
  'container.prune': { access: 'write', body: 'unread', reach: 'passes' },
  'container.commit': { access: 'write', body: 'json', reach: 'judged' },
  'container.archive.put': { access: 'write', body: 'unread', reach: 'judged' },
  'container.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'image.list': { access: 'read', body: 'unread', reach: 'passes' },
  'image.search': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'image.get': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'image.history': { access: 'read', body: 'unread', reach: 'passes' },
  'image.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'image.attestations': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'image.load': { access: 'write', body: 'unread', reach: 'passes' },
  'image.create': { access: 'write', body: 'unread', reach: 'judged' },
  'image.push': { access: 'write', body: 'unread', reach: 'passes' },
  'image.tag': { access: 'write', body: 'unread', reach: 'passes' },
  'image.prune': { access: 'write', body: 'unread', reach: 'passes' },
  'image.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'system.ping': { access: 'read', body: 'unread', reach: 'passes' },
  'system.events': { access: 'read', body: 'unread', reach: 'passes' },
  'system.info': { access: 'read', body: 'unread', reach: 'passes' },
  'system.version': { access: 'read', body: 'unread', reach: 'passes' },
  'system.df': { access: 'read', body: 'unread', reach: 'passes' },
  'system.auth': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'volume.list': { access: 'read', body: 'unread', reach: 'passes' },
  'volume.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'volume.create': { access: 'write', body: 'json', reach: 'judged' },
  'volume.prune': { access: 'write', body: 'unread', reach: 'passes' },
  'volume.update': { access: 'write', body: 'json', reach: 'passes' },
  'volume.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'image.build': { access: 'write', body: 'unread', reach: 'judged' },
  'build.prune': { access: 'write', body: 'unread', reach: 'passes' },
  'build.cancel': { access: 'write', body: 'unread', reach: 'passes' },
  session: { access: 'write', body: 'unread', reach: 'judged' },
  'swarm.init': { access: 'write', body: 'json', reach: 'judged' },
  'swarm.join': { access: 'write', body: 'json', reach: 'judged' },
  'swarm.leave': { access: 'write', body: 'unread', reach: 'judged' },
  'swarm.inspect': { access: 'guarded-read', body: 'unread', reach: 'judged' },
  'swarm.unlockkey': { access: 'guarded-read', body: 'unread', reach: 'judged' },
  'swarm.update': { access: 'write', body: 'json', reach: 'judged' },
  'swarm.unlock': { access: 'write', body: 'unread', reach: 'judged' },
  'service.list': { access: 'read', body: 'unread', reach: 'passes' },
  'service.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'service.create': { access: 'write', body: 'json', reach: 'judged' },
  'service.update': { access: 'write', body: 'json', reach: 'judged' },
  'service.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'service.logs': { access: 'read', body: 'unread', reach: 'passes' },
  'node.list': { access: 'read', body: 'unread', reach: 'passes' },
  'node.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'node.delete': { access: 'write', body: 'unread', reach: 'judged' },
  'node.update': { access: 'write', body: 'json', reach: 'judged' },
  'task.list': { access: 'read', body: 'unread', reach: 'passes' },
  'task.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'task.logs': { access: 'read', body: 'unread', reach: 'passes' },
  'secret.list': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'secret.create': { access: 'write', body: 'json', reach: 'passes' },
  'secret.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'secret.inspect': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'secret.update': { access: 'write', body: 'json', reach: 'passes' },
  'config.list': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'config.create': { access: 'write', body: 'json', reach: 'passes' },
  'config.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'config.inspect': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'config.update': { access: 'write', body: 'json', reach: 'passes' },
  'plugin.list': { access: 'read', body: 'unread', reach: 'passes' },
  'plugin.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'plugin.privileges': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'plugin.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'plugin.enable': { access: 'write', body: 'unread', reach: 'judged' },
  'plugin.disable': { access: 'write', body: 'unread', reach: 'judged' },
  'plugin.pull': { access: 'write', body: 'json', reach: 'judged' },
  'plugin.push': { access: 'write', body: 'unread', reach: 'passes' },
  'plugin.upgrade': { access: 'write', body: 'json', reach: 'judged' },
  'plugin.set': { access: 'write', body: 'json', reach: 'judged' },
  'plugin.create': { access: 'write', body: 'unread', reach: 'judged' },
  'distribution.inspect': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'network.list': { access: 'read', body: 'unread', reach: 'passes' },
  'network.inspect': { access: 'read', body: 'unread', reach: 'passes' },
  'network.create': { access: 'write', body: 'json', reach: 'judged' },
  'network.connect': { access: 'write', body: 'json', reach: 'passes' },
  'network.disconnect': { access: 'write', body: 'json', reach: 'passes' },
  'network.prune': { access: 'write', body: 'unread', reach: 'passes' },
  'network.delete': { access: 'write', body: 'unread', reach: 'passes' },
  'debug.vars': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  'debug.pprof': { access: 'guarded-read', body: 'unread', reach: 'passes' },
  grpc: { access: 'write', body: 'unread', reach: 'judged' },
} as const satisfies Readonly<Record<Operation, OperationFacts>>;

/** The operations whose fact `key` is `value` (`OperationsWith<'body', 'json'>`). */
export type OperationsWith<K extends keyof OperationFacts, V extends OperationFacts[K]> = {
  [O in Operation]: (typeof OPERATIONS)[O][K] extends V ? O : never;
}[Operation];

export type JsonBodyOperation = OperationsWith<'body', 'json'>;
export type ReachOperation = OperationsWith<'reach', 'judged'>;

/** Every operation, sorted: the runtime list of `Operation`, which policy files' operation patterns are checked against. */
export const OPERATION_NAMES: readonly Operation[] = [...new Set(ROUTE_ROWS.map((row) => row.operation))].sort();

export function isOperation(name: string): name is Operation {
  return Object.hasOwn(OPERATIONS, name);
}

/** The operations whose fact `key` is one of `values`, in OPERATION_NAMES order. */
export function operationsWith<K extends keyof OperationFacts>(key: K, ...values: readonly OperationFacts[K][]): Operation[] {
  return OPERATION_NAMES.filter((operation) => values.includes(OPERATIONS[operation][key]));
}

export function hasJsonBody(operation: Operation): operation is JsonBodyOperation {
  return OPERATIONS[operation].body === 'json';
}

export function judgesReach(operation: Operation): operation is ReachOperation {
  return OPERATIONS[operation].reach === 'judged';
}
