// The container create `docker-compose up` (Compose 1.29, through the Docker SDK for Python) sends for each
// of a service's containers: each service key mapped to the body field Compose maps it to, with the
// conversions it makes (sizes to bytes, `cpus` to NanoCpus, `restart` to a policy, devices, ports and
// tmpfs to the engine's shapes, secrets to read-only binds of their files, reserved devices (GPUs) to device
// requests; the current Compose Specification's `uts` and `cgroup` as current Compose sends them), the fields it always sends
// (Binds, Links, PortBindings, VolumesFrom, LogConfig, NetworkMode, Volumes), and where each field was
// written. blkio_config, which decides nothing the judge looks at, is not sent here; keys Compose
// never sends (build, depends_on, profiles, deploy's swarm-only parts) set nothing.
import { readFileSync } from 'node:fs';
import type { CheckedRequest, SourceLocation } from '../checked-request.js';
import { parseBytes } from './byte-sizes.js';
import { ComposeFileError } from './compose-file-error.js';
import { builtImageName, containerName, networkEngineName, resourceNaming, type ComposeProject, type ProjectService } from './compose-project.js';
import { parseDotEnv } from './dot-env.js';
import { FieldLocations } from './field-locations.js';
import type { LocatedNode, ScalarValue } from './located-yaml.js';
import { LocatedReader, pythonText, splitEnvironment, splitKeyValue, type Located } from './located-values.js';
import { servicePorts } from './service-ports.js';
import { compareVersions, expandPath, serviceVolumes } from './service-volumes.js';
import { durationNanoseconds, durationSeconds } from './durations.js';
import { splitCommand } from './shell-split.js';

/** The version Compose 1.29 stamps into its labels. */
export const COMPOSE_VERSION = '1.29.2';

const NAMESPACE_KEYS = [
  ['pid', 'PidMode'],
  ['ipc', 'IpcMode'],
  ['uts', 'UTSMode'], // the current Compose Specification's, sent by current Compose as written
] as const;

/** `service:NAME` → the container Compose joins (its first one's name here; the id once it exists). */
function joinedMode(project: ComposeProject, value: string): string {
  if (value.startsWith('service:')) return `container:${serviceContainerName(project, value.slice('service:'.length))}`;
  return value;
}

/** The name of a service's container `number` (its first, which other services refer to, by default): its container_name, else `<project>_<service>_<number>`. */
function serviceContainerName(project: ComposeProject, service: string, number = 1): string {
  const config = project.services.find((s) => s.name === service)?.config;
  const custom = config?.entries.get('container_name')?.value;
  return custom?.kind === 'scalar' && typeof custom.value === 'string' && custom.value !== '' ? custom.value : containerName(project, service, number);
}

function envFileVariables(project: ComposeProject, reader: LocatedReader): Map<string, Located<ScalarValue>> {
  const out = new Map<string, Located<ScalarValue>>();
  for (const file of reader.stringOrList('env_file') ?? []) {
    const path = expandPath(project.workingDir, file.value, project.variables['HOME'] ?? '');
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new ComposeFileError(file.node.at, `Couldn't find env file: ${path}`);
    }
    for (const [name, value] of Object.entries(parseDotEnv(text, project.variables))) out.set(name, { value, node: file.node });
  }
  return out;
}

type ScalarType = 'string' | 'text' | 'number' | 'boolean';

/**
 * Keys sent as they are, as [service key, body field, type, when docker-py sends it]: `set` whenever the
 * key is given, `truthy` only for a value Python takes as true (docker-py's `if value:`).
 */
const BODY_SCALARS: readonly (readonly [string, string, ScalarType, 'set' | 'truthy'])[] = [
  ['hostname', 'Hostname', 'string', 'set'],
  ['domainname', 'Domainname', 'string', 'set'],
  ['user', 'User', 'text', 'set'],
  ['working_dir', 'WorkingDir', 'string', 'set'],
  ['mac_address', 'MacAddress', 'string', 'set'],
  ['stop_signal', 'StopSignal', 'string', 'set'],
];

