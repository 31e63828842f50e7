// Percent-decoding as Go's net/url does it, and the one canonical encoding the gateway forwards.
// Canonical encodings are pure functions of the decoded text, so what the engine decodes is what was judged.

/** A lookup table over ASCII: 1 for the characters listed. Built once at load, read per character. */
export function asciiSet(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** RFC 3986 unreserved characters: the same whether encoded or not, to every reader. */
const UNRESERVED = ALPHANUMERIC + '-._~';
/**
 * Left raw in forwarded paths: RFC 3986 pchar without `;` (refused in paths) and `%`, plus the `/`
 * between segments. Keeping `:` and `@` readable matters: image references (`busybox:1.36`,
 * `app@sha256:...`) are full of them.
 */
const LEFT_RAW_IN_PATH = asciiSet(UNRESERVED + "!$&'()*+,=:@/");
/** Left raw in forwarded query components: exactly what Go's url.QueryEscape leaves raw. */
const LEFT_RAW_IN_QUERY_COMPONENT = asciiSet(UNRESERVED);

const PERCENT_ESCAPES: readonly string[] = Array.from({ length: 128 }, (_, code) => '%' + code.toString(16).toUpperCase().padStart(2, '0'));

/**
 * Decodes `%XX` escapes into UTF-8 text; `+` becomes a space only when asked (query components, like
 * Go's QueryUnescape; in paths `+` is literal). Returns undefined for an invalid escape or bytes that
 * are not UTF-8: a JavaScript string could not hold them faithfully, so they are refused upstream.
 */
export function decodePercent(raw: string, plusIsSpace: boolean): string | undefined {
  const text = plusIsSpace && raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The canonical form of a decoded path. Its `/` are segment separators (a decoded `%2F` separates
 * segments in dockerd too), so they stay raw.
 */
export function encodePath(path: string): string {
  return encode(path, LEFT_RAW_IN_PATH, false);
}

/** The canonical form of a decoded query name or value, as Go's url.QueryEscape writes it. */
export function encodeQueryComponent(component: string): string {
  return encode(component, LEFT_RAW_IN_QUERY_COMPONENT, true);
}

const SPACE = 0x20;

function encode(text: string, raw: Uint8Array, spaceAsPlus: boolean): string {
  let i = 0;
  while (i < text.length && raw[text.charCodeAt(i)] === 1) i++;
  if (i === text.length) return text;
  let out = text.slice(0, i);
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) {
      out += raw[code] === 1 ? text[i] : spaceAsPlus && code === SPACE ? '+' : PERCENT_ESCAPES[code];
    } else {
      // Whole code point, so a surrogate pair is encoded as the UTF-8 of the character it forms.
      const codePoint = text.codePointAt(i)!;
      out += encodeURIComponent(String.fromCodePoint(codePoint));
      if (codePoint > 0xffff) i++;
    }
  }
  return out;
}
