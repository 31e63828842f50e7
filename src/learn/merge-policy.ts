// `policy learn --merge POLICY`: the learned rules merged into an existing policy file. A learned rule whose
// `match:` is the same as an existing rule's widens that rule just enough: the operations it does not grant
// yet are added (a `profile:` or `preset:` rule gets its operations written out, with them), and each
// constraint is widened to cover what was learned, starting from what the rule has (or its profile gives).
// Other learned rules are new clients: they go before the first rule that selects every client (which would
// otherwise take them), else at the end. The existing rules keep their order; the file's comments are not kept.
import { isDeepStrictEqual } from 'node:util';
import { parseDocument } from 'yaml';
import type { ContainerConstraints } from '../judge/container-constraints.js';
import { isUnder } from '../judge/reach/host-paths.js';
import { grants, patternMatches } from '../policy/operation-grant.js';
import { parseCpus, parseSize } from '../policy/policy-units.js';
import { isBuiltinProfileName, presetBase, profileBase } from '../policy/builtin-policies.js';
import { isPresetName } from '../judge/profiles/application-presets.js';
import type { Operation } from '../route/operations.js';
import type { FileConstraints } from './learned-constraints.js';
import type { LearnedRule } from './learned-rule.js';

type FileRule = Record<string, unknown>;

/** The policy file as data: its rules, and what else it says (version, protected paths), kept as written. */
export interface ExistingPolicy {
  rest: Record<string, unknown>;
  rules: FileRule[];
}

/** The existing file's content; it has been loaded as a policy first (so it is valid). */
export function readExistingPolicy(text: string): ExistingPolicy {
  const value = parseDocument(text).toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  const { rules, ...rest } = value;
  return { rest, rules: rules as FileRule[] };
}

/** `uid: 1000` and `uid: [1000]` select alike: a selector's values compared as lists. */
function normalMatch(match: unknown): unknown {
  if (typeof match !== 'object' || match === null) return {};
  return Object.fromEntries(
    Object.entries(match as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, k === 'container' || k === 'label' ? normalMatch(v) : Array.isArray(v) ? v : [v]]),
  );
}

const selectsEveryone = (rule: FileRule): boolean => isDeepStrictEqual(normalMatch(rule['match']), {});

/** The rules of the existing policy with the learned ones merged in, each with its comment lines. */
export function mergeRules(existing: ExistingPolicy, learned: readonly LearnedRule[]): LearnedRule[] {
  const rules: LearnedRule[] = existing.rules.map((body) => ({ body, comments: [] }));
  const names = new Set(existing.rules.map((r) => r['name']).filter((n): n is string => typeof n === 'string'));
  const fresh: LearnedRule[] = [];
  for (const rule of learned) {
    const same = rules.findIndex((r) => isDeepStrictEqual(normalMatch(r.body['match']), normalMatch(rule.body['match'])));
    if (same !== -1) {
      const widened = widenRule(rules[same]!.body, rule.body);
      rules[same] = { body: widened, comments: widened === rules[same]!.body ? rules[same]!.comments : [...rules[same]!.comments, 'Widened by policy learn:', ...rule.comments] };
      continue;
    }
    let name = rule.body['name'] as string;
    for (let n = 2; names.has(name); n++) name = `${rule.body['name'] as string}-${n}`;
    names.add(name);
    fresh.push({ body: { ...rule.body, name }, comments: rule.comments });
  }
  const at = rules.findIndex((r) => selectsEveryone(r.body));
  if (at === -1) return [...rules, ...fresh];
  return [...rules.slice(0, at), ...fresh, ...rules.slice(at)];
}

interface Base {
  operations: readonly string[];
  except: readonly string[];
  constraints: ContainerConstraints | 'unrestricted';
}

function baseOf(rule: FileRule): Base {
  const preset = rule['preset'];
  const profile = rule['profile'];
  if (typeof preset === 'string' && isPresetName(preset)) return presetBase(preset);
  return profileBase(typeof profile === 'string' && isBuiltinProfileName(profile) ? profile : 'baseline');
}

