// Talks to the engine being audited: GETs over its unix socket, plain TCP, or TLS (with a client
// certificate when one is given). Which transport answered is itself evidence: an engine that answers
// plain HTTP, or TLS without a client certificate, on TCP is open to whoever reaches the port.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

export type EngineAddress =
  | { kind: 'unix'; url: string; socketPath: string }
  | { kind: 'tcp'; url: string; host: string; port: number; tls?: TlsFiles };

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
  if (url.startsWith('ssh://')) throw new AddressError(`${url}: ssh:// is not supported; forward the remote socket (ssh -L /tmp/remote.sock:/var/run/docker.sock HOST) and audit unix:///tmp/remote.sock with --remote`);
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
  timeoutMs: number;
}

const LIMIT = 16 * 1024 * 1024;

/** One GET; rejects on connection and TLS errors, resolves with any HTTP answer. */
export function rawGet(options: RawRequestOptions): Promise<ApiResponse> {
  const { address, path, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > LIMIT) res.destroy(new Error('the answer is larger than 16 MiB'));
        else chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    };
    let req: http.ClientRequest;
    const common = { method: 'GET', path, agent: false as const, headers: { host: 'docker' }, timeout: timeoutMs };
    if (address.kind === 'unix') {
      req = http.request({ ...common, socketPath: address.socketPath }, onResponse);
    } else if (!options.tls) {
      req = http.request({ ...common, host: address.host, port: address.port }, onResponse);
    } else {
      const files = address.tls ?? {};
      req = https.request(
        {
          ...common,
          host: address.host,
          port: address.port,
          servername: /^[\d.:]+$/.test(address.host) ? undefined : address.host,
          // Without a CA the audit still wants to know what the engine answers; the server is not trusted for anything.
          rejectUnauthorized: files.ca !== undefined,
          ...(files.ca !== undefined && { ca: readFileSync(files.ca) }),
          ...(files.cert !== undefined && { cert: readFileSync(files.cert) }),
          ...(files.key !== undefined && { key: readFileSync(files.key) }),
        },
        onResponse,
      );
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The plain-HTTP answer Go's TLS server gives to an HTTP request. */
export function isHttpToHttpsAnswer(response: ApiResponse): boolean {
  return response.status === 400 && /HTTP request to an HTTPS server/i.test(response.body);
}

export class EngineApi {
  private constructor(
    readonly address: EngineAddress,
    readonly transport: Transport,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Connects: over a unix socket directly; over TCP with the given TLS files, or else plain HTTP first and
   * TLS without a client certificate when the engine says it speaks HTTPS.
   */
  static async connect(address: EngineAddress, timeoutMs = 10_000): Promise<EngineApi> {
    if (address.kind === 'unix') {
      const api = new EngineApi(address, 'unix', timeoutMs);
      await api.ping();
      return api;
    }
    if (address.tls !== undefined) {
      const api = new EngineApi(address, address.tls.cert !== undefined ? 'https-client-cert' : 'https', timeoutMs);
      await api.ping();
      return api;
    }
    const plain = await rawGet({ address, path: '/_ping', tls: false, timeoutMs });
    if (!isHttpToHttpsAnswer(plain)) {
      const api = new EngineApi(address, 'http', timeoutMs);
      if (plain.status !== 200) throw new Error(`GET /_ping answered ${plain.status}: ${plain.body.slice(0, 200)}`);
      return api;
    }
    const api = new EngineApi(address, 'https', timeoutMs);
    try {
      await api.ping();
    } catch (err) {
      throw new Error(`the engine speaks TLS and refused a connection without a client certificate (${(err as Error).message}); give --tls-ca, --tls-cert and --tls-key to audit it`);
    }
    return api;
  }

  private async ping(): Promise<void> {
    const res = await this.request('/_ping');
    if (res.status !== 200) throw new Error(`GET /_ping answered ${res.status}: ${res.body.slice(0, 200)}`);
  }

  request(path: string): Promise<ApiResponse> {
    return rawGet({ address: this.address, path, tls: this.transport === 'https' || this.transport === 'https-client-cert', timeoutMs: this.timeoutMs });
  }

  /** GET a JSON document; undefined on 404; throws on any other failure. */
  async get<T>(path: string): Promise<T | undefined> {
    const res = await this.request(path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.body.slice(0, 200).trim()}`);
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new Error(`GET ${path} answered with unreadable JSON`);
    }
  }
}
