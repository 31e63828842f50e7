// Two definitions of one service merged as Compose 1.29 merges them (merge_service_dicts), for a later
// `-f` file over an earlier one and for a service over the one it `extends`: scalars from the override;
// environment, labels, sysctls, extra_hosts, ulimits as mappings, the override's keys winning; volumes and
// devices keyed by their container path, sorted by it; cap_add, cap_drop, expose, external_links,
// volumes_from, device_cgroup_rules and profiles as sorted sets; dns, dns_search, env_file and tmpfs
// concatenated; ports keyed by what they publish, sorted by container port; security_opt and links keyed,
// sorted, as are secrets and configs by their source; logging's options kept only while the driver stays; networks and deploy merged key by key.
// Every merged value keeps the place it was written, so a field still points at the file that set it.
import type { SourceLocation } from '../checked-request.js';
import { scalar, type LocatedEntry, type LocatedMap, type LocatedNode, type ScalarValue } from './located-yaml.js';
import { parsePortSpec } from './service-ports.js';

type Entries = Map<string, LocatedEntry>;

const MAPPINGS = new Set(['environment', 'labels', 'ulimits', 'sysctls', 'depends_on', 'storage_opt', 'extra_hosts']);
const SORTED_SETS = new Set(['cap_add', 'cap_drop', 'expose', 'external_links', 'volumes_from', 'device_cgroup_rules', 'profiles']);
const CONCATENATED = new Set(['dns', 'dns_search', 'env_file', 'tmpfs']);
const PATH_MAPPINGS = new Set(['volumes', 'devices']);

const KEYED_SEQUENCES = new Set(['security_opt', 'links', 'secrets', 'configs']);

/** What Compose keys a links, security_opt, secrets or configs item by (its merge_field), which also orders them. */
function sequenceKey(field: string, item: LocatedNode): string {
  if (item.kind === 'map') {
    const source = item.entries.get('source')?.value;
    return source?.kind === 'scalar' ? String(source.value) : '';
  }
  const text = item.kind === 'scalar' ? String(item.value) : '';
  return field === 'links' ? (text.split(':')[1] ?? text) : text;
}

const isNull = (node: LocatedNode | undefined): boolean => node === undefined || (node.kind === 'scalar' && node.value === null);
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function seq(items: LocatedNode[], at: SourceLocation): LocatedNode {
  return { kind: 'seq', items, at };
}

function map(entries: Entries, at: SourceLocation): LocatedMap {
  return { kind: 'map', entries, at };
}

/** A list-or-mapping field as name → entry: `KEY=VALUE` items (`null` for `KEY` alone when `bare` is null), or a mapping's own entries. */
function asMapping(node: LocatedNode | undefined, separator: '=' | ':', bare: ScalarValue): Entries {
  const out: Entries = new Map();
  if (node === undefined) return out;
  if (node.kind === 'map') return new Map(node.entries);
  if (node.kind !== 'seq') return out;
  for (const item of node.items) {
    if (item.kind !== 'scalar') continue;
    const text = String(item.value);
    const at = text.indexOf(separator);
    const name = at < 0 ? text : text.slice(0, at);
    const value = at < 0 ? bare : text.slice(at + 1);
    out.set(separator === ':' ? name.trim() : name, { key: item.at, value: scalar(separator === ':' && typeof value === 'string' ? value.trim() : value, item.at) });
  }
  return out;
}

function items(node: LocatedNode | undefined): LocatedNode[] {
  if (node === undefined || isNull(node)) return [];
  return node.kind === 'seq' ? node.items : [node];
}

/** Compose's split_path_mapping: the container path a volume or device entry is keyed by. */
function containerPath(item: LocatedNode): string {
  if (item.kind === 'map') {
    const target = item.entries.get('target')?.value;
    return target?.kind === 'scalar' ? String(target.value) : '';
  }
  const text = item.kind === 'scalar' ? String(item.value) : '';
  const colon = text.indexOf(':');
  if (colon < 0) return text;
  const rest = text.slice(colon + 1);
  const mode = rest.lastIndexOf(':');
  return mode < 0 ? rest : rest.slice(0, mode);
}

