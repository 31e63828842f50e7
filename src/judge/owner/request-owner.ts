// The owner of one request: from the rule's source (owner-source.ts), or the one the library's caller gives
// (`judge(policy, { ..., owner: 'alice' })`), for a service that creates containers on behalf of its own
// users, whose names no identity carries. The caller's owner applies where the rule says `owner: { from:
// caller }` and where the rule gives no owner; a rule that takes the owner from elsewhere must agree with it.
// A caller never ends up without an owner it meant to give: an owner given as anything but a usable name (an
// `undefined` read from a missing field, an empty string) is refused like a missing one, never ignored.
import type { Identity } from '../../identify/identity.js';
import { CALLER, describeOwnerSource, ownerProblem, resolveOwner, type OwnerSource, type ResolvedOwner } from './owner-source.js';

/** The owner judge()'s caller gave with a request: present when the request has the key, whatever its value. */
export interface CallerOwner {
  readonly value: unknown;
}

const GIVEN = `the owner judge()'s caller gives with the request`;

function callerOwner(given: CallerOwner): ResolvedOwner {
  if (typeof given.value !== 'string') return { missing: `judge()'s caller gave ${given.value === undefined ? 'undefined' : `a ${typeof given.value}`} as the owner` };
  const problem = ownerProblem(given.value);
  return problem === undefined ? { owner: given.value } : { missing: `judge()'s caller gave the owner ${JSON.stringify(given.value)}, which cannot be an owner (${problem})` };
}

/** The request's owner and where it came from (for the trace and refusals), or undefined when it has none. */
export function requestOwner(source: OwnerSource | undefined, identity: Identity, given: CallerOwner | undefined): (ResolvedOwner & { readonly source: string }) | undefined {
  if (source === undefined) return given === undefined ? undefined : { ...callerOwner(given), source: GIVEN };
  const described = describeOwnerSource(source);
  if (source.kind === CALLER) {
    const resolved: ResolvedOwner =
      given === undefined ? { missing: 'no owner was given with the request (only the library judge() takes one; the gateway has no caller to give it)' } : callerOwner(given);
    return { ...resolved, source: described };
  }
  const resolved = resolveOwner(source, identity);
  if (given === undefined || 'missing' in resolved) return { ...resolved, source: described };
  const caller = callerOwner(given);
  if ('missing' in caller) return { ...caller, source: described };
  if (caller.owner === resolved.owner) return { ...resolved, source: described };
  return { missing: `it is ${JSON.stringify(resolved.owner)}, while judge()'s caller gave ${JSON.stringify(caller.owner)}: which one owns would be a guess`, source: described };
}
