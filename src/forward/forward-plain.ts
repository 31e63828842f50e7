// Forwards an allowed request over a pooled engine connection and streams the answer back.
// Bodies are streamed both ways (an image load or a 1 GiB archive never sits in memory);
// response headers are flushed at once when the engine streams (wait, events, logs -f),
// because the CLI waits for them before it goes on.
//
// The engine side is written and read here, on raw keep-alive sockets (engine-connections.ts), rather than
// through node:http's client: for a small read its per-request machinery cost more than the rest of the
// gateway's work together. The request head is the canonical one (forwarded-headers.ts); the response
// is read strictly (engine-response-reader.ts). A connection goes back to the pool only after a request
// and a response that both ended exactly where their framing said.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import { CreatedIdCollector } from './created-ids.js';
import type { ConnectionUser, EngineConnection } from './engine-connections.js';
import { EngineResponseError, type ResponseHead } from './engine-response-head.js';
import { EngineResponseReader, type ResponseSink } from './engine-response-reader.js';
import { downstreamResponseHeaders, upstreamRequestHead } from './forwarded-headers.js';
import type { EngineHeaders } from '../route/engine-headers.js';
import { PinnedReferenceErrors, type PinnedReference } from './pinned-reference-errors.js';
import type { Upstream } from './upstream.js';
import { JsonRedactor } from './json-redactor.js';
import type { RedactKind, RedactionTarget } from '../judge/redaction.js';
import { ownerAnswerFilter, type OwnerAnswer, type OwnerAnswerFilter } from './owner-answer-filter.js';
import { noteStreamedBytes } from './streamed-buffers.js';

export interface PlainOutcome {
  status: number;
  bytesIn: number;
  bytesOut: number;
  created: string[];
  /** Set when the exchange failed after the response had started (the client connection was dropped). */
  aborted: boolean;
  /** performance.now() when the engine's response head arrived (for the metrics); absent if it never did. */
  answeredAt?: number;
  /** How many values of each kind the answer was redacted of, when the decision redacts it. */
  redacted?: Partial<Record<RedactKind, number>>;
  /** Set when the answer was kept to the client's owner by dockgate (events, df). */
  ownerFiltered?: true;
}

/** What to redact from a successful answer, and where it sits in it (src/judge/redaction.ts). */
export interface AnswerRedaction {
  readonly targets: readonly RedactionTarget[];
  readonly labelPatterns: readonly string[];
}

export interface PlainForward {
  upstream: Upstream;
  req: IncomingMessage;
  res: ServerResponse;
  /** The canonical target the engine must see (what was judged). */
  path: string;
  /** The engine-read headers as judged (src/route/engine-headers.ts). */
  headers: EngineHeaders;
  /** The full id forwarded in place of the client's reference, when the decision pinned one. */
  pinned?: PinnedReference;
  /**
   * A replacement body that was judged, a body held until it was judged (a build context, from its spool
   * file), or undefined to stream the client's body as it comes.
   */
  body?: Buffer | HeldBody;
  collectCreated: boolean;
  /** Set when the decision redacts the answer (only reads whose answers carry what it redacts). */
  redact?: AnswerRedaction;
  /** Set when the answer is kept to the client's owner as it streams (what the engine cannot filter by owner). */
  ownerAnswer?: OwnerAnswer;
  /**
   * Checks what a create made before the client hears of it (the answer is held meanwhile): called with the
   * id the engine created; a GatewayError is answered instead, once the check has undone the create.
   */
  verifyCreated?: (id: string) => Promise<GatewayError | undefined>;
  /**
   * What the client's answer waits for once the request has gone to the engine: its record on disk
   * (src/record/audit-sink.ts, --audit-sync). Whichever way it settles, the answer then goes: what the engine
   * did is done.
   */
  answerAfter?: Promise<void>;
  /** Called once, with the outcome, or with a GatewayError when nothing was sent to the client yet. */
  done(outcome: PlainOutcome | GatewayError): void;
}

/** A client body received whole and judged before any of it is forwarded. */
export interface HeldBody {
  readonly length: number;
  /** Its bytes from the start. */
  open(): Readable;
}

