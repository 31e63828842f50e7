// Reads a whole request body that the gateway must hold (to judge it or to send it in one piece),
// refusing bodies over the limit with 413 instead of buffering without bound.
import type { IncomingMessage } from 'node:http';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';

export function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(
          new GatewayError('DG_BODY_TOO_LARGE', {
            what,
            why: `the body exceeds the ${limit} bytes dockgate reads for this request`,
            fix: 'Send a smaller body',
          }),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    // Bad chunk framing, or a client that hung up mid-body: Node's parser has already answered (a
    // 400) or the connection is gone, but the refusal is still recorded as what it is, not as a failure of
    // ours. A refusal the request was destroyed with (the body idle timeout) is that refusal.
    req.on('error', (err: Error) =>
      reject(
        isGatewayError(err) ? err : new GatewayError('DG_BODY_MALFORMED', {
          what,
          why: `the body could not be read (${err.message})`,
          fix: 'Send the body framed by a Content-Length or valid chunked encoding, and send all of it',
        }),
      ),
    );
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
