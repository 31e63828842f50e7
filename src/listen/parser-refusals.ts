// What Node's HTTP parser refuses before dockgate sees a request (a malformed head, a head over 16 KiB,
// a head not complete within --headers-timeout: slowloris) is answered like every other refusal, with a
// Docker-style JSON error and a catalogue code, instead of Node's bare status line; then the connection
// is closed. With no request there is no request record: each is a connection refusal (logged, recorded
// as `phase: "connection"`, summed up in a flood). A parser error in the body of a request dockgate is
// already handling (bad chunk framing) is recorded by that request's exchange, and answered here only if
// its response has not started, as Node itself does.
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CONNECTION_REFUSALS, GatewayError, type ConnectionRefusalCause, type ErrorCode } from '../errors/catalogue.js';
import { closeWithRefusal } from '../answer/refusal-response.js';
import { remoteOf, type ConnectionRefusals } from './connection-refusals.js';

interface ServedSocket extends Socket {
  /** The response in progress on the connection: Node's own clientError default reads it the same way. */
  _httpMessage?: ServerResponse | null;
}

interface ParserRefusal {
  code: ErrorCode;
  cause: ConnectionRefusalCause;
  why: string;
}

function parserRefusal(err: NodeJS.ErrnoException & { reason?: string }, headersTimeoutMs: number, inBody: boolean): ParserRefusal | undefined {
  const code = err.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { code: 'DG_HEADERS_TIMEOUT', cause: 'headers-timeout', why: `the request head was not complete within ${headersTimeoutMs / 1000} s` };
  }
  if (code === 'HPE_HEADER_OVERFLOW') return { code: 'DG_HEADERS_TOO_LARGE', cause: 'headers-too-large', why: 'the request head is larger than 16 KiB' };
  if (code.startsWith('HPE_')) {
    return { code: inBody ? 'DG_BODY_MALFORMED' : 'DG_HEADER_MALFORMED', cause: 'request-malformed', why: `the HTTP parser refused it (${code}: ${err.reason ?? err.message})` };
  }
  // The client went away (ECONNRESET), or the gateway destroyed the request with a refusal of its own.
  return undefined;
}

export function answerParserRefusals(server: Server, listener: string, refusals: ConnectionRefusals, headersTimeoutMs: number): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: ServedSocket) => {
    const response = socket._httpMessage ?? undefined;
    const refusal = parserRefusal(err, headersTimeoutMs, response !== undefined);
    if (refusal === undefined) {
      socket.destroy();
      return;
    }
    const { fix } = CONNECTION_REFUSALS[refusal.cause];
    if (response === undefined) {
      refusals.refuse({ listener, remote: remoteOf(socket), cause: refusal.cause, reason: refusal.why });
    }
    if (socket.writable && !response?.headersSent) {
      closeWithRefusal(socket, new GatewayError(refusal.code, { what: response === undefined ? 'the HTTP request head' : 'the HTTP request body', why: refusal.why, fix }));
    } else {
      socket.destroy();
    }
  });
}
