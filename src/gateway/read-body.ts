// Reads a whole request body that the gateway must hold (to judge it or to send it in one piece),
// refusing bodies over the limit with 413 instead of buffering without bound.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';

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
    req.on('error', reject);
  });
}
