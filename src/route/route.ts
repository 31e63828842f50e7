// What one request means to the engine: the operation it performs and the object it targets.
// Produced by the route table from the canonical path; consumed by the judge, the forwarder and the audit trail.
import type { Operation } from './routes.js';

/** Kinds of engine objects a request can target or create. */
export type ObjectKind =
  'container' | 'exec' | 'image' | 'volume' | 'network' | 'plugin' | 'service' | 'task' | 'node' | 'secret' | 'config' | 'swarm' | 'system' | 'build' | 'session' | 'distribution';

/** How the engine answers: a normal response, a hijacked bidirectional stream, or a long-lived response stream. */
export type Transport = 'plain' | 'hijack' | 'stream';

export interface Route {
  /** Stable operation name, e.g. `container.create`, `exec.start`, `image.build`, `service.update`. */
  operation: Operation;
  /**
   * Object the path names (`{id}`/`{name}` segment), with the reference exactly as decoded, and where it
   * stands among the path's segments (`[start, end)`), so a judged full id can take its place; a create
   * named by its query has no place in the path.
   */
  target?: { kind: ObjectKind; ref: string; segments?: readonly [number, number] };
  /** True when the request can change engine or host state (it is recorded durably before it is forwarded): its operation's access is `write` (operations.ts). */
  mutates: boolean;
  transport: Transport;
  /** The kind of object whose id the engine's response carries, when the operation creates one. */
  creates?: ObjectKind;
}
