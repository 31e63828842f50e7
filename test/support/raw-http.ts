// HTTP over an endpoint, for what the docker CLI never sends or never shows: bare API calls with their
// status and headers, the legacy raw-stream hijack, pipelined requests, requests written byte for byte.
// Raw requests are written exactly as given; their responses are read as raw bytes, so that a hijacked
// stream after the headers is seen as the engine (or gateway) sent it.

import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { openSocket, type Endpoint } from './endpoint.js';

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ApiRequestOptions {
  /** Extra request headers (`Host: docker` is sent unless overridden). */
  headers?: Record<string, string>;
  /** The request fails when the connection is idle this long. */
  timeoutMs?: number;
}

const API_REQUEST_TIMEOUT_MS = 30_000;

/**
 * One ordinary API request (node:http) on a fresh connection, with an optional JSON body. Rejects if the
 * answer is an upgrade (101): these calls never ask for a hijacked stream, so one would mean it was let through.
 */
export function apiRequest(endpoint: Endpoint, method: string, path: string, json?: unknown, options: ApiRequestOptions = {}): Promise<ApiResponse> {
  const timeoutMs = options.timeoutMs ?? API_REQUEST_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const req = request(
      {
        createConnection: () => openSocket(endpoint),
        method,
        path,
        headers: {
          Host: 'docker',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }),
          ...options.headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      reject(new Error(`${method} ${path} on ${endpoint.name} was upgraded (status ${res.statusCode}): a hijack was let through`));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${endpoint.name}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The status of GET /_ping on the endpoint, or undefined when nothing answers (yet) within `timeoutMs`. */
export function pingStatus(endpoint: Endpoint, timeoutMs = 1_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ createConnection: () => openSocket(endpoint), path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The bytes of a request with a JSON body and a correct Content-Length, plus any extra header lines. */
export function requestBytes(method: string, path: string, json: unknown, extraHeaders: readonly string[] = []): Buffer {
  const body = Buffer.from(JSON.stringify(json));
  const head = [`${method} ${path} HTTP/1.1`, 'Host: docker', 'Content-Type: application/json', `Content-Length: ${body.length}`, ...extraHeaders].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body]);
}

/** The headers that ask dockerd for `101 UPGRADED` instead of `200` before the raw stream. */
export const UPGRADE_HEADERS = ['Connection: Upgrade', 'Upgrade: tcp'] as const;

export interface ResponseHead {
  status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Map<string, string>;
}

/** Parses a response head: the status line and the header lines, without the blank line that ends them. */
function parseHead(head: Buffer): ResponseHead {
  const [statusLine = '', ...lines] = head.toString('latin1').split('\r\n');
  if (!/^HTTP\/1\.[01] \d{3}/.test(statusLine)) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(' ')[1]), headers };
}

/** Everything received on a raw connection, as it arrives. */
export class ReceivedBytes {
  private chunks: Buffer[] = [];
  private ended = false;
  private failure: Error | undefined;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    socket.on('end', () => (this.ended = true));
    socket.on('close', () => (this.ended = true));
    socket.on('error', (error) => (this.failure = error));
  }

  all(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private async until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.failure !== undefined) throw new Error(`connection failed while waiting for ${what}: ${this.failure.message}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(this.all().toString('latin1'))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits for a complete response head; resolves with it and the bytes that followed it. */
  async head(timeoutMs = 20_000): Promise<{ head: ResponseHead; rest: Buffer }> {
    const end = () => this.all().indexOf('\r\n\r\n');
    await this.until(() => end() !== -1 || this.ended, 'response head', timeoutMs);
    if (end() === -1) throw new Error(`connection ended before a response head: ${JSON.stringify(this.all().toString('latin1'))}`);
    return { head: parseHead(this.all().subarray(0, end())), rest: this.all().subarray(end() + 4) };
  }

  /** Waits until the peer ends the connection; resolves with everything received. */
  async end(timeoutMs = 20_000): Promise<Buffer> {
    await this.until(() => this.ended, 'end of the connection', timeoutMs);
    return this.all();
  }

  /** Waits until the peer ends the connection or `ms` pass, whichever comes first. */
  async settle(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.ended && this.failure === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Opens a raw connection to the endpoint and writes `bytes` in one write (one packet on a fresh connection). */
export function sendRaw(endpoint: Endpoint, bytes: Buffer): ReceivedBytes {
  const socket = openSocket(endpoint);
  const received = new ReceivedBytes(socket);
  socket.write(bytes);
  return received;
}

/** A whole HTTP/1.1 response read off a connection the peer closed. */
export interface WholeResponse extends ResponseHead {
  /** The body with chunked framing removed. */
  body: string;
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) throw new Error(`truncated chunked body: ${JSON.stringify(bytes.toString('latin1'))}`);
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isInteger(size)) throw new Error(`bad chunk size in ${JSON.stringify(bytes.toString('latin1'))}`);
    if (size === 0) return Buffer.concat(parts);
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** Parses everything a peer sent in answer to one request on a connection it then closed. */
export function parseWholeResponse(bytes: Buffer): WholeResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete response head in ${JSON.stringify(bytes.toString('latin1'))}`);
  const { status, headers } = parseHead(bytes.subarray(0, end));
  let body = bytes.subarray(end + 4);
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') body = dechunk(body);
  else if (headers.has('content-length')) body = body.subarray(0, Number(headers.get('content-length')));
  return { status, headers, body: body.toString('utf8') };
}

/**
 * Writes `head` (request line and headers, CRLF-separated, without the blank line) and `body` exactly as given
 * on a fresh connection, and reads the whole answer. The request should carry `Connection: close`.
 */
export async function exchangeRaw(endpoint: Endpoint, head: string, body = ''): Promise<WholeResponse> {
  const received = sendRaw(endpoint, Buffer.from(`${head}\r\n\r\n${body}`, 'latin1'));
  return parseWholeResponse(await received.end(20_000));
}
