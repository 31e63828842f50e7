// docker-socket-proxy's environment as a dockgate policy: one rule, `compat.docker-socket-proxy`, that
// grants the operations the proxy's HAProxy rules let through (docs/socket-proxy-compat-research.md §4),
// and judges every body under the baseline profile's constraints, as `--profile baseline` does: granting
// `container.create` gets a create to the judge, not a privileged container to the engine.
//
// The proxies match path prefixes, case-insensitively, after an optional `/vX.Y`; a path's section is its
// first segment. Here the section of an operation is the first segment of its route's template in the
// route table (route/routes.ts), so every operation the table knows has its variable, and what dockerd
// does not route is refused before any grant (unknown methods, `/CONTAINERS`, dot segments).
// `POST` is the proxies' gate on every method but GET and HEAD: an operation whose routes are all GET or
// HEAD needs its section's variable, any other also `POST=1`.
//
// Where dockgate is stricter than the proxy (README, "Stricter than docker-socket-proxy"), by design:
//  - `container.attach.ws` is a GET that writes the container's stdin: it needs `POST=1` too;
//  - `container.exec.create` (under /containers) needs `EXEC=1` too, as LinuxServer's README reads it;
//  - `container.commit` (under /commit, naming a container) needs `CONTAINERS=1` too;
//  - with LinuxServer's rules, `ALLOW_ARCHIVE` also gates the legacy `container.copy`, `ALLOW_LOGS` the logs of
//    services and tasks, and `ALLOW_EXPORT` commits (each carries a container's data out as those do);
//  - what baseline never grants (CRIU checkpoints, the engine's debug endpoints) stays refused.
import { BASELINE_CONSTRAINTS, BASELINE_EXCEPT } from '../judge/profiles/baseline-profile.js';
import { OPERATIONS, OPERATION_NAMES, type Operation } from '../route/operations.js';
import { ROUTE_ROWS } from '../route/routes.js';
import { grants, type OperationGrant } from './operation-grant.js';
import type { BodyReading, PolicyRule } from './policy-rule.js';
import { RulePolicy } from './rule-policy.js';
import { SECTION_DEFAULTS, type SectionVariable, type SocketProxyEnvironment, type SocketProxyFlavour, type SwitchVariable } from './socket-proxy-environment.js';

export const COMPAT_RULE = 'compat.docker-socket-proxy';

/**
 * What grants an operation: any one of `anyOf` (each a set of variables that must all be on), and, with
 * LinuxServer's rules, every one of `gates` (its deny rules on container sub-paths come before every allow).
 */
export interface SocketProxyRequirement {
  anyOf: ReadonlyArray<readonly SwitchVariable[]>;
  gates: readonly SwitchVariable[];
}

/** The section variable of a path's first segment (`_ping` → PING); `debug` has none. */
function sectionOf(path: string): SectionVariable | undefined {
  const segment = path.split('/')[1]!.toUpperCase().replace(/^_/, '');
  return segment in SECTION_DEFAULTS ? (segment as SectionVariable) : undefined;
}

/** Each operation's section and whether every route of it is GET or HEAD (the proxies' "read"). */
const SECTIONS = new Map<Operation, { section: SectionVariable | undefined; getOrHead: boolean }>();
for (const row of ROUTE_ROWS) {
  const seen = SECTIONS.get(row.operation);
  const getOrHead = row.method === 'GET' || row.method === 'HEAD';
  SECTIONS.set(row.operation, { section: seen?.section ?? sectionOf(row.path), getOrHead: (seen?.getOrHead ?? true) && getOrHead });
}

/** Single container actions granted outside `CONTAINERS` (Tecnativa after the POST gate, LinuxServer before it). */
const ACTION_SWITCHES: Partial<Record<Operation, readonly SwitchVariable[]>> = {
  'container.start': ['ALLOW_START'],
  'container.stop': ['ALLOW_STOP', 'ALLOW_RESTARTS'],
  'container.restart': ['ALLOW_RESTARTS'],
  'container.kill': ['ALLOW_RESTARTS'],
  'container.pause': ['ALLOW_PAUSE'],
  'container.unpause': ['ALLOW_UNPAUSE'],
};

/** LinuxServer's gates on container sub-paths, and (stricter) the operations that carry the same data. */
const LINUXSERVER_GATES: Partial<Record<Operation, SwitchVariable>> = {
  'container.archive.get': 'ALLOW_ARCHIVE',
  'container.archive.head': 'ALLOW_ARCHIVE',
  'container.archive.put': 'ALLOW_ARCHIVE',
  'container.copy': 'ALLOW_ARCHIVE',
  'container.changes': 'ALLOW_CHANGES',
  'container.export': 'ALLOW_EXPORT',
  'container.commit': 'ALLOW_EXPORT',
  'container.logs': 'ALLOW_LOGS',
  'service.logs': 'ALLOW_LOGS',
  'task.logs': 'ALLOW_LOGS',
  'container.top': 'ALLOW_TOP',
};

/** Variables an operation needs beyond its section's (stricter than the proxies; see the header). */
const ALSO_NEEDS: Partial<Record<Operation, SwitchVariable>> = {
  'container.exec.create': 'EXEC',
  'container.commit': 'CONTAINERS',
};

