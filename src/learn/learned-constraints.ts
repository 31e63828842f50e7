// The `constraints:` of a learned rule: what the requests of one client asked of the host (record/request-needs.ts),
// written in the policy file's vocabulary (policy/policy-schema.ts) as narrowly as what was seen. A learned rule
// starts from baseline, like every rule without `profile:`; where baseline would allow more than the client used
// (capabilities, sysctls, namespaces, ports, runtimes, log and network drivers, images) the list is written out
// with only what was used, so the rule refuses more than the client did. Limits become maximums (only
// when every create set one, since a maximum makes a limit required). Booleans are written only when something needed them (baseline's false stands).
import { statSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import { isUnder } from '../judge/reach/host-paths.js';
import type { RequestNeeds } from '../record/request-needs.js';

/** A learned bind root: the path a policy file writes, `:ro` when nothing under it was written. */
export interface LearnedRoot {
  path: string;
  readOnly: boolean;
}

/** One request's part in a rule: its operation and what it asked of the host. */
export interface LearnedRequest {
  operation: string;
  needs?: RequestNeeds;
}

/** A policy file's constraints, keys in the schema's order; values only of the kinds YAML writes plainly. */
export type FileConstraints = Record<string, unknown>;

/** Operations whose grant is judged by a constraint the operation itself turns on (side-doors.ts). */
const SWARM_OPERATIONS = new Set(['swarm.init', 'swarm.join', 'swarm.leave', 'swarm.inspect', 'swarm.unlockkey', 'swarm.update', 'swarm.unlock', 'node.delete', 'node.update']);
const PLUGIN_OPERATIONS = new Set(['plugin.enable', 'plugin.disable', 'plugin.set', 'plugin.create', 'plugin.pull', 'plugin.upgrade']);
const BUILDKIT_OPERATIONS = new Set(['session', 'grpc']);

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/**
 * A bind root for a source: the directory itself, or the directory holding a file (a policy's roots are
 * directories). Looked up on this host, where the workload ran and the policy will be checked.
 */
function rootPathOf(source: string): string {
  const path = posix.normalize(source).replace(/(.)\/+$/, '$1');
  try {
    return statSync(path).isDirectory() ? path : dirname(path);
  } catch {
    return path;
  }
}

/**
 * Bind roots as narrow as the sources seen: one per directory, read-only unless something bound it
 * read-write. A read-only root above or below a read-write one would refuse that read-write bind
 * (judgeAgainstRoots), so it is written read-write too; a root inside another that allows as much adds nothing.
 */
export function learnedRoots(needs: readonly RequestNeeds[]): LearnedRoot[] {
  const roots = new Map<string, boolean>();
  for (const bind of needs.flatMap((n) => n.binds ?? [])) {
    const path = rootPathOf(bind.source);
    roots.set(path, (roots.get(path) ?? true) && bind.readOnly);
  }
  const writable = [...roots].filter(([, readOnly]) => !readOnly).map(([path]) => path);
  for (const [path, readOnly] of roots) if (readOnly && writable.some((w) => isUnder(w, path) || isUnder(path, w))) roots.set(path, false);
  const all = [...roots].map(([path, readOnly]) => ({ path, readOnly }));
  return all
    .filter((root) => !all.some((other) => other !== root && isUnder(root.path, other.path) && other.path !== root.path && (!other.readOnly || root.readOnly)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * A limit: the largest asked, when every create asked one. A maximum makes the limit required (the judge
 * refuses a create without it), so a client that created a container without the limit gets none.
 */
function limit(values: readonly (number | undefined)[], creates: readonly (number | undefined)[], write: (n: number) => number): FileConstraints | undefined {
  const seen = values.filter((v): v is number => v !== undefined);
  if (seen.length === 0 || creates.some((v) => v === undefined)) return undefined;
  return { max: write(Math.max(...seen)) };
}

/** Ports as published: the host addresses used (empty meaning every interface) and the range of the host ports named. */
function learnedPorts(needs: readonly RequestNeeds[]): FileConstraints {
  const ports = needs.flatMap((n) => n.ports ?? []);
  const publishAll = needs.some((n) => n.publishAll === true);
  const hostIps = sorted([...ports.map((p) => (p.hostIp === '' ? '0.0.0.0' : p.hostIp)), ...(publishAll ? ['0.0.0.0'] : [])]);
  const numbers = ports.flatMap((p) => (/^\d+(-\d+)?$/.test(p.hostPort) ? p.hostPort.split('-').map(Number) : [])).filter((n) => n > 0);
  return {
    'host-ips': hostIps,
    ...(numbers.length > 0 && { min: Math.min(...numbers), max: Math.max(...numbers) }),
    'publish-all': publishAll,
  };
}

/** The constraints of a rule granting these requests, or undefined when it grants nothing that reaches the host. */
export function learnedConstraints(requests: readonly LearnedRequest[]): FileConstraints | undefined {
  const operations = new Set(requests.map((r) => r.operation));
  const needs = requests.map((r) => r.needs).filter((n): n is RequestNeeds => n !== undefined);
  const any = (test: (n: RequestNeeds) => boolean): boolean => needs.some(test);
  const names = (pick: (n: RequestNeeds) => readonly string[] | string | undefined): string[] => sorted(needs.flatMap((n) => pick(n) ?? []));
  const flag = (on: boolean): true | undefined => (on ? true : undefined);
  const creates = requests.filter((r) => r.operation === 'container.create').map((r) => r.needs ?? {});
  const roots = learnedRoots(needs);
  // A build's base images are judged against `images:` too, and the record does not name them: a client that builds keeps any image.
  const builds = operations.has('image.build');
  const images = names((n) => n.image);
  const constraints: FileConstraints = {
    'allow-bind': roots.length > 0 ? roots.map((r) => (r.readOnly ? `${r.path}:ro` : r.path)) : undefined,
    privileged: flag(any((n) => n.privileged === true)),
    'cap-add': names((n) => n.capAdd),
    devices: flag(any((n) => n.devices === true)),
    'host-namespaces': names((n) => n.hostNamespaces),
    unconfined: flag(any((n) => n.unconfined === true)),
    'apparmor-profiles': any((n) => n.apparmorProfiles !== undefined) ? names((n) => n.apparmorProfiles) : undefined,
    sysctls: names((n) => n.sysctls),
    runtimes: names((n) => n.runtime),
    'cgroup-parent': flag(any((n) => n.cgroupParent === true)),
    'volume-drivers': any((n) => n.volumeDrivers !== undefined) ? names((n) => n.volumeDrivers) : undefined,
    memory: limit(
      needs.map((n) => n.memory),
      creates.map((n) => n.memory),
      (n) => n,
    ),
    pids: limit(
      needs.map((n) => n.pids),
      creates.map((n) => n.pids),
      (n) => n,
    ),
    cpus: limit(
      needs.map((n) => n.cpus),
      creates.map((n) => n.cpus),
      (n) => n / 1e9,
    ),
    ports: learnedPorts(needs),
    images: builds || images.length === 0 ? undefined : images,
    'log-drivers': names((n) => n.logDriver),
    'network-drivers': names((n) => n.networkDriver),
    plugins: flag([...operations].some((op) => PLUGIN_OPERATIONS.has(op))),
    swarm: flag([...operations].some((op) => SWARM_OPERATIONS.has(op))),
    buildkit: flag(any((n) => n.buildkit === true) || [...operations].some((op) => BUILDKIT_OPERATIONS.has(op))),
    'remote-fetch': flag(any((n) => n.remoteFetch === true)),
  };
  return Object.fromEntries(Object.entries(constraints).filter(([, value]) => value !== undefined));
}
