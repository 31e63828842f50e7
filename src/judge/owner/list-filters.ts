// The `filters` of a list or prune, read as the engine reads it (moby's filters.FromJSON) and narrowed to the
// owner's objects: the owner's label merged into `label`, whose values the engine requires all at once
// (Args.MatchKVList), so what comes back is the client's own filter within the owner's objects. A client
// that filters on another owner's label just gets nothing.
//
// FromJSON reads an empty parameter as no filter; otherwise JSON into map[string]map[string]bool, and when
// that fails the legacy map[string][]string (each value present, as true). Go's decoding gives each repeated
// key the last value (a map entry is replaced, never merged), null as a map or slice is empty (and the whole
// document `null` is no filter), null as a bool is false and as a string "". The bools are kept as read:
// some filters look them up (ExactMatch answers a value's bool: `{"name":{"web":false}}` is not an exact
// match), while label ranges over the keys alone.
import { GatewayError } from '../../errors/catalogue.js';
import { JsonObject, readGoJson, type JsonValue } from '../../inspect/go-json-reader.js';
import { quote } from '../../route/quote.js';
import { OWNER_LABEL } from './owner-label.js';

/** What a filter key holds: each value and its bool, in the order Go's map would hold them (order means nothing to it). */
type FilterValues = Map<string, boolean>;

/** The filter the engine would read, the client's `filters` after reading; keys in first-seen order. */
export type ListFilters = Map<string, FilterValues>;

/** The filter key whose values an object's labels must all match (`key` or `key=value`). */
const LABEL_KEY = 'label';

/**
 * The client's `filters` as the engine reads it, or a DG_QUERY_MALFORMED refusal (the engine answers 400 or
 * 500 for it, and lists or prunes nothing).
 */
export function readListFilters(raw: string | undefined): ListFilters {
  if (raw === undefined || raw === '') return new Map();
  let value: JsonValue;
  try {
    value = readGoJson(Buffer.from(raw, 'utf8')).value;
  } catch (err) {
    if (err instanceof GatewayError) throw unreadable(err.detail.why);
    throw err;
  }
  if (value === null) return new Map();
  const filters = asModern(value) ?? asLegacy(value);
  if (filters === undefined) {
    throw unreadable('it is neither a JSON object of objects of booleans ({"label":{"a=b":true}}) nor the legacy object of string arrays ({"label":["a=b"]})');
  }
  return filters;
}

/** `map[string]map[string]bool`, or undefined where Go's decoding of that type fails. */
function asModern(value: JsonValue): ListFilters | undefined {
  if (!(value instanceof JsonObject)) return undefined;
  const filters: ListFilters = new Map();
  for (const [key, values] of value.members) {
    if (values === null) {
      filters.set(key, new Map());
      continue;
    }
    if (!(values instanceof JsonObject)) return undefined;
    const read: FilterValues = new Map();
    for (const [name, flag] of values.members) {
      if (flag !== null && typeof flag !== 'boolean') return undefined;
      read.set(name, flag === true);
    }
    filters.set(key, read);
  }
  return filters;
}

/** `map[string][]string`, each value then present as true (moby's deprecatedArgs), or undefined where Go fails. */
function asLegacy(value: JsonValue): ListFilters | undefined {
  if (!(value instanceof JsonObject)) return undefined;
  const filters: ListFilters = new Map();
  for (const [key, values] of value.members) {
    if (values !== null && !Array.isArray(values)) return undefined;
    const read: FilterValues = new Map();
    for (const item of values ?? []) {
      if (item !== null && typeof item !== 'string') return undefined;
      read.set(item ?? '', true);
    }
    filters.set(key, read);
  }
  return filters;
}

/** The filters with the owner's label among the `label` values, all of which the engine requires. */
export function withOwnerLabel(filters: ListFilters, owner: string): ListFilters {
  const labels = filters.get(LABEL_KEY) ?? new Map<string, boolean>();
  labels.set(`${OWNER_LABEL}=${owner}`, true);
  filters.set(LABEL_KEY, labels);
  return filters;
}

/**
 * The `filters` to forward, in the form every engine since API 1.22 reads
 * (`{"label":{"dockgate.owner=alice":true},...}`), each value with its bool.
 */
export function serialiseListFilters(filters: ListFilters): string {
  return JSON.stringify(Object.fromEntries([...filters].map(([key, values]) => [key, Object.fromEntries(values)])));
}

function unreadable(why: string): GatewayError {
  return new GatewayError('DG_QUERY_MALFORMED', {
    what: `query parameter ${quote('filters')}`,
    why: `the engine cannot read it as filters, and refuses the request: ${why}`,
    fix: 'Send filters as a JSON object of objects, e.g. {"label":{"a=b":true}}, or the legacy object of arrays, e.g. {"label":["a=b"]}',
  });
}
