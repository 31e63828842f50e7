// Opens every listener as an HTTP server in front of the one Gateway: unix sockets (peer identified by
// SO_PEERCRED), mutual-TLS TCP (peer identified by its certificate), and, only when asked with a flag
// that says so, plain HTTP on loopback or on a container network's address with its allow-list (peer
// identified by its address; browsers' requests refused).
//
// A TCP connection passes, in order: the listener's network allow-list, at accept, before a TLS or HTTP
// byte is read; for TLS, the limit on its address's failed handshakes (failed-handshake-limit.ts), also at
// accept, then the handshake and the client-certificate check (client-certificate-check.ts), before the
// first request is read. Each refusal is counted, logged and recorded (connection-refusals.ts).
// Every listener counts its connections against one total (--max-connections), answers what Node's HTTP
// parser refuses with Docker-style JSON (parser-refusals.ts), and bounds how long a client may take to
// send a request head (--headers-timeout, the TLS handshake too) and to sit idle between requests.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Server as NetServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RequestHandler } from './request-handler.js';
import type { Identity } from '../identify/identity.js';
import { openPeerPidfd, unixPeerIdentity } from '../identify/peer-credentials.js';
import { withContainer, type InspectContainer } from '../identify/container-peer.js';
import { hostProc, ticksSinceBoot } from '../identify/peer-process.js';
import { tlsPeerIdentity } from '../identify/tls-identity.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../observe/metrics.js';
import { browserRequestGuard, type RequestGuard } from './browser-request-guard.js';
import { checkClientCertificate, handshakeFailure, presentedCertificate } from './client-certificate-check.js';
import { notePeer, remoteAddressOf, remoteOf, type ConnectionRefusals } from './connection-refusals.js';
import { FailedHandshakeLimit } from './failed-handshake-limit.js';
import { ServingLatch } from './serving-latch.js';
import { answerParserRefusals } from './parser-refusals.js';
import type { ConnectionBudget } from '../admit/connection-budget.js';
import type { Limits } from '../admit/limits.js';
import { CONNECTION_REFUSALS, GatewayError } from '../errors/catalogue.js';
import { closeWithRefusal } from '../answer/refusal-response.js';
import type { InsecureLoopbackListenerSpec, ListenerSpec, TcpListenerSpec } from './listener-spec.js';
import type { InsecureNetworkListenerSpec } from './insecure-network-spec.js';
import { containerNetworkHostNames } from './host-names.js';
import { isLoopbackAddress } from './network-allow-list.js';
import { revokes, type RevocationList } from './revocation-list.js';
import type { TlsContext } from './tls-context.js';
import { bindUnixListener } from './unix-listener.js';

export interface OpenListener {
  spec: ListenerSpec;
  server: http.Server;
  /** Stops accepting and removes what the listener created (its socket file). */
  close(): Promise<void>;
}

/** What every listener shares: the pipeline, the log, the refusal records, and the TLS context of tcp listeners. */
export interface ListenerContext {
  gateway: RequestHandler;
  logger: Logger;
  refusals: ConnectionRefusals;
  tls?: TlsContext;
  limits: Limits;
  /** The one count of open connections all listeners share. */
  connections: ConnectionBudget;
  /** Holds accepted connections until the gateway serves (after a privilege drop). */
  serving: ServingLatch;
  /** Counts connections and the limit's refusals, when the admin listener serves metrics. */
  metrics?: Metrics;
  /**
   * The engine's inspect of a container, which tells unix peers running in one by their container
   * (src/identify/container-peer.ts); wired by the gateway to its one engine client. Absent: unix peers are
   * known by their credentials alone.
   */
  containers?: InspectContainer;
}

/**
 * Identity is computed once per connection and kept with it: a promise while a unix peer's container is
 * looked up (once per connection, however many requests it sends), which every request of it waits for.
 */
const identities = new WeakMap<Socket, Identity | Promise<Identity>>();

/** When each unix connection was accepted (peer-process.ts ticksSinceBoot): its peer must have started before. */
const acceptedAt = new WeakMap<Socket, bigint>();

