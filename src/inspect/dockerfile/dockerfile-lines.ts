// A Dockerfile cut into lines as the parser's bufio.Scanner cuts it: at each '\n', no line after a
// final '\n', and no line longer than the scanner's 64 KiB buffer can hold. Each parser version then
// decides what a line's text is (what it does with a trailing '\r'); see parser-versions.ts.

/** bufio.MaxScanTokenSize - 1: the longest line, in bytes without its '\n', the scanner returns. */
export const MAX_LINE_BYTES = 65535;

export interface PhysicalLine {
  /** The line without its '\n'. */
  readonly text: string;
  /** Whether a '\n' ended it (the last line of a file may have none). */
  readonly newline: boolean;
  /** Longer than MAX_LINE_BYTES: the scanner stops here with bufio.ErrTooLong. */
  readonly tooLong: boolean;
}

export function splitPhysicalLines(text: string): PhysicalLine[] {
  const pieces = text.split('\n');
  const lines = pieces.map((piece, index) => ({ text: piece, newline: index < pieces.length - 1, tooLong: Buffer.byteLength(piece, 'utf8') > MAX_LINE_BYTES }));
  if (lines[lines.length - 1]!.text === '') lines.pop(); // after a final '\n', or an empty file
  return lines;
}

/** bufio.ScanLines' line: without the '\n' and without one '\r' before it. */
export function scanLinesText(line: PhysicalLine): string {
  return line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text;
}
