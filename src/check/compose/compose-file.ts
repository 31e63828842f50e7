// One compose file as Compose 1.29 loads it before merging: its version (the legacy v1 format, services at
// the top level, or v2/v3 and the Compose Specification, services under `services:`), its sections checked
// for the shape Compose requires, the keys its schema knows (an unknown one is refused, as Compose refuses
// it), and its values interpolated and converted to the types Compose converts them to. A later format's
// file may also use the keys of the current Compose Specification that 1.29 predates and that reach the host
// or name things (`name:`, a service's `uts` and `cgroup`): such a file is one only current Compose (`docker
// compose`, v2) runs, which reads every file of a later format as the Specification whatever its `version`.
import { readFileSync } from 'node:fs';
import type { SourceLocation } from '../checked-request.js';
import { ComposeFileError } from './compose-file-error.js';
import { interpolate, InterpolationError, type Variables } from './interpolation.js';
import { readLocatedYaml, scalar, type LocatedEntry, type LocatedMap, type LocatedNode } from './located-yaml.js';
import { convertedValue } from './value-conversion.js';

export interface ComposeFile {
  path: string;
  /** `1`: the legacy format (no `version`, services at the top level); `2`: every later one. */
  format: 1 | 2;
  services: LocatedMap;
  volumes: LocatedMap;
  networks: LocatedMap;
  secrets: LocatedMap;
  /** The project name the file gives (`name:`, interpolated), a key of the current Compose Specification. */
  name?: { value: string; at: SourceLocation };
}

const TOP_LEVEL_KEYS = new Set(['version', 'name', 'services', 'networks', 'volumes', 'secrets', 'configs']);

/** The service keys of the current Compose Specification that 1.29's schema predates and `check` reads, as current Compose does. */
export const CURRENT_SPEC_SERVICE_KEYS = new Set(['uts', 'cgroup']);

/** The service keys of Compose 1.29's schema (compose_spec.json); any other is refused. */
export const SERVICE_KEYS = new Set([
  'blkio_config', 'build', 'cap_add', 'cap_drop', 'cgroup_parent', 'command', 'configs', 'container_name', 'cpu_count', 'cpu_percent', 'cpu_period', 'cpu_quota',
  'cpu_rt_period', 'cpu_rt_runtime', 'cpu_shares', 'cpus', 'cpuset', 'credential_spec', 'depends_on', 'deploy', 'device_cgroup_rules', 'devices', 'dns', 'dns_opt',
  'dns_search', 'domainname', 'entrypoint', 'env_file', 'environment', 'expose', 'extends', 'external_links', 'extra_hosts', 'group_add', 'healthcheck', 'hostname',
  'image', 'init', 'ipc', 'isolation', 'labels', 'links', 'logging', 'mac_address', 'mem_limit', 'mem_reservation', 'mem_swappiness', 'memswap_limit', 'network_mode',
  'networks', 'oom_kill_disable', 'oom_score_adj', 'pid', 'pids_limit', 'platform', 'ports', 'privileged', 'profiles', 'pull_policy', 'read_only', 'restart', 'runtime',
  'scale', 'secrets', 'security_opt', 'shm_size', 'stdin_open', 'stop_grace_period', 'stop_signal', 'storage_opt', 'sysctls', 'tmpfs', 'tty', 'ulimits', 'user',
  'userns_mode', 'volumes', 'volumes_from', 'working_dir',
]); // prettier-ignore

/** The legacy format's service keys (config_schema_v1.json). */
const V1_SERVICE_KEYS = new Set([
  'build', 'cap_add', 'cap_drop', 'cgroup_parent', 'command', 'container_name', 'cpu_shares', 'cpu_quota', 'cpuset', 'devices', 'dns', 'dns_search', 'dockerfile',
  'domainname', 'entrypoint', 'env_file', 'environment', 'expose', 'extends', 'external_links', 'extra_hosts', 'hostname', 'image', 'ipc', 'labels', 'links',
  'log_driver', 'log_opt', 'mac_address', 'mem_limit', 'memswap_limit', 'mem_swappiness', 'net', 'pid', 'ports', 'privileged', 'read_only', 'restart',
  'security_opt', 'shm_size', 'stdin_open', 'stop_signal', 'tty', 'ulimits', 'user', 'volume_driver', 'volumes', 'volumes_from', 'working_dir',
]); // prettier-ignore

