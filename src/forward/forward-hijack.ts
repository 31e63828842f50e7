// Forwards an allowed attach, exec start or BuildKit session, whose connection the engine hijacks into a
// raw stream. The engine is always asked in the Upgrade form, on a dedicated connection; the client may
// have used the Upgrade form (it gets the engine's 101) or the legacy form (it gets the 200 and raw
// stream that dockerd gives such clients). Nothing the client sent after its request reaches the
// engine before the engine has answered 101: until then those bytes would be a second HTTP request.
import http, { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { GatewayError } from '../errors/catalogue.js';
import { downstreamResponseHeaders, sessionRequestHeaders, upstreamRequestHeaders } from './forwarded-headers.js';
import type { Upstream } from './upstream.js';
import type { EngineHeaders } from '../route/engine-headers.js';
import { splice } from './splice.js';
import { PinnedReferenceErrors, type PinnedReference } from './pinned-reference-errors.js';

export interface HijackOutcome {
  status: number;
  bytesIn: number;
  bytesOut: number;
}

/** How the engine answered: upgraded (the client gets a raw stream), or an ordinary response. */
export type EngineAnswer =
  | { upgraded: true; head: string[]; engine: Socket; early: Buffer }
  | { upgraded: false; response: IncomingMessage };

/**
 * The protocol the engine switches to for an operation: attach and exec start look only for an Upgrade
 * header ("tcp" is the Docker CLI's); BuildKit's session and gRPC endpoints take exactly "h2c" and refuse
 * anything else.
 */
export type UpgradeProtocol = 'tcp' | 'h2c';

export function upgradeProtocolFor(operation: string): UpgradeProtocol {
  return operation === 'session' || operation === 'grpc' ? 'h2c' : 'tcp';
}

/** Sends the judged request to the engine in the Upgrade form; resolves with its answer. */
export function askEngineToHijack(
  upstream: Upstream,
  req: IncomingMessage,
  judged: { path: string; headers: EngineHeaders; operation: string },
  body: Buffer,
): Promise<EngineAnswer> {
  const { path, operation } = judged;
  return new Promise((resolve, reject) => {
    const headers = upstreamRequestHeaders(judged.headers, body.length);
    if (operation === 'session') Object.assign(headers, sessionRequestHeaders(req.rawHeaders));
    headers.connection = 'Upgrade';
    headers.upgrade = upgradeProtocolFor(operation);
    const up = http.request({ createConnection: () => upstream.connectDedicated(), method: req.method, path, headers });
    up.on('upgrade', (answer, engine, early) => {
      resolve({ upgraded: true, head: downstreamResponseHeaders(answer.rawHeaders), engine, early });
    });
    up.on('response', (response) => resolve({ upgraded: false, response }));
    up.on('error', (err: NodeJS.ErrnoException) => {
      const unreachable = err.code === 'ECONNREFUSED' || err.code === 'ENOENT' || err.code === 'EACCES';
      reject(
        new GatewayError(unreachable ? 'DG_UPSTREAM_UNREACHABLE' : 'DG_UPSTREAM_FAILED', {
          what: `${req.method} ${path}`,
          why: `the Docker engine at ${upstream.name} ${unreachable ? 'is unreachable' : 'dropped the connection'} (${err.code ?? err.message})`,
          fix: 'Check that dockerd is running and that dockgate may open its socket',
        }),
      );
    });
    up.end(body);
  });
}

function statusHead(status: number, reason: string, headers: string[]): string {
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return head;
}

/**
 * Connects the client to an upgraded engine stream. `upgradeTo` is the protocol of the client's Upgrade
 * form (it gets a 101 naming it, as dockerd gives Upgrade clients), or undefined for the legacy form
 * (a 200); `held` are bytes the client sent after its request, forwarded now that the engine has answered.
 */
export function joinHijackedStream(
  client: Duplex,
  answer: Extract<EngineAnswer, { upgraded: true }>,
  upgradeTo: UpgradeProtocol | undefined,
  held: Buffer,
  onDone: (outcome: HijackOutcome) => void,
): void {
  const status = upgradeTo !== undefined ? 101 : 200;
  const headers = upgradeTo !== undefined ? [...answer.head, 'Connection', 'Upgrade', 'Upgrade', upgradeTo] : answer.head;
  client.write(statusHead(status, upgradeTo !== undefined ? 'UPGRADED' : 'OK', headers) + '\r\n');
  if (answer.early.length > 0) client.write(answer.early);
  if (held.length > 0) answer.engine.write(held);
  splice(client, answer.engine, (r) =>
    onDone({ status, bytesIn: r.bytesIn + held.length, bytesOut: r.bytesOut + answer.early.length }),
  );
}

function withoutContentLength(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'content-length') out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

/** Relays an ordinary (non-upgraded) engine answer onto a raw client socket, then closes it. */
export function relayRawResponse(client: Duplex, response: IncomingMessage, pinned: PinnedReference | undefined, onDone: (outcome: HijackOutcome) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => {
    const status = response.statusCode ?? 502;
    const body = PinnedReferenceErrors.rewrite(pinned, Buffer.concat(chunks), status);
    const headers = withoutContentLength(downstreamResponseHeaders(response.rawHeaders));
    client.end(
      Buffer.concat([
        Buffer.from(statusHead(status, STATUS_CODES[status] ?? '', headers) + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`),
        body,
      ]),
    );
    onDone({ status, bytesIn: 0, bytesOut: body.length });
  });
}
