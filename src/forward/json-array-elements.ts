// A JSON array read as it streams in (the engine's container listing, which can be hundreds of megabytes):
// the bytes of each element are handed on as soon as the element ends, and only the element being read
// is held, so memory stays bounded whatever the array's length. Elements are only delimited here (strings,
// escapes and nesting followed); each is parsed on its own by whoever receives it. An element larger than
// the limit is not held at all: it is reported as such and skipped.

// The bytes of JSON's structure (also read by owner-df-rewrite.ts, which walks the object around such arrays).
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;

export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** An element's bytes, or 'too-large' for one over the limit. */
export type ArrayElement = Buffer | 'too-large';

export class JsonArrayElements {
  /** 'start': before '['; 'between': where an element or ']' may come; 'element': inside one; 'after': past ']'. */
  private state: 'start' | 'between' | 'element' | 'after' = 'start';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** After a ',' an element must follow; right after '[' a ']' may. */
  private elementRequired = false;
  private parts: Buffer[] = [];
  private size = 0;
  private offset = 0;

  constructor(
    private readonly maxElementBytes: number,
    private readonly onElement: (element: ArrayElement) => void,
  ) {}

  push(chunk: Buffer): void {
    this.read(chunk, false);
  }

  /**
   * For an array inside a larger document: reads up to the array's closing `]` and says how many bytes of
   * the chunk that took, or -1 when the whole chunk was read and the array goes on.
   */
  pushUntilEnd(chunk: Buffer): number {
    return this.read(chunk, true);
  }

  private read(chunk: Buffer, stopAtEnd: boolean): number {
    let elementStart = this.state === 'element' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.state === 'element') {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) this.inString = false;
          continue;
        }
        if (c === QUOTE) this.inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.depth++;
        else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && this.depth > 0) this.depth--;
        else if (this.depth === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
          this.take(chunk.subarray(elementStart, i));
          this.emit();
          this.state = c === COMMA ? 'between' : 'after';
          this.elementRequired = c === COMMA;
          elementStart = -1;
          if (stopAtEnd && this.state === 'after') return this.consumed(i + 1);
        }
        continue;
      }
      if (isWhitespace(c)) continue;
      if (this.state === 'start' && c === OPEN_BRACKET) {
        this.state = 'between';
      } else if (this.state === 'between' && c === CLOSE_BRACKET && !this.elementRequired) {
        this.state = 'after';
        if (stopAtEnd) return this.consumed(i + 1);
      } else if (this.state === 'between' && c !== COMMA && c !== CLOSE_BRACKET && c !== CLOSE_BRACE) {
        this.state = 'element';
        this.depth = c === OPEN_BRACE || c === OPEN_BRACKET ? 1 : 0;
        this.inString = c === QUOTE;
        elementStart = i;
      } else {
        throw new Error(`not a JSON array: unexpected ${JSON.stringify(String.fromCharCode(c))} at byte ${this.offset + i}`);
      }
    }
    if (this.state === 'element') this.take(chunk.subarray(elementStart));
    this.offset += chunk.length;
    return -1;
  }

  private consumed(bytes: number): number {
    this.offset += bytes;
    return bytes;
  }

  /** Throws when the array did not end. */
  end(): void {
    if (this.state !== 'after') throw new Error(`the JSON array ended early, at byte ${this.offset}`);
  }

  private take(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.size <= this.maxElementBytes) this.parts.push(bytes);
    else this.parts = [];
  }

  private emit(): void {
    this.onElement(this.size > this.maxElementBytes ? 'too-large' : Buffer.concat(this.parts));
    this.parts = [];
    this.size = 0;
  }
}
