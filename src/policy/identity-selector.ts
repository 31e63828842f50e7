// Which clients a rule selects. Every selector given must match (AND); a selector's list matches when
// any of its values does (OR). uid, gid, user and group select unix peers (gid and group are the
// peer's primary group: SO_PEERCRED carries no supplementary groups); cn, o, ou, san and fingerprint
// select TLS peers by their client certificate; listener selects any peer by the listener it came in on;
// container selects unix peers by the container they run in (src/identify/container-peer.ts): every key
// given must match, and a peer in no known container matches none.
import { describeIdentity, type ContainerIdentity, type Identity } from '../identify/identity.js';

/** `match: { container: { name, image, label: { KEY: VALUE }, compose-project, compose-service } }`. */
export interface ContainerSelector {
  readonly name?: readonly string[];
  /** As the container was created (`Config.Image`, e.g. `traefik:v3`). */
  readonly image?: readonly string[];
  /** Each label must be present with exactly this value. */
  readonly label?: Readonly<Record<string, string>>;
  readonly composeProject?: readonly string[];
  readonly composeService?: readonly string[];
}

export interface IdentitySelector {
  readonly uid?: readonly number[];
  readonly gid?: readonly number[];
  readonly user?: readonly string[];
  readonly group?: readonly string[];
  readonly cn?: readonly string[];
  readonly o?: readonly string[];
  readonly ou?: readonly string[];
  /** `DNS:name`, `IP:addr`, `email:x`, `URI:x`, as the identity carries them. */
  readonly san?: readonly string[];
  readonly fingerprint?: readonly string[];
  readonly listener?: readonly string[];
  readonly container?: ContainerSelector;
}

export interface SelectorResult {
  matched: boolean;
  /** Why, for `policy explain`: `uid 1000 is in [1000]`, `cn "bob" is not in ["alice"]`. */
  detail: string;
}

type Check = [name: string, values: readonly (string | number)[] | undefined, actual: readonly (string | number)[] | undefined];

function show(values: readonly (string | number)[]): string {
  return `[${values.map((v) => (typeof v === 'number' ? String(v) : JSON.stringify(v))).join(', ')}]`;
}

export function matchIdentity(selector: IdentitySelector | undefined, identity: Identity): SelectorResult {
  if (selector === undefined || Object.values(selector).every((v) => v === undefined)) return { matched: true, detail: 'the rule selects every client' };
  const unix = identity.kind === 'unix' ? identity : undefined;
  const tls = identity.kind === 'tls' ? identity : undefined;
  const checks: Check[] = [
    ['listener', selector.listener, [identity.listener]],
    ['uid', selector.uid, unix && [unix.uid]],
    ['gid', selector.gid, unix && [unix.gid]],
    ['user', selector.user, unix?.user === undefined ? (unix ? [] : undefined) : [unix.user]],
    ['group', selector.group, unix?.group === undefined ? (unix ? [] : undefined) : [unix.group]],
    ['cn', selector.cn, tls && (tls.cn === undefined ? [] : [tls.cn])],
    ['o', selector.o, tls?.o],
    ['ou', selector.ou, tls?.ou],
    ['san', selector.san, tls?.san],
    ['fingerprint', selector.fingerprint, tls && [tls.fingerprint]],
  ];
  const matched: string[] = [];
  if (selector.container !== undefined) {
    const result = matchContainer(selector.container, identity);
    if (!result.matched) return result;
    matched.push(result.detail);
  }
  for (const [name, values, actual] of checks) {
    if (values === undefined) continue;
    if (actual === undefined) {
      return {
        matched: false,
        detail: `${name} selects ${name === 'uid' || name === 'gid' || name === 'user' || name === 'group' ? 'unix' : 'TLS'} peers, and this is a ${identity.kind} peer`,
      };
    }
    const hit = actual.find((a) => values.includes(a));
    if (hit === undefined) {
      return { matched: false, detail: `${name} ${actual.length === 0 ? '(none)' : show(actual)} is not in ${show(values)}` };
    }
    matched.push(`${name} ${typeof hit === 'number' ? hit : JSON.stringify(hit)}`);
  }
  return { matched: true, detail: `matches ${matched.join(', ')}` };
}

function matchContainer(selector: ContainerSelector, identity: Identity): SelectorResult {
  if (identity.kind !== 'unix') return { matched: false, detail: `container selects unix peers in a container, and this is a ${identity.kind} peer` };
  const container = identity.container;
  if (container === undefined) {
    return { matched: false, detail: `container selects peers in a container, and this peer is in none the engine knows${identity.noContainer ? ` (${identity.noContainer})` : ''}` };
  }
  const checks: [name: string, values: readonly string[] | undefined, actual: string | undefined][] = [
    ['name', selector.name, container.name],
    ['image', selector.image, container.image],
    ['compose-project', selector.composeProject, container.composeProject],
    ['compose-service', selector.composeService, container.composeService],
    ...Object.entries(selector.label ?? {}).map(([key, value]): [string, readonly string[], string | undefined] => [`label ${key}`, [value], container.labels[key]]),
  ];
  const matched: string[] = [];
  for (const [name, values, actual] of checks) {
    if (values === undefined) continue;
    if (actual === undefined || !values.includes(actual)) {
      return { matched: false, detail: `container ${describeContainer(container)}: ${name} ${actual === undefined ? '(none)' : JSON.stringify(actual)} is not in ${show(values)}` };
    }
    matched.push(`${name} ${JSON.stringify(actual)}`);
  }
  return { matched: true, detail: `container ${describeContainer(container)} (${matched.join(', ') || 'any container'})` };
}

/** How `policy check` shows a container selector: `container(compose-service=web|api label:tier=front)`. */
export function describeContainerSelector(selector: ContainerSelector): string {
  const parts = [
    selector.name && `name=${selector.name.join('|')}`,
    selector.image && `image=${selector.image.join('|')}`,
    selector.composeProject && `compose-project=${selector.composeProject.join('|')}`,
    selector.composeService && `compose-service=${selector.composeService.join('|')}`,
    ...Object.entries(selector.label ?? {}).map(([key, value]) => `label:${key}=${value}`),
  ].filter((p) => typeof p === 'string');
  return `container(${parts.join(' ')})`;
}

function describeContainer(container: ContainerIdentity): string {
  return `${container.name} (${container.id.slice(0, 12)})`;
}

/** A `match:` that would select this identity, for the message when no rule does. */
export function suggestedMatch(identity: Identity): string {
  switch (identity.kind) {
    case 'unix':
      if (identity.container?.composeService !== undefined) return `match: { container: { compose-service: ${JSON.stringify(identity.container.composeService)} } }`;
      if (identity.container !== undefined) return `match: { container: { name: ${JSON.stringify(identity.container.name)} } }`;
      return `match: { uid: ${identity.uid} }`;
    case 'tls':
      return identity.cn !== undefined ? `match: { cn: ${JSON.stringify(identity.cn)} }` : `match: { fingerprint: ${JSON.stringify(identity.fingerprint)} }`;
    case 'tcp':
      return `match: { listener: ${JSON.stringify(identity.listener)} }`;
  }
}

export { describeIdentity };