const HOST_SCALARS: readonly (readonly [string, string, ScalarType, 'set' | 'truthy'])[] = [
  ['mem_swappiness', 'MemorySwappiness', 'number', 'set'],
  ['privileged', 'Privileged', 'boolean', 'truthy'],
  ['oom_kill_disable', 'OomKillDisable', 'boolean', 'truthy'],
  ['oom_score_adj', 'OomScoreAdj', 'number', 'truthy'],
  ['read_only', 'ReadonlyRootfs', 'boolean', 'set'],
  ['cgroup_parent', 'CgroupParent', 'string', 'set'],
  ['cpu_quota', 'CpuQuota', 'number', 'truthy'],
  ['cpu_period', 'CpuPeriod', 'number', 'truthy'],
  ['cpu_shares', 'CpuShares', 'number', 'truthy'],
  ['cpuset', 'CpusetCpus', 'string', 'truthy'],
  ['userns_mode', 'UsernsMode', 'string', 'truthy'],
  ['pids_limit', 'PidsLimit', 'number', 'truthy'],
  ['isolation', 'Isolation', 'string', 'truthy'],
  ['volume_driver', 'VolumeDriver', 'string', 'set'],
  ['cpu_count', 'CpuCount', 'number', 'truthy'],
  ['cpu_percent', 'CpuPercent', 'number', 'truthy'],
  ['runtime', 'Runtime', 'string', 'truthy'],
];

/** Lists sent item for item, as [service key, HostConfig field, when docker-py sends it: `set`, or `nonEmpty`]. */
const HOST_LISTS: readonly (readonly [string, string, 'set' | 'nonEmpty'])[] = [
  ['dns_search', 'DnsSearch', 'nonEmpty'],
  ['cap_add', 'CapAdd', 'nonEmpty'],
  ['cap_drop', 'CapDrop', 'nonEmpty'],
  ['group_add', 'GroupAdd', 'nonEmpty'],
  ['dns', 'Dns', 'set'],
  ['dns_opt', 'DnsOptions', 'set'],
  ['device_cgroup_rules', 'DeviceCgroupRules', 'set'],
];

/** The body of one service's container create, and where each of its fields was written. */
class CreateBody {
  readonly body: Record<string, unknown> = {};
  readonly host: Record<string, unknown> = {};

  constructor(
    readonly r: LocatedReader,
    readonly where: FieldLocations,
  ) {}

  /** Sets `field` (`HostConfig.X` goes into HostConfig) to `value`, located at the key `key` when it is given. */
  put(field: string, value: unknown, key?: string): void {
    if (field.startsWith('HostConfig.')) this.host[field.slice('HostConfig.'.length)] = value;
    else this.body[field] = value;
    const entry = key === undefined ? undefined : this.r.entry(key);
    if (entry !== undefined) this.where.set(field, entry.key);
  }

  scalar(key: string, field: string, type: ScalarType, when: 'set' | 'truthy'): void {
    const value = type === 'string' ? this.r.string(key) : type === 'text' ? this.r.text(key) : type === 'number' ? this.r.number(key) : this.r.boolean(key);
    if (value === undefined || (when === 'truthy' && !value)) return;
    this.put(field, value, key);
  }

  list(key: string, field: string, when: 'set' | 'nonEmpty'): void {
    const items = key === 'group_add' ? this.r.list(key, ['string', 'number'], 'an array of strings or numbers') : this.r.stringOrList(key);
    if (items === undefined || (when === 'nonEmpty' && items.length === 0)) return;
    this.put(
      field,
      items.map((item) => pythonText(item.value)),
      key,
    );
    items.forEach((item, i) => this.where.set(`${field}[${i}]`, item.node.at));
  }

  /** A size in bytes (`512m`), refused as docker-py refuses one it cannot read. */
  bytes(value: string | number, key: string, at: SourceLocation): number {
    const parsed = parseBytes(value);
    if (parsed === undefined) throw new ComposeFileError(at, `${this.r.where}.${key}: the value ${JSON.stringify(value)} is not a size (digits with an optional unit b, k, m or g)`);
    return parsed;
  }
}

