// A JSON reader over the raw bytes of a request body that reads them as Go's encoding/json (how dockerd
// reads bodies) does: invalid UTF-8 and unpaired surrogate escapes become U+FFFD, one per bad byte or
// escape, where JavaScript would keep a lone surrogate; objects keep every member in document order,
// repeated keys included, because what a repeat means (merge, replace) depends on the Go type receiving
// it (see schema-reader.ts). It refuses what Go's decoder rejects (syntax errors, raw control characters
// in strings, a byte order mark), data after the first value (engines up to 26 ignore it, newer ones
// reject the request: no single reading), and nesting deeper than any Engine API body needs. Numbers
// keep their literal text so the schema can check them against the Go type that will receive them.
//
// Hand-written for the hot path: one pass over the Buffer, no regular expression per character, short
// ASCII strings sliced out of one string made of the whole body.
import { bodyRefusal } from './body-refusal.js';
import { formatJsonPath } from './json-path.js';

/** A JSON number as written in the body; which values it may stand for depends on the Go field. */
export class JsonNumber {
  constructor(readonly literal: string) {}
}

/** A JSON object: its members in document order, a key possibly more than once. */
export class JsonObject {
  constructor(readonly members: readonly (readonly [string, JsonValue])[]) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** The JSON value of a body, and whether any string in it held bytes or escapes Go reads as U+FFFD. */
export interface GoJsonDocument {
  readonly value: JsonValue;
  /** JSON paths of the strings (values or keys) where U+FFFD was substituted, for the audit record. */
  readonly replacedText: readonly string[];
  /** How many values the body holds: what its reading costs in memory, which its byte length does not tell. */
  readonly values: number;
}

/** Nesting of objects and arrays; the deepest Engine API body (a service spec) needs about ten. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SLASH = 0x2f;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

const FIX_SYNTAX = 'Send one well-formed JSON value, as the Engine API documents';
/** The length from which V8 makes a slice of a string a view into it instead of a copy (SlicedString::kMinLength). */
const SHORTEST_VIEW = 13;
const REPLACEMENT = '\ufffd';

function isWhitespace(c: number): boolean {
  // JSON's four whitespace bytes, the only ones Go's scanner skips.
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

function describeByte(c: number | undefined): string {
  if (c === undefined) return 'the end of the body';
  if (c >= 0x21 && c <= 0x7e) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}

const SIMPLE_ESCAPES: Readonly<Record<number, string>> = {
  [QUOTE]: '"',
  [BACKSLASH]: '\\',
  [SLASH]: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};

class GoJsonReader {
  private pos = 0;
  /** Keys and indexes from the root to the value being read, for refusal messages. */
  private readonly path: (string | number)[] = [];
  /** Paths of strings where U+FFFD stands for bytes Go could not read. */
  readonly replacedText: string[] = [];
  values = 0;
  /**
   * The body as one byte-per-character string, made by one call into Node: a short ASCII key or value is
   * then sliced out of it in V8's own code, where a `toString` per string crossed into C++ each time (a
   * tenth of a refused create's reading). Its indexes are the body's byte offsets.
   */
  private readonly bytes: string;

  constructor(private readonly buf: Buffer) {
    this.bytes = buf.toString('latin1');
  }

  readDocument(): JsonValue {
    const buf = this.buf;
    if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
      throw bodyRefusal([], "the body starts with a byte order mark, which Go's JSON decoder rejects", 'Send the JSON without a byte order mark');
    }
    this.skipWhitespace();
    if (this.pos === buf.length) throw bodyRefusal([], 'the body holds no JSON value', FIX_SYNTAX);
    const value = this.readValue(0);
    this.skipWhitespace();
    if (this.pos !== buf.length) {
      throw bodyRefusal(
        [],
        `data follows the JSON value at byte ${this.pos}; the engine reads only the first value and ignores or rejects the rest, depending on its version`,
        'Send exactly one JSON value',
      );
    }
    return value;
  }

  private skipWhitespace(): void {
    const buf = this.buf;
    while (this.pos < buf.length && isWhitespace(buf[this.pos]!)) this.pos++;
  }

  private syntaxError(expected: string): never {
    throw bodyRefusal(this.path, `expected ${expected} at byte ${this.pos} but found ${describeByte(this.buf[this.pos])}`, FIX_SYNTAX);
  }

  private readValue(depth: number): JsonValue {
    this.values++;
    const c = this.buf[this.pos];
    switch (c) {
      case OPEN_BRACE:
        return this.readObject(depth + 1);
      case OPEN_BRACKET:
        return this.readArray(depth + 1);
      case QUOTE:
        return this.readString();
      case 0x74: // t
        return this.readLiteral('true', true);
      case 0x66: // f
        return this.readLiteral('false', false);
      case 0x6e: // n
        return this.readLiteral('null', null);
      default:
        if (c === MINUS || (c !== undefined && isDigit(c))) return this.readNumber();
        return this.syntaxError('a JSON value');
    }
  }

  private enter(depth: number): void {
    if (depth > MAX_JSON_DEPTH) {
      throw bodyRefusal(this.path, `objects and arrays nest deeper than ${MAX_JSON_DEPTH} levels`, 'Send a body nested as the Engine API documents');
    }
  }

  private readObject(depth: number): JsonObject {
    this.enter(depth);
    const buf = this.buf;
    const members: (readonly [string, JsonValue])[] = [];
    this.pos++; // {
    this.skipWhitespace();
    if (buf[this.pos] === CLOSE_BRACE) {
      this.pos++;
      return new JsonObject(members);
    }
    for (;;) {
      if (buf[this.pos] !== QUOTE) this.syntaxError('a quoted key');
      const key = this.readString();
      this.skipWhitespace();
      if (buf[this.pos] !== COLON) this.syntaxError("':' after a key");
      this.pos++;
      this.skipWhitespace();
      this.path.push(key);
      members.push([key, this.readValue(depth)]);
      this.path.pop();
      if (this.closesAfterElement(CLOSE_BRACE, "',' or '}'")) return new JsonObject(members);
    }
  }

  private readArray(depth: number): JsonValue[] {
    this.enter(depth);
    const buf = this.buf;
    const items: JsonValue[] = [];
    this.pos++; // [
    this.skipWhitespace();
    if (buf[this.pos] === CLOSE_BRACKET) {
      this.pos++;
      return items;
    }
    for (;;) {
      this.path.push(items.length);
      items.push(this.readValue(depth));
      this.path.pop();
      if (this.closesAfterElement(CLOSE_BRACKET, "',' or ']'")) return items;
    }
  }

  /** After a member or item: true when `close` ends the container, false when a comma announces another. */
  private closesAfterElement(close: number, expected: string): boolean {
    this.skipWhitespace();
    const next = this.buf[this.pos];
    if (next === close) {
      this.pos++;
      return true;
    }
    if (next !== COMMA) this.syntaxError(expected);
    this.pos++;
    this.skipWhitespace();
    return false;
  }

  private readLiteral<T>(word: string, value: T): T {
    const buf = this.buf;
    for (let i = 0; i < word.length; i++) {
      if (buf[this.pos + i] !== word.charCodeAt(i)) {
        this.pos += i;
        this.syntaxError(`the literal ${word}`);
      }
    }
    this.pos += word.length;
    return value;
  }

  private readNumber(): JsonNumber {
    const buf = this.buf;
    const start = this.pos;
    if (buf[this.pos] === MINUS) this.pos++;
    const first = buf[this.pos];
    if (first === DIGIT_0) {
      this.pos++;
    } else if (first !== undefined && first >= DIGIT_1 && first <= DIGIT_9) {
      while (this.pos < buf.length && isDigit(buf[this.pos]!)) this.pos++;
    } else {
      this.syntaxError('a digit');
    }
    if (buf[this.pos] === DOT) {
      this.pos++;
      if (!isDigit(buf[this.pos] ?? -1)) this.syntaxError('a digit after the decimal point');
      while (this.pos < buf.length && isDigit(buf[this.pos]!)) this.pos++;
    }
    const e = buf[this.pos];
    if (e === LOWER_E || e === UPPER_E) {
      this.pos++;
      const sign = buf[this.pos];
      if (sign === PLUS || sign === MINUS) this.pos++;
      if (!isDigit(buf[this.pos] ?? -1)) this.syntaxError('a digit in the exponent');
      while (this.pos < buf.length && isDigit(buf[this.pos]!)) this.pos++;
    }
    return new JsonNumber(this.ascii(start, this.pos));
  }

  private readString(): string {
    const buf = this.buf;
    this.pos++; // opening quote
    const start = this.pos;
    // Fast path: printable ASCII without escapes, the shape of nearly every key and value.
    let c = buf[this.pos];
    while (c !== undefined && c !== QUOTE && c !== BACKSLASH && c >= 0x20 && c < 0x80) c = buf[++this.pos];
    if (c === QUOTE) {
      this.pos++;
      return this.ascii(start, this.pos - 1);
    }
    return this.readStringSlowly(start);
  }

  /**
   * The ASCII bytes from `start` to `end` as a string of its own. V8 copies a slice shorter than 13
   * characters; a longer one it makes a view into the whole body's string, which would then live as long
   * as any value read from it (a reason in the audit feed, a cached record text): those are made apart.
   */
  private ascii(start: number, end: number): string {
    return end - start < SHORTEST_VIEW ? this.bytes.slice(start, end) : this.buf.toString('latin1', start, end);
  }

  /** Continues a string that holds escapes, non-ASCII bytes or a refusal; `start` is after the quote. */
  private readStringSlowly(start: number): string {
    const buf = this.buf;
    let text = '';
    let runStart = start;
    for (;;) {
      const c = buf[this.pos];
      if (c === undefined) {
        throw bodyRefusal(this.path, 'a string is not closed before the end of the body', FIX_SYNTAX);
      }
      if (c === QUOTE) {
        text += buf.toString('utf8', runStart, this.pos);
        this.pos++;
        return text;
      }
      if (c < 0x20) {
        throw bodyRefusal(this.path, `a string holds the raw control character 0x${c.toString(16).padStart(2, '0')} at byte ${this.pos}`, 'Escape control characters in strings, e.g. \\n');
      }
      if (c >= 0x80) {
        const length = this.utf8SequenceLength(c);
        if (length > 0) {
          this.pos += length;
          continue;
        }
        // Go's decoder reads each byte that does not start a well-formed sequence as U+FFFD.
        text += buf.toString('utf8', runStart, this.pos) + REPLACEMENT;
        this.noteReplacement();
        this.pos++;
        runStart = this.pos;
        continue;
      }
      if (c !== BACKSLASH) {
        this.pos++;
        continue;
      }
      text += buf.toString('utf8', runStart, this.pos);
      text += this.readEscape();
      runStart = this.pos;
    }
  }

  /** Length of the well-formed UTF-8 sequence starting at `this.pos` with lead byte `lead`, or 0. */
  private utf8SequenceLength(lead: number): number {
    const buf = this.buf;
    const at = this.pos;
    const b1 = buf[at + 1] ?? 0;
    let length = 0;
    // The ranges of RFC 3629 (what Go's utf8.DecodeRune accepts): no overlong forms, no surrogates, nothing past U+10FFFF.
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead === 0xe0) length = b1 >= 0xa0 && b1 <= 0xbf ? 3 : 0;
    else if (lead === 0xed) length = b1 >= 0x80 && b1 <= 0x9f ? 3 : 0;
    else if (lead >= 0xe1 && lead <= 0xef) length = 3;
    else if (lead === 0xf0) length = b1 >= 0x90 && b1 <= 0xbf ? 4 : 0;
    else if (lead === 0xf4) length = b1 >= 0x80 && b1 <= 0x8f ? 4 : 0;
    else if (lead >= 0xf1 && lead <= 0xf3) length = 4;
    for (let i = 1; i < length; i++) {
      const b = buf[at + i];
      if (b === undefined || b < 0x80 || b > 0xbf) length = 0;
    }
    return length;
  }

