// Reads the body of an upgrade request, which Node's HTTP server leaves on the socket: part of it
// may be in `head` (unix sockets), the rest arrives later (TLS). Exactly Content-Length bytes are
// the body; anything after them is held back, never parsed or forwarded as a request.
import type { Duplex } from 'node:stream';
import { GatewayError } from '../errors/catalogue.js';

export interface UpgradeBody {
  body: Buffer;
  /** Bytes the client sent after the body (stream data it sent early); forwarded only after the engine's 101. */
  held: Buffer;
}

export function readUpgradeBody(socket: Duplex, head: Buffer, length: number, what: string): Promise<UpgradeBody> {
  if (head.length >= length) {
    return Promise.resolve({ body: head.subarray(0, length), held: head.subarray(length) });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [head];
    let have = head.length;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      have += chunk.length;
      if (have < length) return;
      cleanup();
      socket.pause();
      const all = Buffer.concat(chunks);
      resolve({ body: all.subarray(0, length), held: all.subarray(length) });
    };
    const onEnd = (): void => {
      cleanup();
      reject(
        new GatewayError('DG_BODY_MALFORMED', {
          what,
          why: `the connection ended after ${have} of the ${length} body bytes its Content-Length announced`,
          fix: 'Send the whole body',
        }),
      );
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.resume();
  });
}