/** The create request of a service's container `number` (1 for the first; `scale` and `deploy.replicas` ask for more). */
export function containerCreateRequest(project: ComposeProject, service: ProjectService, apiVersion: string, number = 1): CheckedRequest {
  const where = new FieldLocations(service.key);
  const r = new LocatedReader(`services.${service.name}`, service.config);
  const out = new CreateBody(r, where);
  const { body, host } = out;

  const image = r.string('image');
  if (image === undefined && !r.has('build')) {
    throw new ComposeFileError(service.key, `Service ${service.name} has neither an image nor a build context specified. At least one must be provided.`);
  }
  for (const [key, field, type, when] of BODY_SCALARS) out.scalar(key, field, type, when);
  const ports = servicePorts(r, where);
  if (ports.exposed !== undefined) body['ExposedPorts'] = ports.exposed;
  // Compose sends detached containers: no terminal or stdin unless asked for, nothing attached.
  out.put('Tty', r.boolean('tty') ?? false, 'tty');
  out.put('OpenStdin', r.boolean('stdin_open') ?? false, 'stdin_open');
  for (const field of ['StdinOnce', 'AttachStdin', 'AttachStdout', 'AttachStderr']) body[field] = false;
  const env = environment(project, r, where);
  // docker-py sends no Env at all for an empty one.
  if (env.length > 0) out.put('Env', env, 'environment');
  for (const [key, field] of [
    ['command', 'Cmd'],
    ['entrypoint', 'Entrypoint'],
  ] as const) {
    const entry = r.entry(key);
    if (entry === undefined) continue;
    if (entry.value.kind === 'scalar') out.put(field, splitCommand(String(r.scalarOf(key, entry.value, ['string'], 'a string or an array').value), entry.value.at), key);
    else
      out.put(
        field,
        (r.list(key, ['string', 'number'], 'a string or an array') ?? []).map((item) => item.value),
        key,
      );
  }
  out.put('Image', image ?? builtImageName(project, service.name), 'image');
  const volumes = serviceVolumes(project, service.name, r, where, apiVersion);
  body['Volumes'] = volumes.volumes;
  body['NetworkDisabled'] = false;
  out.put('Labels', labels(project, service, r, where, number), 'labels');
  const check = healthcheck(r);
  if (check !== undefined) out.put('Healthcheck', check, 'healthcheck');
  const grace = r.entry('stop_grace_period');
  if (grace !== undefined && compareVersions(apiVersion, '1.25') >= 0) {
    // Compose sends the grace period in seconds; one it cannot read falls back to its default of 10.
    const text = r.scalarOf('stop_grace_period', grace.value, ['string'], 'a string').value as string;
    out.put('StopTimeout', durationSeconds(text) ?? 10, 'stop_grace_period');
  }

  // Memory: deploy.resources.limits replaces mem_limit (and its reservations mem_reservation) whenever it is given.
  const resources = r.mapping('deploy')?.mapping('resources');
  for (const [key, field, section] of [
    ['mem_limit', 'Memory', 'limits'],
    ['mem_reservation', 'MemoryReservation', 'reservations'],
  ] as const) {
    const from = resources?.mapping(section) ?? r;
    const entry = from === r ? r.entry(key) : from.entry('memory');
    const value = from === r ? r.size(key) : from.size('memory');
    if (entry === undefined || value === undefined || (field === 'MemoryReservation' && !value)) continue;
    host[field] = out.bytes(value, key, entry.key);
    where.set(`HostConfig.${field}`, entry.key);
  }
  for (const [key, field] of [
    ['memswap_limit', 'MemorySwap'],
    ['shm_size', 'ShmSize'],
  ] as const) {
    const value = r.size(key);
    if (value !== undefined) out.put(`HostConfig.${field}`, out.bytes(value, key, r.entry(key)!.key), key);
  }
  for (const [key, field] of NAMESPACE_KEYS) {
    const value = r.string(key);
    if (value) out.put(`HostConfig.${field}`, joinedMode(project, value), key);
  }
  const cgroup = r.string('cgroup');
  if (cgroup !== undefined) {
    // The current Compose Specification's `cgroup`: the cgroup namespace, `host` or `private`, sent as CgroupnsMode.
    if (cgroup !== 'host' && cgroup !== 'private') throw new ComposeFileError(r.entry('cgroup')!.value.at, `${r.where}.cgroup must be one of the following: "host", "private"`);
    out.put('HostConfig.CgroupnsMode', cgroup, 'cgroup');
  }
  for (const [key, field, type, when] of HOST_SCALARS) out.scalar(key, `HostConfig.${field}`, type, when);
  for (const [key, field, when] of HOST_LISTS) out.list(key, `HostConfig.${field}`, when);
  const network = networkMode(project, service, r, where);
  host['NetworkMode'] = network.mode;
  const restart = restartPolicy(r, where);
  if (restart !== undefined) host['RestartPolicy'] = restart;
  const devices = r.list('devices');
  if (devices !== undefined && devices.length > 0) {
    out.put(
      'HostConfig.Devices',
      devices.map(({ value }) => {
        const [onHost = '', inContainer, permissions] = String(value).split(':');
        return { PathOnHost: onHost, PathInContainer: inContainer ?? onHost, CgroupPermissions: permissions ?? 'rwm' };
      }),
      'devices',
    );
    devices.forEach((device, i) => where.set(`HostConfig.Devices[${i}]`, device.node.at));
  }
  const securityOpt = r.list('security_opt');
  if (securityOpt !== undefined && securityOpt.length > 0) {
    out.put(
      'HostConfig.SecurityOpt',
      securityOpt.map((o) => securityOption(project, String(o.value), o.node)),
      'security_opt',
    );
    securityOpt.forEach((option, i) => where.set(`HostConfig.SecurityOpt[${i}]`, option.node.at));
  }
  const sysctls = r.dictOrList('sysctls', splitKeyValue);
  if (sysctls !== undefined && sysctls.size > 0) {
    out.put('HostConfig.Sysctls', Object.fromEntries([...sysctls].map(([name, { value }]) => [name, pythonText(value ?? '')])), 'sysctls');
    for (const [name, { node }] of sysctls) where.set(`HostConfig.Sysctls.${name}`, node.at);
  }
  const from = r.list('volumes_from') ?? [];
  out.put(
    'HostConfig.VolumesFrom',
    from.map((v) => volumesFrom(project, String(v.value))),
    'volumes_from',
  );
  from.forEach((v, i) => where.set(`HostConfig.VolumesFrom[${i}]`, v.node.at));
  host['Binds'] = volumes.binds;
  host['PortBindings'] = ports.bindings;
  // extra_hosts: a list is sent as written; a mapping (as merged files make it) as `HOST:IP` items.
  const extraHosts = r.entry('extra_hosts')?.value.kind === 'seq' ? r.list('extra_hosts') : r.dictOrList('extra_hosts', splitKeyValue);
  if (extraHosts !== undefined) {
    const hosts = Array.isArray(extraHosts)
      ? extraHosts.map((h) => ({ text: String(h.value), node: h.node }))
      : [...extraHosts].map(([name, { value, node }]) => ({ text: `${name}:${pythonText(value ?? '')}`, node }));
    out.put(
      'HostConfig.ExtraHosts',
      hosts.map((h) => h.text),
      'extra_hosts',
    );
    hosts.forEach((h, i) => where.set(`HostConfig.ExtraHosts[${i}]`, h.node.at));
  }
  host['Links'] = links(project, r, where);
  const ulimits = r.mapping('ulimits');
  if (ulimits !== undefined) {
    const limits = [...ulimits.map.entries].map(([name, entry]) => {
      if (entry.value.kind !== 'map') {
        const value = ulimits.scalarOf(name, entry.value, ['number'], 'a number or an object').value;
        return { Name: name, Soft: value, Hard: value };
      }
      const limit = new LocatedReader(`${ulimits.where}.${name}`, entry.value);
      return { Name: name, Soft: limit.number('soft'), Hard: limit.number('hard') };
    });
    out.put('HostConfig.Ulimits', limits, 'ulimits');
  }
  host['LogConfig'] = logConfig(r, where);
  const tmpfs = tmpfsMounts(r, where);
  if (tmpfs !== undefined) host['Tmpfs'] = tmpfs;
  const storageOpt = r.mapping('storage_opt');
  if (storageOpt !== undefined) {
    out.put('HostConfig.StorageOpt', Object.fromEntries([...storageOpt.map.entries].map(([k, e]) => [k, e.value.kind === 'scalar' ? e.value.value : null])), 'storage_opt');
  }
  const init = r.entry('init');
  if (init !== undefined) {
    // `init: PATH` is an init binary of the host's: Init true with that InitPath.
    const value = r.scalarOf('init', init.value, ['boolean', 'string'], 'a boolean or a string').value;
    out.put('HostConfig.Init', typeof value === 'string' ? true : value, 'init');
    if (typeof value === 'string') out.put('HostConfig.InitPath', value, 'init');
  }
  const limits = resources?.mapping('limits');
  const cpus = limits !== undefined ? limits.entry('cpus') : r.entry('cpus');
  if (cpus !== undefined) {
    const nano = Math.trunc(((limits ?? r).scalarOf('cpus', cpus.value, ['number'], 'a number').value as number) * 1e9);
    if (nano) {
      host['NanoCpus'] = nano;
      where.set('HostConfig.NanoCpus', cpus.key);
    }
  }
  const deviceRequests = reservedDevices(resources?.mapping('reservations'), where);
  if (deviceRequests !== undefined) host['DeviceRequests'] = deviceRequests;
  const mounts = [...volumes.mounts, ...secretMounts(project, service, r, where, volumes.mounts.length)];
  if (mounts.length > 0) host['Mounts'] = mounts;
  body['HostConfig'] = host;
  if (network.endpoints !== undefined) body['NetworkingConfig'] = network.endpoints;
  const name = serviceContainerName(project, service.name, number);
  const customName = r.entry('container_name');
  if (customName !== undefined) where.set('?name', customName.key);
  else if (project.nameAt !== undefined) where.set('?name', project.nameAt);
  return {
    subject: number === 1 ? `service ${service.name}` : `service ${service.name} (container ${number})`,
    method: 'POST',
    path: `/v${apiVersion}/containers/create?name=${encodeURIComponent(name)}`,
    body,
    location: service.key,
    locate: (field) => where.locate(field),
  };
}

