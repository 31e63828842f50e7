// The request target (`req.url`), read the way dockerd reads it (Go net/http, gorilla mux routing on the
// percent-decoded path) and refused wherever that reading is ambiguous or differs from a naive one.
// What comes out is what gets judged; `forwardTarget()` re-encodes exactly that for the engine.
import { GatewayError } from '../errors/catalogue.js';
import { parseApiVersion, requireKnownVersion, requireMinimumVersion } from './api-version.js';
import { asciiSet, decodePercent, encodePath } from './percent-encoding.js';
import { parseQuery, type QueryView, type ReplacedQuery } from './query.js';
import { quote } from './quote.js';
import type { Route } from './route.js';

export type { QueryView, ReplacedQuery } from './query.js';

export interface RequestTarget {
  /** The API version the client asked for, canonical (`1.41`); absent when it asked for the engine's own. */
  readonly version?: string;
  /** The decoded path without the version prefix, e.g. `/containers/a b/json`. */
  readonly path: string;
  /** The decoded path segments without the version prefix; `%2F` separates segments, as in dockerd. */
  readonly segments: readonly string[];
  readonly query: QueryView;
  /**
   * The target to send to the engine: `/v1.41/<segments re-encoded>?<canonical query>` (no prefix when the
   * client sent none). The engine decodes it to exactly the version, segments and query that were judged.
   */
  forwardTarget(): string;
  /**
   * The same, with what the decision judged in place of what the client sent: the path segments `[start,
   * end)` (the object a route names) replaced by `ref`, the full id the decision looked up, which the engine
   * cannot resolve to anything else later; and query parameters given the values the decision judged.
   */
  forwardTargetWith(pins: ForwardPins): string;
}

/** What a decision forwards in place of parts of the client's target. */
export interface ForwardPins {
  readonly path?: { readonly segments: readonly [number, number]; readonly ref: string };
  readonly query?: ReplacedQuery;
}

/**
 * The target to forward for a route: with the judged full id in place of the object's reference, when there
 * is one, and the query parameters the decision replaced (`replacedQuery`), when there are.
 */
export function judgedForwardTarget(target: RequestTarget, route: Route | undefined, pinnedTarget: string | undefined, replacedQuery?: ReplacedQuery): string {
  const at = route?.target?.segments;
  const path = at === undefined || pinnedTarget === undefined ? undefined : { segments: at, ref: pinnedTarget };
  if (path === undefined && replacedQuery === undefined) return target.forwardTarget();
  return target.forwardTargetWith({ ...(path !== undefined && { path }), ...(replacedQuery !== undefined && { query: replacedQuery }) });
}

/**
 * Characters allowed raw in the path: RFC 3986 pchar and `/`, without `;`. Anything else (`#`, `\`, `{`,
 * spaces, controls, non-ASCII) is read differently by different HTTP stacks, so it must arrive encoded.
 */
const ACCEPTED_RAW_IN_PATH = asciiSet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@%/");

const SLASH = 0x2f;
const PERCENT = 0x25;
const SEMICOLON = 0x3b;
const LOWER_V = 0x76;
const UPPER_V = 0x56;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

class ParsedTarget implements RequestTarget {
  private forwarded: string | undefined;

  constructor(
    readonly version: string | undefined,
    readonly path: string,
    readonly segments: readonly string[],
    readonly query: QueryView,
  ) {}

  forwardTarget(): string {
    this.forwarded ??= this.assemble(this.path);
    return this.forwarded;
  }

  forwardTargetWith({ path, query }: ForwardPins): string {
    if (path === undefined) return this.assemble(this.path, query);
    const [start, end] = path.segments;
    return this.assemble(`/${[...this.segments.slice(0, start), path.ref, ...this.segments.slice(end)].join('/')}`, query);
  }

  private assemble(path: string, replaced?: ReplacedQuery): string {
    const target = (this.version === undefined ? '' : `/v${this.version}`) + encodePath(path);
    const query = this.query.canonical(replaced);
    return query.length === 0 ? target : `${target}?${query}`;
  }
}

/**
 * Parses a request target as received (`req.url`). `minVersion` is the oldest API version accepted,
 * e.g. `[1, 24]`. Throws a GatewayError (DG_PATH_MALFORMED, DG_API_VERSION_UNSUPPORTED,
 * DG_QUERY_MALFORMED) rather than guess.
 */