  /** Reads the escape at `this.pos` (a backslash) and returns the text it stands for. */
  private readEscape(): string {
    const buf = this.buf;
    const letter = buf[this.pos + 1];
    if (letter === undefined) {
      throw bodyRefusal(this.path, 'a string is not closed before the end of the body', FIX_SYNTAX);
    }
    const simple = SIMPLE_ESCAPES[letter];
    if (simple !== undefined) {
      this.pos += 2;
      return simple;
    }
    if (letter !== 0x75) {
      throw bodyRefusal(this.path, `a string holds the unknown escape \\${String.fromCharCode(letter)} at byte ${this.pos}`, FIX_SYNTAX);
    }
    const unit = this.readHexUnit(this.pos + 2);
    this.pos += 6;
    if (unit < 0xd800 || unit > 0xdfff) return String.fromCharCode(unit);
    // A high surrogate counts only when a low surrogate escape follows at once; otherwise Go reads the
    // escape as U+FFFD and goes on with whatever follows it (another escape included).
    if (unit <= 0xdbff && buf[this.pos] === BACKSLASH && buf[this.pos + 1] === 0x75) {
      const low = this.readHexUnit(this.pos + 2);
      if (low >= 0xdc00 && low <= 0xdfff) {
        this.pos += 6;
        return String.fromCharCode(unit, low);
      }
    }
    this.noteReplacement();
    return REPLACEMENT;
  }

  private noteReplacement(): void {
    const where = formatJsonPath(this.path);
    if (this.replacedText[this.replacedText.length - 1] !== where) this.replacedText.push(where);
  }

  private readHexUnit(at: number): number {
    let unit = 0;
    for (let i = 0; i < 4; i++) {
      const digit = hexValue(this.buf[at + i] ?? -1);
      if (digit < 0) {
        throw bodyRefusal(this.path, `a \\u escape at byte ${at - 2} is not followed by four hexadecimal digits`, FIX_SYNTAX);
      }
      unit = unit * 16 + digit;
    }
    return unit;
  }
}

/**
 * Reads the one JSON value of a body as Go would, or throws a DG_BODY_MALFORMED GatewayError naming the
 * problem and its JSON path. Objects come back as member lists in document order (so no key can collide
 * with JavaScript's own properties); numbers as their literal text.
 */
export function readGoJson(body: Buffer): GoJsonDocument {
  const reader = new GoJsonReader(body);
  const value = reader.readDocument();
  return { value, replacedText: reader.replacedText, values: reader.values };
}
