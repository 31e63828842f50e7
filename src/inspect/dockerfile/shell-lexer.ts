// BuildKit's shell lexer (frontend/dockerfile/shell/lex.go, as in v0.32): quotes, the escape character,
// $VAR and ${VAR...} expansion and word splitting, the way the builder applies them to instruction
// arguments and the parser applies them to find heredoc openers. It follows the newest lexer, which
// reads every form the v0.8 lexer read to the same value and adds ${VAR-w}, ${VAR+w}, ${VAR#p},
// ${VAR%p} and ${VAR/p/r} (errors in v0.8, where the build stops). Quirks kept on purpose, because the
// parser's heredoc detection sees words through them:
//  - every nested processStopOn resets the one words buffer the lexer shares (lex.go keeps it on the
//    shellWord), so ProcessWords("a${X:-b}c") yields ["bc"]: what came before a ${X:...} in the same
//    word is dropped from the word list (not from the joined result);
//  - '<<' swallows the blanks after it, so "<< EOF" is one word;
//  - text/scanner drops a byte order mark that starts the input.
// Forms whose value dockgate does not compute (# % / patterns) and ${VAR?}/${VAR:?} forms that would
// fail the build are not errors here: they add nothing to the value and mark the reading uncertain.
import { isGoSpace } from './go-strings.js';

/** A lexer error: the builder stops the build with it. */
export class ShellLexError extends Error {}

export interface ShellLexerOptions {
  readonly escape: string;
  /** Keep quote characters in the output (Lex.RawQuotes). */
  readonly rawQuotes: boolean;
  /** Keep escape characters in the output (Lex.RawEscapes). */
  readonly rawEscapes: boolean;
  /** Leave unset variables as written (Lex.SkipUnsetEnv). */
  readonly skipUnsetEnv: boolean;
  readonly env: (name: string) => string | undefined;
}

export interface ShellLexing {
  /** ProcessWord's result: the whole input, expanded, spaces kept. */
  readonly result: string;
  /** ProcessWords' result: split on unquoted spaces. */
  readonly words: readonly string[];
  /** Names looked up that env did not know, in the order first looked up. */
  readonly unknown: readonly string[];
  readonly uncertain: boolean;
}

const EOF = undefined;
type Char = string | typeof EOF;

/** The words a processStopOn call collects (lex.go's wordsStruct); buf is shared by all of them. */
class WordCollector {
  readonly words: string[] = [];
  private inWord = false;

  constructor(private readonly buf: { text: string }) {}