export function parseRequestTarget(rawTarget: string, minVersion: readonly number[]): RequestTarget {
  if (rawTarget.charCodeAt(0) !== SLASH) {
    throw malformedPath(
      rawTarget,
      'it is not in origin form: absolute (http://host/path), authority and * targets are not how the Engine API is addressed',
      'Send the path only, starting with /, as the Docker CLI does',
    );
  }
  const questionMark = rawTarget.indexOf('?');
  const rawPath = questionMark === -1 ? rawTarget : rawTarget.slice(0, questionMark);

  let hasEscapes = false;
  for (let i = 0; i < rawPath.length; i++) {
    const code = rawPath.charCodeAt(i);
    if (code === PERCENT) hasEscapes = true;
    else if (code === SEMICOLON) throw semicolonInPath(rawTarget);
    else if (code >= 128 || ACCEPTED_RAW_IN_PATH[code] !== 1) {
      throw malformedPath(rawTarget, `it contains the raw character ${quote(rawPath[i]!)}`, 'Percent-encode it as UTF-8');
    }
  }
  const decoded = hasEscapes ? decodePath(rawPath, rawTarget) : rawPath;

  // The first segment may be the version prefix; the path proper starts after it.
  let version: string | undefined;
  let pathStart = 0;
  const firstEnd = decoded.indexOf('/', 1);
  const first = firstEnd === -1 ? decoded.slice(1) : decoded.slice(1, firstEnd);
  if (isVersionPrefix(first)) {
    version = readVersion(first, minVersion, rawTarget);
    if (firstEnd === -1) {
      throw malformedPath(rawTarget, 'nothing follows the API version', 'Add the endpoint path, e.g. /v1.41/_ping');
    }
    pathStart = firstEnd;
  }
  const path = pathStart === 0 ? decoded : decoded.slice(pathStart);
  const segments = splitSegments(path, rawTarget);
  const query = parseQuery(questionMark === -1 ? '' : rawTarget.slice(questionMark + 1));
  return new ParsedTarget(version, path, segments, query);
}

/** Splits a decoded path that starts with `/`, refusing empty and dot segments. (A loop: split() is slower.) */
function splitSegments(path: string, rawTarget: string): string[] {
  const segments: string[] = [];
  let start = 1;
  for (;;) {
    const slash = path.indexOf('/', start);
    const segment = slash === -1 ? path.slice(start) : path.slice(start, slash);
    if (segment.length === 0) {
      throw malformedPath(
        rawTarget,
        'it has an empty segment (a doubled or trailing slash, or no path at all); dockerd would redirect or answer 404',
        'Send the path without doubled or trailing slashes',
      );
    }
    if (segment === '.' || segment === '..') {
      throw malformedPath(rawTarget, 'it has a "." or ".." segment (possibly percent-encoded), which dockerd would resolve before routing', 'Send the resolved path');
    }
    segments.push(segment);
    if (slash === -1) return segments;
    start = slash + 1;
  }
}

function decodePath(rawPath: string, rawTarget: string): string {
  const decoded = decodePercent(rawPath, false);
  if (decoded === undefined) {
    throw malformedPath(rawTarget, 'it has an invalid percent escape or encodes bytes that are not UTF-8', 'Encode the path as UTF-8 with % followed by two hex digits');
  }
  for (let i = 0; i < decoded.length; i++) {
    const code = decoded.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      throw malformedPath(rawTarget, 'it encodes a control character', 'Remove control characters from the path');
    }
    // Line and paragraph separators: no Engine API object name holds one, and line-based tools reading
    // the audit trail (and terminals) would break a line there.
    if (code === 0x2028 || code === 0x2029) {
      throw malformedPath(rawTarget, 'it encodes a line or paragraph separator (U+2028, U+2029)', 'Remove line separators from the path');
    }
    if (code === SEMICOLON) throw semicolonInPath(rawTarget);
  }
  return decoded;
}

/**
 * dockerd's prefix is `/v{version:[0-9.]+}`. A first segment that starts like one (`v1…`, `v.…`, `v`, or
 * the same with `V`, which dockerd would answer 404) is read as a version attempt; `/volumes` and
 * `/version` are not.
 */
function isVersionPrefix(segment: string): boolean {
  const first = segment.charCodeAt(0);
  if (first !== LOWER_V && first !== UPPER_V) return false;
  if (segment.length === 1) return true;
  const second = segment.charCodeAt(1);
  return second === DOT || (second >= DIGIT_0 && second <= DIGIT_9);
}

function readVersion(segment: string, minVersion: readonly number[], rawTarget: string): string {
  if (segment.charCodeAt(0) === UPPER_V) {
    throw malformedPath(rawTarget, 'the version prefix is spelled with a capital V, which dockerd does not route', 'Write the prefix as /v, e.g. /v1.41');
  }
  const version = parseApiVersion(segment.slice(1), `/${segment}`);
  requireMinimumVersion(version, minVersion);
  requireKnownVersion(version);
  return version.canonical;
}

function semicolonInPath(rawTarget: string): GatewayError {
  return malformedPath(rawTarget, 'it contains ";": the Engine API has no path parameters and names never contain it', 'Remove the ;parameter from the path');
}

function malformedPath(rawTarget: string, why: string, fix: string): GatewayError {
  return new GatewayError('DG_PATH_MALFORMED', { what: `request target ${quote(rawTarget)}`, why, fix });
}