/** How often Node checks every connection against the headers timeout (so one that sends nothing is closed too). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

function serverOptions(limits: Limits): http.ServerOptions {
  return {
    // Uploads (image load, build contexts) may take longer than Node's default 300 s request timeout, and
    // streams may be idle for hours: only the head has a deadline; a body has an idle timeout (src/admit).
    requestTimeout: 0,
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(CONNECTIONS_CHECKING_INTERVAL_MS, limits.headersTimeoutMs),
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Never the lenient parser: it lets through the framing tricks that smuggle requests.
    insecureHTTPParser: false,
    // The Gateway refuses HTTP/1.1 without Host itself, with a JSON answer and a record, upgrades included.
    requireHostHeader: false,
  };
}

function attach(server: http.Server, gateway: RequestHandler, identify: (socket: Socket) => Identity | Promise<Identity>, logger: Logger, guard?: RequestGuard): void {
  // A peer that cannot be identified is not served at all (fail closed): its connection is dropped.
  const identityOf = (socket: Socket): Identity | Promise<Identity> | undefined => {
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
  // Requests of one connection wait for the same promise, so they are still handed over in order. An
  // upgraded socket buffers what the client sends meanwhile (Node leaves it neither flowing nor paused).
  const whenIdentified = (socket: Socket, serve: (id: Identity) => void): void => {
    const id = identityOf(socket);
    if (id instanceof Promise) void id.then(serve);
    else if (id !== undefined) serve(id);
  };
  server.on('request', (req, res) => whenIdentified(req.socket, (id) => gateway.handleRequest(req, res, id, guard)));
  server.on('upgrade', (req, socket, head) => whenIdentified(req.socket, (id) => gateway.handleUpgrade(req, socket, head, id, guard)));
}

/**
 * A unix peer's identity: its credentials, and, when the gateway can ask the engine, the container it runs
 * in. The look-up never fails the peer: whatever goes wrong, it is an ordinary unix peer (container-peer.ts).
 */
function unixIdentity(socket: Socket, listener: string, containers: InspectContainer | undefined, logger: Logger): Identity | Promise<Identity> {
  const peer = unixPeerIdentity(socket, listener);
  if (containers === undefined) return peer;
  // Taken now, while the connection is certainly open (the fd is read from the socket); closed once the cgroup is read.
  let pidfd: ReturnType<typeof openPeerPidfd>;
  try {
    pidfd = openPeerPidfd(socket, listener);
  } catch (err) {
    logger.warn({ err: (err as Error).message, pid: peer.pid }, "no pidfd of the peer; its container is told by the process's start time alone");
  }
  // No stamp (cannot happen: every connection is stamped on accept) reads as "accepted at boot": no process qualifies.
  return withContainer(peer, acceptedAt.get(socket) ?? 0n, containers, hostProc, pidfd)
    .catch((err: unknown) => {
      logger.error({ err: (err as Error).message, pid: peer.pid }, "cannot tell the peer's container; it is served as an ordinary unix peer");
      return { ...peer, noContainer: `the container look-up failed (${(err as Error).message})` };
    })
    .finally(() => {
      if (typeof pidfd === 'object') pidfd.close();
    });
}

/** Refuses, before anything is bound, a tcp listener that would have no TLS. */
export function checkListenersHaveTls(specs: readonly ListenerSpec[], tls: unknown): void {
  const bare = specs.find((spec) => spec.kind === 'tcp');
  if (bare && !tls) {
    throw new Error(`--listen ${bare.name}: a tcp listener needs --tls-ca, --tls-cert and --tls-key (clients must present a certificate signed by that CA)`);
  }
}

/**
 * Runs `admit` on every accepted connection before the server's own connection handling (the TLS
 * handshake, the HTTP parser) sees it: a connection it refuses is closed without a byte being read, and
 * one it admits waits for the serving latch. Node has no accept filter, so the server's 'connection'
 * listeners are wrapped.
 */
export function gateAccept(server: NetServer, serving: ServingLatch, admit: (socket: Socket) => boolean): void {
  const inner = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!admit(socket)) return;
    serving.admit(socket, () => {
      for (const listener of inner) listener.call(server, socket);
    });
  });
}

/**
 * The total of open connections: over it, a connection is closed at once (recorded), after a 503 on a
 * plain-HTTP listener; a TLS listener cannot answer before a handshake that would cost what the limit saves.
 */
function connectionLimitGate(listener: string, plainHttp: boolean, context: ListenerContext): (socket: Socket) => boolean {
  const { connections, refusals, metrics } = context;
  const reason = `${connections.max} connections are open across all listeners (--max-connections)`;
  const refusal = new GatewayError('DG_TOO_MANY_CONNECTIONS', { what: 'a new connection', why: reason, fix: CONNECTION_REFUSALS['too-many-connections'].fix });
  return (socket) => {
    if (connections.take(socket)) {
      metrics?.connection(listener);
      return true;
    }
    metrics?.limitHit(refusal.rule);
    refusals.refuse({ listener, remote: remoteOf(socket), cause: 'too-many-connections', reason });
    if (plainHttp) closeWithRefusal(socket, refusal);
    else socket.destroy();
    return false;
  };
}

