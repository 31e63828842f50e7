// Joins a hijacked client connection to its engine connection: bytes flow both ways with
// backpressure, and a half-close on one side is carried to the other (stdin EOF must reach the
// container while its output keeps flowing back). Both sockets must allow half-open.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { noteStreamedBytes } from './streamed-buffers.js';

export interface SpliceResult {
  /** Bytes from client to engine, and from engine to client. */
  bytesIn: number;
  bytesOut: number;
}

export function splice(client: Duplex, engine: Socket, onDone: (result: SpliceResult) => void): void {
  const result: SpliceResult = { bytesIn: 0, bytesOut: 0 };
  let open = 2;
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    onDone(result);
  };
  const closed = (): void => {
    open -= 1;
    if (open === 0) finish();
  };
  client.on('data', (chunk: Buffer) => {
    noteStreamedBytes(chunk.length);
    result.bytesIn += chunk.length;
  });
  engine.on('data', (chunk: Buffer) => {
    noteStreamedBytes(chunk.length);
    result.bytesOut += chunk.length;
  });
  // An error or an abrupt close on either side ends both: a half-dead stream would hang its peer.
  const abort = (): void => {
    client.destroy();
    engine.destroy();
  };
  client.on('error', abort);
  engine.on('error', abort);
  // A side that closes without having half-closed first went away abruptly: drop its peer.
  // After a half-close the pipe has already ended the peer, which then flushes and closes itself.
  client.on('close', () => {
    if (!engine.writableEnded) engine.destroy();
    closed();
  });
  engine.on('close', () => {
    if (!client.writableEnded) client.destroy();
    closed();
  });
  client.pipe(engine);
  engine.pipe(client);
}