/** A port item as the ServicePorts Compose parses it into, each written back as its legacy spec (`IP:PUBLISHED:TARGET/PROTO`). */
function portEntries(node: LocatedNode | undefined): { key: string; target: number; node: LocatedNode }[] {
  const out: { key: string; target: number; node: LocatedNode }[] = [];
  for (const item of items(node)) {
    if (item.kind === 'map') {
      const get = (k: string): ScalarValue | undefined => {
        const v = item.entries.get(k)?.value;
        return v?.kind === 'scalar' ? v.value : undefined;
      };
      const target = Number(get('target'));
      const published = get('published');
      const protocol = get('protocol') ?? 'tcp';
      const spec = `${published === undefined || published === null ? '' : `${String(published)}:`}${target}/${String(protocol)}`;
      out.push({ key: `${target}|${String(published ?? '')}||${String(protocol)}`, target, node: scalar(spec, item.at) });
      continue;
    }
    for (const port of parsePortSpec(String(item.kind === 'scalar' ? item.value : ''), item)) {
      const [target, protocol] = port.key.split('/');
      const spec = `${port.hostIp === '' ? '' : `${port.hostIp}:`}${port.hostPort === '' && port.hostIp === '' ? '' : `${port.hostPort}:`}${port.key}`;
      out.push({ key: `${target}|${port.hostPort}|${port.hostIp}|${protocol}`, target: Number(target), node: scalar(spec, item.at) });
    }
  }
  return out;
}

function mergeShallow(base: LocatedNode | undefined, override: LocatedNode | undefined, at: SourceLocation): LocatedMap {
  const entries: Entries = new Map(base?.kind === 'map' ? base.entries : []);
  if (override?.kind === 'map') for (const [k, e] of override.entries) entries.set(k, e);
  return map(entries, override?.at ?? base?.at ?? at);
}

function mergeDeploy(base: LocatedNode | undefined, override: LocatedNode | undefined, at: SourceLocation): LocatedMap {
  const merged = mergeShallow(base, override, at);
  const b = base?.kind === 'map' ? base.entries : new Map<string, LocatedEntry>();
  const o = override?.kind === 'map' ? override.entries : new Map<string, LocatedEntry>();
  for (const key of ['labels', 'update_config', 'rollback_config', 'restart_policy']) {
    if (b.has(key) || o.has(key)) merged.entries.set(key, { key: (o.get(key) ?? b.get(key))!.key, value: mergeShallow(b.get(key)?.value, o.get(key)?.value, at) });
  }
  if (b.has('resources') || o.has('resources')) {
    const rb = b.get('resources')?.value;
    const ro = o.get('resources')?.value;
    const resources = mergeShallow(rb, ro, at);
    for (const key of ['limits', 'reservations']) {
      const kb = rb?.kind === 'map' ? rb.entries.get(key) : undefined;
      const ko = ro?.kind === 'map' ? ro.entries.get(key) : undefined;
      if (kb !== undefined || ko !== undefined) resources.entries.set(key, { key: (ko ?? kb)!.key, value: mergeShallow(kb?.value, ko?.value, at) });
    }
    merged.entries.set('resources', { key: (o.get('resources') ?? b.get('resources'))!.key, value: resources });
  }
  return merged;
}

function mergeNetworks(base: LocatedNode | undefined, override: LocatedNode | undefined, at: SourceLocation): LocatedMap {
  const asMap = (node: LocatedNode | undefined): Entries => {
    if (node?.kind === 'map') return node.entries;
    const out: Entries = new Map();
    for (const item of items(node)) if (item.kind === 'scalar') out.set(String(item.value), { key: item.at, value: scalar(null, item.at) });
    return out;
  };
  const b = asMap(base);
  const o = asMap(override);
  const entries: Entries = new Map();
  for (const name of new Set([...b.keys(), ...o.keys()])) {
    const nb = b.get(name)?.value;
    const no = o.get(name)?.value;
    const merged = mergeShallow(nb, no, at);
    const aliases = [
      ...new Set(
        [...items(nb?.kind === 'map' ? nb.entries.get('aliases')?.value : undefined), ...items(no?.kind === 'map' ? no.entries.get('aliases')?.value : undefined)].map((a) =>
          String((a as { value: ScalarValue }).value),
        ),
      ),
    ].sort(compare);
    if (aliases.length > 0)
      merged.entries.set('aliases', {
        key: merged.at,
        value: seq(
          aliases.map((a) => scalar(a, merged.at)),
          merged.at,
        ),
      });
    entries.set(name, { key: (o.get(name) ?? b.get(name))!.key, value: merged });
  }
  return map(entries, override?.at ?? base?.at ?? at);
}