/** The length of the client's body as framed: a number, 'stream' for chunked, or 0 when there is none. */
export function clientBodyLength(req: IncomingMessage): number | 'stream' {
  const cl = req.headers['content-length'];
  if (cl !== undefined) return Number(cl);
  return req.headers['transfer-encoding'] !== undefined ? 'stream' : 0;
}

/** The engine's headers without its Content-Length, for an answer that is rewritten on its way. */
function withoutContentLength(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() !== 'content-length') out.push(headers[i]!, headers[i + 1]!);
  return out;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES']);
const CHUNKED_END = Buffer.from('0\r\n\r\n');
const CRLF = Buffer.from('\r\n');

export function forwardPlain(f: PlainForward): void {
  // The client may have gone while the request was judged or recorded: its response will never close
  // again, so the exchange ends here, unforwarded.
  if (f.res.destroyed || f.req.socket.destroyed) {
    f.done({ status: 0, bytesIn: 0, bytesOut: 0, created: [], aborted: true });
    return;
  }
  new PlainExchange(f).start();
}

class PlainExchange implements ConnectionUser, ResponseSink {
  private readonly outcome: PlainOutcome = { status: 0, bytesIn: 0, bytesOut: 0, created: [], aborted: false };
  private readonly connection: EngineConnection;
  private readonly response: EngineResponseReader;
  private settled = false;
  private requestSent = false;
  /** The exchange with the engine is over (answered, failed or cut short): nothing more goes either way. */
  private finished = false;
  private collector: CreatedIdCollector | undefined;
  /** An error answer held to put the client's reference back in place of a pinned id. */
  private heldError: { head: ResponseHead; body: PinnedReferenceErrors } | undefined;
  /** A create's answer held until verifyCreated has checked what was created. */
  private heldCreate: { head: ResponseHead; chunks: Buffer[] } | undefined;
  /** Rewrites a redacted answer as it streams; its pieces go to the client. */
  private redactor: JsonRedactor | undefined;
  /** Keeps the answer to the client's owner; what it keeps goes on to the redactor, or to the client. */
  private ownerFilter: OwnerAnswerFilter | undefined;
  /** Whether the client took the last piece without asking the engine to wait. */
  private clientFlowing = true;
  private readonly resumeEngine = (): void => void this.connection.socket.resume();
  /**
   * While answerAfter is pending: what the engine's answer asked of this exchange so far (its head, copies of
   * its bytes, its end), replayed in order once it settles; the engine's connection waits meanwhile.
   */
  private held: (() => void)[] | undefined;
  /** The engine's answer ended while held: its connection's close is no longer a cut. */
  private endedWhileHeld = false;

  constructor(private readonly f: PlainForward) {
    this.response = new EngineResponseReader(f.req.method === 'HEAD', this);
    this.connection = f.upstream.connections.acquire(this);
    if (f.answerAfter !== undefined) {
      this.held = [];
      const release = (): void => this.releaseAnswer();
      f.answerAfter.then(release, release);
    }
  }

  /** answerAfter settled: the held answer goes on (unless the exchange is over already: the client went, or the engine cut it). */
  private releaseAnswer(): void {
    const held = this.held;
    this.held = undefined;
    if (held === undefined || held.length === 0 || this.settled) return;
    // Resumed first: data only arrives on a later turn, after the replay, which may pause it again.
    this.connection.socket.resume();
    for (const step of held) step();
  }

  /** Holds a step of the answer while answerAfter is pending; false when it may happen now. */
  private hold(step: () => void): boolean {
    if (this.held === undefined) return false;
    if (this.held.length === 0) this.connection.socket.pause();
    this.held.push(step);
    return true;
  }

  start(): void {
    const { req, res, body } = this.f;
    const socket = this.connection.socket;
    res.on('close', () => this.onClientClose());
    if (body !== undefined && !Buffer.isBuffer(body)) {
      this.outcome.bytesIn = body.length;
      socket.write(upstreamRequestHead(req.method!, this.f.path, this.f.headers, body.length), 'latin1');
      this.streamHeldBody(body.open());
      return;
    }
    if (body !== undefined) {
      this.outcome.bytesIn = body.length;
      socket.cork();
      socket.write(upstreamRequestHead(req.method!, this.f.path, this.f.headers, body.length), 'latin1');
      if (body.length > 0) socket.write(body);
      socket.uncork();
      this.requestSent = true;
      return;
    }
    const length = clientBodyLength(req);
    socket.write(upstreamRequestHead(req.method!, this.f.path, this.f.headers, length), 'latin1');
    if (length === 0) {
      this.requestSent = true;
      return;
    }
    this.streamRequestBody(length === 'stream');
  }

