// The engine the gateway forwards to: its socket path and the pool of keep-alive connections to it.
// Connections are reused across requests (opening a unix socket per request halves throughput);
// hijacked streams get a dedicated connection from the same pool (`connections.dedicated`), since it never
// returns to it.
import { EngineConnections } from './engine-connections.js';

export interface Upstream {
  /** The engine's address as given (`unix:///var/run/docker.sock`), for messages. */
  readonly name: string;
  readonly socketPath: string;
  /** Every connection to the engine: pooled keep-alive ones for forwarded requests and the gateway's own look-ups, dedicated ones for hijacks. */
  readonly connections: EngineConnections;
  close(): void;
}

export function parseUpstream(arg: string): string {
  if (!arg.startsWith('unix://')) throw new Error(`--upstream ${arg}: only unix:// engine sockets are supported (unix:///var/run/docker.sock)`);
  const path = arg.slice('unix://'.length);
  if (!path.startsWith('/')) throw new Error(`--upstream ${arg}: the socket path must be absolute`);
  return path;
}

/** `--upstream` default: DOCKER_HOST when it names a unix socket, else the engine's standard socket. */
export function defaultUpstream(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host : 'unix:///var/run/docker.sock';
}

export function createUpstream(arg: string): Upstream {
  const socketPath = parseUpstream(arg);
  const connections = new EngineConnections(socketPath, 256);
  return {
    name: arg,
    socketPath,
    connections,
    close: () => connections.close(),
  };
}