/** The Env list: env_file entries, then `environment:` over them; a name without a value takes the project's variable, else goes alone. */
function environment(project: ComposeProject, r: LocatedReader, where: FieldLocations): string[] {
  const variables = envFileVariables(project, r);
  for (const [name, value] of r.dictOrList('environment', splitEnvironment) ?? []) {
    if (/\s/u.test(name)) throw new ComposeFileError(value.node.at, `environment variable name '${name}' may not contain whitespace.`);
    variables.set(name, value);
  }
  const env: string[] = [];
  for (const [name, { value, node }] of variables) {
    const resolved = value ?? project.variables[name] ?? null;
    env.push(resolved === null ? name : `${name}=${pythonText(resolved)}`);
    where.set(`Env[${env.length - 1}]`, node.at);
  }
  return env;
}

/** The service's labels, then Compose's own. */
function labels(project: ComposeProject, service: ProjectService, r: LocatedReader, where: FieldLocations, number: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { value, node }] of r.dictOrList('labels', splitKeyValue) ?? []) {
    out[name] = value === null ? '' : pythonText(value);
    where.set(`Labels.${name}`, node.at);
  }
  return {
    ...out,
    'com.docker.compose.project': project.name,
    'com.docker.compose.service': service.name,
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.container-number': String(number),
    'com.docker.compose.version': COMPOSE_VERSION,
  };
}

