// The admin listener's HTTP server (serve --admin-listen): /health, /ready and /metrics, read-only, and the
// pages given to it (the live view). It is a server of its own, never one of the Engine API listeners: a client of the engine
// must not read what other clients do, and a monitor needs no access to the engine.
import http from 'node:http';
import type { Metrics } from './metrics.js';
import type { Readiness } from './readiness.js';

/**
 * Pages served beside the endpoints (the live view, src/view/live-view.ts, which the layers after this one
 * build): asked first, they answer their own paths and leave the rest.
 */
export interface AdminPages {
  readonly paths: readonly string[];
  /** Answers the request and returns true when it is one of its paths; false leaves it to the admin server. */
  answer(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Ends what stays open (event streams, timers) when the listener closes. */
  close(): void;
}

export interface AdminEndpoints {
  metrics: Metrics;
  readiness: Readiness;
  pages?: AdminPages;
}

/** The paths served, for the 404's message. */
const PATHS = ['/health', '/ready', '/metrics'];

/** Scrapers and probes need few connections; a client that opens more is not one of them. */
const MAX_CONNECTIONS = 64;
const HEADERS_TIMEOUT_MS = 10_000;

function sendJson(res: http.ServerResponse, status: number, body: object, headers: http.OutgoingHttpHeaders = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  // Node sends no body in answer to HEAD, whatever is passed here.
  res.end(text);
}

/** Answers one admin request. Exported for the tests of its routing. */
export async function answerAdminRequest(req: http.IncomingMessage, res: http.ServerResponse, endpoints: AdminEndpoints): Promise<void> {
  if (endpoints.pages?.answer(req, res) === true) return;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { message: `dockgate admin: ${req.method} is not served; the admin listener answers GET and HEAD only` }, { Allow: 'GET, HEAD' });
    return;
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  switch (query === -1 ? url : url.slice(0, query)) {
    case '/health':
      sendJson(res, 200, { status: 'serving' });
      return;
    case '/ready': {
      const { ready, reasons } = await endpoints.readiness.check();
      sendJson(res, ready ? 200 : 503, ready ? { ready } : { ready, reasons });
      return;
    }
    case '/metrics': {
      const text = await endpoints.metrics.text();
      res.writeHead(200, { 'Content-Type': endpoints.metrics.contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
      res.end(text);
      return;
    }
    default:
      sendJson(res, 404, { message: `dockgate admin: no such endpoint; the admin listener serves ${[...PATHS, ...(endpoints.pages?.paths ?? [])].join(', ')}` });
  }
}

/** The admin server, not yet bound (listen/admin-listener.ts binds it). */
export function createAdminServer(endpoints: AdminEndpoints, onError: (err: unknown) => void): http.Server {
  const server = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: HEADERS_TIMEOUT_MS * 3, insecureHTTPParser: false }, (req, res) => {
    answerAdminRequest(req, res, endpoints).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) sendJson(res, 500, { message: 'dockgate admin: internal error (see the log)' });
      else res.destroy();
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}
