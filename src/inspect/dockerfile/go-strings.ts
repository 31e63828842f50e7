// The few Go string functions the Dockerfile parser and shell lexer lean on, where JavaScript's nearest
// built-in reads text differently: unicode.IsSpace knows U+0085 but not U+FEFF (String.prototype.trim
// is the other way round), strings.ToLower maps rune by rune (U+0130 becomes a plain 'i', so
// "ONBUİLD" is dispatched as onbuild), and a few parser loops walk bytes, not runes, taking each byte of
// a multi-byte character for a character of its own.

/** unicode.IsSpace: Latin-1 spaces plus the Unicode White_Space letters above U+00FF. */
export function isGoSpace(codePoint: number): boolean {
  switch (codePoint) {
    case 0x09:
    case 0x0a:
    case 0x0b:
    case 0x0c:
    case 0x0d:
    case 0x20:
    case 0x85:
    case 0xa0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202f:
    case 0x205f:
    case 0x3000:
      return true;
    default:
      return codePoint >= 0x2000 && codePoint <= 0x200a;
  }
}

/** strings.TrimLeftFunc(s, unicode.IsSpace). */
export function trimGoSpaceLeft(s: string): string {
  let start = 0;
  while (start < s.length && isGoSpace(s.codePointAt(start)!)) start++; // every space is one UTF-16 unit
  return s.slice(start);
}

/** strings.TrimSpace. */
export function trimGoSpace(s: string): string {
  let end = s.length;
  while (end > 0 && isGoSpace(s.charCodeAt(end - 1))) end--;
  return trimGoSpaceLeft(s.slice(0, end));
}

/** strings.ToLower: unicode.ToLower rune by rune, never one rune into two as toLowerCase does for U+0130. */
export function goToLower(s: string): string {
  let lower = '';
  for (const ch of s) lower += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return lower;
}

/**
 * The UTF-8 bytes of s as a string of one character per byte (U+0000..U+00FF). Go code that indexes a
 * string byte by byte and writes rune(b) back produces exactly this: each byte of a multi-byte
 * character becomes the Latin-1 character of that value.
 */
export function toByteString(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** The text a slice of a byte string stands for; bytes cut out of a character read as U+FFFD, as Go's range loop reads them. */
export function fromByteString(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
