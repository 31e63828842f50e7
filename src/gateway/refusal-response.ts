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
      'Connection: close\r\n\r\n' +
      body,
  );
}
