// Forwards an allowed request over a pooled engine connection and streams the answer back.
// Bodies are streamed both ways (an image load or a 1 GiB archive never sits in memory);
// response headers are flushed at once when the engine streams (wait, events, logs -f),
// because the CLI waits for them before it goes on.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.js';
import type { Upstream } from './upstream.js';
import { CreatedIdCollector } from './created-ids.js';

export interface PlainOutcome {
  status: number;
  bytesIn: number;
  bytesOut: number;
  created: string[];
  /** Set when the exchange failed after the response had started (the client connection was dropped). */
  aborted: boolean;
}

export interface PlainForward {
  upstream: Upstream;
  req: IncomingMessage;
  res: ServerResponse;
  /** The canonical target the engine must see (what was judged). */
  path: string;
  /** A replacement body that was judged, or undefined to stream the client's body as it comes. */
  body?: Buffer;
  collectCreated: boolean;
  /** Called once, with the outcome, or with a GatewayError when nothing was sent to the client yet. */
  done(outcome: PlainOutcome | GatewayError): void;
}

/** The length of the client's body as framed: a number, 'stream' for chunked, or 0 when there is none. */
export function clientBodyLength(req: IncomingMessage): number | 'stream' {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return Number(cl);
  return req.headers['transfer-encoding'] !== undefined ? 'stream' : 0;
}

export function forwardPlain(f: PlainForward): void {
  const { req, res } = f;
  const length = f.body ? f.body.length : clientBodyLength(req);
  const outcome: PlainOutcome = { status: 0, bytesIn: 0, bytesOut: 0, created: [], aborted: false };
  let settled = false;
  const settle = (result: PlainOutcome | GatewayError): void => {
    if (settled) return;
    settled = true;
    f.done(result);
  };

  const up = http.request({
    agent: f.upstream.agent,
    socketPath: f.upstream.socketPath,
    method: req.method,
    path: f.path,
    headers: upstreamRequestHeaders(req.headers, length),
  });

  up.on('response', (answer) => {
    outcome.status = answer.statusCode ?? 502;
    res.writeHead(outcome.status, answer.statusMessage, downstreamResponseHeaders(answer.rawHeaders));
    if (answer.headers['content-length'] === undefined) res.flushHeaders();
    const collector = f.collectCreated && outcome.status < 300 ? new CreatedIdCollector() : undefined;
    answer.on('data', (chunk: Buffer) => {
      outcome.bytesOut += chunk.length;
      collector?.add(chunk);
    });
    answer.on('end', () => {
      if (collector) outcome.created = collector.ids();
    });
    answer.on('error', () => res.destroy());
    answer.pipe(res);
    res.on('close', () => {
      if (!res.writableFinished) {
        outcome.aborted = true;
        answer.destroy();
      }
      settle(outcome);
    });
  });

  up.on('error', (err: NodeJS.ErrnoException) => {
    if (res.headersSent) {
      outcome.aborted = true;
      res.destroy();
      settle(outcome);
      return;
    }
    const unreachable = err.code === 'ECONNREFUSED' || err.code === 'ENOENT' || err.code === 'EACCES';
    settle(
      new GatewayError(unreachable ? 'DG_UPSTREAM_UNREACHABLE' : 'DG_UPSTREAM_FAILED', {
        what: `${req.method} ${f.path}`,
        why: unreachable
          ? `the Docker engine at ${f.upstream.name} is unreachable (${err.code})`
          : `the connection to the Docker engine at ${f.upstream.name} failed (${err.code ?? err.message})`,
        fix: unreachable ? 'Check that dockerd is running and that dockgate may open its socket' : 'Retry; if it persists, check the engine logs',
      }),
    );
  });

  // The client went away before the engine answered: stop the engine's work on it too.
  res.on('close', () => {
    if (res.headersSent) return;
    outcome.aborted = true;
    up.destroy();
    settle(outcome);
  });

  if (f.body) {
    outcome.bytesIn = f.body.length;
    up.end(f.body);
  } else if (length === 0) {
    up.end();
  } else {
    req.on('data', (chunk: Buffer) => (outcome.bytesIn += chunk.length));
    req.pipe(up);
  }
}