/**
 * What every listener's server does besides serving requests: its accept checks in order (the network's,
 * if it has one, then the connection total), and the HTTP parser's refusals answered and recorded.
 */
function guardServer(server: http.Server, listener: string, plainHttp: boolean, context: ListenerContext, network?: (socket: Socket) => boolean): void {
  const limit = connectionLimitGate(listener, plainHttp, context);
  gateAccept(server, context.serving, network === undefined ? limit : (socket) => network(socket) && limit(socket));
  answerParserRefusals(server, listener, context.refusals, context.limits.headersTimeoutMs);
}

/** The network check of a tcp listener: its allow-list, and for the insecure listener, loopback peers only. */
function networkGate(spec: TcpListenerSpec | InsecureLoopbackListenerSpec | InsecureNetworkListenerSpec, refusals: ConnectionRefusals): (socket: Socket) => boolean {
  return (socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) {
      // Already gone: nothing to refuse, nothing to serve.
      socket.destroy();
      return false;
    }
    let reason: string | undefined;
    if (spec.kind === 'insecure-loopback' && !isLoopbackAddress(address)) {
      reason = `${address} is not a loopback address, and this listener serves loopback only`;
    } else if (spec.allow !== undefined && !spec.allow.admits(address)) {
      reason = `${address} is not in the listener's allowed networks (${spec.allow.networks.join(', ')})`;
    }
    if (reason === undefined) return true;
    refusals.refuse({ listener: spec.name, remote: remoteOf(socket), cause: 'network-not-allowed', reason });
    socket.destroy();
    return false;
  };
}

/** The accept check of a TLS listener's failed-handshake limit: an address over it is closed before its handshake. */
function failedHandshakeGate(listener: string, limit: FailedHandshakeLimit, refusals: ConnectionRefusals): (socket: Socket) => boolean {
  return (socket) => {
    const address = remoteAddressOf(socket);
    if (address === undefined || limit.admits(address)) return true;
    refusals.refuse({
      listener,
      remote: remoteOf(socket),
      cause: 'too-many-failed-handshakes',
      reason: `${address} failed more than ${limit.perSecond} TLS handshakes per second (--max-failed-handshakes-per-second): its connections are closed at accept until the rate falls`,
    });
    socket.destroy();
    return false;
  };
}

function listenTcp(server: http.Server, spec: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: spec.host, port: spec.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function openTlsListener(spec: TcpListenerSpec, context: ListenerContext): Promise<OpenListener> {
  const { gateway, logger, refusals } = context;
  checkListenersHaveTls([spec], context.tls);
  const tls = context.tls!;
  const server = https.createServer({
    ...serverOptions(context.limits),
    // A client that never finishes the handshake is a slowloris too.
    handshakeTimeout: context.limits.headersTimeoutMs,
    ...tls.serverOptions(),
    requestCert: true,
    // The certificate is checked below, after the handshake and before the first request: with
    // rejectUnauthorized Node would close the connection without saying why, and nothing could be recorded.
    rejectUnauthorized: false,
    // Without it a client's half-close (stdin EOF on exec -i) would close our side too and lose the output.
    allowHalfOpen: true,
  });
  tls.addServer(server);
  server.prependListener('connection', notePeer);
  const handshakes = new FailedHandshakeLimit(context.limits.failedHandshakesPerSecond);
  const failedHandshake = (socket: Socket): void => {
    const address = remoteAddressOf(socket);
    if (address !== undefined) handshakes.failed(address);
  };

  /** Connections whose certificate passed: closed when a reloaded CRL revokes it. */
  const admitted = new Set<TLSSocket>();
  // Prepended: runs before the HTTP server takes the connection, so a refused one never reaches the parser.
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    let refusal;
    try {
      refusal = checkClientCertificate(socket, tls.revocation);
    } catch (err) {
      refusal = { cause: 'certificate-invalid' as const, reason: `the client certificate could not be read (${(err as Error).message})` };
    }
    if (refusal !== undefined) {
      failedHandshake(socket);
      refusals.refuse({ listener: spec.name, remote: remoteOf(socket), ...refusal });
      socket.destroy();
      return;
    }
    admitted.add(socket);
    socket.once('close', () => admitted.delete(socket));
  });
  server.on('tlsClientError', (err: Error & { code?: string }, socket: Socket) => {
    // A client that just went away mid-handshake counts too: it cost the handshake all the same.
    failedHandshake(socket);
    const refusal = handshakeFailure(err);
    if (refusal === undefined) {
      logger.debug({ listener: spec.name, remote: remoteOf(socket), err: err.code ?? err.message }, 'client left during the TLS handshake');
      return;
    }
    refusals.refuse({ listener: spec.name, remote: remoteOf(socket), ...refusal });
  });
  const stopWatching = tls.onRevocation((list: RevocationList) => {
    for (const socket of admitted) {
      const cert = socket.getPeerCertificate();
      if (!cert?.raw || !revokes(list, cert.raw)) continue;
      const certificate = presentedCertificate(cert);
      refusals.refuse({
        listener: spec.name,
        remote: remoteOf(socket),
        cause: 'revoked-while-connected',
        reason: `the certificate${certificate.cn !== undefined ? ` of CN ${JSON.stringify(certificate.cn)}` : ''} (serial ${certificate.serial}) was revoked by the reloaded CRL while connected; the connection was closed`,
        certificate,
      });
      admitted.delete(socket);
      socket.destroy();
    }
  });
  const network = networkGate(spec, refusals);
  const handshakeGate = failedHandshakeGate(spec.name, handshakes, refusals);
  guardServer(server, spec.name, false, context, (socket) => network(socket) && handshakeGate(socket));
  // Only connections that passed the certificate check get an identity: a second lock on the same door.
  attach(
    server,
    gateway,
    (socket) => {
      if (!admitted.has(socket as TLSSocket)) throw new Error('the client certificate was not admitted');
      return tlsPeerIdentity(socket as TLSSocket, spec.name);
    },
    logger,
  );
  await listenTcp(server, spec);
  logger.info({ listener: spec.name, ...(spec.allow && { allow: spec.allow.networks }), crl: tls.revocation?.file }, 'listening (mutual TLS)');
  if (spec.allow === undefined && !isLoopbackAddress(spec.host)) {
    logger.warn(
      { listener: spec.name },
      'this listener accepts clients from any network (any certificate holder anywhere); add ?allow=CIDR,... to accept only the networks clients come from',
    );
  }
  return {
    spec,
    server,
    close: async () => {
      stopWatching();
      await closeServer(server);
    },
  };
}