  addChar(ch: string): void {
    const space = isGoSpace(ch.codePointAt(0)!);
    if (space && this.inWord) {
      if (this.buf.text.length !== 0) {
        this.words.push(this.buf.text);
        this.buf.text = '';
        this.inWord = false;
      }
    } else if (!space) {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.buf.text += ch;
    this.inWord = true;
  }

  addString(s: string): void {
    for (const ch of s) this.addChar(ch);
  }

  addRawString(s: string): void {
    this.buf.text += s;
    this.inWord = true;
  }

  getWords(): string[] {
    if (this.buf.text.length > 0) {
      this.words.push(this.buf.text);
      this.buf.text = '';
      this.inWord = false;
    }
    return this.words;
  }
}

function isSpecialParam(ch: string): boolean {
  return '@*#?-$!0'.includes(ch);
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** One run of the lexer over one input (lex.go's shellWord). */
export class ShellLexer {
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;
  private readonly wordsBuffer = { text: '' };
  private readonly unknown: string[] = [];
  private uncertain = false;

  constructor(
    private readonly input: string,
    private readonly options: ShellLexerOptions,
  ) {
    this.chars = [...input];
    // text/scanner's Peek skips a byte order mark at the very start of its source.
    if (this.chars[0] === '\ufeff') this.pos = 1;
    this.rawEscapes = options.rawEscapes;
  }

  /** Lex.process; throws ShellLexError where the builder would fail with "failed to process". */
  process(): ShellLexing {
    try {
      const { result, words } = this.processStopOn(EOF, this.rawEscapes);
      return { result, words, unknown: this.unknown, uncertain: this.uncertain };
    } catch (error) {
      if (error instanceof ShellLexError) throw new ShellLexError(`failed to process ${JSON.stringify(this.input)}: ${error.message}`);
      throw error;
    }
  }

  private peek(): Char {
    return this.chars[this.pos];
  }

  private next(): Char {
    const ch = this.chars[this.pos];
    if (ch !== EOF) this.pos++;
    return ch;
  }

  private processStopOn(stopChar: Char, rawEscapes: boolean): { result: string; words: string[] } {
    let result = '';
    this.wordsBuffer.text = '';
    const words = new WordCollector(this.wordsBuffer);
    const outer = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.peek() !== EOF) {
        let ch = this.peek()!;
        if (stopChar !== EOF && ch === stopChar) {
          this.next();
          return { result, words: words.getWords() };
        }
        const special = this.specialProcessor(ch);
        if (special) {
          const tmp = special();
          result += tmp;
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        ch = this.next()!;
        if (ch === this.options.escape) {
          if (this.rawEscapes) {
            words.addRawChar(ch);
            result += ch;
          }
          // The escape character escapes the next one, except at the end of the input.
          const escaped = this.next();
          if (escaped === EOF) break;
          words.addRawChar(escaped);
          result += escaped;
        } else {
          words.addChar(ch);
          result += ch;
        }
      }
      if (stopChar !== EOF) throw new ShellLexError(`unexpected end of statement while looking for matching ${stopChar}`);
      return { result, words: words.getWords() };
    } finally {
      this.rawEscapes = outer;
    }
  }

  /** processStopOn's charFuncMapping (quotes are always processed: SkipProcessQuotes is never set on these paths). */
  private specialProcessor(ch: string): (() => string) | undefined {
    switch (ch) {
      case '$':
        return () => this.processDollar();
      case '<':
        return () => this.processPossibleHeredoc();
      case "'":
        return () => this.processSingleQuote();
      case '"':
        return () => this.processDoubleQuote();
      default:
        return undefined;
    }
  }

  private processSingleQuote(): string {
    // Everything up to the next single quote is literal; a single quote cannot be escaped.
    return this.processQuoted("'", 'single-quote', () => this.next()!);
  }

  private processDoubleQuote(): string {
    // Literal except $, and the escape character before ", $ or itself.
    return this.processQuoted('"', 'double-quote', () => {
      if (this.peek() === '$') return this.processDollar();
      let ch = this.next()!;
      let read = '';
      if (ch === this.options.escape) {
        if (this.rawEscapes) read += ch;
        const after = this.peek();
        if (after === EOF) return read; // the loop then reports the missing quote
        if (after === '"' || after === '$' || after === this.options.escape) ch = this.next()!;
      }
      return read + ch;
    });
  }

  /**
   * A quoted stretch, the opening quote next: readInside reads what stands inside up to the closing
   * quote, piece by piece. The quotes themselves are kept only with rawQuotes; no closing quote is an error.
   */
  private processQuoted(quote: string, name: string, readInside: () => string): string {
    let result = '';
    const open = this.next()!;
    if (this.options.rawQuotes) result += open;
    for (;;) {
      const peeked = this.peek();
      if (peeked === EOF) throw new ShellLexError(`unexpected end of statement while looking for matching ${name}`);
      if (peeked === quote) {
        const close = this.next()!;
        if (this.options.rawQuotes) result += close;
        return result;
      }
      result += readInside();
    }
  }

  private processDollar(): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.getEnv(name);
      if (value === undefined && this.options.skipUnsetEnv) return `$${name}`;
      return value ?? '';
    }
    this.next();
    const first = this.peek();
    if (first === EOF) throw new ShellLexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new ShellLexError('syntax error: bad substitution');
    const name = this.processName();
    let ch = this.next();
    // Go's string(rune(-1)) for a modifier read at the end of the input.
    let modifier = ch ?? '\ufffd';
    let nullIsUnset = false;
    switch (ch) {
      case '}': {
        const value = this.getEnv(name);
        if (value === undefined && this.options.skipUnsetEnv) return `\${${name}}`;
        return value ?? '';
      }
      case '/':
        return this.processReplacement(name);
      case ':':
        nullIsUnset = true;
        ch = this.next();
        modifier += ch ?? '\ufffd';
        break;
      case '+':
      case '-':
      case '?':
      case '#':
      case '%':
        break;
      default:
        throw new ShellLexError(`unsupported modifier (${modifier}) in substitution`);
    }
    const patternModifier = ch === '#' || ch === '%';
    if (nullIsUnset && patternModifier) throw new ShellLexError(`unsupported modifier (${modifier}) in substitution`);
    const word = this.processModifierWord('}', patternModifier, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (value === undefined && this.options.skipUnsetEnv) return `\${${name}${modifier}${word}}`;
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (ch) {
      case '-':
        return unset ? word : value;
      case '+':
        return unset ? '' : word;
      case '?':
        // ${VAR?msg} fails the build when VAR is unset (with ':', also when it is empty).
        if (!unset) return value;
        this.uncertain = true;
        return '';
      case '#':
      case '%':
        // Prefix and suffix trimming by a shell pattern: not computed.
        this.uncertain = true;
        return '';
      default:
        throw new ShellLexError(`unsupported modifier (${modifier}) in substitution`);
    }
  }

  /** ${VAR/pattern/replacement} and ${VAR//pattern/replacement}: parsed as the lexer parses them, not computed. */
  private processReplacement(name: string): string {
    if (this.peek() === '/') this.next();
    const pattern = this.processModifierWord('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.processModifierWord('}', true, "syntax error: missing '}'");
    const value = this.getEnv(name);
    // lex.go rebuilds the text with one slash even for the // form.
    if (value === undefined && this.options.skipUnsetEnv) return `\${${name}/${pattern}/${replacement}}`;
    this.uncertain = true;
    return '';
  }

  /** The word of a modifier, up to stopChar; running out of input is reported as the missing stopChar. */
  private processModifierWord(stopChar: string, rawEscapes: boolean, missing: string): string {
    try {
      return this.processStopOn(stopChar, rawEscapes).result;
    } catch (error) {
      if (error instanceof ShellLexError && this.peek() === EOF) throw new ShellLexError(missing);
      throw error;
    }
  }

  private processName(): string {
    // A run of digits, one special parameter, or letters, digits and underscores.
    let name = '';
    for (let ch = this.peek(); ch !== EOF; ch = this.peek()) {
      if (name === '' && DIGIT.test(ch)) {
        while (this.peek() !== EOF && DIGIT.test(this.peek()!)) name += this.next();
        return name;
      }
      if (name === '' && isSpecialParam(ch)) return this.next()!;
      if (!LETTER.test(ch) && !DIGIT.test(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }

  private processPossibleHeredoc(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    // Blanks between << and the heredoc word stay in the same word.
    let space = '';
    for (let ch = this.peek(); ch === '\t' || ch === '\r' || ch === ' '; ch = this.peek()) space += this.next();
    return `<<${space}`;
  }

  private getEnv(name: string): string | undefined {
    const value = this.options.env(name);
    if (value === undefined && !this.unknown.includes(name)) this.unknown.push(name);
    return value;
  }
}