function networkMode(project: ComposeProject, service: ProjectService, r: LocatedReader, where: FieldLocations): { mode: string; endpoints?: unknown } {
  const explicit = r.string('network_mode') ?? r.string('net');
  const key = r.entry('network_mode') ?? r.entry('net');
  if (explicit) {
    if (r.has('networks')) throw new ComposeFileError(key!.key, "'network_mode' and 'networks' cannot be combined");
    where.set('HostConfig.NetworkMode', key!.key);
    return { mode: joinedMode(project, explicit) };
  }
  if (project.format === 1) return { mode: 'default' };
  const networks = serviceNetworks(r);
  if (networks.length === 0) return { mode: 'none' };
  for (const n of networks) {
    if (!project.networks.has(n.name) && n.name !== 'default') throw new ComposeFileError(n.at ?? service.key, `Service "${service.name}" uses an undefined network "${n.name}"`);
  }
  const named = networks.map((n) => ({ ...n, engine: networkEngineName(project, n.name) }));
  const prioritised = named.some((n) => n.priority)
    ? [...named].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))
    : [...named].sort((a, b) => (a.engine < b.engine ? -1 : a.engine > b.engine ? 1 : 0));
  const primary = prioritised[0]!;
  const ipam: Record<string, string> = {};
  if (primary.ipv4) ipam['IPv4Address'] = primary.ipv4;
  if (primary.ipv6) ipam['IPv6Address'] = primary.ipv6;
  // The project's default network is no key's: its fields stay located at the service.
  if (primary.at !== undefined) {
    where.set('HostConfig.NetworkMode', primary.at);
    where.set(`NetworkingConfig.EndpointsConfig.${primary.engine}`, primary.at);
  }
  return { mode: primary.engine, endpoints: { EndpointsConfig: { [primary.engine]: { Aliases: [service.name, ...primary.aliases], IPAMConfig: ipam } } } };
}

