// Forwards an allowed request over a pooled engine connection and streams the answer back.
// Bodies are streamed both ways (an image load or a 1 GiB archive never sits in memory);
// response headers are flushed at once when the engine streams (wait, events, logs -f),
// because the CLI waits for them before it goes on.
//
// The engine is spoken to through undici's dispatcher rather than http.request: it parses responses
// in one pass and hands over raw header lines, which roughly halves the gateway's cost per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
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

function upstreamError(f: PlainForward, err: NodeJS.ErrnoException): GatewayError {
  const code = err.code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code;
  const unreachable = code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES';
  return new GatewayError(unreachable ? 'DG_UPSTREAM_UNREACHABLE' : 'DG_UPSTREAM_FAILED', {
    what: `${f.req.method} ${f.path}`,
    why: unreachable
      ? `the Docker engine at ${f.upstream.name} is unreachable (${code})`
      : `the connection to the Docker engine at ${f.upstream.name} failed (${code ?? err.message})`,
    fix: unreachable ? 'Check that dockerd is running and that dockgate may open its socket' : 'Retry; if it persists, check the engine logs',
  });
}

/** The client's body as undici reads it, counting bytes on the way (a 'data' listener would start the flow early). */
async function* counted(req: IncomingMessage, outcome: PlainOutcome): AsyncGenerator<Buffer> {
  for await (const chunk of req) {
    outcome.bytesIn += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
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
  let abort: ((err?: Error) => void) | undefined;
  let collector: CreatedIdCollector | undefined;

  let body: Dispatcher.DispatchOptions['body'];
  if (f.body) {
    outcome.bytesIn = f.body.length;
    body = f.body;
  } else if (length !== 0) {
    body = counted(req, outcome);
  }

  // The client went away: stop the engine's work on it too (a `logs -f` must not outlive its reader).
  res.on('close', () => {
    if (!res.writableFinished) {
      outcome.aborted = true;
      abort?.();
    }
    if (res.headersSent) settle(outcome);
  });

  const handler: Dispatcher.DispatchHandler = {
    onConnect(abortRequest) {
      abort = abortRequest;
      if (res.destroyed) abortRequest();
    },
    onHeaders(statusCode, rawHeaders, resume, statusText) {
      outcome.status = statusCode;
      const headers: string[] = [];
      let streamed = true;
      for (let i = 0; i < rawHeaders.length; i += 2) {
        const name = rawHeaders[i]!.toString('latin1');
        headers.push(name, rawHeaders[i + 1]!.toString('latin1'));
        if (name.length === 14 && name.toLowerCase() === 'content-length') streamed = false;
      }
      res.writeHead(statusCode, statusText, downstreamResponseHeaders(headers));
      if (streamed) res.flushHeaders();
      if (f.collectCreated && statusCode < 300) collector = new CreatedIdCollector();
      res.on('drain', resume);
      return true;
    },
    onData(chunk) {
      outcome.bytesOut += chunk.length;
      collector?.add(chunk);
      return res.write(chunk);
    },
    onComplete() {
      if (collector) outcome.created = collector.ids();
      res.end();
    },
    onError(err) {
      if (!res.headersSent) {
        settle(res.destroyed ? outcome : upstreamError(f, err as NodeJS.ErrnoException));
        return;
      }
      outcome.aborted = true;
      res.destroy();
    },
  };

  f.upstream.pool.dispatch(
    {
      method: req.method as Dispatcher.HttpMethod,
      path: f.path,
      headers: upstreamRequestHeaders(req.headers, length) as Record<string, string>,
      ...(body !== undefined && { body }),
      // Streams (events, logs -f, wait) may be silent for hours; the client decides when to stop.
      headersTimeout: 0,
      bodyTimeout: 0,
    },
    handler,
  );
}
