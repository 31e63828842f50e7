// The engine's event stream, kept to the events a client's owner may see (src/judge/owner/owner-events.ts),
// as it streams. The engine writes one JSON object per line; each line is read whole (up to a bound), judged,
// and passed on byte for byte or not at all, in the order the engine wrote them. A line over the bound, one
// that is not JSON, or a stream that ends inside a line fails the stream: nothing goes on that was not judged.
// A judgement that has to ask the engine holds the lines after it; the caller pauses the engine meanwhile.

/** Longer than any event the engine writes (an actor's attributes are its labels); a longer line ends the stream. */
export const EVENT_LINE_LIMIT = 1024 * 1024;

const NEWLINE = 0x0a;

export class OwnerEventLineError extends Error {}

export class OwnerEventLines {
  /** The line being read, in pieces, and its length so far. */
  private partial: Buffer[] = [];
  private partialLength = 0;
  /** Lines read and not judged yet (they wait behind a judgement that asks the engine). */
  private readonly waiting: { line: Buffer; event: unknown }[] = [];
  private judging = false;
  /** Called once everything read has been judged, after a judgement that had to wait. */
  private onIdle: (() => void) | undefined;

  constructor(
    private readonly keeps: (event: unknown) => boolean | Promise<boolean>,
    /** Gets each kept line, newline included. */
    private readonly out: (line: Buffer) => void,
    /** Told when passing a line on failed after a judgement that waited (the caller's stack is gone by then). */
    private readonly failed: (err: unknown) => void,
    private readonly lineLimit = EVENT_LINE_LIMIT,
  ) {}

  /** Reads a piece of the stream; throws OwnerEventLineError for a line that cannot be judged. */
  push(chunk: Buffer): void {
    let from = 0;
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, from)) {
      this.add(chunk.subarray(from, at + 1));
      const line = this.partial.length === 1 ? Buffer.from(this.partial[0]!) : Buffer.concat(this.partial);
      this.partial = [];
      this.partialLength = 0;
      this.waiting.push({ line, event: parse(line) });
      from = at + 1;
    }
    if (from < chunk.length) this.add(Buffer.from(chunk.subarray(from)));
    this.judge();
  }

  /** Whether every line read has been judged (and the kept ones passed on). */
  get idle(): boolean {
    return !this.judging && this.waiting.length === 0;
  }

  /** Calls `then` once every line read has been judged: at once when it has. */
  whenIdle(then: () => void): void {
    if (this.idle) then();
    else this.onIdle = then;
  }

  /** The stream ended: it must have ended after a whole line. */
  end(): void {
    if (this.partialLength > 0) throw new OwnerEventLineError('the event stream ended inside an event');
  }

  private add(piece: Buffer): void {
    this.partialLength += piece.length;
    if (this.partialLength > this.lineLimit) throw new OwnerEventLineError(`an event is longer than ${this.lineLimit} bytes`);
    this.partial.push(piece);
  }

  private judge(): void {
    while (!this.judging && this.waiting.length > 0) {
      const { line, event } = this.waiting[0]!;
      const verdict = this.keeps(event);
      if (verdict instanceof Promise) {
        this.judging = true;
        verdict
          .then((kept) => {
            this.judging = false;
            this.waiting.shift();
            if (kept) this.out(line);
            this.judge();
            if (this.idle && this.onIdle !== undefined) {
              const then = this.onIdle;
              this.onIdle = undefined;
              then();
            }
          })
          .catch(this.failed);
        return;
      }
      this.waiting.shift();
      if (verdict) this.out(line);
    }
  }
}

function parse(line: Buffer): unknown {
  try {
    return JSON.parse(line.toString('utf8')) as unknown;
  } catch {
    throw new OwnerEventLineError('an event is not JSON');
  }
}