/** The existing rule widened to grant what the learned one does; the same object when it already did. */
function widenRule(rule: FileRule, learned: FileRule): FileRule {
  const base = baseOf(rule);
  const own = Array.isArray(rule['operations']);
  let patterns = own ? (rule['operations'] as string[]) : [...base.operations];
  let except = Array.isArray(rule['except']) ? (rule['except'] as string[]) : own ? [] : [...base.except];
  let opsChanged = false;
  for (const op of learned['operations'] as string[]) {
    const probe = op.endsWith('.*') ? op.slice(0, -2) : op;
    if (op.endsWith('.*') ? patterns.includes(op) || patterns.includes('*') : grants({ patterns, except }, probe as Operation).granted) continue;
    patterns = [...patterns, op];
    // A widened family brings what the learned rule keeps out of it (CRIU checkpoints), whatever the rule kept out there before.
    const keptOut = ((learned['except'] as string[] | undefined) ?? []).filter((ex) => op.endsWith('.*') && ex.startsWith(op.slice(0, -1)));
    except = [...except.filter((ex) => !patternMatches(ex, probe) && !(op.endsWith('.*') && ex.startsWith(op.slice(0, -1)))), ...keptOut];
    opsChanged = true;
  }
  const constraints =
    base.constraints === 'unrestricted' || learned['constraints'] === undefined
      ? undefined
      : widenConstraints((rule['constraints'] ?? {}) as FileConstraints, learned['constraints'] as FileConstraints, base.constraints);
  if (!opsChanged && constraints === undefined) return rule;
  const widened: FileRule = { ...rule };
  if (opsChanged) {
    // A name a family pattern (or `*`) now covers adds nothing.
    widened['operations'] = [...new Set(patterns)].filter((p) => !patterns.some((q) => q !== p && (q === '*' || q.endsWith('.*')) && patternMatches(q, p))).sort();
    if (except.length > 0) widened['except'] = except;
    else delete widened['except'];
  }
  if (constraints !== undefined) widened['constraints'] = constraints;
  return widened;
}

const LISTS: ReadonlyArray<[key: string, from: (c: ContainerConstraints) => readonly string[]]> = [
  ['cap-add', (c) => c.capAdd],
  [
    'host-namespaces',
    (c) =>
      Object.entries(c.hostNamespaces)
        .filter(([, on]) => on)
        .map(([name]) => name),
  ],
  ['apparmor-profiles', (c) => c.apparmorProfiles],
  ['sysctls', (c) => c.sysctls],
  ['runtimes', (c) => c.runtimes],
  ['volume-drivers', (c) => c.volumeDrivers],
  ['log-drivers', (c) => c.logDrivers],
  ['network-drivers', (c) => c.networkDrivers],
];

const FLAGS: ReadonlyArray<[key: string, from: (c: ContainerConstraints) => boolean]> = [
  ['privileged', (c) => c.privileged],
  ['devices', (c) => c.devices],
  ['unconfined', (c) => c.unconfined],
  ['cgroup-parent', (c) => c.cgroupParent],
  ['plugins', (c) => c.plugins],
  ['swarm', (c) => c.swarm],
  ['buildkit', (c) => c.buildkit],
  ['remote-fetch', (c) => c.remoteFetch],
];

const LIMITS: ReadonlyArray<[key: string, from: (c: ContainerConstraints) => ContainerConstraints['memory'], read: (v: unknown) => number | undefined]> = [
  ['memory', (c) => c.memory, parseSize],
  ['pids', (c) => c.pids, (v) => (typeof v === 'number' ? v : undefined)],
  ['cpus', (c) => c.cpu, parseCpus],
];

/** Whether a learned sysctl (or other name) is allowed by a list that may hold prefixes (`net.*`, `net.`). */
function covered(value: string, list: readonly string[]): boolean {
  return list.some((entry) => entry === value || ((entry.endsWith('*') || entry.endsWith('.')) && value.startsWith(entry.replace(/\*$/, ''))));
}

