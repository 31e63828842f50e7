// The request headers the engine reads, read the way its Go code reads them, and the only ones forwarded.
// Go takes the first line of a header (Header.Get), and decides with Unicode-aware functions what a value
// means (strings.ToLower and TrimSpace inside mime.ParseMediaType, which turn `APPLİCATION/X-WWW-FORM-…`
// into a form type where JavaScript's toLowerCase does not). A value of visible ASCII (and tabs) is read
// alike by both, so every line of these headers must be one; anything else is refused rather than guessed
// at. What is forwarded is the first value of each, the one that was judged (Node would join repeated
// lines of an unknown header with commas, which the engine would read as one value).
import { GatewayError } from '../errors/catalogue.js';
import { quote } from './quote.js';

/** Headers of every request that the engine reads. Credentials pass through but are never recorded. */
export const ENGINE_REQUEST_HEADERS = ['content-type', 'x-registry-auth', 'x-registry-config', 'user-agent'] as const;

export type EngineRequestHeader = (typeof ENGINE_REQUEST_HEADERS)[number];

/** The first value of each engine-read header the request has (lower-case names). */
export type EngineHeaders = Partial<Record<EngineRequestHeader, string>>;

/** Other headers the engine reads on some routes: Upgrade (hijacks), BuildKit's session headers. */
const ROUTE_HEADER = /^(upgrade|x-docker-expose-session-(uuid|name|sharedkey|grpc-method))$/;

const READ_ALIKE = /^[\t\x20-\x7e]*$/;

function isEngineRequestHeader(name: string): name is EngineRequestHeader {
  return (ENGINE_REQUEST_HEADERS as readonly string[]).includes(name);
}

/**
 * Reads the engine's headers from Node's raw header list (name, value, ...), or throws DG_HEADER_MALFORMED
 * when a line of one holds a byte that Go and JavaScript could read differently.
 */
export function readEngineHeaders(rawHeaders: readonly string[]): EngineHeaders {
  const headers: EngineHeaders = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const engineReads = isEngineRequestHeader(name);
    if (!engineReads && !ROUTE_HEADER.test(name)) continue;
    const value = rawHeaders[i + 1]!;
    if (!READ_ALIKE.test(value)) {
      throw new GatewayError('DG_HEADER_MALFORMED', {
        what: `header ${rawHeaders[i]}`,
        why: `its value holds ${quote(value.replace(/[\t\x20-\x7e]/g, '').slice(0, 8))}, bytes outside visible ASCII that the engine's Go code and dockgate could read differently`,
        fix: 'Send the header in plain ASCII, as Docker clients do',
      });
    }
    if (engineReads) headers[name] ??= value;
  }
  return headers;
}
