// Opens every `--listen` endpoint as an HTTP server in front of the one Gateway:
// unix sockets (peer identified by SO_PEERCRED) and mutual-TLS TCP (peer identified by its certificate).
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Gateway } from '../gateway/gateway.js';
import type { Identity } from '../identify/identity.js';
import { unixPeerIdentity } from '../identify/peer-credentials.js';
import { tlsPeerIdentity } from '../identify/tls-identity.js';
import type { Logger } from '../log/logger.js';
import type { ListenerSpec, TcpListenerSpec } from './listener-spec.js';
import { bindUnixListener } from './unix-listener.js';
import type { TlsMaterial } from './tls-material.js';

export interface OpenListener {
  spec: ListenerSpec;
  server: http.Server;
  /** Stops accepting and removes what the listener created (its socket file). */
  close(): Promise<void>;
}

/** Identity is computed once per connection and kept with it. */
const identities = new WeakMap<Socket, Identity>();

function serverOptions(): http.ServerOptions {
  return {
    // Uploads (image load, build contexts) may take longer than Node's default 300 s request timeout;
    // header reading keeps its own timeout.
    requestTimeout: 0,
    headersTimeout: 60_000,
    keepAliveTimeout: 5_000,
    // Never the lenient parser: it lets through the framing tricks that smuggle requests.
    insecureHTTPParser: false,
  };
}

function attach(server: http.Server, gateway: Gateway, identify: (socket: Socket) => Identity, logger: Logger): void {
  // A peer that cannot be identified is not served at all (fail closed): its connection is dropped.
  const identityOf = (socket: Socket): Identity | undefined => {
    let id = identities.get(socket);
    if (id === undefined) {
      try {
        id = identify(socket);
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'cannot identify the peer; connection dropped');
        socket.destroy();
        return undefined;
      }
      identities.set(socket, id);
    }
    return id;
  };
  server.on('request', (req, res) => {
    const id = identityOf(req.socket);
    if (id) gateway.handleRequest(req, res, id);
  });
  server.on('upgrade', (req, socket, head) => {
    const id = identityOf(req.socket);
    if (id) gateway.handleUpgrade(req, socket, head, id);
  });
}

/** Refuses, before anything is bound, a tcp listener that would have no TLS. */
export function checkListenersHaveTls(specs: readonly ListenerSpec[], tls: TlsMaterial | undefined): void {
  const bare = specs.find((spec) => spec.kind === 'tcp');
  if (bare && !tls) {
    throw new Error(`--listen ${bare.name}: a tcp listener needs --tls-ca, --tls-cert and --tls-key (clients must present a certificate signed by that CA)`);
  }
}

function tlsServer(tls: TlsMaterial): https.Server {
  return https.createServer({
    ...serverOptions(),
    ...tls,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // Without it a client's half-close (stdin EOF on exec -i) would close our side too and lose the output.
    allowHalfOpen: true,
  });
}

function listenTcp(server: http.Server, spec: TcpListenerSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: spec.host, port: spec.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function openListener(spec: ListenerSpec, gateway: Gateway, tls: TlsMaterial | undefined, logger: Logger): Promise<OpenListener> {
  if (spec.kind === 'unix') {
    const server = http.createServer(serverOptions());
    attach(server, gateway, (socket) => unixPeerIdentity(socket, spec.name), logger);
    const remove = await bindUnixListener(server, spec);
    logger.info({ listener: spec.name, mode: spec.mode.toString(8) }, 'listening');
    return { spec, server, close: async () => { await closeServer(server); await remove(); } };
  }
  checkListenersHaveTls([spec], tls);
  const server = tlsServer(tls!);
  attach(server, gateway, (socket) => tlsPeerIdentity(socket as TLSSocket, spec.name), logger);
  server.on('tlsClientError', (err: Error, socket: Socket) => {
    logger.warn({ listener: spec.name, remote: socket.remoteAddress, err: err.message }, 'TLS handshake refused');
  });
  await listenTcp(server, spec);
  logger.info({ listener: spec.name }, 'listening');
  return { spec, server, close: () => closeServer(server) };
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