/** The rule's constraints widened by the learned ones; undefined when they already cover them. */
function widenConstraints(own: FileConstraints, learned: FileConstraints, base: ContainerConstraints): FileConstraints | undefined {
  const out: FileConstraints = { ...own };
  let changed = false;
  const set = (key: string, value: unknown): void => {
    out[key] = value;
    changed = true;
  };
  for (const [key, from] of LISTS) {
    const current = (own[key] as string[] | undefined) ?? from(base);
    const wanted = (learned[key] as string[] | undefined) ?? [];
    const missing = wanted.filter((v) => !covered(v, current));
    if (missing.length > 0) set(key, [...new Set([...current, ...missing])].sort());
  }
  for (const [key, from] of FLAGS) if (learned[key] === true && ((own[key] as boolean | undefined) ?? from(base)) !== true) set(key, true);
  for (const [key, from, read] of LIMITS) {
    const wanted = learned[key] as { max: number } | undefined;
    const mine = own[key] as { required?: boolean; max?: unknown } | undefined;
    const max = mine?.max !== undefined ? read(mine.max) : from(base).max;
    // A maximum makes the limit required (resources.ts): a client that created containers without one needs neither.
    if (!(mine?.required ?? from(base).required) && max === undefined) continue;
    if (wanted === undefined) set(key, { required: false });
    else if (max !== undefined && (key === 'cpus' ? Math.round(wanted.max * 1e9) : wanted.max) > max) set(key, { max: wanted.max });
  }
  const images = (own['images'] as string[] | undefined) ?? base.images;
  const wantedImages = learned['images'] as string[] | undefined;
  if (images.length > 0 && wantedImages === undefined) set('images', []);
  else if (images.length > 0 && wantedImages!.some((i) => !images.includes(i))) set('images', [...new Set([...images, ...wantedImages!])].sort());
  const roots = [...base.bindRoots.map((r) => `${r.path}${r.readOnly ? ':ro' : ''}`), ...((own['allow-bind'] as string[] | undefined) ?? [])];
  const rootOf = (text: string): { path: string; readOnly: boolean } => ({ path: text.replace(/:ro$/, ''), readOnly: text.endsWith(':ro') });
  const missingRoots = ((learned['allow-bind'] as string[] | undefined) ?? []).filter((text) => {
    const want = rootOf(text);
    return !roots.map(rootOf).some((have) => isUnder(want.path, have.path) && (!have.readOnly || want.readOnly));
  });
  if (missingRoots.length > 0) set('allow-bind', [...((own['allow-bind'] as string[] | undefined) ?? []), ...missingRoots]);
  const ports = { ...((own['ports'] as Record<string, unknown> | undefined) ?? {}) };
  const wantedPorts = learned['ports'] as { 'host-ips': string[]; min?: number; max?: number; 'publish-all': boolean };
  const ips = (ports['host-ips'] as string[] | undefined) ?? base.ports.hostIps;
  const missingIps = wantedPorts['host-ips'].filter((ip) => !ips.includes(ip) && !ips.includes('0.0.0.0'));
  let portsChanged = false;
  if (missingIps.length > 0) [ports['host-ips'], portsChanged] = [[...ips, ...missingIps].sort(), true];
  const min = (ports['min'] as number | undefined) ?? base.ports.min;
  const max = (ports['max'] as number | undefined) ?? base.ports.max;
  if (wantedPorts.min !== undefined && wantedPorts.min < min) [ports['min'], portsChanged] = [wantedPorts.min, true];
  if (wantedPorts.max !== undefined && wantedPorts.max > max) [ports['max'], portsChanged] = [wantedPorts.max, true];
  if (wantedPorts['publish-all'] && !((ports['publish-all'] as boolean | undefined) ?? base.ports.publishAll)) [ports['publish-all'], portsChanged] = [true, true];
  if (portsChanged) set('ports', ports);
  return changed ? out : undefined;
}
