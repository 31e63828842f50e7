// Keep-alive connections to the engine socket, reused request after request (opening a unix socket per
// request halves throughput). Each connection has one set of socket listeners for its whole life, which
// hand events to whichever exchange holds it: adding and removing listeners per request was measurable.
// An idle connection that the engine closes leaves the pool; one that receives bytes while idle (the
// engine never speaks unasked) is destroyed rather than reused. One idle for long is not reused either:
// dockerd 23 and later close connections idle for 5 minutes (its ReadHeaderTimeout), and a request sent
// as that close is under way would fail; the gateway lets them go well before.
// A hijack gets a connection of its own from the same place (`dedicated`): its request and the engine's
// 101 go through the same head writer and response reader as every other exchange, and after the 101 its
// socket is handed over (`handOver`) to be spliced to the client, never to return to the pool.
// A pooled connection is read without the stream machinery: its socket reads into one buffer all pooled
// connections share (net's `onread`), and each read is copied out at its own size before anything else
// runs. For small answers (a ping's is some 200 bytes) the copy is a slice of Node's buffer pool where a
// stream read allocates 64 KiB, shrinks it and pushes it through Readable; per forwarded request this saved
// 1 to 3 µs of the gateway's CPU (docs/performance.md). A dedicated connection keeps the stream
// reads: its new owner reads it with 'data' listeners after the handover.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { noteStreamedBytes } from './streamed-buffers.js';

/** How long a connection may have been idle and still be reused. */
const REUSE_WITHIN_MS = 30_000;

/** The exchange currently using a connection. */
export interface ConnectionUser {
  onBytes(chunk: Buffer): void;
  /** The connection is gone: closed by the engine, failed (`error` set), or destroyed by the gateway. */
  onClose(error: NodeJS.ErrnoException | undefined): void;
}

export class EngineConnection {
  user: ConnectionUser | undefined;
  /** False until the first response has been read on it: a fresh connection's errors mean the engine is unreachable. */
  used = false;
  /** performance.now() when it was last handed back to the pool. */
  idleSince = 0;
  private error: NodeJS.ErrnoException | undefined;
  private readonly onData = (chunk: Buffer): void => {
    noteStreamedBytes(chunk.length);
    if (this.user) this.user.onBytes(chunk);
    else this.socket.destroy();
  };
  /**
   * The engine ended its side: nothing more can be read, so the connection is closed at once (a dedicated
   * connection is half-open, and would otherwise wait for a close that never comes).
   */
  private readonly onEnd = (): void => void this.socket.destroy();
  private readonly onError = (err: NodeJS.ErrnoException): void => {
    this.error = err;
  };
  private readonly onClose = (): void => {
    this.pool?.forget(this);
    const user = this.user;
    this.user = undefined;
    user?.onClose(this.error);
  };

  readonly socket: net.Socket;

  constructor(
    /** Opens the socket; a pooled connection's with the shared read buffer. */
    open: (onread: net.OnReadOpts | undefined) => net.Socket,
    /** The pool it returns to; undefined for a dedicated connection (whose bytes come as 'data' events). */
    private readonly pool: EngineConnections | undefined,
  ) {
    const socket = open(
      pool === undefined
        ? undefined
        : {
            buffer: POOLED_READ_BUFFER,
            // Never false (which would pause the socket): an exchange pauses it itself when its client reads slower.
            callback: (bytes: number, shared: Uint8Array) => {
              this.onData(Buffer.from(shared.subarray(0, bytes)));
              return true;
            },
          },
    );
    this.socket = socket;
    if (pool === undefined) socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Hands the connection back once its exchange is complete, request and response. */
  release(): void {
    if (this.pool === undefined) {
      this.discard();
      return;
    }
    this.user = undefined;
    this.used = true;
    this.idleSince = performance.now();
    if (this.socket.isPaused()) this.socket.resume();
    this.pool.keep(this);
  }

  /** Ends the connection instead of reusing it (the exchange was cut short or the framing is in doubt). */
  discard(): void {
    this.user = undefined;
    this.socket.destroy();
  }

  /**
   * Gives the socket away once the engine has switched protocols: paused (bytes the engine sends next stay
   * in it until its new owner reads them) and without this connection's listeners, which would otherwise
   * take those bytes for an answer spoken while idle and destroy it.
   */
  handOver(): net.Socket {
    this.user = undefined;
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    return this.socket;
  }
}

/**
 * How much of an upload may wait in a connection's buffer before the client is paused. With the default
 * 16 KiB every 64 KiB read from the client paused it until the engine had taken the chunk, and uploads
 * (archives, image loads, build contexts) ran at the pace of that round trip.
 */
const UPLOAD_BUFFER = 256 * 1024;

/** What every pooled connection reads into; each read is copied out at once (the onread callback in EngineConnection's constructor), so one buffer serves them all. */
const POOLED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export class EngineConnections {
  private readonly idle: EngineConnection[] = [];
  private closed = false;

  constructor(
    private readonly socketPath: string,
    private readonly maxIdle: number,
    private readonly reuseWithinMs = REUSE_WITHIN_MS,
  ) {}

  /** The most recently used idle connection (LIFO keeps few connections warm), or a new one. */
  acquire(user: ConnectionUser): EngineConnection {
    let connection = this.idle.pop();
    if (connection !== undefined && performance.now() - connection.idleSince > this.reuseWithinMs) {
      // The newest idle connection is too old to reuse, and every one below it is older.
      connection.socket.destroy();
      for (const older of this.idle.splice(0)) older.socket.destroy();
      connection = undefined;
    }
    connection ??= new EngineConnection((onread) => this.connect(false, onread), this);
    connection.user = user;
    return connection;
  }

  /** A new connection that never joins the pool, for a hijack: half-close capable, so stdin's end can reach the container while its output flows back. */
  dedicated(user: ConnectionUser): EngineConnection {
    const connection = new EngineConnection((onread) => this.connect(true, onread), undefined);
    connection.user = user;
    return connection;
  }

  private connect(allowHalfOpen: boolean, onread?: net.OnReadOpts): net.Socket {
    // net.Socket hands its options to stream.Duplex, which reads the high-water mark; @types/node does not list it.
    return net.connect({ path: this.socketPath, allowHalfOpen, writableHighWaterMark: UPLOAD_BUFFER, ...(onread !== undefined && { onread }) } as net.NetConnectOpts);
  }

  keep(connection: EngineConnection): void {
    if (this.closed || this.idle.length >= this.maxIdle || connection.socket.destroyed) connection.socket.destroy();
    else this.idle.push(connection);
  }

  forget(connection: EngineConnection): void {
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
  }

  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.socket.destroy();
  }
}
