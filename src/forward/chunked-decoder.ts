// Decodes a chunked body as it streams: the engine's responses (events, logs -f, image save, build
// output), whose data is framed again on the client side, and the body of a client's upgrade request,
// which Node's HTTP server leaves on the socket. Its other job is to find the exact end of the body, so
// that a connection can be reused or what follows the body is told apart from it. Strict: a size line
// that is not hex, a missing CRLF after a chunk, or a size beyond 2^48 fails, through `fail` (each side
// says who sent the bad framing).

const CR = 0x0d;
const LF = 0x0a;
/** A chunk-size line with extensions is short; a longer one is not what Go writes. */
const LINE_LIMIT = 4096;
const MAX_CHUNK = 2 ** 48;

const enum State {
  Size,
  Data,
  DataEnd,
  Trailer,
  Done,
}

/** Throws the caller's error for a framing problem (`why` says what was sent, e.g. "a chunk line without CRLF"). */
export type ChunkFramingFailure = (why: string) => never;

export class ChunkedDecoder {
  private state = State.Size;
  private remaining = 0;
  private line = '';

  constructor(private readonly fail: ChunkFramingFailure) {}

  get done(): boolean {
    return this.state === State.Done;
  }

  /**
   * Feeds the next bytes; `onData` gets each run of body bytes (views into `chunk`).
   * Returns how many bytes of `chunk` belonged to the body: once done, any rest is not part of it.
   */
  push(chunk: Buffer, onData: (data: Buffer) => void): number {
    let at = 0;
    while (at < chunk.length && this.state !== State.Done) {
      switch (this.state) {
        case State.Data: {
          const take = Math.min(this.remaining, chunk.length - at);
          onData(chunk.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.DataEnd;
          break;
        }
        case State.DataEnd:
          at = this.expectCrlf(chunk, at);
          break;
        case State.Size:
        case State.Trailer: {
          const lf = chunk.indexOf(LF, at);
          const end = lf === -1 ? chunk.length : lf + 1;
          this.line += chunk.toString('latin1', at, end);
          at = end;
          if (this.line.length > LINE_LIMIT) this.fail('an overlong chunk line');
          if (lf !== -1) this.endLine();
          break;
        }
      }
    }
    return at;
  }

  /** The CRLF after a chunk's data may arrive split across reads. */
  private expectCrlf(chunk: Buffer, at: number): number {
    this.line += String.fromCharCode(chunk[at]!);
    if (this.line === '\r') return at + 1;
    if (this.line !== '\r\n') this.fail('chunk data longer than its size');
    this.line = '';
    this.state = State.Size;
    return at + 1;
  }

  private endLine(): void {
    const line = this.line;
    this.line = '';
    if (line.length < 2 || line.charCodeAt(line.length - 2) !== CR) this.fail('a chunk line without CRLF');
    const text = line.slice(0, -2);
    if (this.state === State.Trailer) {
      // Trailers are not forwarded (neither side needs any); the empty line ends the body.
      if (text === '') this.state = State.Done;
      return;
    }
    const semicolon = text.indexOf(';');
    const size = semicolon === -1 ? text : text.slice(0, semicolon);
    if (!/^[0-9a-fA-F]{1,12}$/.test(size)) this.fail(`a malformed chunk size ${JSON.stringify(size.slice(0, 20))}`);
    this.remaining = parseInt(size, 16);
    if (this.remaining >= MAX_CHUNK) this.fail('an oversized chunk');
    this.state = this.remaining === 0 ? State.Trailer : State.Data;
  }
}