  /** A held body, written at the pace the engine reads it. */
  private streamHeldBody(stream: Readable): void {
    const socket = this.connection.socket;
    const resume = (): void => void stream.resume();
    stream.on('data', (chunk: Buffer) => {
      noteStreamedBytes(chunk.length);
      if (this.finished) {
        stream.destroy();
        return;
      }
      if (!socket.write(chunk)) {
        stream.pause();
        socket.once('drain', resume);
      }
    });
    stream.on('end', () => {
      this.requestSent = true;
    });
    stream.on('error', (err: Error) => {
      if (this.finished) return;
      this.fail(`the held request body could not be read back (${err.message})`);
    });
  }

  /** The client's body as it arrives, framed again for the engine (chunked stays chunked, with our own chunks). */
  private streamRequestBody(chunked: boolean): void {
    const { req } = this.f;
    const socket = this.connection.socket;
    req.on('data', (chunk: Buffer) => {
      // An empty chunk would go out as `0\r\n\r\n`, the end of the body, and what follows as a request.
      if (this.finished || chunk.length === 0) return;
      noteStreamedBytes(chunk.length);
      this.outcome.bytesIn += chunk.length;
      let flowing: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        flowing = socket.write(CRLF);
        socket.uncork();
      } else {
        flowing = socket.write(chunk);
      }
      if (!flowing) {
        // The engine reads slower than the client sends. The client waits on us meanwhile, so its idle
        // timeout (serve --body-timeout) is suspended until the engine has caught up.
        const client = req.socket;
        const idleTimeout = client.timeout;
        req.pause();
        if (idleTimeout) client.setTimeout(0);
        socket.once('drain', () => {
          if (idleTimeout && !client.destroyed) client.setTimeout(idleTimeout);
          req.resume();
        });
      }
    });
    req.on('end', () => {
      if (this.finished) return;
      if (chunked) socket.write(CHUNKED_END);
      this.requestSent = true;
    });
    // The client stopped sending (serve --body-timeout): src/admit has answered 408 and destroys the request
    // with its refusal. The engine's half-sent request is abandoned, and the exchange ends as that refusal.
    req.on('error', (err) => {
      if (this.finished || !isGatewayError(err) || this.f.res.headersSent) return;
      this.finished = true;
      this.connection.discard();
      this.settle(err);
    });
  }

  onBytes(chunk: Buffer): void {
    try {
      this.response.push(chunk);
    } catch (err) {
      // An unreadable answer (EngineResponseError), or one node:http would not pass on: this exchange
      // fails; the gateway and the other exchanges go on.
      this.fail(err instanceof EngineResponseError ? err.message : `its answer could not be passed on (${(err as Error).message})`);
    }
  }

  onHead(head: ResponseHead): void {
    if (this.hold(() => this.onHead(head))) return;
    this.outcome.status = head.status;
    this.outcome.answeredAt = performance.now();
    if (this.f.pinned !== undefined && PinnedReferenceErrors.applies(head)) {
      this.heldError = { head, body: new PinnedReferenceErrors(this.f.pinned) };
      return;
    }
    if (this.f.collectCreated && head.status < 300) this.collector = new CreatedIdCollector();
    if (this.f.verifyCreated !== undefined && head.status < 300) {
      this.heldCreate = { head, chunks: [] };
      return;
    }
    const headers = downstreamResponseHeaders(head.rawHeaders);
    if ((this.f.redact !== undefined || this.f.ownerAnswer !== undefined) && head.status < 300 && this.f.req.method !== 'HEAD') {
      const write = (piece: Buffer): void => {
        if (!this.f.res.destroyed && !this.f.res.write(piece)) this.clientFlowing = false;
      };
      if (this.f.redact !== undefined) this.redactor = new JsonRedactor(this.f.redact.targets, this.f.redact.labelPatterns, write);
      const redactor = this.redactor;
      if (this.f.ownerAnswer !== undefined) {
        this.ownerFilter = ownerAnswerFilter(this.f.ownerAnswer, redactor === undefined ? write : (piece) => redactor.push(piece), () => {
          if (this.finished) this.cut();
          else this.abort();
        });
        this.outcome.ownerFiltered = true;
      }
      // The rewritten answer is shorter than the engine said: it goes out chunked (every Docker client reads HTTP/1.1 chunked).
      this.f.res.writeHead(head.status, head.reason, withoutContentLength(headers));
      this.f.res.flushHeaders();
      return;
    }
    this.f.res.writeHead(head.status, head.reason, headers);
    // A streamed answer (events, logs -f, wait) gets its headers at once: the CLI waits for them.
    if (head.framing.kind === 'chunked' || head.framing.kind === 'until-close') this.f.res.flushHeaders();
  }

  /** Passes body bytes on; when the client reads slower than the engine writes, the engine waits. */
  onData(data: Buffer): void {
    if (this.held !== undefined) {
      const copy = Buffer.from(data);
      this.hold(() => this.onData(copy));
      return;
    }
    this.count(data);
    if (this.heldError !== undefined) {
      this.heldError.body.add(data);
      return;
    }
    if (this.heldCreate !== undefined) {
      this.heldCreate.chunks.push(Buffer.from(data));
      return;
    }
    if (this.ownerFilter !== undefined) {
      this.ownerFilter.push(data);
      if (!this.ownerFilter.idle) this.waitForOwnerFilter(this.ownerFilter);
    } else if (this.redactor !== undefined) this.redactor.push(data);
    else if (!this.f.res.write(data)) this.clientFlowing = false;
    if (!this.clientFlowing) {
      this.clientFlowing = true;
      this.connection.socket.pause();
      this.f.res.once('drain', this.resumeEngine);
    }
  }

  onComplete(tail: Buffer | undefined, excess: boolean): void {
    if (this.held !== undefined) {
      const copy = tail === undefined ? undefined : Buffer.from(tail);
      this.endedWhileHeld = true;
      this.hold(() => this.onComplete(copy, excess));
      return;
    }
    this.finished = true;
    if (tail !== undefined) this.count(tail);
    if (this.collector !== undefined) this.outcome.created = this.collector.ids();
    // Reused only after a request and a response that both ended exactly where their framing said.
    if (this.requestSent && this.response.head!.reusable && !excess) this.connection.release();
    else this.connection.discard();
    if (this.heldError !== undefined) {
      const { head, body } = this.heldError;
      if (tail !== undefined) body.add(tail);
      const rewritten = body.body();
      this.f.res.writeHead(head.status, head.reason, PinnedReferenceErrors.headers(downstreamResponseHeaders(head.rawHeaders), rewritten.length));
      this.f.res.end(rewritten);
      return;
    }
    if (this.heldCreate !== undefined) {
      this.answerVerified(this.heldCreate, tail);
      return;
    }
    if (this.ownerFilter !== undefined) {
      this.endOwnerFiltered(this.ownerFilter, tail);
      return;
    }
    if (this.redactor !== undefined) {
      this.endRedacted(this.redactor, tail);
      return;
    }
    if (tail !== undefined) this.f.res.end(tail);
    else this.f.res.end();
  }

  /** The last of a redacted answer; an answer that ends inside a value is cut, never completed unread. */
  private endRedacted(redactor: JsonRedactor, tail: Buffer | undefined): void {
    if (this.readLast(redactor, tail)) this.f.res.end();
  }

  /** An owner-filtered answer's judgements may still wait on the engine: the engine waits with them. */
  private waitForOwnerFilter(filter: OwnerAnswerFilter): void {
    this.connection.socket.pause();
    filter.whenIdle(() => {
      if (this.finished) return;
      if (this.clientFlowing) {
        this.connection.socket.resume();
        return;
      }
      // What the judgements let through filled the client's buffer: the engine goes on once the client has read it.
      this.clientFlowing = true;
      this.f.res.once('drain', this.resumeEngine);
    });
  }

  /** The last of an owner-filtered answer, once every judgement is made; cut like a redacted one when it ends inside something. */
  private endOwnerFiltered(filter: OwnerAnswerFilter, tail: Buffer | undefined): void {
    if (!this.readLast(filter, tail)) return;
    filter.whenIdle(() => {
      if (this.redactor !== undefined) this.endRedacted(this.redactor, undefined);
      else this.f.res.end();
    });
  }

  /** Gives a rewriter the last of the answer; false, and the client's connection cut, when the answer ended inside something. */
  private readLast(rewriter: { push(chunk: Buffer): void; end(): void }, tail: Buffer | undefined): boolean {
    try {
      if (tail !== undefined) rewriter.push(tail);
      rewriter.end();
      return true;
    } catch {
      this.cut();
      return false;
    }
  }

  /** A rewritten answer that cannot be finished: the client's connection is cut (the engine's went back to the pool already, its answer ended where its framing said). */
  private cut(): void {
    this.outcome.aborted = true;
    this.f.res.destroy();
    this.settle(this.outcome);
  }

  /** Passes a held create answer on once verifyCreated accepts what was created, or answers its refusal. */
  private answerVerified(held: { head: ResponseHead; chunks: Buffer[] }, tail: Buffer | undefined): void {
    if (tail !== undefined) held.chunks.push(Buffer.from(tail));
    const id = this.outcome.created[0];
    const verdict = id === undefined ? Promise.resolve(undefined) : this.f.verifyCreated!(id);
    verdict.then(
      (refusal) => {
        if (refusal !== undefined) {
          this.settle(refusal);
          return;
        }
        this.f.res.writeHead(held.head.status, held.head.reason, downstreamResponseHeaders(held.head.rawHeaders));
        this.f.res.end(Buffer.concat(held.chunks));
      },
      (err: Error) =>
        this.settle(
          new GatewayError('DG_UPSTREAM_FAILED', {
            what: `${this.f.req.method} ${this.f.path}`,
            why: `what was created could not be checked (${err.message})`,
            fix: 'Retry; if it persists, check the engine logs',
          }),
        ),
    );
  }

  private count(data: Buffer): void {
    this.outcome.bytesOut += data.length;
    this.collector?.add(data);
  }

  onClose(error: NodeJS.ErrnoException | undefined): void {
    if (this.finished || this.endedWhileHeld) return;
    if (error === undefined && this.response.endsWithClose()) return;
    if (this.response.head !== undefined) {
      this.abort();
      return;
    }
    this.finished = true;
    const unreachable = !this.connection.used && error?.code !== undefined && UNREACHABLE.has(error.code);
    const why = error === undefined ? 'closed the connection before answering' : `failed (${error.code ?? error.message})`;
    this.settle(
      new GatewayError(unreachable ? 'DG_UPSTREAM_UNREACHABLE' : 'DG_UPSTREAM_FAILED', {
        what: `${this.f.req.method} ${this.f.path}`,
        why: unreachable ? `the Docker engine at ${this.f.upstream.name} is unreachable (${error.code})` : `the connection to the Docker engine at ${this.f.upstream.name} ${why}`,
        fix: unreachable ? 'Check that dockerd is running and that dockgate may open its socket' : 'Retry; if it persists, check the engine logs',
      }),
    );
  }

  /** The engine's answer could not be read: a 502 if the client has seen nothing yet, else its connection is cut. */
  private fail(why: string): void {
    this.connection.discard();
    if (this.f.res.headersSent) {
      this.abort();
      return;
    }
    this.finished = true;
    this.settle(
      new GatewayError('DG_UPSTREAM_FAILED', {
        what: `${this.f.req.method} ${this.f.path}`,
        why,
        fix: 'Retry; if it persists, check the engine logs',
      }),
    );
  }

  private abort(): void {
    this.finished = true;
    this.connection.discard();
    this.outcome.aborted = true;
    this.f.res.destroy();
    this.settle(this.outcome);
  }

  /** The client connection is done: after the whole response, or cut short (then the engine's work stops too). */
  private onClientClose(): void {
    if (!this.f.res.writableFinished) {
      this.outcome.aborted = true;
      if (!this.finished) {
        this.finished = true;
        this.connection.discard();
      }
    }
    this.settle(this.outcome);
  }

  private settle(result: PlainOutcome | GatewayError): void {
    if (this.settled) return;
    this.settled = true;
    if (this.redactor !== undefined && !isGatewayError(result)) result.redacted = Object.fromEntries(this.redactor.counts);
    this.f.done(result);
  }
}
