// Which query parameters the engine reads as lists, per operation (moby's handlers read these through
// `r.Form[name]`; every other parameter through `r.Form.Get`, which takes the first value only).
// A repeated parameter anywhere else means its first value to the engine: only that one is judged and
// forwarded, and the repeat is noted (a rule with `bodies: strict` refuses it).
import type { NormalisationLog } from './normalisation.js';
import type { Operation } from './operations.js';
import type { QueryView } from './query.js';
import type { Route } from './route.js';

const LIST_PARAMETERS: ReadonlyMap<Operation, ReadonlySet<string>> = new Map<Operation, ReadonlySet<string>>([
  ['image.build', new Set(['t', 'extrahosts', 'securityopt'])],
  ['container.commit', new Set(['changes'])],
  ['image.create', new Set(['changes'])],
  ['image.get', new Set(['names', 'platform'])],
  ['image.load', new Set(['platform'])],
  ['image.delete', new Set(['platforms'])],
  ['image.attestations', new Set(['platform', 'type'])],
  ['system.df', new Set(['type'])],
]);

const NONE: ReadonlySet<string> = new Set();

/** Reduces every repeated parameter the engine reads as one value to its first value, noting each. */
export function resolveRepeatedParameters(route: Route, query: QueryView, notes: NormalisationLog): void {
  const names = query.names();
  if (names.length === 0) return;
  const lists = LIST_PARAMETERS.get(route.operation) ?? NONE;
  for (const name of names) {
    if (lists.has(name) || query.all(name).length < 2) continue;
    query.keepFirstOnly(name);
    notes.add('repeated-parameter', `?${name}`);
  }
}