const VOLUME_KEYS = new Set(['driver', 'driver_opts', 'external', 'labels', 'name']);
const NETWORK_KEYS = new Set(['attachable', 'driver', 'driver_opts', 'enable_ipv6', 'external', 'internal', 'ipam', 'labels', 'name']);
const SECRET_KEYS = new Set(['driver', 'driver_opts', 'external', 'file', 'labels', 'name', 'template_driver']);

function emptyMap(at: SourceLocation): LocatedMap {
  return { kind: 'map', entries: new Map(), at };
}

const isExtension = (key: string): boolean => key.startsWith('x-');

function describeType(node: LocatedNode): string {
  if (node.kind === 'map') return 'a mapping';
  if (node.kind === 'seq') return 'an array';
  if (node.value === null) return 'null';
  return typeof node.value === 'string' ? 'a string' : typeof node.value === 'boolean' ? 'a boolean' : 'a number';
}

/** A section (`services`, `volumes`, ...): a mapping of names to mappings or nothing, as Compose requires before interpolating. */
function readSection(file: string, entry: LocatedEntry | undefined, section: string, keys: Set<string>, fallback: SourceLocation): LocatedMap {
  if (entry === undefined) return emptyMap(fallback);
  const node = entry.value;
  if (node.kind === 'scalar' && node.value === null) return emptyMap(entry.key);
  if (node.kind !== 'map') throw new ComposeFileError(node.at, `In file '${file}', ${section} must be a mapping, not ${describeType(node)}`);
  for (const [name, item] of node.entries) {
    if (item.value.kind === 'scalar' && item.value.value === null) {
      item.value = emptyMap(item.key);
      continue;
    }
    if (item.value.kind !== 'map') throw new ComposeFileError(item.value.at, `In file '${file}', ${section} '${name}' must be a mapping not ${describeType(item.value)}`);
    for (const [key, option] of item.value.entries) {
      if (!keys.has(key) && !isExtension(key)) throw new ComposeFileError(option.key, `Unsupported config option for ${section}s.${name}: '${key}'`);
    }
  }
  return node;
}

/** Substitutes variables in every value below `node` and converts the values Compose converts; `path` as Compose spells it (`service/web/privileged`). */
function interpolateNode(node: LocatedNode, variables: Variables, path: string, option: { key: string; section: string; name: string }, withDefaults: boolean): LocatedNode {
  if (node.kind === 'map') {
    for (const [key, entry] of node.entries) entry.value = interpolateNode(entry.value, variables, `${path}/${key}`, option, withDefaults);
    return node;
  }
  if (node.kind === 'seq') {
    node.items = node.items.map((item) => interpolateNode(item, variables, path, option, withDefaults));
    return node;
  }
  let value = node.value;
  if (typeof value === 'string') {
    try {
      value = interpolate(value, variables, withDefaults);
    } catch (err) {
      if (!(err instanceof InterpolationError)) throw err;
      throw new ComposeFileError(
        node.at,
        err.kind === 'invalid'
          ? `Invalid interpolation format for "${option.key}" option in ${option.section} "${option.name}": ${err.message}`
          : `Missing mandatory value for "${option.key}" option interpolating ${String(node.value)} in ${option.section} "${option.name}": ${err.message}`,
      );
    }
  }
  const converted = convertedValue(path, value);
  if (converted.error !== undefined) throw new ComposeFileError(node.at, `Error while attempting to convert ${path.replaceAll('/', '.')} to appropriate type: ${converted.error}`);
  return scalar(converted.value, node.at);
}

function interpolateSection(section: LocatedMap, kind: string, variables: Variables, withDefaults = true): void {
  for (const [name, item] of section.entries) {
    if (item.value.kind !== 'map') continue;
    for (const [key, option] of item.value.entries) {
      option.value = interpolateNode(option.value, variables, `${kind}/${name}/${key}`, { key, section: kind, name }, withDefaults);
    }
  }
}

