// The Node floor: the least a proxy written in Node does to forward a bodiless request, run as its own process
// (`node --import tsx node-floor-server.ts ENGINE_SOCKET LISTEN_SOCKET`) so the benchmark reads its CPU per
// request beside dockgate's and HAProxy's. Node's HTTP server reads the request (the parser any gateway on
// Node that checks framing has); each client connection has one kept-alive engine connection, read into one
// buffer (`onread`, as dockgate's pool reads); the request line is written with one header, the engine's
// answer split at its head's end, its body taken by Content-Length, and sent on with `writeHead` and `end`.
// Nothing is judged, recorded or counted; a request with a body, or an answer without a length, is a 501/502.
// It answers `GET /_ping` and `GET /vX/_ping` as the engine does, which is what the benchmark sends it.

import { createServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

const [engineSocket, listenSocket] = process.argv.slice(2);
if (engineSocket === undefined || listenSocket === undefined) throw new Error('usage: node-floor-server.ts ENGINE_SOCKET LISTEN_SOCKET');

const HEAD_END = Buffer.from('\r\n\r\n');

/** One kept-alive engine connection and the answer it waits for (one at a time, as its client connection's). */
class EngineConnection {
  private readonly socket: Socket;
  private waiting: ServerResponse | undefined;
  private received: Buffer = Buffer.alloc(0);

  /** `closed` is told when the engine's side ends, so that the next request opens another connection. */
  constructor(closed: () => void) {
    const buffer = Buffer.allocUnsafe(65_536);
    this.socket = connect({ path: engineSocket!, onread: { buffer, callback: (n) => this.onBytes(buffer.subarray(0, n)) } });
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => {
      this.fail();
      closed();
    });
  }

  ask(head: string, res: ServerResponse): void {
    this.waiting = res;
    this.socket.write(head, 'latin1');
  }

  close(): void {
    this.socket.destroy();
  }

  private onBytes(bytes: Buffer): boolean {
    this.received = this.received.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.received, bytes]);
    const end = this.received.indexOf(HEAD_END);
    if (end === -1) return true;
    const lines = this.received.toString('latin1', 0, end).split('\r\n');
    const status = Number(lines[0]!.slice(9, 12));
    const headers: string[] = [];
    let length: number | undefined;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'content-length') length = Number(value);
      headers.push(name, value);
    }
    if (length === undefined) return this.fail();
    if (this.received.length < end + 4 + length) return true;
    const body = this.received.subarray(end + 4, end + 4 + length);
    this.received = Buffer.alloc(0);
    const res = this.waiting;
    this.waiting = undefined;
    res?.writeHead(status, headers).end(body);
    return true;
  }

  private fail(): boolean {
    this.waiting?.writeHead(502).end();
    this.waiting = undefined;
    this.socket.destroy();
    return false;
  }
}

const engines = new WeakMap<Socket, EngineConnection>();
const server = createServer((req, res) => {
  res.sendDate = false; // the engine's Date is sent on
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
    res.writeHead(501).end();
    return;
  }
  let engine = engines.get(req.socket);
  if (engine === undefined) {
    const client = req.socket;
    const created = new EngineConnection(() => engines.delete(client));
    engines.set(client, created);
    req.socket.once('close', () => created.close());
    engine = created;
  }
  engine.ask(`${req.method} ${req.url} HTTP/1.1\r\nHost: docker\r\n\r\n`, res);
});
server.listen(listenSocket);
process.once('SIGTERM', () => process.exit(0));
