// A Dockerfile read into the instructions the engine's builder would run, as BuildKit's parser
// (frontend/dockerfile/parser/parser.go, Parse) reads it: directives at the top, comment lines
// dropped, lines joined at the escape character, comment and blank lines inside a continuation
// skipped, each logical line split by its keyword's line parser, and (newer parsers only) heredoc
// bodies attached to the RUN, COPY or ADD that opens them. Two readings exist because the engines in
// use parse differently (see parser-versions.ts); a judge must accept a build only if both readings
// pass, since which parser an engine runs is not visible in the build request.
import { type PhysicalLine, MAX_LINE_BYTES, splitPhysicalLines } from './dockerfile-lines.js';
import { DockerfileSyntaxError } from './dockerfile-syntax-error.js';
import { trimGoSpaceLeft } from './go-strings.js';
import { heredocOpeners } from './heredoc-openers.js';
import { parseInstructionLine } from './instruction-line.js';
import { DirectiveReader } from './parser-directives.js';
import { BUILDKIT_NEWEST, BUILDKIT_V08, type ParserVersion } from './parser-versions.js';

export { DockerfileSyntaxError } from './dockerfile-syntax-error.js';

/** `--network=host` → {name:'network', value:'host'}; bare `--link` → value undefined. Raw text (not expanded). Order and repeats kept. */
export interface DockerfileFlag {
  readonly name: string;
  readonly value: string | undefined;
}

export interface Heredoc {
  readonly name: string;
  /** The body lines as written, each with its line ending; leading tabs are still there under chomp. */
  readonly content: string;
  readonly expand: boolean;
  readonly chomp: boolean;
}

export interface DockerfileInstruction {
  /** lower-case: 'from', 'run', 'add', 'copy', 'onbuild', ...; an unknown keyword too (the builder refuses it). */
  readonly keyword: string;
  /** 1-based line where it starts */
  readonly line: number;
  readonly flags: readonly DockerfileFlag[];
  /** JSON (exec) form */
  readonly json: boolean;
  /**
   * JSON form: the array's strings. Shell form: as the keyword's line parser splits the rest (quotes
   * and escapes kept): whitespace-delimited words for ADD/COPY/FROM/EXPOSE/VOLUME, parseWords' words
   * for ARG, name, value (and, in newer parsers, separator) for ENV/LABEL, the type word then the
   * command for HEALTHCHECK, the whole rest as one string for RUN/CMD/ENTRYPOINT/SHELL/USER/WORKDIR/
   * MAINTAINER/STOPSIGNAL, nothing for ONBUILD (see trigger), one empty string for an unknown keyword.
   */
  readonly args: readonly string[];
  /** In newer parsers, the heredocs the line opens (for ONBUILD, those its trigger opens). */
  readonly heredocs: readonly Heredoc[];
  /** ONBUILD's inner instruction, parsed as the parser does */
  readonly trigger?: DockerfileInstruction;
}

export interface DockerfileReading {
  /** The escape character in force: '\\' or '`'. */
  readonly escape: string;
  /**
   * The syntax directive as the frontend detects it before parsing, if any: the build is then handed
   * to that frontend image (the first space-separated word), which reads the file its own way. The
   * frontend's detection differs from the parser's directives (see syntax-detection.ts).
   */
  readonly syntax?: string;
  readonly instructions: readonly DockerfileInstruction[];
  /** The parser directives read, by lower-cased name. */
  readonly directives: Readonly<Record<string, string>>;
}

const HEREDOC_KEYWORDS: ReadonlySet<string> = new Set(['add', 'copy', 'run']);

/** isComment: the first non-space character is '#'. */
function isComment(text: string): boolean {
  return trimGoSpaceLeft(text).startsWith('#');
}

/** setEscapeToken's line-continuation regex: the escape character at the end, blanks after it allowed, not itself escaped. */
function continuationPattern(escape: string): RegExp {
  const token = escape === '\\' ? '\\\\' : escape;
  return new RegExp(`([^${token}])${token}[ \\t]*$|^${token}[ \\t]*$`, 'u');
}

/** Node.canContainHeredoc: RUN, COPY or ADD in shell form, directly or as the ONBUILD trigger. */
function canContainHeredoc(instruction: DockerfileInstruction): boolean {
  const target = instruction.keyword === 'onbuild' && instruction.trigger ? instruction.trigger : instruction;
  return HEREDOC_KEYWORDS.has(target.keyword) && !target.json;
}

