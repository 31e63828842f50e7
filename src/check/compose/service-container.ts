// The container create `docker-compose up` (Compose 1.29, through the Docker SDK for Python) sends for a
// service's first container: each service key mapped to the body field Compose maps it to, with the
// conversions it makes (sizes to bytes, `cpus` to NanoCpus, `restart` to a policy, devices, ports and
// tmpfs to the engine's shapes), the fields it always sends (Binds, Links, PortBindings, VolumesFrom,
// LogConfig, NetworkMode, Env, Volumes), and where each field was written. Keys Compose reads but never
// sends (build, depends_on, healthcheck timing, deploy's swarm-only parts, profiles, scale) set nothing.
import { readFileSync } from 'node:fs';
import type { CheckedRequest } from '../checked-request.js';
import { parseBytes } from './byte-sizes.js';
import { ComposeFileError } from './compose-file-error.js';
import { containerName, networkEngineName, type ComposeProject, type ProjectService } from './compose-project.js';
import { parseDotEnv } from './dot-env.js';
import { FieldLocations } from './field-locations.js';
import type { LocatedNode, ScalarValue } from './located-yaml.js';
import { LocatedReader, pythonText, splitEnvironment, splitKeyValue, type Located } from './located-values.js';
import { servicePorts } from './service-ports.js';
import { expandPath, serviceVolumes } from './service-volumes.js';
import { splitCommand } from './shell-split.js';

/** The version Compose 1.29 stamps into its labels. */
export const COMPOSE_VERSION = '1.29.2';

const NAMESPACE_KEYS = [
  ['pid', 'PidMode'],
  ['ipc', 'IpcMode'],
] as const;

/** `service:NAME` → the container Compose joins (its first one's name here; the id once it exists). */
function joinedMode(project: ComposeProject, value: string): string {
  if (value.startsWith('service:')) return `container:${serviceContainerName(project, value.slice('service:'.length))}`;
  return value;
}

/** The name of a service's first container: its container_name, else `<project>_<service>_1`. */
export function serviceContainerName(project: ComposeProject, service: string): string {
  const config = project.services.find((s) => s.name === service)?.config;
  const custom = config?.entries.get('container_name')?.value;
  return custom?.kind === 'scalar' && typeof custom.value === 'string' && custom.value !== '' ? custom.value : containerName(project, service);
}