/** Reads, checks and interpolates one compose file. */
export function loadComposeFile(path: string, variables: Variables): ComposeFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ComposeFileError({ file: path, line: 1, column: 1 }, `cannot read the compose file: ${(err as Error).message}`);
  }
  const root = readLocatedYaml(path, text);
  const start: SourceLocation = { file: path, line: 1, column: 1 };
  if (root.kind !== 'map') throw new ComposeFileError(root.at, `Top level object in '${path}' needs to be an object not ${describeType(root)}`);
  const version = root.entries.get('version');
  const sections = ['services', 'networks', 'volumes'].some((s) => {
    const v = root.entries.get(s)?.value;
    return v !== undefined && !(v.kind === 'scalar' && (v.value === null || v.value === false || v.value === '' || v.value === 0)) && !(v.kind === 'map' && v.entries.size === 0);
  });
  let format: 1 | 2 = 2;
  if (version === undefined || (version.value.kind === 'scalar' && (version.value.value === null || version.value.value === ''))) {
    // A `name:` that is no mapping names the project, which only the Specification does (a legacy service would be a mapping).
    format = sections || root.entries.get('name')?.value.kind === 'scalar' ? 2 : 1;
  } else if (version.value.kind === 'map') {
    format = 1; // `version` is then taken for a service's name, as Compose does
  } else if (version.value.kind !== 'scalar' || typeof version.value.value !== 'string') {
    throw new ComposeFileError(version.value.at, `Version in "${path}" is invalid - it should be a string.`);
  } else if (!/^[1-3]+(\.\d+)?$/u.test(version.value.value)) {
    throw new ComposeFileError(version.value.at, `Version "${version.value.value}" in "${path}" is invalid.`);
  } else if (version.value.value.startsWith('1')) {
    throw new ComposeFileError(version.value.at, `Version in "${path}" is invalid. Omit the version for the legacy format, or use version "2" or later`);
  }
  if (format === 1) {
    const services = readSection(path, { key: start, value: root }, 'service', V1_SERVICE_KEYS, start);
    interpolateSection(services, 'service', variables, false);
    return { path, format, services, volumes: emptyMap(start), networks: emptyMap(start), secrets: emptyMap(start) };
  }
  for (const [key, entry] of root.entries) {
    if (!TOP_LEVEL_KEYS.has(key) && !isExtension(key)) throw new ComposeFileError(entry.key, `Additional properties are not allowed ('${key}' was unexpected)`);
  }
  const services = readSection(path, root.entries.get('services'), 'service', new Set([...SERVICE_KEYS, ...CURRENT_SPEC_SERVICE_KEYS]), start);
  const volumes = readSection(path, root.entries.get('volumes'), 'volume', VOLUME_KEYS, start);
  const networks = readSection(path, root.entries.get('networks'), 'network', NETWORK_KEYS, start);
  const secrets = readSection(path, root.entries.get('secrets'), 'secret', SECRET_KEYS, start);
  interpolateSection(services, 'service', variables);
  interpolateSection(volumes, 'volume', variables);
  interpolateSection(networks, 'network', variables);
  interpolateSection(secrets, 'secret', variables);
  const name = projectNameEntry(path, root.entries.get('name'), variables);
  return { path, format, services, volumes, networks, secrets, ...(name !== undefined && { name }) };
}

/** `name:` interpolated (one left empty names nothing, as current Compose reads it); current Compose normalises it rather than refusing it. */
function projectNameEntry(path: string, entry: LocatedEntry | undefined, variables: Variables): ComposeFile['name'] {
  if (entry === undefined || (entry.value.kind === 'scalar' && (entry.value.value === null || entry.value.value === ''))) return undefined;
  const node = interpolateNode(entry.value, variables, 'name', { key: 'name', section: 'project', name: path }, true);
  if (node.kind !== 'scalar' || typeof node.value !== 'string') throw new ComposeFileError(node.at, `In file '${path}', name must be a string, not ${describeType(node)}`);
  return { value: node.value, at: entry.key };
}
