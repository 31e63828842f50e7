// Talks to the engine being audited: GETs over its unix socket, plain TCP, or TLS (with a client
// certificate when one is given). Which transport answered is itself evidence: an engine that answers
// plain HTTP, or TLS without a client certificate, on TCP is open to whoever reaches the port.
// The engine may be broken or hostile, so every call is bounded: a deadline for the whole exchange
// (connecting, the head and the last byte of the body: an answer trickled a byte at a time still ends),
// a size limit, and the time the audit may spend on this engine at all (--timeout), after which calls
// fail at once and what they would have told is reported not checked. Errors name what happened, never
// the path, so that the caller can say which call failed and count alike failures together.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

export type EngineAddress = { kind: 'unix'; url: string; socketPath: string } | { kind: 'tcp'; url: string; host: string; port: number; tls?: TlsFiles };

/** How the engine answered: its socket, plain HTTP, TLS without a client certificate, or TLS with one. */
export type Transport = 'unix' | 'http' | 'https' | 'https-client-cert';

export class AddressError extends Error {}

/** Parses a DOCKER_HOST-style URL: unix:///path or tcp://host:port (default port 2375, 2376 with TLS files). */
export function parseEngineAddress(url: string, tls?: TlsFiles): EngineAddress {
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new AddressError(`${url}: a unix:// host needs an absolute path, e.g. unix:///var/run/docker.sock`);
    return { kind: 'unix', url, socketPath };
  }
  if (url.startsWith('tcp://')) {
    let parsed: URL;
    try {
      parsed = new URL(`http://${url.slice('tcp://'.length)}`);
    } catch {
      throw new AddressError(`${url}: not a tcp://HOST:PORT address`);
    }
    if (parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '') throw new AddressError(`${url}: give only tcp://HOST:PORT`);
    const hasTls = tls !== undefined && (tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined);
    const port = parsed.port === '' ? (hasTls ? 2376 : 2375) : Number(parsed.port);
    const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
    return { kind: 'tcp', url, host, port, ...(hasTls && { tls }) };
  }
  if (url.startsWith('ssh://'))
    throw new AddressError(`${url}: ssh:// is not supported; forward the remote socket (ssh -L /tmp/remote.sock:/var/run/docker.sock HOST) and audit unix:///tmp/remote.sock with --remote`);
  throw new AddressError(`${url}: expected unix:///path or tcp://host:port`);
}

export interface ApiResponse {
  status: number;
  body: string;
}

export interface RawRequestOptions {
  address: EngineAddress;
  path: string;
  /** tcp only: speak TLS (with the address's client certificate if it has one). */
  tls: boolean;
  /** For the whole exchange, from connecting to the answer's last byte. */
  deadlineMs: number;
  /** The answer's body may not be larger. */
  maxBytes?: number;
  /** Connections kept for the next call; none: a connection of its own. */
  agent?: http.Agent;
  /** TLS options already read from the address's files. */
  tlsOptions?: TlsOptions;
  /** Receives the body of a 200 answer as it arrives instead of it being collected. */
  onBody?: (chunk: Buffer) => void;
}

/**
 * A document (/info, one container's inspect) is kilobytes; a larger answer is not an engine's. Four are
 * read at once, each parsed whole, so this bounds what a hostile engine can make the audit hold.
 */
const DOCUMENT_LIMIT = 4 * 1024 * 1024;

function sizeWords(bytes: number): string {
  return `${bytes / (1024 * 1024)} MiB`;
}

type TlsOptions = Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

/** The TLS options of an address: its CA (verifying the engine) and its client certificate. */
function tlsOptionsOf(address: EngineAddress): TlsOptions {
  const files = address.kind === 'tcp' ? (address.tls ?? {}) : {};
  return {
    servername: address.kind === 'tcp' && !/^[\d.:]+$/.test(address.host) ? address.host : undefined,
    // Without a CA the audit still wants to know what the engine answers; the server is not trusted for anything.
    rejectUnauthorized: files.ca !== undefined,
    ...(files.ca !== undefined && { ca: readFileSync(files.ca) }),
    ...(files.cert !== undefined && { cert: readFileSync(files.cert) }),
    ...(files.key !== undefined && { key: readFileSync(files.key) }),
  };
}

/** A call that did not end by its deadline. */
class DeadlineError extends Error {}

/** One GET; rejects on connection and TLS errors, a missed deadline or an answer over the limit, resolves with any HTTP answer. */
export function rawGet(options: RawRequestOptions): Promise<ApiResponse> {
  const { address, path, deadlineMs, onBody } = options;
  const maxBytes = options.maxBytes ?? DOCUMENT_LIMIT;
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest | undefined;
    let settled = false;
    /** Settles once; a failure also ends the exchange, whatever part of it is still going. */
    const settle = (outcome: ApiResponse | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) {
        req?.destroy();
        reject(outcome);
      } else {
        resolve(outcome);
      }
    };
    const timer = setTimeout(() => settle(new DeadlineError(`no complete answer within ${deadlineMs / 1000} s`)), deadlineMs);
    const onResponse = (res: http.IncomingMessage): void => {
      const declared = Number(res.headers['content-length']);
      if (declared > maxBytes) {
        settle(new Error(`the answer is larger than ${sizeWords(maxBytes)} (Content-Length ${declared})`));
        return;
      }
      const streaming = onBody !== undefined && res.statusCode === 200;
      // Only a streamed answer may be as large as the call allows: an error answer to a listing is collected.
      const limit = streaming ? maxBytes : Math.min(maxBytes, DOCUMENT_LIMIT);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          settle(new Error(`the answer is larger than ${sizeWords(limit)}`));
          return;
        }
        try {
          if (streaming) onBody(chunk);
          else chunks.push(chunk);
        } catch (err) {
          settle(err as Error);
        }
      });
      res.on('error', (err) => settle(err));
      res.on('end', () => settle({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      // A connection cut mid-body ends the response without 'end' on some Node versions.
      res.on('close', () => settle(new Error('the connection closed before the answer was complete')));
    };
    const common = { method: 'GET', path, headers: { host: 'docker' }, agent: options.agent ?? (false as const) };
    if (address.kind === 'unix') req = http.request({ ...common, socketPath: address.socketPath }, onResponse);
    else if (!options.tls) req = http.request({ ...common, host: address.host, port: address.port }, onResponse);
    else req = https.request({ ...common, host: address.host, port: address.port, ...(options.tlsOptions ?? tlsOptionsOf(address)) }, onResponse);
    req.on('error', (err) => settle(err));
    req.end();
  });
}

