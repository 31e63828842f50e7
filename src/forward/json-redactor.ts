// Rewrites the string values at given paths of the engine's JSON answer as it streams, passing every other
// byte on unchanged: an answer of 5,000 containers is never held, only the path to the value being read and
// the key being read (capped). A byte scanner of our own rather than a streaming JSON parser from npm:
// those decode every value into JS strings and numbers, and what goes on must be the engine's bytes (Go's
// escapes, int64 numbers) but for the redacted values. The engine writes well-formed JSON; what is not
// (a stray byte, a broken nesting) fails the answer rather than passing a value unread. An answer may be
// several top-level values one after another (the events stream).
import { ANY_ELEMENT, ANY_KEY, LABEL_KEY, labelMatches, type RedactKind, type RedactionTarget, type RewriteMode } from '../judge/redaction.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

export const REDACTED = Buffer.from('<redacted>');
/** Keys longer than this are not held: no exact path names one, and a label pattern is taken to match it. */
const KEY_LIMIT = 1024;

const enum State {
  /** A value must come (after `:`, after `,` in an array, at the top level). */
  Value,
  /** Just after `[`: a value or `]`. */
  ArrayStart,
  /** Just after `{`: a key or `}`. */
  ObjectStart,
  /** After `,` in an object: a key. */
  KeyNext,
  Key,
  Colon,
  String,
  /** A number, true, false or null: passed on until what ends it. */
  Literal,
  /** After a value: `,`, the end of its container, or (at the top level) the next value. */
  After,
}

