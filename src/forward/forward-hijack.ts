// Forwards an allowed attach, exec start or BuildKit session, whose connection the engine hijacks into a
// raw stream. The engine is always asked in the Upgrade form, on a dedicated connection; the client may
// have used the Upgrade form (it gets the engine's 101) or the legacy form (it gets the 200 and raw
// stream that dockerd gives such clients). Nothing the client sent after its request reaches the
// engine before the engine has answered 101: until then those bytes would be a second HTTP request.
//
// The engine is asked as every other request is (engine-connections.ts, forwarded-headers.ts,
// engine-response-reader.ts): the dedicated connection comes from the same pool's factory, the head is
// written by the same canonical writer, and the answer is read by the same strict reader, which hands the
// socket over at the 101 with whatever the engine already sent of the stream.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { GatewayError } from '../errors/catalogue.js';
import type { ConnectionUser, EngineConnection } from './engine-connections.js';
import { EngineResponseError, type ResponseHead } from './engine-response-head.js';
import { EngineResponseReader, type UpgradeSink } from './engine-response-reader.js';
import { downstreamResponseHeaders, sessionRequestHeaders, upstreamRequestHead } from './forwarded-headers.js';
import type { Upstream } from './upstream.js';
import type { EngineHeaders } from '../route/engine-headers.js';
import { splice } from './splice.js';
import { PinnedReferenceErrors, type PinnedReference } from './pinned-reference-errors.js';

export interface HijackOutcome {
  status: number;
  bytesIn: number;
  bytesOut: number;
}

/**
 * An answer other than 101 (a 404 for an unknown exec, a 409 for a stopped container), read whole before
 * anyone hears of it: a body cut short or framed wrongly fails the request instead of reaching the client.
 * Readable like the node:http response it stands in for.
 */
export class EngineRefusal extends Readable {
  constructor(
    readonly statusCode: number,
    readonly statusMessage: string,
    /** The engine's headers as sent: [name, value, ...]. */
    readonly rawHeaders: string[],
    readonly body: Buffer,
  ) {
    super({ read: () => undefined });
    this.push(body);
    this.push(null);
  }
}

/** How the engine answered: upgraded (the client gets a raw stream), or an ordinary response. */
export type EngineAnswer = { upgraded: true; head: string[]; engine: Socket; early: Buffer } | { upgraded: false; response: EngineRefusal };

/**
 * The protocol the engine switches to for an operation: attach and exec start look only for an Upgrade
 * header ("tcp" is the Docker CLI's); BuildKit's session and gRPC endpoints take exactly "h2c" and refuse
 * anything else.
 */
export type UpgradeProtocol = 'tcp' | 'h2c';

export function upgradeProtocolFor(operation: string): UpgradeProtocol {
  return operation === 'session' || operation === 'grpc' ? 'h2c' : 'tcp';
}

/** Error answers are a small JSON document; more than this is not one. */
const REFUSAL_LIMIT = 1024 * 1024;
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES']);

/** Sends the judged request to the engine in the Upgrade form; resolves with its answer. */
export function askEngineToHijack(upstream: Upstream, req: IncomingMessage, judged: { path: string; headers: EngineHeaders; operation: string }, body: Buffer): Promise<EngineAnswer> {
  return new Promise((resolve, reject) => void new HijackRequest(upstream, req, judged, body, resolve, reject));
}