interface ServiceNetwork {
  name: string;
  /** Where the service names the network; none for the default network it joins by naming none. */
  at?: LocatedNode['at'];
  aliases: string[];
  priority?: number;
  ipv4?: string;
  ipv6?: string;
}

/** The networks a service joins: `networks:` as a list or a mapping, else the project's default network. */
export function serviceNetworks(r: LocatedReader): ServiceNetwork[] {
  if (r.has('network_mode') || r.has('net')) return [];
  const entry = r.entry('networks');
  if (entry === undefined) return [{ name: 'default', aliases: [] }];
  if (entry.value.kind === 'seq') return (r.list('networks') ?? []).map((n) => ({ name: String(n.value), at: n.node.at, aliases: [] }));
  const networks = r.mapping('networks')!;
  return [...networks.map.entries].map(([name, e]) => {
    if (e.value.kind === 'map') networks.onlyKeys(name, e.value, ['aliases', 'ipv4_address', 'ipv6_address', 'link_local_ips', 'priority']);
    const config = e.value.kind === 'map' ? new LocatedReader(`${networks.where}.${name}`, e.value) : undefined;
    const priority = config?.number('priority');
    const ipv4 = config?.string('ipv4_address');
    const ipv6 = config?.string('ipv6_address');
    return {
      name,
      at: e.key,
      aliases: (config?.list('aliases') ?? []).map((a) => String(a.value)),
      ...(priority !== undefined && { priority }),
      ...(ipv4 !== undefined && { ipv4 }),
      ...(ipv6 !== undefined && { ipv6 }),
    };
  });
}

function restartPolicy(r: LocatedReader, where: FieldLocations): { Name: string; MaximumRetryCount: number } | undefined {
  const deployRestart = r.mapping('deploy')?.mapping('restart_policy');
  if (deployRestart !== undefined) {
    const names: Record<string, string> = { any: 'always', none: 'no', 'on-failure': 'on-failure' };
    const condition = deployRestart.string('condition') ?? 'any';
    const name = names[condition];
    if (name === undefined) throw new ComposeFileError(deployRestart.entry('condition')!.value.at, `Invalid restart policy "${condition}"`);
    where.set('HostConfig.RestartPolicy', deployRestart.entry('condition')?.key ?? r.mapping('deploy')!.entry('restart_policy')!.key);
    return { Name: name, MaximumRetryCount: deployRestart.number('max_attempts') ?? 0 };
  }
  const restart = r.string('restart');
  if (!restart) return undefined;
  const parts = restart.split(':');
  const node = r.entry('restart')!;
  if (parts.length > 2) throw new ComposeFileError(node.value.at, `Restart ${restart} has incorrect format, should be mode[:max_retry]`);
  const retries = parts[1] === undefined ? 0 : Number.parseInt(parts[1], 10);
  if (Number.isNaN(retries)) throw new ComposeFileError(node.value.at, `Restart ${restart} has incorrect format, should be mode[:max_retry]`);
  where.set('HostConfig.RestartPolicy', node.key);
  return { Name: parts[0]!, MaximumRetryCount: retries };
}

function logConfig(r: LocatedReader, where: FieldLocations): { Type: string; Config: Record<string, unknown> } {
  const logging = r.mapping('logging');
  const driver = logging?.string('driver') ?? r.string('log_driver') ?? '';
  const options = logging?.mapping('options') ?? r.mapping('log_opt');
  const config = options === undefined ? {} : Object.fromEntries([...options.map.entries].map(([k, e]) => [k, e.value.kind === 'scalar' ? e.value.value : null]));
  const key = logging !== undefined ? r.entry('logging')!.key : (r.entry('log_driver') ?? r.entry('log_opt'))?.key;
  if (key !== undefined) where.set('HostConfig.LogConfig', key);
  const driverKey = logging?.entry('driver')?.key ?? r.entry('log_driver')?.key;
  if (driverKey !== undefined) where.set('HostConfig.LogConfig.Type', driverKey);
  return { Type: driver, Config: config };
}

function tmpfsMounts(r: LocatedReader, where: FieldLocations): Record<string, string> | undefined {
  const tmpfs = r.stringOrList('tmpfs');
  if (tmpfs === undefined || tmpfs.length === 0) return undefined;
  const out: Record<string, string> = {};
  where.set('HostConfig.Tmpfs', r.entry('tmpfs')!.key);
  for (const { value, node } of tmpfs) {
    const colon = value.indexOf(':');
    const path = colon < 0 ? value : value.slice(0, colon);
    out[path] = colon < 0 ? '' : value.slice(colon + 1);
    where.set(`HostConfig.Tmpfs.${path}`, node.at);
  }
  return out;
}

