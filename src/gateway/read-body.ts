// Reads a whole request body that the gateway must hold (to judge it or to send it in one piece),
// refusing bodies over the limit with 413 instead of buffering without bound. The body is copied into one
// buffer as it arrives: a Content-Length sized exactly, a chunked body grown by doubling. Kept as the
// socket's reads, a body sent a byte at a time would cost a Buffer object per byte, some hundred times
// its size. The buffer is taken from the request's memory hold (src/admit/body-budgets.ts) before it is
// allocated, so a body over the budget is refused before a byte of it is read, or as soon as it grows past it.
import type { IncomingMessage } from 'node:http';
import type { BudgetHold } from '../admit/byte-budget.js';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import { noteStreamedBytes } from '../forward/streamed-buffers.js';

/** Where a chunked body starts: most judged bodies are a few KiB. */
const CHUNKED_START = 16 * 1024;

function tooLarge(what: string, limit: number): GatewayError {
  return new GatewayError('DG_BODY_TOO_LARGE', {
    what,
    why: `the body exceeds the ${limit} bytes dockgate reads for this request`,
    fix: 'Send a smaller body',
  });
}

export function readBody(req: IncomingMessage, limit: number, what: string, hold: BudgetHold): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Node's parser has checked that a Content-Length is one decimal number.
    const announced = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
    if (announced !== undefined && announced > limit) return reject(tooLarge(what, limit));
    let body: Buffer;
    try {
      hold.add(announced ?? CHUNKED_START);
      body = Buffer.allocUnsafe(announced ?? CHUNKED_START);
    } catch (err) {
      return reject(err);
    }
    let size = 0;
    const stop = (error: unknown): void => {
      req.removeAllListeners('data');
      req.pause();
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      noteStreamedBytes(chunk.length);
      const needed = size + chunk.length;
      if (needed > limit) return stop(tooLarge(what, limit));
      if (needed > body.length) {
        // Only a chunked body grows (Node's parser ends a Content-Length body at its length).
        const grown = Math.min(limit, Math.max(needed, 2 * body.length));
        try {
          hold.add(grown - body.length);
        } catch (err) {
          return stop(err);
        }
        const larger = Buffer.allocUnsafe(grown);
        body.copy(larger, 0, 0, size);
        body = larger;
      }
      chunk.copy(body, size);
      size = needed;
    });
    req.on('end', () => resolve(body.subarray(0, size)));
    req.on('error', (err: Error) => reject(bodyReadFailure(err, what)));
  });
}

/**
 * Reads and discards what is left of a refused request's body, up to `limit` bytes, and resolves with
 * whether all of it arrived. The refusal goes out after that: a client still writing its body (the
 * Docker CLI writes headers and body separately) would otherwise hit a closed connection and show a
 * broken pipe instead of the refusal. A larger body is not waited for; its connection is closed.
 */
export function discardBody(req: IncomingMessage, limit: number): Promise<boolean> {
  if (req.complete || req.readableEnded) return Promise.resolve(true);
  // Destroyed (timed out, or its connection gone): nothing more will arrive, nor an event saying so.
  if (req.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let size = 0;
    const onData = (chunk: Buffer): void => {
      noteStreamedBytes(chunk.length);
      size += chunk.length;
      if (size > limit) finish(false);
    };
    const finish = (complete: boolean): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      if (!complete) req.pause();
      resolve(complete);
    };
    const onEnd = (): void => finish(true);
    const onError = (): void => finish(false);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.resume();
  });
}

/**
 * Bad chunk framing, or a client that hung up mid-body: Node's parser has already answered (a 400) or the
 * connection is gone, but the refusal is still recorded as what it is, not as a failure of ours. A refusal
 * the request was destroyed with (the body idle timeout) is that refusal.
 */
export function bodyReadFailure(err: Error, what: string): GatewayError {
  if (isGatewayError(err)) return err;
  return new GatewayError('DG_BODY_MALFORMED', {
    what,
    why: `the body could not be read (${err.message})`,
    fix: 'Send the body framed by a Content-Length or valid chunked encoding, and send all of it',
  });
}
