// A line of the text report folded to the terminal's width before the terminal would wrap it, so that
// text taken from an engine or a container can never start a line on the screen: continuation lines
// begin indented deeper than any line the report itself starts, where nothing passes for a heading, an
// item, or the summary. Widths are counted high (a character outside ASCII as two columns), so the
// terminal never has less room than the count says; the report's own colour codes count nothing. Text
// from elsewhere reaches this point inert (text.ts): no escape, control character or tab of its own.

/** Deeper than any line of the report starts (0, 2 or 6 columns). */
export const CONTINUATION = ' '.repeat(10);
/** Folding to a narrower terminal would leave no room after the continuation indent. */
const MIN_WIDTH = 40;
const SGR = /\x1b\[[0-9;]*m/y;

/** `line` as one or more lines, none wider than `width` - 1 columns (the last column is left free: some terminals wrap on it). */
export function foldLine(line: string, width: number): string[] {
  const room = Math.max(width, MIN_WIDTH) - 1;
  const out: string[] = [];
  let current = '';
  let column = 0;
  /** Where in `current` the last space is, and the column after it. */
  let lastSpace = -1;
  let columnAfterSpace = 0;
  for (let i = 0; i < line.length;) {
    SGR.lastIndex = i;
    const colour = SGR.exec(line);
    if (colour !== null) {
      current += colour[0];
      i += colour[0].length;
      continue;
    }
    const codePoint = line.codePointAt(i)!;
    const char = String.fromCodePoint(codePoint);
    i += char.length;
    const columns = codePoint < 0x80 ? 1 : 2;
    if (column + columns > room) {
      // Break after the last space when that keeps a fair part of the line, else where the room ends.
      if (lastSpace !== -1 && columnAfterSpace > CONTINUATION.length + 10) {
        out.push(current.slice(0, lastSpace));
        current = CONTINUATION + current.slice(lastSpace + 1);
        column = CONTINUATION.length + column - columnAfterSpace;
      } else {
        out.push(current);
        current = CONTINUATION;
        column = CONTINUATION.length;
      }
      lastSpace = -1;
    }
    if (char === ' ') {
      lastSpace = current.length;
      columnAfterSpace = column + 1;
    }
    current += char;
    column += columns;
  }
  out.push(current);
  return out;
}