/** How the string being read is rewritten: not at all, or dropped from some point to its end. */
const enum Rewrite {
  None,
  /** Dropping from the opening quote on. */
  Dropping,
  /** Passing on until the first `=`, then dropping. */
  UntilEquals,
  /** Dropping until the first `:`, then passing on. */
  UntilColon,
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class JsonRedactorError extends Error {}

export class JsonRedactor {
  /** How many values of each kind were redacted so far. */
  readonly counts = new Map<RedactKind, number>();
  private state = State.Value;
  /** Per open container: whether it is an array, and (objects) the key of the member being read. */
  private readonly arrays: boolean[] = [];
  private readonly keys: (string | undefined)[] = [];
  private escaped = false;
  private keyBytes: number[] = [];
  private keyEscaped = false;
  private rewrite = Rewrite.None;
  private rewriteKind: RedactKind = 'env';

  constructor(
    private readonly targets: readonly RedactionTarget[],
    private readonly labelPatterns: readonly string[],
    /** Gets the answer as rewritten, in order: views into the pushed chunks, and the replacement text. */
    private readonly out: (piece: Buffer) => void,
  ) {
    // Every kind the answer is redacted of is counted, found or not: the audit record says what applied.
    for (const target of targets) this.counts.set(target.kind, 0);
  }

  push(chunk: Buffer): void {
    /** Where the bytes still to pass on begin; -1 while dropping. */
    let from = this.rewrite === Rewrite.Dropping || this.rewrite === Rewrite.UntilColon ? -1 : 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      switch (this.state) {
        case State.String:
          if (this.escaped) {
            this.escaped = false;
            continue;
          }
          if (c === BACKSLASH) {
            this.escaped = true;
            continue;
          }
          if (c === QUOTE) {
            if (this.rewrite === Rewrite.Dropping || this.rewrite === Rewrite.UntilColon) {
              this.out(REDACTED);
              from = i;
            }
            this.rewrite = Rewrite.None;
            this.state = State.After;
            continue;
          }
          if (this.rewrite === Rewrite.UntilEquals && c === EQUALS) {
            this.out(chunk.subarray(from, i + 1));
            this.rewrite = Rewrite.Dropping;
            this.count();
            from = -1;
          } else if (this.rewrite === Rewrite.UntilColon && c === COLON) {
            this.out(REDACTED);
            this.rewrite = Rewrite.None;
            from = i;
          }
          continue;
        case State.Key:
          this.readKey(c);
          continue;
        case State.Literal:
          if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWhitespace(c)) {
            this.state = State.After;
            i--;
          }
          continue;
        case State.Colon:
          if (c === COLON) this.state = State.Value;
          else if (!isWhitespace(c)) this.fail(c, 'a colon');
          continue;
        case State.ObjectStart:
        case State.KeyNext:
          if (c === QUOTE) {
            this.state = State.Key;
            this.keyBytes = [];
            this.keyEscaped = false;
          } else if (c === CLOSE_BRACE && this.state === State.ObjectStart) this.close(false);
          else if (!isWhitespace(c)) this.fail(c, 'a key');
          continue;
        case State.After:
          if (isWhitespace(c)) continue;
          if (this.arrays.length === 0) {
            // The next top-level value (an event after an event).
            this.state = State.Value;
            i--;
          } else if (c === COMMA) this.state = this.arrays[this.arrays.length - 1] ? State.Value : State.KeyNext;
          else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) this.close(c === CLOSE_BRACKET);
          else this.fail(c, 'a comma or the end of an object or array');
          continue;
        case State.ArrayStart:
          if (c === CLOSE_BRACKET) this.close(true);
          else if (!isWhitespace(c)) {
            // Any other byte begins the first element: read again as a value.
            this.state = State.Value;
            i--;
          }
          continue;
        case State.Value:
          if (isWhitespace(c)) continue;
          if (c === QUOTE) {
            this.state = State.String;
            const mode = this.targetHere();
            if (mode !== undefined) {
              this.out(chunk.subarray(from, i + 1));
              from = this.startRewrite(mode) ? -1 : i + 1;
            }
          } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
            this.arrays.push(c === OPEN_BRACKET);
            this.keys.push(undefined);
            this.state = c === OPEN_BRACKET ? State.ArrayStart : State.ObjectStart;
          } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET || c === COMMA || c === COLON) this.fail(c, 'a value');
          else this.state = State.Literal;
          continue;
      }
    }
    if (from !== -1 && from < chunk.length) this.out(chunk.subarray(from));
  }

  /** The answer ended: it must have ended between values (a cut answer was already cut upstream). */
  end(): void {
    if (this.arrays.length > 0 || (this.state !== State.After && this.state !== State.Value && this.state !== State.Literal)) {
      throw new JsonRedactorError('the answer ended inside a JSON value');
    }
  }

  private readKey(c: number): void {
    if (this.keyEscaped) this.keyEscaped = false;
    else if (c === BACKSLASH) this.keyEscaped = true;
    else if (c === QUOTE) {
      this.keys[this.keys.length - 1] = this.keyText();
      this.state = State.Colon;
      return;
    }
    if (this.keyBytes.length <= KEY_LIMIT) this.keyBytes.push(c);
  }

  /** The key read, decoded; undefined for one over the limit. */
  private keyText(): string | undefined {
    if (this.keyBytes.length > KEY_LIMIT) return undefined;
    const raw = Buffer.from(this.keyBytes).toString('utf8');
    return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
  }

  private close(array: boolean): void {
    if (this.arrays.pop() !== array) throw new JsonRedactorError(`the answer closes ${array ? 'an array' : 'an object'} it did not open`);
    this.keys.pop();
    this.state = State.After;
  }

  /** Starts rewriting the string just opened; true when its bytes are dropped from here on. */
  private startRewrite(target: RedactionTarget): boolean {
    this.rewriteKind = target.kind;
    this.rewrite = REWRITES[target.mode];
    if (this.rewrite !== Rewrite.UntilEquals) this.count();
    return this.rewrite !== Rewrite.UntilEquals;
  }

  private count(): void {
    this.counts.set(this.rewriteKind, (this.counts.get(this.rewriteKind) ?? 0) + 1);
  }

  /** The target the string value about to be read is at, if any. */
  private targetHere(): RedactionTarget | undefined {
    const depth = this.arrays.length;
    for (const target of this.targets) {
      const path = target.path;
      if (path.length !== depth) continue;
      let at = 0;
      for (; at < depth; at++) {
        const step = path[at]!;
        if (this.arrays[at]) {
          if (step !== ANY_ELEMENT) break;
          continue;
        }
        const key = this.keys[at];
        if (step === LABEL_KEY) {
          if (key !== undefined && !labelMatches(this.labelPatterns, key)) break;
        } else if (step !== ANY_KEY && step !== key) break;
      }
      if (at === depth) return target;
    }
    return undefined;
  }

  private fail(c: number, expected: string): never {
    throw new JsonRedactorError(`the answer has ${JSON.stringify(String.fromCharCode(c))} where JSON has ${expected}`);
  }
}

const REWRITES: Readonly<Record<RewriteMode, Rewrite>> = { whole: Rewrite.Dropping, 'after-equals': Rewrite.UntilEquals, 'before-colon': Rewrite.UntilColon };
