// What a listener hands each request to once its peer is identified: the gateway. Declared here so the
// listeners depend on what they call, not on the pipeline above them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Identity } from '../identify/identity.js';
import type { RequestGuard } from './browser-request-guard.js';

export interface RequestHandler {
  /** A request the HTTP server has framed. */
  handleRequest(req: IncomingMessage, res: ServerResponse, identity: Identity, guard?: RequestGuard): void;
  /** A request with `Connection: Upgrade`, whose socket the HTTP server has handed over raw. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, identity: Identity, guard?: RequestGuard): void;
}