/** The plain-HTTP answer Go's TLS server gives to an HTTP request. */
export function isHttpToHttpsAnswer(response: ApiResponse): boolean {
  return response.status === 400 && /HTTP request to an HTTPS server/i.test(response.body);
}

/** How long the audit may talk to one engine. */
export interface EngineTime {
  /** One call, from connecting to the answer's last byte. */
  callMs: number;
  /** How long after connecting the engine may still be asked anything (the --timeout option). */
  totalMs: number;
}

export const DEFAULT_ENGINE_TIME: EngineTime = { callMs: 20_000, totalMs: 120_000 };

/** Calls in flight at once: enough to keep a large engine busy, few enough not to crowd a small one. */
export const PARALLEL_CALLS = 4;

/** An answer other than the one expected, for an error message: its status and the start of its body. */
function unexpected(res: ApiResponse): string {
  const excerpt = res.body.slice(0, 200).trim();
  return `answered ${res.status}${excerpt === '' ? '' : `: ${excerpt}`}`;
}

export class EngineApi {
  private readonly agent: http.Agent;

  private constructor(
    readonly address: EngineAddress,
    readonly transport: Transport,
    private readonly time: EngineTime,
    private readonly until: number,
    private readonly tlsOptions: TlsOptions | undefined,
  ) {
    const pool = { keepAlive: true, maxSockets: PARALLEL_CALLS };
    this.agent = tlsOptions === undefined ? new http.Agent(pool) : new https.Agent({ ...pool, ...tlsOptions });
  }

  /**
   * Connects: over a unix socket directly; over TCP with the given TLS files, or else plain HTTP first and
   * TLS without a client certificate when the engine says it speaks HTTPS.
   */
  static async connect(address: EngineAddress, time: EngineTime = DEFAULT_ENGINE_TIME): Promise<EngineApi> {
    const until = Date.now() + time.totalMs;
    const make = (transport: Transport): EngineApi =>
      new EngineApi(address, transport, time, until, transport === 'https' || transport === 'https-client-cert' ? tlsOptionsOf(address) : undefined);
    if (address.kind === 'unix') return make('unix').pinged();
    if (address.tls !== undefined) return make(address.tls.cert !== undefined ? 'https-client-cert' : 'https').pinged();
    const plain = await rawGet({ address, path: '/_ping', tls: false, deadlineMs: Math.min(time.callMs, time.totalMs) });
    if (!isHttpToHttpsAnswer(plain)) {
      if (plain.status !== 200) throw new Error(`GET /_ping ${unexpected(plain)}`);
      return make('http');
    }
    try {
      return await make('https').pinged();
    } catch (err) {
      throw new Error(`the engine speaks TLS and refused a connection without a client certificate (${(err as Error).message}); give --tls-ca, --tls-cert and --tls-key to audit it`);
    }
  }

  private async pinged(): Promise<EngineApi> {
    try {
      const res = await this.call('/_ping');
      if (res.status !== 200) throw new Error(`GET /_ping ${unexpected(res)}`);
      return this;
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private async call(path: string, maxBytes?: number, onBody?: (chunk: Buffer) => void): Promise<ApiResponse> {
    const timeUp = `the audit's time for this engine ran out (--timeout ${this.time.totalMs / 1000} s; raise it to wait longer)`;
    const left = this.until - Date.now();
    if (left <= 0) throw new Error(timeUp);
    try {
      return await rawGet({
        address: this.address,
        path,
        tls: this.tlsOptions !== undefined,
        deadlineMs: Math.min(this.time.callMs, left),
        agent: this.agent,
        ...(this.tlsOptions !== undefined && { tlsOptions: this.tlsOptions }),
        ...(maxBytes !== undefined && { maxBytes }),
        ...(onBody !== undefined && { onBody }),
      });
    } catch (err) {
      // Cut short by the engine's time rather than the call's own deadline: say which, once for all such calls.
      if (err instanceof DeadlineError && left < this.time.callMs) throw new Error(`no complete answer before ${timeUp}`);
      throw err;
    }
  }

  /** GET a JSON document, parsed but not yet read by any type; undefined on 404; throws on any other failure. */
  async get(path: string): Promise<unknown> {
    const res = await this.call(path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(unexpected(res));
    try {
      return JSON.parse(res.body) as unknown;
    } catch {
      throw new Error('answered with unreadable JSON');
    }
  }

  /** GET a large answer (a listing) as it arrives, up to `maxBytes`; throws on any answer but 200. */
  async stream(path: string, maxBytes: number, onBody: (chunk: Buffer) => void): Promise<void> {
    const res = await this.call(path, maxBytes, onBody);
    if (res.status !== 200) throw new Error(unexpected(res));
  }

  /** Closes the connections kept for further calls. */
  close(): void {
    this.agent.destroy();
  }
}