/** Links to services (`db`, `db:alias`) name their first container; external links are taken as written. */
function links(project: ComposeProject, r: LocatedReader, where: FieldLocations): string[] {
  const pairs = new Map<string, { container: string; node: LocatedNode }>();
  for (const { value, node } of r.list('links') ?? []) {
    const [target = '', alias] = String(value).split(':', 2);
    if (!project.services.some((s) => s.name === target))
      throw new ComposeFileError(node.at, `Service "${r.where.slice('services.'.length)}" has a link to service "${target}" which does not exist.`);
    const container = serviceContainerName(project, target);
    pairs.set(alias ?? target, { container, node });
    pairs.set(container, { container, node });
    pairs.set(container.replace(`${project.name}_`, ''), { container, node });
  }
  for (const { value, node } of r.list('external_links') ?? []) {
    const [container = '', alias] = String(value).split(':');
    pairs.set(alias ?? container, { container, node });
  }
  const out = [...pairs]
    .map(([alias, { container, node }]) => ({ text: `${container}:${alias}`, key: [container, alias] as const, node }))
    .sort((a, b) => (a.key[0] < b.key[0] ? -1 : a.key[0] > b.key[0] ? 1 : a.key[1] < b.key[1] ? -1 : a.key[1] > b.key[1] ? 1 : 0));
  out.forEach((link, i) => where.set(`HostConfig.Links[${i}]`, link.node.at));
  return out.map((link) => link.text);
}

/** `volumes_from`: a service (`web`, `web:ro`) names its first container; `container:NAME` a container. */
function volumesFrom(project: ComposeProject, spec: string): string {
  const parts = spec.split(':');
  let mode = 'rw';
  if (parts.length > 1 && (parts.at(-1) === 'ro' || parts.at(-1) === 'rw')) mode = parts.pop()!;
  if (parts[0] === 'container') return `${parts.slice(1).join(':')}:${mode}`;
  const source = parts.join(':');
  return project.services.some((s) => s.name === source) ? `${serviceContainerName(project, source)}:${mode}` : `${source}:${mode}`;
}