export function socketProxyRequirement(operation: Operation, flavour: SocketProxyFlavour): SocketProxyRequirement {
  const { section, getOrHead } = SECTIONS.get(operation)!;
  const needsPost = !getOrHead || OPERATIONS[operation].access === 'write';
  const also = ALSO_NEEDS[operation];
  const anyOf: SwitchVariable[][] = section === undefined ? [] : [[section, ...(also !== undefined ? [also] : []), ...(needsPost ? ['POST' as const] : [])]];
  for (const action of ACTION_SWITCHES[operation] ?? []) {
    if (flavour === 'tecnativa' && (action === 'ALLOW_PAUSE' || action === 'ALLOW_UNPAUSE')) continue;
    anyOf.push(flavour === 'tecnativa' ? [action, 'POST'] : [action]);
  }
  const gate = flavour === 'linuxserver' ? LINUXSERVER_GATES[operation] : undefined;
  return { anyOf, gates: gate === undefined ? [] : [gate] };
}

function holds(requirement: SocketProxyRequirement, on: (name: SwitchVariable) => boolean): boolean {
  return requirement.gates.every(on) && requirement.anyOf.some((all) => all.every(on));
}

/** `CONTAINERS=1 and POST=1, or ALLOW_START=1`. */
function spell(requirement: SocketProxyRequirement): string {
  const alternatives = requirement.anyOf.map((all) => all.map((name) => `${name}=1`).join(' and ')).join(', or ');
  const gates = requirement.gates.map((name) => `${name}=1`).join(' and ');
  return gates === '' ? alternatives : `${gates}, and ${alternatives}`;
}

/** The operations baseline never grants, whatever the environment says. */
const BASELINE_WITHHOLDS: OperationGrant = { patterns: BASELINE_EXCEPT, except: [] };

/** Why the environment does not grant an operation, naming the variables to set. */
function refusalFor(env: SocketProxyEnvironment, operation: Operation): { reason: string; fix: string } {
  const on = (name: SwitchVariable): boolean => env.switches.get(name) === true;
  const requirement = socketProxyRequirement(operation, env.flavour);
  if (grants(BASELINE_WITHHOLDS, operation).granted) {
    return {
      reason: `${operation} is never granted in --compat mode: dockgate judges under the baseline profile, which withholds CRIU checkpoints and the engine's debug endpoints`,
      fix: 'Serve this client with a --policy file whose rule grants it, knowing what it opens',
    };
  }
  if (requirement.anyOf.length === 0) {
    return { reason: `no docker-socket-proxy variable grants ${operation}`, fix: 'Serve this client with a --policy file whose rule grants it' };
  }
  // The fix names the alternative that needs the fewest variables changed.
  const nearest = requirement.anyOf.map((all) => all.filter((name) => !on(name))).sort((a, b) => a.length - b.length)[0]!;
  const off = [...new Set([...requirement.gates.filter((name) => !on(name)), ...nearest])];
  const state = [...new Set([...requirement.gates, ...requirement.anyOf.flat()])].map((name) => `${name}=${on(name) ? 1 : 0}`).join(' ');
  const tecnativaOrder =
    env.flavour === 'tecnativa' && requirement.anyOf.slice(1).some((all) => all.filter((name) => name !== 'POST').every(on))
      ? " (Tecnativa's proxy checks POST first, so ALLOW_* grants nothing while POST=0)"
      : '';
  return {
    reason: `${operation} is not granted by the docker-socket-proxy environment (${env.flavour}): it needs ${spell(requirement)}; here ${state}${tecnativaOrder}`,
    fix: `Set ${off.map((name) => `${name}=1`).join(' ')} in the environment of dockgate serve --compat docker-socket-proxy`,
  };
}

/** The operations the environment grants, before baseline takes its exceptions out. */
export function socketProxyGrantedOperations(env: SocketProxyEnvironment): Operation[] {
  const on = (name: SwitchVariable): boolean => env.switches.get(name) === true;
  return OPERATION_NAMES.filter((operation) => holds(socketProxyRequirement(operation, env.flavour), on));
}

export interface SocketProxyPolicyOptions {
  protectedPaths?: readonly string[];
  bodies?: BodyReading;
}

/** The environment as a one-rule policy judged under baseline's constraints. */
export function socketProxyPolicy(env: SocketProxyEnvironment, options: SocketProxyPolicyOptions = {}): RulePolicy {
  const rule: PolicyRule = {
    rule: COMPAT_RULE,
    label: 'the docker-socket-proxy environment',
    operations: { patterns: socketProxyGrantedOperations(env), except: BASELINE_EXCEPT },
    constraints: BASELINE_CONSTRAINTS,
    mode: 'enforce',
    refusal: (operation) => refusalFor(env, operation),
  };
  return new RulePolicy('docker-socket-proxy', [rule], {
    source: '--compat docker-socket-proxy',
    ...(options.protectedPaths !== undefined && { protectedPaths: options.protectedPaths }),
    ...(options.bodies !== undefined && { bodies: options.bodies }),
  });
}
