// Where a rule's owner comes from (docs/owners-design.md): a fixed name, or a field of the client's
// identity. The owner is resolved for each request from the identity the connection carries; an identity
// that lacks the field (a unix peer under `from: cn`, a certificate with two OUs) has no owner, and its
// requests are refused rather than given a guessed or empty one.
import type { Identity } from '../../identify/identity.js';

export const OWNER_FIELDS = ['cn', 'ou', 'user', 'uid'] as const;

/** `owner: { from: caller }`: the owner the library's caller gives with each request (request-owner.ts). */
export const CALLER = 'caller';

export type OwnerSource =
  | { readonly kind: 'fixed'; readonly name: string }
  | { readonly kind: 'from'; readonly field: (typeof OWNER_FIELDS)[number] }
  | { readonly kind: 'container-label'; readonly key: string }
  | { readonly kind: typeof CALLER };

/** Kinds of object a rule can share across owners: readable and usable by every owner, changed by their own. */
export const SHARED_KINDS = ['images', 'networks', 'volumes'] as const;
export type SharedKind = (typeof SHARED_KINDS)[number];

/** What an owner may be: it becomes a label value and a `label=` filter, so no control characters, and bounded. */
export function ownerProblem(name: string): string | undefined {
  if (name.length === 0) return 'an owner is not empty';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'an owner holds no control characters';
  if (Buffer.byteLength(name, 'utf8') > 255) return 'an owner is at most 255 bytes';
  return undefined;
}

export function describeOwnerSource(source: OwnerSource): string {
  switch (source.kind) {
    case 'fixed':
      return `the fixed owner ${JSON.stringify(source.name)}`;
    case 'from':
      return `the client's ${source.field}`;
    case 'container-label':
      return `the label ${JSON.stringify(source.key)} of the client's container`;
    case CALLER:
      return `the owner judge()'s caller gives with the request`;
  }
}

/** The owner of a request, or why the identity gives none. */
export type ResolvedOwner = { readonly owner: string } | { readonly missing: string };

function derived(value: string | undefined, what: string): ResolvedOwner {
  if (value === undefined) return { missing: what };
  const problem = ownerProblem(value);
  return problem === undefined ? { owner: value } : { missing: `${what} ${JSON.stringify(value)} cannot be an owner (${problem})` };
}

/** The owner the identity gives under `source`; the caller's owner (`from: caller`) is request-owner.ts's. */
export function resolveOwner(source: Exclude<OwnerSource, { kind: typeof CALLER }>, identity: Identity): ResolvedOwner {
  if (source.kind === 'fixed') return { owner: source.name };
  if (source.kind === 'container-label') {
    if (identity.kind !== 'unix') return { missing: 'the client is not a unix peer, so it runs in no container dockgate can tell' };
    if (identity.container === undefined) return { missing: 'the client runs in no container dockgate could tell' };
    return derived(identity.container.labels[source.key], `its container ${JSON.stringify(identity.container.name)} has no label ${JSON.stringify(source.key)}`);
  }
  switch (source.field) {
    case 'cn':
    case 'ou': {
      if (identity.kind !== 'tls') return { missing: `the client has no certificate to take its ${source.field.toUpperCase()} from` };
      if (source.field === 'cn') return derived(identity.cn, 'its certificate has no CN');
      if (identity.ou.length !== 1) return { missing: `its certificate has ${identity.ou.length === 0 ? 'no OU' : `${identity.ou.length} OUs, and which one owns would be a guess`}` };
      return derived(identity.ou[0], 'its certificate has no OU');
    }
    case 'user':
    case 'uid': {
      if (identity.kind !== 'unix') return { missing: `the client is not a unix peer, so it has no ${source.field}` };
      return source.field === 'uid' ? { owner: String(identity.uid) } : derived(identity.user, `uid ${identity.uid} has no user name`);
    }
  }
}