/** Parse, for one parser version. */
class DockerfileParse {
  private readonly lines: readonly PhysicalLine[];
  private next = 0;
  private escape = '\\';
  private continuation = continuationPattern('\\');
  private readonly directives: DirectiveReader;
  private readonly instructions: DockerfileInstruction[] = [];

  constructor(
    private readonly text: string,
    private readonly version: ParserVersion,
  ) {
    this.lines = splitPhysicalLines(text);
    this.directives = new DirectiveReader(version.matchDirective, version.directiveNames);
  }

  read(): DockerfileReading {
    for (let line = this.scan(); line; line = this.scan()) {
      const startLine = this.next;
      // The first line loses a byte order mark; every first line of an instruction loses leading spaces.
      const text = startLine === 1 ? this.version.lineText(line).replace(/^\ufeff/, '') : this.version.lineText(line);
      let [joined, ended] = this.trimContinuation(this.processLine(trimGoSpaceLeft(text), startLine));
      if (ended && joined === '') continue;
      while (!ended) {
        const more = this.scan();
        if (!more) break;
        const token = this.processLine(this.version.lineText(more), this.next);
        if (isComment(more.text) || trimGoSpaceLeft(token) === '') continue; // comment lines and empty continuation lines
        const [piece, end] = this.trimContinuation(token);
        joined += piece;
        ended = end;
      }
      const instruction = parseInstructionLine(joined, { version: this.version, escape: this.escape, line: startLine });
      this.instructions.push(this.version.heredocs && canContainHeredoc(instruction) && joined.includes('<<') ? this.withHeredocs(instruction, joined) : instruction);
    }
    const syntax = this.version.detectSyntax(this.text);
    return { escape: this.escape, ...(syntax !== undefined && { syntax }), instructions: this.instructions, directives: this.directives.directives };
  }

  /** scanner.Scan: the next line, or undefined at the end; a line too long stops the parse. */
  private scan(): PhysicalLine | undefined {
    const line = this.lines[this.next];
    if (line?.tooLong) throw new DockerfileSyntaxError(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`, this.next + 1);
    if (line) this.next++;
    return line;
  }

  /** processLine: reads a directive off the line while directives are still read; a comment line becomes empty. */
  private processLine(token: string, lineNumber: number): string {
    const directive = this.directives.read(token, lineNumber);
    if (directive?.name === 'escape') {
      if (directive.value !== '`' && directive.value !== '\\') throw new DockerfileSyntaxError(`invalid escape token '${directive.value}' does not match \` or \\`, lineNumber);
      this.escape = directive.value;
      this.continuation = continuationPattern(directive.value);
    }
    return isComment(token) ? '' : token;
  }

  /** trimContinuationCharacter: the line without its continuation escape, and whether the instruction ends here. */
  private trimContinuation(token: string): [string, boolean] {
    if (!this.continuation.test(token)) return [token, true];
    return [token.replace(this.continuation, '$1'), false];
  }

  /** Reads the bodies of the heredocs the line opens from the lines after it, each up to its terminator line. */
  private withHeredocs(instruction: DockerfileInstruction, joined: string): DockerfileInstruction {
    const heredocs: Heredoc[] = [];
    for (const opener of heredocOpeners(joined, instruction.line)) {
      let content = '';
      let terminated = false;
      for (let body = this.scan(); body; body = this.scan()) {
        const terminator = body.text.replace(/\r+$/, '');
        if ((opener.chomp ? terminator.replace(/^\t+/, '') : terminator) === opener.name) {
          terminated = true;
          break;
        }
        content += body.text + (body.newline ? '\n' : '');
      }
      if (!terminated) throw new DockerfileSyntaxError('unterminated heredoc', instruction.line);
      heredocs.push({ ...opener, content });
    }
    return { ...instruction, heredocs };
  }
}

/**
 * Reads text as the parser does. heredocs: false reads as BuildKit v0.8 (dockerd 20.10's classic
 * builder and built-in frontend), where heredoc body lines are instructions of their own; true as the
 * newest BuildKit frontend. Throws DockerfileSyntaxError where that parser fails; a file without
 * instructions (an error to the parser, which fails the build) reads as no instructions.
 */
export function parseDockerfile(text: string, options: { heredocs: boolean }): DockerfileReading {
  // Unpaired surrogates cannot come from UTF-8; read them as the U+FFFD Go would see.
  const wellFormed = Buffer.from(text, 'utf8').toString('utf8');
  return new DockerfileParse(wellFormed, options.heredocs ? BUILDKIT_NEWEST : BUILDKIT_V08).read();
}
