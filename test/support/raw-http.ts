// HTTP at the byte level over an endpoint, for what the docker CLI never sends: the legacy raw-stream
// hijack, pipelined requests, bare API calls. Requests are written exactly as given; responses are read
// as raw bytes so that a hijacked stream after the headers is seen as the engine (or gateway) sent it.

import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { openSocket, type Endpoint } from './endpoint.js';

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One ordinary API request (node:http), with an optional JSON body. */
export function apiRequest(endpoint: Endpoint, method: string, path: string, json?: unknown): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const req = request(
      {
        createConnection: () => openSocket(endpoint),
        method,
        path,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The bytes of a request with a JSON body and a correct Content-Length, plus any extra header lines. */
export function requestBytes(method: string, path: string, json: unknown, extraHeaders: readonly string[] = []): Buffer {
  const body = Buffer.from(JSON.stringify(json));
  const head = [
    `${method} ${path} HTTP/1.1`,
    'Host: docker',
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
    ...extraHeaders,
  ].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body]);
}

/** The headers that ask dockerd for `101 UPGRADED` instead of `200` before the raw stream. */
export const UPGRADE_HEADERS = ['Connection: Upgrade', 'Upgrade: tcp'] as const;

export interface ResponseHead {
  status: number;
  /** Lower-cased names. */
  headers: Map<string, string>;
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
    const [statusLine = '', ...lines] = this.all().subarray(0, end()).toString('latin1').split('\r\n');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    return { head: { status: Number(statusLine.split(' ')[1]), headers }, rest: this.all().subarray(end() + 4) };
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
