// Keep-alive connections to the engine socket, reused request after request (opening a unix socket per
// request halves throughput). Each connection has one set of socket listeners for its whole life, which
// hand events to whichever exchange holds it: adding and removing listeners per request was measurable.
// An idle connection that the engine closes leaves the pool; one that receives bytes while idle (the
// engine never speaks unasked) is destroyed rather than reused. One idle for long is not reused either:
// dockerd 23 and later close connections idle for 5 minutes (its ReadHeaderTimeout), and a request sent
// as that close is under way would fail; the gateway lets them go well before.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

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

  constructor(
    readonly socket: net.Socket,
    private readonly pool: EngineConnections,
  ) {
    socket.on('data', (chunk: Buffer) => {
      if (this.user) this.user.onBytes(chunk);
      else socket.destroy();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (this.error = err));
    socket.on('close', () => {
      pool.forget(this);
      const user = this.user;
      this.user = undefined;
      user?.onClose(this.error);
    });
  }

  /** Hands the connection back once its exchange is complete, request and response. */
  release(): void {
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
}

/**
 * How much of an upload may wait in a connection's buffer before the client is paused. With the default
 * 16 KiB every 64 KiB read from the client paused it until the engine had taken the chunk, and uploads
 * (archives, image loads, build contexts) ran at the pace of that round trip.
 */
const UPLOAD_BUFFER = 256 * 1024;

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
    connection ??= new EngineConnection(this.connect(), this);
    connection.user = user;
    return connection;
  }

  private connect(): net.Socket {
    // net.Socket hands its options to stream.Duplex, which reads the high-water mark; @types/node does not list it.
    return net.connect({ path: this.socketPath, writableHighWaterMark: UPLOAD_BUFFER } as net.NetConnectOpts);
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
