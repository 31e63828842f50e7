// The JSON (exec) form of an instruction, read as line_parsers.go's parseJSON reads it with Go's
// encoding/json into []interface{}: an array of strings is the exec form; an array holding anything
// else fails the build (errDockerfileNotStringArray); anything that does not decode is not JSON and
// the instruction falls back to its shell form. BuildKit v0.8 decodes with json.NewDecoder(...).Decode,
// which reads the first value and ignores what follows it (`RUN ["id"] junk` runs id); newer parsers
// use json.Unmarshal, which refuses trailing data, so the same line is shell form there.
import { DockerfileSyntaxError } from './dockerfile-syntax-error.js';
import { trimGoSpaceLeft } from './go-strings.js';

/** encoding/json's maxNestingDepth: deeper input is a syntax error to Go. */
const MAX_NESTING_DEPTH = 10000;

const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

/** Where the value that opens text[0] ends (the index after its closing bracket); undefined if it never closes or nests too deep. */
function firstValueEnd(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING_DEPTH) return undefined;
    } else if (c === ']' || c === '}') {
      if (--depth === 0) return i + 1;
    }
  }
  return undefined;
}

function isJsonWhitespace(text: string): boolean {
  return /^[ \t\r\n]*$/.test(text);
}

/** Go decodes each unpaired surrogate escape (\ud800) to U+FFFD, where JSON.parse keeps it. */
function asGoDecodes(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/**
 * parseJSON: the array's strings, or undefined where the parser goes on to read the shell form.
 * firstValueOnly: decode as v0.8's json.Decoder does (trailing text ignored).
 */
export function readJsonStringArray(args: string, firstValueOnly: boolean, line: number): string[] | undefined {
  const text = trimGoSpaceLeft(args);
  if (!text.startsWith('[')) return undefined;
  const end = firstValueEnd(text);
  if (end === undefined || (!firstValueOnly && !isJsonWhitespace(text.slice(end)))) return undefined;
  // A number beyond float64 is a decoding error to Go (shell form), not a non-string element.
  let outOfRange = false;
  let decoded: unknown;
  try {
    decoded = JSON.parse(text.slice(0, end), (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) outOfRange = true;
      return value;
    });
  } catch {
    return undefined;
  }
  if (outOfRange) return undefined;
  const elements = decoded as unknown[];
  if (!elements.every((element): element is string => typeof element === 'string')) throw new DockerfileSyntaxError(NOT_STRING_ARRAY, line);
  return elements.map(asGoDecodes);
}
