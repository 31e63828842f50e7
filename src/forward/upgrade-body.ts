// Reads the body of an upgrade request, which Node's HTTP server leaves on the socket: part of it
// may be in `head` (unix sockets), the rest arrives later (TLS). The body is exactly Content-Length
// bytes, or a chunked body up to its last chunk (BuildKit's session sends an empty one); anything after
// it is held back, never parsed or forwarded as a request.
import type { Duplex } from 'node:stream';
import { GatewayError } from '../errors/catalogue.js';
import { ChunkedDecoder } from './chunked-decoder.js';

export interface UpgradeBody {
  body: Buffer;
  /** Bytes the client sent after the body (stream data it sent early); forwarded only after the engine's 101. */
  held: Buffer;
}

/** How an upgrade request frames its body: a Content-Length, or chunked up to `limit` decoded bytes. */
export type UpgradeBodyFraming = { kind: 'length'; length: number } | { kind: 'chunked'; limit: number };

/** Takes the bytes of one body from a stream of socket reads; says when it has it all. */
interface BodyCollector {
  /** Feeds a read; returns the bytes after the body once it is complete, else undefined. */
  push(chunk: Buffer): Buffer | undefined;
  body(): Buffer;
  /** What is missing, for the message when the connection ends first. */
  shortfall(): string;
}

function lengthCollector(length: number): BodyCollector {
  const chunks: Buffer[] = [];
  let have = 0;
  return {
    push(chunk) {
      chunks.push(chunk);
      have += chunk.length;
      return have < length ? undefined : Buffer.concat(chunks).subarray(length);
    },
    body: () => Buffer.concat(chunks).subarray(0, length),
    shortfall: () => `the connection ended after ${have} of the ${length} body bytes its Content-Length announced`,
  };
}

function chunkedCollector(limit: number, what: string): BodyCollector {
  const malformed = (why: string): never => {
    throw new GatewayError('DG_BODY_MALFORMED', { what, why: `its chunked body holds ${why}`, fix: 'Send a well-formed chunked body, or the body with a Content-Length' });
  };
  const decoder = new ChunkedDecoder(malformed);
  const data: Buffer[] = [];
  let size = 0;
  return {
    push(chunk) {
      const used = decoder.push(chunk, (piece) => {
        size += piece.length;
        if (size > limit) {
          throw new GatewayError('DG_BODY_TOO_LARGE', {
            what,
            why: `the body is more than the ${limit} bytes such a request needs`,
            fix: 'Send the small JSON document the Engine API expects',
          });
        }
        data.push(Buffer.from(piece));
      });
      return decoder.done ? chunk.subarray(used) : undefined;
    },
    body: () => Buffer.concat(data),
    shortfall: () => 'the connection ended before the last chunk of its body',
  };
}

export function readUpgradeBody(socket: Duplex, head: Buffer, framing: UpgradeBodyFraming, what: string): Promise<UpgradeBody> {
  const collector = framing.kind === 'length' ? lengthCollector(framing.length) : chunkedCollector(framing.limit, what);
  try {
    const rest = collector.push(head);
    if (rest !== undefined) return Promise.resolve({ body: collector.body(), held: rest });
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      let rest: Buffer | undefined;
      try {
        rest = collector.push(chunk);
      } catch (err) {
        cleanup();
        reject(err);
        return;
      }
      if (rest === undefined) return;
      cleanup();
      socket.pause();
      resolve({ body: collector.body(), held: rest });
    };
    const onEnd = (): void => {
      cleanup();
      reject(new GatewayError('DG_BODY_MALFORMED', { what, why: collector.shortfall(), fix: 'Send the whole body' }));
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
