// The two Dockerfile parsers dockgate reads a build as: BuildKit v0.8's (vendored in dockerd 20.10,
// run by its classic builder and its built-in BuildKit frontend) and the newest BuildKit frontend's
// (v0.32). Every point where they read the same bytes differently is one field here.
import { type PhysicalLine, scanLinesText } from './dockerfile-lines.js';
import { type DirectiveMatcher, matchV08Directive, newestDirectiveMatcher } from './parser-directives.js';
import { detectSyntaxNewest, detectSyntaxV08 } from './syntax-detection.js';

export interface ParserVersion {
  /** RUN, COPY and ADD (also as ONBUILD triggers) take heredocs; without them the body lines are instructions. */
  readonly heredocs: boolean;
  /** The text of a line the parser works on. */
  readonly lineText: (line: PhysicalLine) => string;
  readonly matchDirective: DirectiveMatcher;
  readonly directiveNames: ReadonlySet<string>;
  /** extractBuilderFlags escapes with the escape directive's character (v0.8: always a backslash). */
  readonly flagsEscapeWithDirectiveToken: boolean;
  /** parseJSON decodes the first JSON value and ignores the rest (json.Decoder), not the whole text (json.Unmarshal). */
  readonly jsonFirstValueOnly: boolean;
  /** ENV and LABEL chain a separator ("=" or "") after each name and value. */
  readonly nameValueSeparators: boolean;
  /** How the frontend finds a syntax directive (the frontend image to hand the build to). */
  readonly detectSyntax: (text: string) => string | undefined;
}

export const BUILDKIT_V08: ParserVersion = {
  heredocs: false,
  // bufio.ScanLines drops one '\r' before the '\n': "RUN a \\\r\r\n" keeps a '\r' after the backslash, so it does not continue.
  lineText: scanLinesText,
  matchDirective: matchV08Directive,
  directiveNames: new Set(['escape', 'syntax']),
  flagsEscapeWithDirectiveToken: false,
  jsonFirstValueOnly: true,
  nameValueSeparators: false,
  detectSyntax: detectSyntaxV08,
};

export const BUILDKIT_NEWEST: ParserVersion = {
  heredocs: true,
  // scanLines keeps the line ending and processLine's trimNewline strips every trailing '\r' and '\n'.
  lineText: (line) => line.text.replace(/\r+$/, ''),
  matchDirective: newestDirectiveMatcher('#'),
  directiveNames: new Set(['escape', 'syntax', 'check']),
  flagsEscapeWithDirectiveToken: true,
  jsonFirstValueOnly: false,
  nameValueSeparators: true,
  detectSyntax: detectSyntaxNewest,
};