/** One upgrade request on its dedicated connection, until the engine has answered it. */
class HijackRequest implements ConnectionUser, UpgradeSink {
  private readonly connection: EngineConnection;
  private readonly response = new EngineResponseReader(false, this);
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    private readonly upstream: Upstream,
    private readonly req: IncomingMessage,
    private readonly judged: { path: string; headers: EngineHeaders; operation: string },
    body: Buffer,
    private readonly resolve: (answer: EngineAnswer) => void,
    private readonly reject: (error: GatewayError) => void,
  ) {
    const protocol = upgradeProtocolFor(judged.operation);
    const headers = judged.operation === 'session' ? sessionRequestHeaders(req.rawHeaders) : {};
    this.connection = upstream.connections.dedicated(this);
    const socket = this.connection.socket;
    socket.cork();
    socket.write(upstreamRequestHead(req.method!, judged.path, judged.headers, body.length, { protocol, headers }), 'latin1');
    if (body.length > 0) socket.write(body);
    socket.uncork();
  }

  onBytes(chunk: Buffer): void {
    try {
      this.response.push(chunk);
    } catch (err) {
      this.fail(err instanceof EngineResponseError ? err.message : `its answer could not be read (${(err as Error).message})`);
    }
  }

  onSwitched(head: ResponseHead, early: Buffer): void {
    this.settle(() => this.resolve({ upgraded: true, head: downstreamResponseHeaders(head.rawHeaders), engine: this.connection.handOver(), early: Buffer.from(early) }));
  }

  /** The head is read when the answer is complete. */
  onHead(): void {}

  onData(data: Buffer): void {
    this.size += data.length;
    if (this.size > REFUSAL_LIMIT) throw new EngineResponseError(`the engine answered the upgrade with more than ${REFUSAL_LIMIT} bytes`);
    // Views into the connection's read buffers: copied, since they are kept past this call.
    this.chunks.push(Buffer.from(data));
  }

  onComplete(tail: Buffer | undefined): void {
    if (tail !== undefined) this.onData(tail);
    // Not reused whatever its framing: the connection was opened for this one request.
    this.connection.discard();
    const head = this.response.head!;
    this.settle(() => this.resolve({ upgraded: false, response: new EngineRefusal(head.status, head.reason, head.rawHeaders, Buffer.concat(this.chunks)) }));
  }

  onClose(error: NodeJS.ErrnoException | undefined): void {
    if (error === undefined && this.response.endsWithClose()) return;
    const unreachable = error?.code !== undefined && UNREACHABLE.has(error.code) && this.response.head === undefined;
    if (unreachable) {
      this.settle(() =>
        this.reject(
          new GatewayError('DG_UPSTREAM_UNREACHABLE', {
            what: `${this.req.method} ${this.judged.path}`,
            why: `the Docker engine at ${this.upstream.name} is unreachable (${error.code})`,
            fix: 'Check that dockerd is running and that dockgate may open its socket',
          }),
        ),
      );
      return;
    }
    if (error !== undefined) this.fail(`dropped the connection (${error.code ?? error.message})`);
    else this.fail(this.response.head === undefined ? 'closed the connection before answering' : 'closed the connection before the end of its answer');
  }

  /** The engine's answer could not be read: nothing of it reaches the client, which gets a 502. */
  private fail(why: string): void {
    this.connection.discard();
    this.settle(() =>
      this.reject(
        new GatewayError('DG_UPSTREAM_FAILED', {
          what: `${this.req.method} ${this.judged.path}`,
          why: `the Docker engine at ${this.upstream.name} ${why}`,
          fix: 'Retry; if it persists, check the engine logs',
        }),
      ),
    );
  }

  private settle(outcome: () => void): void {
    if (this.settled) return;
    this.settled = true;
    outcome();
  }
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
  splice(client, answer.engine, (r) => onDone({ status, bytesIn: r.bytesIn + held.length, bytesOut: r.bytesOut + answer.early.length }));
}

function withoutContentLength(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'content-length') out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

/** Relays an ordinary (non-upgraded) engine answer onto a raw client socket, then closes it. */
export function relayRawResponse(client: Duplex, response: EngineRefusal, pinned: PinnedReference | undefined, onDone: (outcome: HijackOutcome) => void): void {
  const status = response.statusCode;
  const body = PinnedReferenceErrors.rewrite(pinned, response.body, status);
  const headers = withoutContentLength(downstreamResponseHeaders(response.rawHeaders));
  client.end(Buffer.concat([Buffer.from(statusHead(status, STATUS_CODES[status] ?? '', headers) + `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
  onDone({ status, bytesIn: 0, bytesOut: body.length });
}
