// Which query parameters the engine reads as lists, per operation (moby's handlers read these through
// `r.Form[name]`; every other parameter through `r.Form.Get`, which takes the first value only).
// A repeated parameter anywhere else is refused: the engine would act on one value while a reader of
// the whole query (a policy, an operator reading the audit trail) could see another.
import { GatewayError } from '../errors/catalogue.js';
import type { QueryView } from './query.js';
import { quote } from './quote.js';
import type { Route } from './route.js';

const LIST_PARAMETERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
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

/** Throws DG_QUERY_REPEATED for a parameter given more than once that the engine does not read as a list. */
export function refuseRepeatedParameters(route: Route, query: QueryView): void {
  const names = query.names();
  if (names.length === 0) return;
  const lists = LIST_PARAMETERS.get(route.operation) ?? NONE;
  for (const name of names) {
    if (lists.has(name)) continue;
    const count = query.all(name).length;
    if (count > 1) {
      throw new GatewayError('DG_QUERY_REPEATED', {
        what: `query parameter ${quote(name)} of ${route.operation}`,
        why: `it appears ${count} times and the engine reads only the first`,
        fix: 'Send the parameter once',
      });
    }
  }
}
