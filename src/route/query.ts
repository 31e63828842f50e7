// The query string, read the way Go's url.ParseQuery reads it (`&` separates, `+` is a space, empty pairs
// are skipped), and refused where readers disagree: `;` (dropped with an error by Go ≥ 1.17, a separator
// before), bad escapes, raw characters that are not printable ASCII. A parameter the engine reads as one
// value (r.Form.Get) takes its first value, and the canonical query keeps only that one
// (repeated-parameters.ts decides which parameters are lists).
import { GatewayError } from '../errors/catalogue.js';
import { decodePercent, encodeQueryComponent } from './percent-encoding.js';
import { quote } from './quote.js';

/**
 * Query parameters a decision forwards with its own values in place of the client's (name → value): a string
 * for a parameter the engine reads as one value, a list for one it reads whole (a commit's `changes`), which
 * replaces every value the client gave. Each is forwarded where the client first gave it, or last when the
 * client did not give it.
 */
export type ReplacedQuery = Readonly<Record<string, string | readonly string[]>>;

/** Read-only access to the decoded query parameters. Names are case-sensitive, as in Go's url.Values. */
export interface QueryView {
  /** The first value of a parameter, as the engine's r.Form.Get reads it. */
  get(name: string): string | undefined;
  /** Every value of a parameter, in request order (for list parameters the engine reads whole, e.g. `changes`). */
  all(name: string): readonly string[];
  has(name: string): boolean;
  /** Parameter names in order of first appearance (to refuse parameters a policy does not know). */
  names(): readonly string[];
  /** The serialisation forwarded to the engine, without `?`; empty when there are no parameters. With `replaced`, those parameters' values replaced. */
  canonical(replaced?: ReplacedQuery): string;
  /** Leaves every value of `name` but the first out of the canonical form (the engine reads only that one). */
  keepFirstOnly(name: string): void;
}

const FIRST_PRINTABLE = 0x21;
const LAST_PRINTABLE = 0x7e;
const HASH = 0x23;
const SEMICOLON = 0x3b;

class StrictQuery implements QueryView {
  // Parallel arrays in request order: queries are a handful of pairs, where a scan beats a Map, and the
  // canonical form keeps the order so list parameters (`changes`, `names`) keep theirs.
  private readonly pairNames: string[] = [];
  private readonly pairValues: string[] = [];
  private serialised: string | undefined;

  add(name: string, value: string): void {
    this.pairNames.push(name);
    this.pairValues.push(value);
  }

  get(name: string): string | undefined {
    const first = this.pairNames.indexOf(name);
    return first === -1 ? undefined : this.pairValues[first];
  }

  keepFirstOnly(name: string): void {
    const first = this.pairNames.indexOf(name);
    for (let i = this.pairNames.length - 1; i > first; i--) {
      if (this.pairNames[i] === name) {
        this.pairNames.splice(i, 1);
        this.pairValues.splice(i, 1);
      }
    }
    this.serialised = undefined;
  }

  all(name: string): readonly string[] {
    const values: string[] = [];
    for (let i = 0; i < this.pairNames.length; i++) {
      if (this.pairNames[i] === name) values.push(this.pairValues[i]!);
    }
    return values;
  }

  has(name: string): boolean {
    return this.pairNames.includes(name);
  }

  names(): readonly string[] {
    return [...new Set(this.pairNames)];
  }

  canonical(replaced?: ReplacedQuery): string {
    if (replaced !== undefined) return this.serialise(replaced);
    this.serialised ??= this.serialise(undefined);
    return this.serialised;
  }

  private serialise(replaced: ReplacedQuery | undefined): string {
    const pairs: string[] = [];
    const placed = new Set<string>();
    const place = (name: string): void => {
      placed.add(name);
      const values = replaced![name]!;
      for (const value of typeof values === 'string' ? [values] : values) pairs.push(`${encodeQueryComponent(name)}=${encodeQueryComponent(value)}`);
    };
    for (let i = 0; i < this.pairNames.length; i++) {
      const name = this.pairNames[i]!;
      if (replaced === undefined || !Object.hasOwn(replaced, name)) pairs.push(`${encodeQueryComponent(name)}=${encodeQueryComponent(this.pairValues[i]!)}`);
      else if (!placed.has(name)) place(name);
    }
    for (const name of Object.keys(replaced ?? {})) if (!placed.has(name)) place(name);
    return pairs.join('&');
  }
}

const EMPTY_QUERY: QueryView = new StrictQuery();

/** Parses the raw query (the text after the first `?`, without it). Throws DG_QUERY_MALFORMED. */
export function parseQuery(raw: string): QueryView {
  if (raw.length === 0) return EMPTY_QUERY;
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code === SEMICOLON) {
      throw malformed('the query string', 'it contains ";", which Go rejects as a separator (older engines split on it)', 'Separate parameters with & and encode a literal ; as %3B');
    }
    if (code < FIRST_PRINTABLE || code > LAST_PRINTABLE || code === HASH) {
      throw malformed('the query string', `it contains the raw character ${quote(raw[i]!)}`, 'Percent-encode it as UTF-8');
    }
  }
  const query = new StrictQuery();
  let start = 0;
  while (start <= raw.length) {
    const ampersand = raw.indexOf('&', start);
    const end = ampersand === -1 ? raw.length : ampersand;
    // Go skips empty pairs (`a=1&&b=2`, a trailing `&`); so does the canonical form.
    if (end > start) addPair(query, raw.slice(start, end));
    start = end + 1;
  }
  return query;
}

function addPair(query: StrictQuery, pair: string): void {
  const equals = pair.indexOf('=');
  const rawName = equals === -1 ? pair : pair.slice(0, equals);
  const name = decodePercent(rawName, true);
  const value = equals === -1 ? '' : decodePercent(pair.slice(equals + 1), true);
  if (name === undefined || value === undefined) {
    throw malformed(`query parameter ${quote(rawName)}`, 'it has an invalid percent escape or encodes bytes that are not UTF-8', 'Encode it as UTF-8 with % followed by two hex digits');
  }
  if (name.length === 0) {
    throw malformed(`query parameter ${quote(pair)}`, 'it has no name', 'Remove it or give it a name');
  }
  query.add(name, value);
}

function malformed(what: string, why: string, fix: string): GatewayError {
  return new GatewayError('DG_QUERY_MALFORMED', { what, why, fix });
}
