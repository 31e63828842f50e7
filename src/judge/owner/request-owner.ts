// The owner of one request: from the rule's source (owner-source.ts), or the one the library's caller gives
// (`judge(policy, { ..., owner: 'alice' })`), for a service that creates containers on behalf of its own
// users, whose names no identity carries. The caller's owner applies where the rule says `owner: { from:
// caller }` and where the rule gives no owner; a rule that takes the owner from elsewhere must agree with it.
// A caller never ends up without an owner it meant to give: an owner given as anything but a usable name (an
// `undefined` read from a missing field, an empty string) is refused like a missing one, never ignored.
import type { Identity } from '../../identify/identity.js';
import { CALLER, describeOwnerSource, ownerProblem, resolveOwner, type OwnerSource } from './owner-source.js';

/** The owner judge()'s caller gave with a request: present when the request has the key, whatever its value. */
export interface CallerOwner {
  readonly value: unknown;
}

/** The request's owner, or why it has none and how to give it one; `source` says where it was taken from. */
export type RequestOwner = ({ readonly owner: string } | { readonly missing: string; readonly fix: string }) & { readonly source: string };

const FIXES = {
  identity: 'Connect with an identity that carries it, or have another rule select this client',
  unusable: 'Give judge() the owner as a name of 1 to 255 bytes without control characters, or leave owner out of the request',
  none: "Give the owner with the request (judge(policy, { ..., owner: NAME })); a gateway's clients need a rule that takes their owner from the identity",
  disagreeing: 'Give judge() the owner this rule takes, or none; or judge with a rule whose owner is { from: caller }',
};

function callerOwner(given: CallerOwner, source: string): RequestOwner {
  if (typeof given.value !== 'string')
    return { missing: `judge()'s caller gave ${given.value === undefined ? 'undefined' : `a ${typeof given.value}`} as the owner`, fix: FIXES.unusable, source };
  const problem = ownerProblem(given.value);
  if (problem === undefined) return { owner: given.value, source };
  return { missing: `judge()'s caller gave the owner ${JSON.stringify(given.value)}, which cannot be an owner (${problem})`, fix: FIXES.unusable, source };
}

/** The request's owner, or undefined when it has none (its rule gives none and the caller gave none). */
export function requestOwner(source: OwnerSource | undefined, identity: Identity, given: CallerOwner | undefined): RequestOwner | undefined {
  if (source === undefined) return given === undefined ? undefined : callerOwner(given, describeOwnerSource({ kind: CALLER }));
  const described = describeOwnerSource(source);
  if (source.kind === CALLER) {
    if (given !== undefined) return callerOwner(given, described);
    return { missing: 'no owner was given with the request (only the library judge() takes one; the gateway has no caller to give it)', fix: FIXES.none, source: described };
  }
  const resolved = resolveOwner(source, identity);
  if ('missing' in resolved) return { missing: resolved.missing, fix: FIXES.identity, source: described };
  if (given === undefined) return { owner: resolved.owner, source: described };
  const caller = callerOwner(given, described);
  if (!('owner' in caller) || caller.owner === resolved.owner) return caller;
  return {
    missing: `it is ${JSON.stringify(resolved.owner)}, while judge()'s caller gave ${JSON.stringify(caller.owner)}: which one owns would be a guess`,
    fix: FIXES.disagreeing,
    source: described,
  };
}
