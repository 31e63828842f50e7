// The `/v<version>` path prefix: parsed numerically as dockerd does, reduced to one canonical spelling.
//
// dockerd matches the prefix with `v{version:[0-9.]+}` and compares versions component by component
// with strconv.Atoi (moby api/types/versions/compare.go), so `01.41`, `1.041` and `1.41.0` all mean 1.41.
// Spellings Go would still accept but read surprisingly (`1..41` is 1.0.41, an unparsable component is 0)
// are refused instead: the engine must apply exactly the version the gateway judged.
import { GatewayError } from '../errors/catalogue.js';
import { quote } from './quote.js';

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DOT = 0x2e;

/** More significant digits than any API version has; refused so no component needs big-number care. */
const MAX_COMPONENT_DIGITS = 6;

/** Clients use a handful of spellings; remembering them keeps the per-request cost to a map lookup. */
const PARSED = new Map<string, ApiVersion>();
const PARSED_LIMIT = 64;

export interface ApiVersion {
  /** `<major>.<minor>` without leading zeros, e.g. `1.41`. */
  readonly canonical: string;
  readonly major: number;
  readonly minor: number;
}

/**
 * Parses the text after `/v` (already percent-decoded). `shown` is how the prefix appears in messages.
 * Throws DG_PATH_MALFORMED for anything but dot-separated decimal components of which only the first
 * two may be non-zero.
 */
export function parseApiVersion(text: string, shown: string): ApiVersion {
  let version = PARSED.get(text);
  if (version === undefined) {
    version = parseUncached(text, shown);
    if (PARSED.size < PARSED_LIMIT) PARSED.set(text, version);
  }
  return version;
}

function parseUncached(text: string, shown: string): ApiVersion {
  if (text.length === 0) throw malformedVersion(shown, 'the API version is empty');
  const components: number[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : DOT;
    if (code === DOT) {
      components.push(componentValue(text, start, i, shown));
      start = i + 1;
    } else if (code < DIGIT_0 || code > DIGIT_9) {
      throw malformedVersion(shown, 'an API version is made of decimal digits and dots only');
    }
  }
  const [major = 0, minor = 0, ...rest] = components;
  if (rest.some((value) => value !== 0)) {
    throw malformedVersion(shown, 'API versions have two components; the engine would read a third as newer than its major.minor');
  }
  return { canonical: `${major}.${minor}`, major, minor };
}

function componentValue(text: string, start: number, end: number, shown: string): number {
  if (start === end) {
    throw malformedVersion(shown, 'the API version has an empty component, which the engine would silently read as 0');
  }
  let first = start;
  while (first < end - 1 && text.charCodeAt(first) === DIGIT_0) first++;
  if (end - first > MAX_COMPONENT_DIGITS) {
    throw malformedVersion(shown, 'an API version component is out of range');
  }
  return Number(text.slice(first, end));
}

function malformedVersion(shown: string, why: string): GatewayError {
  return new GatewayError('DG_PATH_MALFORMED', {
    what: `API version prefix ${quote(shown)}`,
    why,
    fix: "Write the version as /v<major>.<minor>, e.g. /v1.41, or leave it out to use the engine's own",
  });
}

/** `version >= minimum`, compared numerically component by component as moby's versions.compare does. */
function isAtLeast(version: ApiVersion, minimum: readonly number[]): boolean {
  const minMajor = minimum[0] ?? 0;
  const minMinor = minimum[1] ?? 0;
  if (version.major !== minMajor) return version.major > minMajor;
  if (version.minor !== minMinor) return version.minor > minMinor;
  return minimum.slice(2).every((component) => component === 0);
}

/** The newest Engine API version whose routes and bodies dockgate knows (the v1.56 specification). */
export const NEWEST_KNOWN_API: ApiVersion = { canonical: '1.56', major: 1, minor: 56 };

/** `version > other`, numerically. */
export function isNewerThan(version: Pick<ApiVersion, 'major' | 'minor'>, other: Pick<ApiVersion, 'major' | 'minor'>): boolean {
  return version.major !== other.major ? version.major > other.major : version.minor > other.minor;
}

/**
 * Refuses a version newer than any dockgate knows: such an engine may read fields and parameters the
 * gateway has no schema for, and the canonical body would drop them.
 */
export function requireKnownVersion(version: ApiVersion): void {
  if (!isNewerThan(version, NEWEST_KNOWN_API)) return;
  throw new GatewayError('DG_API_VERSION_TOO_NEW', {
    what: `API version ${version.canonical}`,
    why: `dockgate knows the Engine API up to ${NEWEST_KNOWN_API.canonical}, and a newer version may carry fields it cannot judge`,
    fix: `Use API ${NEWEST_KNOWN_API.canonical} or older (e.g. DOCKER_API_VERSION=${NEWEST_KNOWN_API.canonical}), or update dockgate`,
  });
}

/** Refuses a version older than the gateway's minimum (old versions keep legacy behaviours, e.g. a body on start). */
export function requireMinimumVersion(version: ApiVersion, minimum: readonly number[]): void {
  if (isAtLeast(version, minimum)) return;
  const min = minimum.join('.');
  throw new GatewayError('DG_API_VERSION_UNSUPPORTED', {
    what: `API version ${version.canonical}`,
    why: `the gateway accepts API versions from ${min} on, because older versions keep legacy behaviours it does not judge`,
    fix: `Use a client that speaks API ${min} or newer (e.g. DOCKER_API_VERSION=${min}), or lower the gateway's minimum with --min-api-version`,
  });
}