function recordList(where: FieldLocations, field: string, key: LocatedNode['at'], items: readonly { node: LocatedNode }[]): void {
  where.set(field, key);
  items.forEach((item, i) => where.set(`${field}[${i}]`, item.node.at));
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

/** The create request of a service's first container. */
export function containerCreateRequest(project: ComposeProject, service: ProjectService, apiVersion: string): CheckedRequest {
  const where = new FieldLocations(service.key);
  const r = new LocatedReader(`services.${service.name}`, service.config);
  const at = (key: string): LocatedNode['at'] => r.entry(key)!.key;
  const set = (field: string, key: string): void => {
    const entry = r.entry(key);
    if (entry !== undefined) where.set(field, entry.key);
  };
  const body: Record<string, unknown> = {};
  const host: Record<string, unknown> = {};

  const image = r.string('image');
  if (image === undefined && !r.has('build'))
    throw new ComposeFileError(service.key, `Service ${service.name} has neither an image nor a build context specified. At least one must be provided.`);
  const hostname = r.string('hostname');
  if (hostname !== undefined) {
    body['Hostname'] = hostname;
    set('Hostname', 'hostname');
  }
  const domainname = r.string('domainname');
  if (domainname !== undefined) {
    body['Domainname'] = domainname;
    set('Domainname', 'domainname');
  }

  const ports = servicePorts(r, where);
  if (ports.exposed !== undefined) body['ExposedPorts'] = ports.exposed;
  const user = r.text('user');
  if (user !== undefined) {
    body['User'] = user;
    set('User', 'user');
  }
  body['Tty'] = r.boolean('tty') ?? false;
  set('Tty', 'tty');
  body['OpenStdin'] = r.boolean('stdin_open') ?? false;
  set('OpenStdin', 'stdin_open');
  body['StdinOnce'] = false;
  body['AttachStdin'] = false;
  body['AttachStdout'] = false;
  body['AttachStderr'] = false;

  // Environment: env_file entries, then `environment:` over them; a name without a value takes the project's variable, else goes alone.
  const environment = envFileVariables(project, r);
  for (const [name, value] of r.dictOrList('environment', splitEnvironment) ?? []) {
    if (/\s/u.test(name)) throw new ComposeFileError(value.node.at, `environment variable name '${name}' may not contain whitespace.`);
    environment.set(name, value);
  }
  const env: string[] = [];
  for (const [name, { value, node }] of environment) {
    const resolved = value ?? project.variables[name] ?? null;
    env.push(resolved === null ? name : `${name}=${pythonText(resolved)}`);
    where.set(`Env[${env.length - 1}]`, node.at);
  }
  // docker-py sends no Env at all for an empty one.
  if (env.length > 0) body['Env'] = env;
  set('Env', 'environment');

  for (const [key, field] of [
    ['command', 'Cmd'],
    ['entrypoint', 'Entrypoint'],
  ] as const) {
    const entry = r.entry(key);
    if (entry === undefined) continue;
    if (entry.value.kind === 'scalar') body[field] = splitCommand(String(r.scalarOf(key, entry.value, ['string'], 'a string or an array').value), entry.value.at);
    else body[field] = (r.list(key, ['string', 'number'], 'a string or an array') ?? []).map((item) => item.value);
    where.set(field, entry.key);
  }
  body['Image'] = image ?? `${project.name.replace(/^[-_]+/u, '')}_${service.name}`;
  set('Image', 'image');

  const volumes = serviceVolumes(project, service.name, r, where, apiVersion);
  body['Volumes'] = volumes.volumes;
  body['NetworkDisabled'] = false;
  for (const [key, field] of [
    ['working_dir', 'WorkingDir'],
    ['mac_address', 'MacAddress'],
    ['stop_signal', 'StopSignal'],
  ] as const) {
    const value = r.string(key);
    if (value !== undefined) {
      body[field] = value;
      set(field, key);
    }
  }

  // Labels: the service's, then Compose's own.
  const labels: Record<string, string> = {};
  for (const [name, { value, node }] of r.dictOrList('labels', splitKeyValue) ?? []) {
    labels[name] = value === null ? '' : pythonText(value);
    where.set(`Labels.${name}`, node.at);
  }
  set('Labels', 'labels');
  Object.assign(labels, {
    'com.docker.compose.project': project.name,
    'com.docker.compose.service': service.name,
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.container-number': '1',
    'com.docker.compose.version': COMPOSE_VERSION,
  });
  body['Labels'] = labels;

  // HostConfig, in the order docker-py's HostConfig sets its fields.
  const limits = r.mapping('deploy')?.mapping('resources')?.mapping('limits');
  const memLimit = limits !== undefined ? limits.size('memory') : r.size('mem_limit');
  const memoryKey = limits !== undefined ? limits.entry('memory') : r.entry('mem_limit');
  const bytes = (value: string | number, key: string, node: LocatedNode['at']): number => {
    const parsed = parseBytes(value);
    if (parsed === undefined) throw new ComposeFileError(node, `${r.where}.${key}: the value ${JSON.stringify(value)} is not a size (digits with an optional unit b, k, m or g)`);
    return parsed;
  };
  if (memLimit !== undefined && memoryKey !== undefined) {
    host['Memory'] = bytes(memLimit, 'mem_limit', memoryKey.key);
    where.set('HostConfig.Memory', memoryKey.key);
  }
  const memswap = r.size('memswap_limit');
  if (memswap !== undefined) {
    host['MemorySwap'] = bytes(memswap, 'memswap_limit', at('memswap_limit'));
    set('HostConfig.MemorySwap', 'memswap_limit');
  }
  const reservation = r.mapping('deploy')?.mapping('resources')?.mapping('reservations');
  const memReservation = reservation !== undefined ? reservation.size('memory') : r.size('mem_reservation');
  if (memReservation) {
    const key = (reservation !== undefined ? reservation.entry('memory') : r.entry('mem_reservation'))!.key;
    host['MemoryReservation'] = bytes(memReservation, 'mem_reservation', key);
    where.set('HostConfig.MemoryReservation', key);
  }
  const swappiness = r.number('mem_swappiness');
  if (swappiness !== undefined) {
    host['MemorySwappiness'] = swappiness;
    set('HostConfig.MemorySwappiness', 'mem_swappiness');
  }
  const shm = r.size('shm_size');
  if (shm !== undefined) {
    host['ShmSize'] = bytes(shm, 'shm_size', at('shm_size'));
    set('HostConfig.ShmSize', 'shm_size');
  }
  for (const [key, field] of NAMESPACE_KEYS) {
    const value = r.string(key);
    if (value) {
      host[field] = joinedMode(project, value);
      set(`HostConfig.${field}`, key);
    }
  }
  if (r.boolean('privileged') === true) {
    host['Privileged'] = true;
    set('HostConfig.Privileged', 'privileged');
  }
  if (r.boolean('oom_kill_disable') === true) {
    host['OomKillDisable'] = true;
    set('HostConfig.OomKillDisable', 'oom_kill_disable');
  }
  const oomScore = r.number('oom_score_adj');
  if (oomScore) {
    host['OomScoreAdj'] = oomScore;
    set('HostConfig.OomScoreAdj', 'oom_score_adj');
  }
  const readOnly = r.boolean('read_only');
  if (readOnly !== undefined) {
    host['ReadonlyRootfs'] = readOnly;
    set('HostConfig.ReadonlyRootfs', 'read_only');
  }
  const dnsSearch = r.stringOrList('dns_search');
  if (dnsSearch !== undefined && dnsSearch.length > 0) {
    host['DnsSearch'] = dnsSearch.map((d) => d.value);
    recordList(where, 'HostConfig.DnsSearch', at('dns_search'), dnsSearch);
  }

  const network = networkMode(project, service, r, where);
  host['NetworkMode'] = network.mode;
  const restart = restartPolicy(r, where);
  if (restart !== undefined) host['RestartPolicy'] = restart;
  for (const [key, field] of [
    ['cap_add', 'CapAdd'],
    ['cap_drop', 'CapDrop'],
  ] as const) {
    const list = r.list(key);
    if (list !== undefined && list.length > 0) {
      host[field] = list.map((c) => c.value);
      recordList(where, `HostConfig.${field}`, at(key), list);
    }
  }
  const devices = r.list('devices');
  if (devices !== undefined && devices.length > 0) {
    host['Devices'] = devices.map(({ value }) => {
      const [onHost = '', inContainer, permissions] = String(value).split(':');
      return { PathOnHost: onHost, PathInContainer: inContainer ?? onHost, CgroupPermissions: permissions ?? 'rwm' };
    });
    recordList(where, 'HostConfig.Devices', at('devices'), devices);
  }
  const groupAdd = r.list('group_add', ['string', 'number'], 'an array of strings or numbers');
  if (groupAdd !== undefined && groupAdd.length > 0) {
    host['GroupAdd'] = groupAdd.map((g) => pythonText(g.value));
    recordList(where, 'HostConfig.GroupAdd', at('group_add'), groupAdd);
  }
  const dns = r.stringOrList('dns');
  if (dns !== undefined) {
    host['Dns'] = dns.map((d) => d.value);
    recordList(where, 'HostConfig.Dns', at('dns'), dns);
  }
  const dnsOpt = r.list('dns_opt');
  if (dnsOpt !== undefined) {
    host['DnsOptions'] = dnsOpt.map((d) => d.value);
    recordList(where, 'HostConfig.DnsOptions', at('dns_opt'), dnsOpt);
  }
  const securityOpt = r.list('security_opt');
  if (securityOpt !== undefined && securityOpt.length > 0) {
    host['SecurityOpt'] = securityOpt.map((o) => securityOption(project, String(o.value), o.node));
    recordList(where, 'HostConfig.SecurityOpt', at('security_opt'), securityOpt);
  }
  const sysctls = r.dictOrList('sysctls', splitKeyValue);
  if (sysctls !== undefined && sysctls.size > 0) {
    host['Sysctls'] = Object.fromEntries([...sysctls].map(([name, { value }]) => [name, pythonText(value ?? '')]));
    where.set('HostConfig.Sysctls', at('sysctls'));
    for (const [name, { node }] of sysctls) where.set(`HostConfig.Sysctls.${name}`, node.at);
  }
  host['VolumesFrom'] = (r.list('volumes_from') ?? []).map((v) => volumesFrom(project, String(v.value)));
  recordList(where, 'HostConfig.VolumesFrom', r.entry('volumes_from')?.key ?? service.key, r.list('volumes_from') ?? []);
  host['Binds'] = volumes.binds;
  host['PortBindings'] = ports.bindings;
  const extraHosts = r.dictOrList('extra_hosts', (item) => {
    const colon = item.indexOf(':');
    return [item.slice(0, colon < 0 ? item.length : colon).trim(), colon < 0 ? '' : item.slice(colon + 1).trim()];
  });
  if (extraHosts !== undefined) {
    host['ExtraHosts'] = [...extraHosts].map(([name, { value }]) => `${name}:${pythonText(value ?? '')}`);
    recordList(where, 'HostConfig.ExtraHosts', at('extra_hosts'), [...extraHosts.values()]);
  }
  host['Links'] = links(project, r, where);
  const cgroupParent = r.string('cgroup_parent');
  if (cgroupParent !== undefined) {
    host['CgroupParent'] = cgroupParent;
    set('HostConfig.CgroupParent', 'cgroup_parent');
  }
  const ulimits = r.mapping('ulimits');
  if (ulimits !== undefined) {
    host['Ulimits'] = [...ulimits.map.entries].map(([name, entry]) => {
      if (entry.value.kind === 'map') {
        const limit = new LocatedReader(`${ulimits.where}.${name}`, entry.value);
        return { Name: name, Soft: limit.number('soft'), Hard: limit.number('hard') };
      }
      const value = ulimits.scalarOf(name, entry.value, ['number'], 'a number or an object').value;
      return { Name: name, Soft: value, Hard: value };
    });
    set('HostConfig.Ulimits', 'ulimits');
  }
  host['LogConfig'] = logConfig(r, where);
  for (const [key, field] of [
    ['cpu_quota', 'CpuQuota'],
    ['cpu_period', 'CpuPeriod'],
    ['cpu_shares', 'CpuShares'],
    ['cpu_count', 'CpuCount'],
    ['cpu_percent', 'CpuPercent'],
    ['pids_limit', 'PidsLimit'],
  ] as const) {
    const value = r.number(key);
    if (value) {
      host[field] = value;
      set(`HostConfig.${field}`, key);
    }
  }
  const cpuset = r.string('cpuset');
  if (cpuset) {
    host['CpusetCpus'] = cpuset;
    set('HostConfig.CpusetCpus', 'cpuset');
  }
  const tmpfs = tmpfsMounts(r, where);
  if (tmpfs !== undefined) host['Tmpfs'] = tmpfs;
  const userns = r.string('userns_mode');
  if (userns) {
    host['UsernsMode'] = userns;
    set('HostConfig.UsernsMode', 'userns_mode');
  }
  const isolation = r.string('isolation');
  if (isolation) {
    host['Isolation'] = isolation;
    set('HostConfig.Isolation', 'isolation');
  }
  const storageOpt = r.mapping('storage_opt');
  if (storageOpt !== undefined) {
    host['StorageOpt'] = Object.fromEntries([...storageOpt.map.entries].map(([k, e]) => [k, e.value.kind === 'scalar' ? e.value.value : null]));
    set('HostConfig.StorageOpt', 'storage_opt');
  }
  const init = r.entry('init');
  if (init !== undefined) {
    const value = r.scalarOf('init', init.value, ['boolean', 'string'], 'a boolean or a string').value;
    host['Init'] = typeof value === 'string' ? true : value;
    if (typeof value === 'string') host['InitPath'] = value;
    where.set('HostConfig.Init', init.key);
    where.set('HostConfig.InitPath', init.key);
  }
  const volumeDriver = r.string('volume_driver');
  if (volumeDriver !== undefined) {
    host['VolumeDriver'] = volumeDriver;
    set('HostConfig.VolumeDriver', 'volume_driver');
  }
  const cpus = limits?.entry('cpus') ?? r.entry('cpus');
  if (cpus !== undefined) {
    const value = (limits?.entry('cpus') !== undefined ? limits : r).scalarOf('cpus', cpus.value, ['number'], 'a number').value as number;
    const nano = Math.trunc(value * 1e9);
    if (nano) {
      host['NanoCpus'] = nano;
      where.set('HostConfig.NanoCpus', cpus.key);
    }
  }
  const runtime = r.string('runtime');
  if (runtime) {
    host['Runtime'] = runtime;
    set('HostConfig.Runtime', 'runtime');
  }
  if (volumes.mounts.length > 0) host['Mounts'] = volumes.mounts;
  const cgroupRules = r.list('device_cgroup_rules');
  if (cgroupRules !== undefined) {
    host['DeviceCgroupRules'] = cgroupRules.map((c) => c.value);
    recordList(where, 'HostConfig.DeviceCgroupRules', at('device_cgroup_rules'), cgroupRules);
  }
  body['HostConfig'] = host;
  if (network.endpoints !== undefined) body['NetworkingConfig'] = network.endpoints;

  const name = serviceContainerName(project, service.name);
  set('?name', 'container_name');
  return {
    subject: `service ${service.name}`,
    method: 'POST',
    path: `/v${apiVersion}/containers/create?name=${encodeURIComponent(name)}`,
    body,
    location: service.key,
    locate: (field) => where.locate(field),
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
    if (!project.networks.has(n.name) && n.name !== 'default') throw new ComposeFileError(n.at, `Service "${service.name}" uses an undefined network "${n.name}"`);
  }
  const named = networks.map((n) => ({ ...n, engine: networkEngineName(project, n.name) }));
  const prioritised = named.some((n) => n.priority)
    ? [...named].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))
    : [...named].sort((a, b) => (a.engine < b.engine ? -1 : a.engine > b.engine ? 1 : 0));
  const primary = prioritised[0]!;
  const ipam: Record<string, string> = {};
  if (primary.ipv4) ipam['IPv4Address'] = primary.ipv4;
  if (primary.ipv6) ipam['IPv6Address'] = primary.ipv6;
  where.set('HostConfig.NetworkMode', primary.at);
  where.set(`NetworkingConfig.EndpointsConfig.${primary.engine}`, primary.at);
  return { mode: primary.engine, endpoints: { EndpointsConfig: { [primary.engine]: { Aliases: [service.name, ...primary.aliases], IPAMConfig: ipam } } } };
}

interface ServiceNetwork {
  name: string;
  at: LocatedNode['at'];
  aliases: string[];
  priority?: number;
  ipv4?: string;
  ipv6?: string;
}

/** The networks a service joins: `networks:` as a list or a mapping, else the project's default network. */
export function serviceNetworks(r: LocatedReader): ServiceNetwork[] {
  if (r.has('network_mode') || r.has('net')) return [];
  const entry = r.entry('networks');
  if (entry === undefined) return [{ name: 'default', at: r.map.at, aliases: [] }];
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
