// The request-body idle timeout: a client that stops sending its body for `ms` (a slow-body attack, or
// a client that hung) is signalled here with the 408 refusal; the gateway answers it and closes the connection. It is a socket idle timeout armed
// only while a body is being received: once the body has ended it is disarmed, so nothing cuts a
// response the engine streams for hours (events, logs -f, wait), nor a hijacked stream (attach, exec),
// whose timeout is disarmed once its request body is read. The socket is idle too while the engine reads
// an upload more slowly than it arrives (backpressure): the default is generous for that reason.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { GatewayError } from '../errors/catalogue.js';

function bodyTimeout(what: string, ms: number): GatewayError {
  return new GatewayError('DG_BODY_TIMEOUT', {
    what,
    why: `no body bytes arrived for ${ms / 1000} s`,
    fix: 'Send the body without pauses; the operator sets the bound with dockgate serve --body-timeout',
  });
}

/**
 * For a request the HTTP server frames: `idle` gets the refusal when the body stalls (the gateway answers
 * it and ends the request, so whoever reads the body sees the refusal as its error).
 */
export function limitBodyIdle(req: IncomingMessage, res: ServerResponse, ms: number, what: string, idle: (refusal: GatewayError) => void): void {
  req.setTimeout(ms, () => idle(bodyTimeout(what, ms)));
  // Node keeps the socket's timeout for keep-alive once the response has finished: only disarm before that.
  req.once('end', () => {
    if (!res.writableFinished) req.socket.setTimeout(0);
  });
}

/**
 * For the body of an upgrade request, read off the raw socket: `idle` gets the refusal when the body
 * stalls. Returns `disarm` (call it once the body is read) and `timedOut`, the refusal once it was signalled.
 */
export function limitUpgradeBodyIdle(socket: Socket, ms: number, what: string, idle: (refusal: GatewayError) => void): { disarm(): void; timedOut(): GatewayError | undefined } {
  let error: GatewayError | undefined;
  socket.setTimeout(ms, () => {
    error = bodyTimeout(what, ms);
    idle(error);
  });
  return { disarm: () => socket.setTimeout(0), timedOut: () => error };
}
