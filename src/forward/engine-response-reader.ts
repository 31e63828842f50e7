// Reads one engine response off a pooled connection as its bytes arrive: the head, then the body as its
// framing delimits it, then where it ended. Shared by the forward path (which streams the body on to the
// client), hijacks (whose 101 ends the HTTP part of the connection) and the gateway's own look-ups (which
// collect it). Errors are EngineResponseErrors, thrown from push(): the caller fails the exchange and does
// not reuse the connection.
import { ChunkedDecoder } from './chunked-decoder.js';
import { EngineResponseError, findHeadEnd, parseResponseHead, RESPONSE_HEAD_LIMIT, type ResponseHead } from './engine-response-head.js';

export interface ResponseSink {
  onHead(head: ResponseHead): void;
  /** Body bytes, in order (views into the connection's buffers: copy what must outlive the call). */
  onData(data: Buffer): void;
  /**
   * The body ended where its framing said. `tail` is its last piece when that arrived with the end
   * (a small answer arrives whole: head, body and end in one read, and can leave in one write);
   * `excess` when the engine sent bytes beyond the response.
   */
  onComplete(tail: Buffer | undefined, excess: boolean): void;
}

/** The sink of an answer to an upgrade request, which may be a 101 or an ordinary response. */
export interface UpgradeSink extends ResponseSink {
  /**
   * The engine switched protocols (101): HTTP ends with this head. `early` are the bytes it sent after the
   * head in the same read, already the upgraded stream's (a view: copy what must outlive the call).
   */
  onSwitched(head: ResponseHead, early: Buffer): void;
}

export class EngineResponseReader {
  head: ResponseHead | undefined;
  done = false;
  /** Head bytes received so far, while the head is incomplete. */
  private partial: Buffer | undefined;
  /** Body bytes still to come, for a Content-Length body. */
  private remaining = 0;
  private decoder: ChunkedDecoder | undefined;
  /** The last body piece of the current read, held back in case the read also ends the body. */
  private held: Buffer | undefined;
  private readonly hold = (data: Buffer): void => {
    if (this.held !== undefined) this.sink.onData(this.held);
    this.held = data;
  };

  /** Set when the request asked to switch protocols: a 101 is then an answer, told to this sink. */
  private readonly upgradeSink: UpgradeSink | undefined;

  constructor(
    /** True for answers to HEAD, which announce a length but carry no body. */
    private readonly bodiless: boolean,
    private readonly sink: ResponseSink | UpgradeSink,
  ) {
    this.upgradeSink = 'onSwitched' in sink ? sink : undefined;
  }

  push(chunk: Buffer): void {
    if (this.head === undefined) {
      const rest = this.readHead(chunk);
      if (rest === undefined) return;
      chunk = rest;
    }
    this.readBody(chunk);
    const held = this.held;
    this.held = undefined;
    if (held !== undefined && !this.done) this.sink.onData(held);
  }

  /** The connection closed: true when that is how this body ends (no Content-Length, no chunks). */
  endsWithClose(): boolean {
    if (this.head?.framing.kind !== 'until-close' || this.done) return false;
    this.done = true;
    this.sink.onComplete(undefined, false);
    return true;
  }

  /** Returns the bytes after the head, or undefined while the head is still incomplete (or when it ended HTTP: a 101). */
  private readHead(chunk: Buffer): Buffer | undefined {
    const buffer = this.partial === undefined ? chunk : Buffer.concat([this.partial, chunk]);
    const end = findHeadEnd(buffer);
    if (end === -1) {
      if (buffer.length > RESPONSE_HEAD_LIMIT) throw new EngineResponseError(`the engine sent a response head larger than ${RESPONSE_HEAD_LIMIT} bytes`);
      this.partial = buffer;
      return undefined;
    }
    this.partial = undefined;
    const head = parseResponseHead(buffer, end, this.bodiless);
    if (head.status === 101 && this.upgradeSink !== undefined) {
      this.head = head;
      this.done = true;
      this.upgradeSink.onSwitched(head, buffer.subarray(end));
      return undefined;
    }
    // The gateway sends no Expect, and only an upgrade request may be answered 101: no other interim answer is expected.
    if (head.status < 200) throw new EngineResponseError(`the engine answered ${head.status} to a request that does not switch protocols`);
    this.head = head;
    if (head.framing.kind === 'length') this.remaining = head.framing.length;
    else if (head.framing.kind === 'chunked') this.decoder = new ChunkedDecoder(engineFramingFailure);
    this.sink.onHead(head);
    return buffer.subarray(end);
  }

  private readBody(chunk: Buffer): void {
    const framing = this.head!.framing;
    if (this.done) {
      if (chunk.length > 0) throw new EngineResponseError('the engine sent bytes after its response');
      return;
    }
    switch (framing.kind) {
      case 'none':
        this.complete(chunk.length > 0);
        return;
      case 'until-close':
        if (chunk.length > 0) this.hold(chunk);
        return;
      case 'chunked': {
        const used = this.decoder!.push(chunk, this.hold);
        if (this.decoder!.done) this.complete(used < chunk.length);
        return;
      }
      case 'length': {
        const take = Math.min(this.remaining, chunk.length);
        if (take > 0) this.hold(take === chunk.length ? chunk : chunk.subarray(0, take));
        this.remaining -= take;
        if (this.remaining === 0) this.complete(take < chunk.length);
      }
    }
  }

  private complete(excess: boolean): void {
    this.done = true;
    const tail = this.held;
    this.held = undefined;
    this.sink.onComplete(tail, excess);
  }
}

function engineFramingFailure(why: string): never {
  throw new EngineResponseError(`the engine sent ${why}`);
}
