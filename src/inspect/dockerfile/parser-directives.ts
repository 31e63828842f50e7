// Parser directives (`# escape=``, `# syntax=...`) as the parser reads them from the top of a
// Dockerfile: one per line, each name at most once, and looking stops for good at the first line that
// is not a directive of a known name (an empty line, an instruction, any other comment). Parser
// versions differ in the known names and in how a line is matched; see parser-versions.ts.
import { DockerfileSyntaxError } from './dockerfile-syntax-error.js';
import { trimGoSpaceLeft } from './go-strings.js';

export interface DirectiveLine {
  readonly name: string;
  readonly value: string;
}

/** Reads a directive's name and value off one line, or undefined if the line holds none. */
export type DirectiveMatcher = (line: string) => DirectiveLine | undefined;

// Go's \s is [\t\n\f\r ] (no \v) and its '.' any character but '\n'.
const V08_DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/u;
const NEWEST_DIRECTIVE = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/u;

/** BuildKit v0.8's reDirectives (also its dockerfile2llb.DetectSyntax): only Go's ASCII \s between '#' and the name. */
export const matchV08Directive: DirectiveMatcher = (line) => {
  const match = V08_DIRECTIVE.exec(line);
  return match ? { name: match[1]!, value: match[2]! } : undefined;
};

/** Newer DirectiveParser.ParseLine: the comment prefix, any Unicode spaces, then name=value. */
export function newestDirectiveMatcher(commentPrefix: string): DirectiveMatcher {
  return (line) => {
    if (!line.startsWith(commentPrefix)) return undefined;
    const match = NEWEST_DIRECTIVE.exec(trimGoSpaceLeft(line.slice(commentPrefix.length)));
    return match ? { name: match[1]!, value: match[2]! } : undefined;
  };
}

/** The directive-reading state (v0.8's directives struct, newer DirectiveParser). */
export class DirectiveReader {
  private done = false;
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly match: DirectiveMatcher,
    private readonly names: ReadonlySet<string>,
  ) {}

  /** The directives read so far, by lower-cased name. */
  get directives(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.seen);
  }

  /** Reads one line; returns the directive it holds, if directives are still being read. A repeated one fails the parse. */
  read(line: string, lineNumber: number): DirectiveLine | undefined {
    if (this.done) return undefined;
    const directive = this.match(line);
    const name = directive?.name.toLowerCase();
    if (!directive || !name || !this.names.has(name)) {
      this.done = true;
      return undefined;
    }
    if (this.seen.has(name)) throw new DockerfileSyntaxError(`only one ${name} parser directive can be used`, lineNumber);
    this.seen.set(name, directive.value);
    return { name, value: directive.value };
  }
}
