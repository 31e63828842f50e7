// The syntax directive as the Dockerfile frontend looks for it before parsing: when it finds one, the
// build is handed to the frontend image it names, which reads the Dockerfile its own way. This is a
// separate reader from the parser's directives, with rules of its own, so a file can name a frontend
// that the parser never sees as a directive (and the other way round).
import { splitPhysicalLines, scanLinesText } from './dockerfile-lines.js';
import { DockerfileSyntaxError } from './dockerfile-syntax-error.js';
import { DirectiveReader, matchV08Directive, newestDirectiveMatcher } from './parser-directives.js';

/** The lines bufio.Scanner hands over before it stops at one that is too long. */
function scannedLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of splitPhysicalLines(text)) {
    if (line.tooLong) break;
    lines.push(scanLinesText(line));
  }
  return lines;
}

/**
 * BuildKit v0.8's dockerfile2llb.DetectSyntax: leading lines that each match the directive pattern,
 * whatever their names, the last `syntax` among them winning. A byte order mark is not skipped (the
 * first line then matches nothing), nor are leading blanks.
 */
export function detectSyntaxV08(text: string): string | undefined {
  let syntax: string | undefined;
  for (const line of scannedLines(text)) {
    const directive = matchV08Directive(line);
    if (!directive) break;
    if (directive.name.toLowerCase() === 'syntax') syntax = directive.value;
  }
  return syntax;
}

const NEWEST_DIRECTIVE_NAMES: ReadonlySet<string> = new Set(['syntax', 'escape', 'check']);

/** detectDirectiveFromParser: the syntax among the leading directives; a repeated name ends the reading. */
function syntaxFromDirectives(lines: readonly string[], commentPrefix: string): string | undefined {
  const reader = new DirectiveReader(newestDirectiveMatcher(commentPrefix), NEWEST_DIRECTIVE_NAMES);
  try {
    for (const [index, line] of lines.entries()) {
      const directive = reader.read(line, index + 1);
      if (directive?.name === 'syntax') return directive.value;
    }
  } catch (error) {
    if (!(error instanceof DockerfileSyntaxError)) throw error;
  }
  return undefined;
}

/**
 * A JSON object with a string "syntax" member, as json.Unmarshal into map[string]any reads the whole
 * file. Nesting deeper than encoding/json allows is not checked: such a file is read as naming a
 * frontend where Go finds none, which is the cautious side.
 */
function syntaxFromJson(text: string): string | undefined {
  let outOfRange = false;
  let document: unknown;
  try {
    document = JSON.parse(text, (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) outOfRange = true; // a decoding error to Go
      return value;
    });
  } catch {
    return undefined;
  }
  if (outOfRange || typeof document !== 'object' || document === null || Array.isArray(document)) return undefined;
  const syntax: unknown = (document as Record<string, unknown>)['syntax'];
  return typeof syntax === 'string' ? Buffer.from(syntax, 'utf8').toString('utf8') : undefined;
}

/**
 * Newer parser.DetectSyntax: after a byte order mark and a `#!` first line, the `#` directives as
 * DirectiveParser reads them (no blanks before '#'), else the same with `//`, else a file that is a
 * JSON object with a "syntax" string.
 */
export function detectSyntaxNewest(text: string): string | undefined {
  let data = text.startsWith('\ufeff') ? text.slice(1) : text;
  const firstNewline = data.indexOf('\n');
  const firstLine = firstNewline < 0 ? data : data.slice(0, firstNewline);
  if (firstLine.startsWith('#!')) data = firstNewline < 0 ? '' : data.slice(firstNewline + 1);
  const lines = scannedLines(data);
  return syntaxFromDirectives(lines, '#') ?? syntaxFromDirectives(lines, '//') ?? syntaxFromJson(data);
}
