// Small readers that interpret strings exactly the way the engine's Go code does, so that a value the
// gateway reads as harmless cannot mean something else to dockerd.

/** Go's strconv.ParseBool: the only spellings it accepts, or undefined (the engine would refuse). */
export function parseGoBool(text: string): boolean | undefined {
  switch (text) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

/**
 * Go's strconv.Atoi on 64-bit: an optional sign and decimal digits (leading zeros allowed: `00` is 0).
 * Returns undefined when Go would fail; the value as a bigint so that huge numbers are not rounded.
 */
export function parseGoInt(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return undefined;
  return value;
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Go's strings.ToUpper: each rune mapped by its simple upper-case mapping. JavaScript's toUpperCase uses
 * full mappings (`ß` → `SS`), which Go does not; a rune whose JavaScript mapping is longer than one
 * rune keeps its own spelling, as in Go. (`ſ` → `S` and `ı` → `I` agree in both.)
 */
export function goToUpper(text: string): string {
  // ASCII, nearly every name: both map a-z alike, and JavaScript's own call costs no string per rune.
  if (ASCII.test(text)) return text.toUpperCase();
  let out = '';
  for (const char of text) {
    const upper = char.toUpperCase();
    out += [...upper].length === 1 ? upper : char;
  }
  return out;
}

/** Quotes a request value for a message, shortened so a huge value cannot flood a log line. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}