/** A security option; `seccomp:FILE` is sent as the profile's JSON, read by Compose from the file. */
function securityOption(project: ComposeProject, value: string, node: LocatedNode): string {
  let parts = value.split('=');
  if (parts.length > 3) parts = [parts[0]!, parts[1]!, parts.slice(2).join('=')];
  if (parts.length === 1 && parts[0] !== 'no-new-privileges') {
    if (!value.includes(':')) throw new ComposeFileError(node.at, `Invalid security_opt: ${value}`);
    const colon = value.split(':');
    parts = colon.length > 3 ? [colon[0]!, colon[1]!, colon.slice(2).join(':')] : colon;
  }
  if (parts[0] === 'seccomp' && parts[1] !== 'unconfined') {
    const file = expandPath(project.workingDir, (parts[1] ?? '').replace(/^["']|["']$/gu, ''), project.variables['HOME'] ?? '');
    try {
      return `seccomp=${JSON.stringify(JSON.parse(readFileSync(file, 'utf8')) as unknown)}`;
    } catch (err) {
      throw new ComposeFileError(node.at, `Error reading seccomp profile: ${(err as Error).message}`);
    }
  }
  return value;
}

/**
 * The service's `secrets:` whose definition names a `file:`: bind mounts of that host file, read-only, at
 * `/run/secrets/NAME` (or the `target` given, taken under /run/secrets when relative), after the long-syntax
 * mounts. External secrets are swarm's and Compose skips them.
 */
function secretMounts(project: ComposeProject, service: ProjectService, r: LocatedReader, where: FieldLocations, first: number): Record<string, unknown>[] {
  const entry = r.entry('secrets');
  if (entry === undefined) return [];
  if (entry.value.kind !== 'seq') r.invalid('secrets', entry.value, 'an array');
  const out: Record<string, unknown>[] = [];
  for (const item of entry.value.items) {
    let source: string;
    let target: string | undefined;
    if (item.kind === 'map') {
      r.onlyKeys('secrets', item, ['source', 'target', 'uid', 'gid', 'mode']);
      const long = new LocatedReader(`${r.where}.secrets`, item);
      source = long.string('source') ?? '';
      target = long.string('target');
    } else {
      source = String(r.scalarOf('secrets', item, ['string'], 'a string or an object').value);
    }
    const definition = project.secrets.get(source);
    if (definition === undefined) throw new ComposeFileError(item.at, `Service "${service.name}" uses an undefined secret "${source}" `);
    const secret = new LocatedReader(`secrets.${source}`, definition.config);
    if (resourceNaming(definition, 'secret').external) continue;
    const file = secret.string('file');
    const path = target === undefined ? `/run/secrets/${source}` : target.startsWith('/') ? target : `/run/secrets/${target}`;
    out.push({ Target: path, Source: file === undefined ? null : expandPath(project.workingDir, file, project.variables['HOME'] ?? ''), Type: 'bind', ReadOnly: true });
    const at = `HostConfig.Mounts[${first + out.length - 1}]`;
    where.set(at, item.at);
    const fileKey = secret.entry('file');
    if (fileKey !== undefined) where.set(`${at}.Source`, fileKey.key);
  }
  return out;
}

/**
 * `deploy.resources.reservations.devices` (GPUs and the like): HostConfig.DeviceRequests as docker-py
 * writes them; `count: all` is -1, no count 0, `capabilities` one set of them.
 */
function reservedDevices(reservations: LocatedReader | undefined, where: FieldLocations): Record<string, unknown>[] | undefined {
  if (reservations === undefined) return undefined;
  const r: LocatedReader = reservations;
  const entry = r.entry('devices');
  if (entry === undefined) return undefined;
  if (entry.value.kind !== 'seq') r.invalid('devices', entry.value, 'an array');
  if (entry.value.items.length === 0) return undefined;
  where.set('HostConfig.DeviceRequests', entry.key);
  return entry.value.items.map((item, i) => {
    if (item.kind !== 'map') r.invalid('devices', item, 'an object');
    r.onlyKeys('devices', item, ['capabilities', 'count', 'device_ids', 'driver', 'options']);
    const device = new LocatedReader(`${r.where}.devices`, item);
    const count = device.entry('count');
    let requested = 0;
    if (count !== undefined) {
      const value = device.scalarOf('count', count.value, ['number', 'string'], 'an integer or "all"').value;
      if (value !== 'all' && typeof value !== 'number') throw new ComposeFileError(count.value.at, `Invalid value "${String(value)}" for devices count (expected integer or "all")`);
      requested = value === 'all' ? -1 : value;
    }
    const options = device.mapping('options');
    where.set(`HostConfig.DeviceRequests[${i}]`, item.at);
    return {
      Driver: device.string('driver') ?? '',
      Count: requested,
      DeviceIDs: (device.list('device_ids') ?? []).map((d) => d.value),
      Capabilities: device.has('capabilities') ? [(device.list('capabilities') ?? []).map((c) => c.value)] : [],
      Options: options === undefined ? {} : Object.fromEntries([...options.map.entries].map(([k, e]) => [k, e.value.kind === 'scalar' ? e.value.value : null])),
    };
  });
}

/**
 * `healthcheck:` as Compose and docker-py send it: `disable` (whatever its value) is the test NONE, a test
 * given as text runs in the shell, durations in nanoseconds (a number is taken as nanoseconds already), every
 * field present; an empty mapping is sent empty.
 */
function healthcheck(r: LocatedReader): Record<string, unknown> | undefined {
  const check = r.mapping('healthcheck');
  if (check === undefined) return undefined;
  if (check.map.entries.size === 0) return {};
  const test = check.entry('test');
  let command: unknown = null;
  if (check.has('disable')) command = ['NONE'];
  else if (test?.value.kind === 'scalar' && typeof test.value.value === 'string') command = ['CMD-SHELL', test.value.value];
  else if (test !== undefined) command = (check.list('test') ?? []).map((t) => t.value);
  const duration = (key: string): number | null => {
    const entry = check.entry(key);
    if (entry === undefined) return null;
    const value = check.scalarOf(key, entry.value, ['string', 'number'], 'a string or number').value;
    return typeof value === 'number' ? value : (durationNanoseconds(String(value)) ?? null);
  };
  return { Test: command, Interval: duration('interval'), Timeout: duration('timeout'), Retries: check.number('retries') ?? null, StartPeriod: duration('start_period') };
}