/** A plain-HTTP listener: on loopback (`--insecure-listen-loopback`) or a container network (`--insecure-listen`, its allow-list required). */
async function openPlainListener(spec: InsecureLoopbackListenerSpec | InsecureNetworkListenerSpec, context: ListenerContext): Promise<OpenListener> {
  const { gateway, logger, refusals } = context;
  const server = http.createServer(serverOptions(context.limits));
  guardServer(server, spec.name, true, context, networkGate(spec, refusals));
  const hosts = spec.kind === 'insecure-loopback' ? spec.hosts : containerNetworkHostNames(spec.hosts, spec.port);
  attach(server, gateway, (socket) => ({ kind: 'tcp', listener: spec.name, address: remoteOf(socket) }), logger, browserRequestGuard(spec.name, hosts));
  await listenTcp(server, spec);
  if (spec.kind === 'insecure-loopback') {
    logger.warn(
      { listener: spec.name, hosts: spec.hosts, ...(spec.allow && { allow: spec.allow.networks }) },
      "listening on plain HTTP without authentication (--insecure-listen-loopback): every local process and user can reach it; requests that look like a browser's are refused",
    );
  } else {
    logger.warn(
      { listener: spec.name, address: spec.host, port: spec.port, ...(spec.interface !== undefined && { interface: spec.interface }), allow: spec.allow.networks, hosts: spec.hosts },
      "listening on plain HTTP without authentication (--insecure-listen): every client in the allowed networks can reach it; requests that look like a browser's are refused",
    );
  }
  return { spec, server, close: () => closeServer(server) };
}

export async function openListener(spec: ListenerSpec, context: ListenerContext): Promise<OpenListener> {
  if (spec.kind === 'unix') {
    const server = http.createServer(serverOptions(context.limits));
    guardServer(server, spec.name, true, context);
    if (context.containers !== undefined) server.on('connection', (socket: Socket) => acceptedAt.set(socket, ticksSinceBoot()));
    attach(server, context.gateway, (socket) => unixIdentity(socket, spec.name, context.containers, context.logger), context.logger);
    const remove = await bindUnixListener(server, spec);
    context.logger.info({ listener: spec.name, mode: spec.mode.toString(8) }, 'listening');
    return {
      spec,
      server,
      close: async () => {
        await closeServer(server);
        await remove();
      },
    };
  }
  if (spec.kind === 'tcp') return openTlsListener(spec, context);
  return openPlainListener(spec, context);
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
