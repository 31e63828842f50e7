// Answers a request with a GatewayError, the way dockerd answers its own errors
// (`{"message": ...}`), so the Docker CLI prints `Error response from daemon: dockgate: ...`.
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import type { GatewayError } from '../errors/catalogue.js';

export const DECISION_HEADER = 'Dockgate-Decision';

/** On a response the HTTP server still frames. `closeAfter` when an unread request body follows. */
export function sendRefusal(res: ServerResponse, error: GatewayError, closeAfter: boolean): void {
  const body = JSON.stringify(error.toJSON()) + '\n';
  if (closeAfter) res.shouldKeepAlive = false;
  res.writeHead(error.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    [DECISION_HEADER]: error.decision,
    ...(error.retryAfterSeconds !== undefined && { 'Retry-After': error.retryAfterSeconds }),
  });
  res.end(body);
}

/** On a raw socket (an upgrade request, which the HTTP server no longer frames); the connection then closes. */
export function writeRawRefusal(socket: Duplex, error: GatewayError): void {
  const body = JSON.stringify(error.toJSON()) + '\n';
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `${DECISION_HEADER}: ${error.decision}\r\n` +
      (error.retryAfterSeconds !== undefined ? `Retry-After: ${error.retryAfterSeconds}\r\n` : '') +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Answers on a raw socket that is to be dropped (a refusal before or instead of any request), then
 * destroys it once the answer is flushed: a client that never closes its side would otherwise hold it half-open.
 */
export function closeWithRefusal(socket: Duplex, error: GatewayError): void {
  socket.once('finish', () => socket.destroy());
  writeRawRefusal(socket, error);
}