function mergeLogging(base: LocatedNode | undefined, override: LocatedNode | undefined, at: SourceLocation): LocatedMap {
  const b = base?.kind === 'map' ? base.entries : new Map<string, LocatedEntry>();
  const o = override?.kind === 'map' ? override.entries : new Map<string, LocatedEntry>();
  const entries: Entries = new Map();
  const driver = o.get('driver') ?? b.get('driver');
  if (driver !== undefined) entries.set('driver', driver);
  const driverOf = (e: LocatedEntry | undefined): ScalarValue | undefined => (e?.value.kind === 'scalar' ? e.value.value : undefined);
  if (driverOf(driver) === driverOf(b.get('driver')) || b.get('driver') === undefined) {
    if (b.has('options') || o.has('options'))
      entries.set('options', { key: (o.get('options') ?? b.get('options'))!.key, value: mergeShallow(b.get('options')?.value, o.get('options')?.value, at) });
  } else if (o.has('options') && !isNull(o.get('options')!.value)) {
    entries.set('options', o.get('options')!);
  }
  return map(entries, override?.at ?? base?.at ?? at);
}

/** `override` merged over `base` (`format` 1: the legacy format, where an image and a build replace each other). */
export function mergeServices(base: LocatedMap, override: LocatedMap, format: 1 | 2): LocatedMap {
  const b = base.entries;
  const o = override.entries;
  const at = override.at;
  const out: Entries = new Map();
  for (const field of new Set([...b.keys(), ...o.keys()])) {
    const eb = b.get(field);
    const eo = o.get(field);
    const key = (eo ?? eb)!.key;
    const vb = eb?.value;
    const vo = eo?.value;
    let value: LocatedNode;
    if (MAPPINGS.has(field)) {
      const separator = field === 'extra_hosts' ? ':' : '=';
      const bare = field === 'environment' ? null : '';
      const entries = asMapping(vb, separator, bare);
      for (const [k, e] of asMapping(vo, separator, bare)) entries.set(k, e);
      value = map(entries, key);
    } else if (SORTED_SETS.has(field)) {
      const seen = new Map<string, LocatedNode>();
      for (const item of [...items(vb), ...items(vo)]) {
        const text = item.kind === 'scalar' ? String(item.value) : '';
        if (!seen.has(text)) seen.set(text, scalar(text, item.at));
      }
      value = seq(
        [...seen.keys()].sort(compare).map((k) => seen.get(k)!),
        key,
      );
    } else if (CONCATENATED.has(field)) {
      value = seq([...items(vb), ...items(vo)], key);
    } else if (PATH_MAPPINGS.has(field)) {
      const byPath = new Map<string, LocatedNode>();
      for (const item of [...items(vb), ...items(vo)]) byPath.set(containerPath(item), item);
      value = seq(
        [...byPath.keys()].sort(compare).map((k) => byPath.get(k)!),
        key,
      );
    } else if (field === 'ports') {
      const byKey = new Map<string, { target: number; node: LocatedNode }>();
      for (const port of [...portEntries(vb), ...portEntries(vo)]) byKey.set(port.key, port);
      value = seq(
        [...byKey.values()].sort((x, y) => x.target - y.target).map((p) => p.node),
        key,
      );
    } else if (KEYED_SEQUENCES.has(field)) {
      const byKey = new Map<string, LocatedNode>();
      for (const item of [...items(vb), ...items(vo)]) byKey.set(sequenceKey(field, item), item);
      value = seq(
        [...byKey.values()].sort((x, y) => compare(sequenceKey(field, x), sequenceKey(field, y))),
        key,
      );
    } else if (field === 'networks') {
      value = mergeNetworks(vb, vo, key);
    } else if (field === 'logging') {
      value = mergeLogging(vb, vo, key);
    } else if (field === 'deploy') {
      value = mergeDeploy(vb, vo, key);
    } else if (field === 'healthcheck' || field === 'blkio_config' || field === 'build') {
      value =
        vo?.kind === 'scalar' && field === 'build'
          ? vo
          : mergeShallow(vb?.kind === 'scalar' && field === 'build' ? map(new Map([['context', { key: vb.at, value: vb }]]), vb.at) : vb, vo, key);
    } else {
      value = vo ?? vb!;
    }
    out.set(field, { key, value });
  }
  if (format === 1 && (o.has('image') || o.has('build'))) {
    // The legacy format: the override's image or build replaces both of the base's.
    if (o.has('image')) out.delete('build');
    else out.delete('image');
  }
  return map(out, at);
}
