// The engine the gateway forwards to: its socket path and the pool of keep-alive connections to it.
// Connections are reused across requests (opening a unix socket per request halves throughput);
// hijacked streams get their own connection, since it never returns to the pool.
import net from 'node:net';
import { EngineConnections } from './engine-connections.js';

export interface Upstream {
  /** The engine's address as given (`unix:///var/run/docker.sock`), for messages. */
  readonly name: string;
  readonly socketPath: string;
  /** Pooled keep-alive connections for forwarded requests, their response streams and the gateway's own look-ups. */
  readonly connections: EngineConnections;
  /** Opens a dedicated half-close-capable connection for a hijacked stream. */
  connectDedicated(): net.Socket;
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
    connectDedicated: () => net.connect({ path: socketPath, allowHalfOpen: true }),
    close: () => connections.close(),
  };
}
