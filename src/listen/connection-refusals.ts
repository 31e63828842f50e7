// Connections refused before a request could be read (a network outside a listener's allow-list, a
// client certificate that did not pass, a certificate revoked while connected): no HTTP answer can tell
// the client why, so each is logged for the operator (with the cause's fix from the catalogue and the
// running count for its listener and cause), and recorded in the audit trail as a `phase: "connection"`
// record. Counted in-process; the counts appear in every refusal's log line and in a summary at stop.
//
// A flood (a port scan of a listener open to the world, a client retrying in a loop) must not turn into a
// flood of log and audit lines: per listener and cause, the first PER_WINDOW refusals of each window are
// recorded one by one, and the rest of the window is summed up in one record with a `count`.
import type { Socket } from 'node:net';
import { CONNECTION_REFUSALS, type ConnectionRefusalCause } from '../errors/catalogue.js';
import { describeIdentity } from '../identify/identity.js';
import { unixPeerIdentity } from '../identify/peer-credentials.js';
import { RequestIds } from '../record/request-ids.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../observe/metrics.js';
import type { ConnectionRecord, PresentedCertificate } from '../record/audit-record.js';
import type { AuditSink } from '../record/audit-sink.js';
import { recordTime } from '../record/record-time.js';

/** TCP peers as noted at accept, for refusals reported once the connection is gone. */
const notedPeers = new WeakMap<Socket, { address: string; port: number | undefined }>();

/**
 * Notes a TCP connection's peer while it can still be read: a TLS handshake that fails or times out is
 * reported after Node has closed the connection, when its address is gone.
 */
export function notePeer(socket: Socket): void {
  if (socket.remoteAddress !== undefined) notedPeers.set(socket, { address: socket.remoteAddress, port: socket.remotePort });
}

function notedPeer(socket: Socket): { address: string; port: number | undefined } | undefined {
  if (socket.remoteAddress !== undefined) return { address: socket.remoteAddress, port: socket.remotePort };
  // A TLS socket wraps the TCP connection it was accepted on (Node keeps it as `_parent`; there is no public accessor).
  return notedPeers.get(socket) ?? notedPeers.get((socket as { _parent?: Socket })._parent ?? socket);
}

/** The TCP peer's address (without its port), also once the connection is gone if it was noted; undefined over a unix socket. */
export function remoteAddressOf(socket: Socket): string | undefined {
  return notedPeer(socket)?.address;
}

/**
 * Who is at the other end, as identities and records write it: `address:port` over TCP; over a unix socket,
 * which has no address, the peer's credentials (`uid=1000(ci) gid=1000(ci) pid=4242`), so that an operator
 * can tell which local process a flood of refusals comes from.
 */
export function remoteOf(socket: Socket): string {
  const peer = notedPeer(socket);
  if (peer !== undefined) return `${peer.address}:${peer.port ?? '?'}`;
  try {
    return describeIdentity(unixPeerIdentity(socket, 'unix'));
  } catch {
    // A TCP peer that has gone has no address any more either; a closed unix peer, no credentials.
    return 'unknown (the peer had gone before it could be named)';
  }
}

export interface Refusal {
  cause: ConnectionRefusalCause;
  /** One clause written by the gateway, never request content. */
  reason: string;
  certificate?: PresentedCertificate;
}

export interface RefusedConnection extends Refusal {
  listener: string;
  /** The peer, as remoteOf() writes it. */
  remote: string;
}

export interface RefusalCount {
  listener: string;
  rule: string;
  cause: ConnectionRefusalCause;
  count: number;
}

export interface RefusalLimits {
  windowMs: number;
  perWindow: number;
}

const DEFAULT_LIMITS: RefusalLimits = { windowMs: 10_000, perWindow: 50 };

interface Window {
  start: number;
  recorded: number;
  suppressed: number;
}

export class ConnectionRefusals {
  private readonly audit: AuditSink;
  private readonly logger: Logger;
  private readonly limits: RefusalLimits;
  private readonly ids = new RequestIds();
  private readonly totals = new Map<string, RefusalCount>();
  private readonly windows = new Map<string, Window>();
  private readonly timer: NodeJS.Timeout;

  private readonly metrics: Metrics | undefined;

  constructor(audit: AuditSink, logger: Logger, limits: RefusalLimits = DEFAULT_LIMITS, metrics?: Metrics) {
    this.audit = audit;
    this.logger = logger;
    this.limits = limits;
    this.metrics = metrics;
    this.timer = setInterval(() => this.flush(), limits.windowMs);
    this.timer.unref();
  }

  /** Counts, logs and records one refused connection (the caller closes it). */
  refuse(refused: RefusedConnection): void {
    const { rule, fix } = CONNECTION_REFUSALS[refused.cause];
    const key = `${refused.listener}\0${refused.cause}`;
    const total = this.totals.get(key) ?? { listener: refused.listener, rule, cause: refused.cause, count: 0 };
    total.count += 1;
    this.totals.set(key, total);
    // Counted before the flood limit: the metric has every refusal, where the log and the trail sum some up.
    this.metrics?.connectionRefused(refused.listener, refused.cause);

    const now = Date.now();
    let window = this.windows.get(key);
    if (window === undefined || now - window.start >= this.limits.windowMs) {
      if (window !== undefined) this.sumUp(key, window);
      window = { start: now, recorded: 0, suppressed: 0 };
      this.windows.set(key, window);
    }
    if (window.recorded >= this.limits.perWindow) {
      window.suppressed += 1;
      return;
    }
    window.recorded += 1;
    this.logger.warn(
      { listener: refused.listener, remote: refused.remote, rule, cause: refused.cause, refused: total.count, fix, ...(refused.certificate && { certificate: refused.certificate }) },
      `connection refused: ${refused.reason}`,
    );
    const record: ConnectionRecord = {
      time: recordTime(),
      id: this.ids.next(),
      phase: 'connection',
      listener: refused.listener,
      remote: refused.remote,
      decision: 'deny',
      rule,
      cause: refused.cause,
      reason: refused.reason,
      ...(refused.certificate && { certificate: refused.certificate }),
    };
    this.audit.write(record);
  }

  /** Every count so far, per listener and cause. */
  counts(): RefusalCount[] {
    return [...this.totals.values()].map((c) => ({ ...c }));
  }

  /** Sums up the refusals that were only counted in windows that are over (or all, at stop). */
  flush(all = false): void {
    const now = Date.now();
    for (const [key, window] of this.windows) {
      if (all || now - window.start >= this.limits.windowMs) {
        this.sumUp(key, window);
        this.windows.delete(key);
      }
    }
  }

  /** At stop: sums up what is pending and logs the counts. */
  close(): void {
    clearInterval(this.timer);
    this.flush(true);
    const counts = this.counts();
    if (counts.length > 0) this.logger.info({ refusedConnections: counts }, 'connections refused while serving');
  }

  private sumUp(key: string, window: Window): void {
    if (window.suppressed === 0) return;
    const total = this.totals.get(key)!;
    const seconds = Math.round(this.limits.windowMs / 1000);
    const reason = `${window.suppressed} further connections refused for the same cause within ${seconds} s (more than ${this.limits.perWindow}): summed up in one record`;
    this.logger.warn({ listener: total.listener, rule: total.rule, cause: total.cause, count: window.suppressed, refused: total.count }, `connections refused: ${reason}`);
    this.audit.write({
      time: recordTime(),
      id: this.ids.next(),
      phase: 'connection',
      listener: total.listener,
      decision: 'deny',
      rule: total.rule,
      cause: total.cause,
      reason,
      count: window.suppressed,
    });
    window.suppressed = 0;
  }
}
