// The flags of `docker run` and `docker create` (docker/cli cli/command/container/opts.go addFlags, run.go,
// create.go), and what each puts in the create body, as the CLI's parse() does. Three kinds of flag:
// - `apply`: the field(s) it sets in the body, located at the flag;
// - `client`: read by the CLI alone (detaching, pulling, signal proxying): the body does not change;
// - neither: a flag the CLI knows that dockgate check does not read yet: a line using it is an error, never
//   judged without it.
import { isAbsolute, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors/config-error.js';
import { formatJsonPath } from '../../inspect/json-path.js';
import { parseCpus, parseSize } from '../../policy/policy-units.js';
import type { SourceLocation } from '../checked-request.js';
import { endpointSettings, type CreateBody, type JsonObject } from './create-body.js';

export interface RunFlag {
  name: string;
  short?: string;
  kind: 'bool' | 'value';
  apply?: (body: CreateBody, value: string, at: SourceLocation) => void;
  /** Read by the CLI alone; nothing of it reaches the create body. */
  client?: true;
  /** Sets the endpoint of the network the container joins (applyEndpointOptions). */
  endpoint?: true;
  /** A flag of `docker run` only (detaching and attaching); `docker create` does not know it. */
  runOnly?: true;
}

function invalid(at: SourceLocation, flag: string, value: string, why: string): ConfigError {
  return new ConfigError(`${at.file}:${at.line}:${at.column}: invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${why}`);
}

function bool(field: string): RunFlag['apply'] {
  return (body, value, at) => body.set(field, value === 'true', at);
}

function text(field: string): RunFlag['apply'] {
  return (body, value, at) => body.set(field, value, at);
}

function list(field: string): RunFlag['apply'] {
  return (body, value, at) => body.push(field, value, at);
}

function bytes(field: string, flag: string): RunFlag['apply'] {
  return (body, value, at) => {
    if (value === '-1' && field === 'HostConfig.MemorySwap') return body.set(field, -1, at);
    const size = parseSize(value);
    if (size === undefined) throw invalid(at, flag, value, 'not a size such as 512m or 2g');
    body.set(field, size, at);
  };
}

function integer(field: string, flag: string): RunFlag['apply'] {
  return (body, value, at) => {
    if (!/^-?\d+$/.test(value)) throw invalid(at, flag, value, 'not a whole number');
    body.set(field, Number(value), at);
  };
}

/** `KEY=VALUE` (or `KEY` alone, an empty value) into a map field. */
function keyValue(field: string, flag: string, separator = '='): RunFlag['apply'] {
  return (body, value, at) => {
    const cut = value.indexOf(separator);
    if (cut === 0) throw invalid(at, flag, value, 'the key is empty');
    body.put(field, cut === -1 ? value : value.slice(0, cut), cut === -1 ? '' : value.slice(cut + separator.length), at);
  };
}

/** Linux capabilities as the CLI sends them: upper case, `CAP_` prefixed, `ALL` as it is. */
function capability(field: string): RunFlag['apply'] {
  return (body, value, at) => {
    const upper = value.trim().toUpperCase();
    body.push(field, upper === 'ALL' || upper === 'RESET' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`, at);
  };
}

/**
 * The capabilities the CLI sends once every --cap-add and --cap-drop is read (docker/cli opts
 * EffectiveCapAddCapDrop): each once, ALL standing for every other, one both added and dropped only added,
 * RESET left out, each list sorted. Each stays located at the first flag that named it.
 */
export function settleCapabilities(body: CreateBody): void {
  const firstOf = (field: string): Map<string, SourceLocation> => {
    const seen = new Map<string, SourceLocation>();
    for (const { value, at } of body.items(field)) if (typeof value === 'string' && !seen.has(value)) seen.set(value, at);
    return seen;
  };
  let add = firstOf('HostConfig.CapAdd');
  let drop = firstOf('HostConfig.CapDrop');
  if (add.has('ALL')) add = new Map([['ALL', add.get('ALL')!]]);
  if (drop.has('ALL')) drop = new Map([['ALL', drop.get('ALL')!]]);
  const sorted = (caps: Map<string, SourceLocation>, keep: (cap: string) => boolean): Array<{ value: string; at: SourceLocation }> =>
    [...caps]
      .filter(([cap]) => cap !== 'RESET' && keep(cap))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([value, at]) => ({ value, at }));
  body.replaceList(
    'HostConfig.CapDrop',
    sorted(drop, (cap) => !add.has(cap)),
  );
  body.replaceList(
    'HostConfig.CapAdd',
    sorted(add, () => true),
  );
}

/** `-v`: a spec with a source (bind or named volume) is a bind, a lone container path an anonymous volume; `./x` made absolute. */
function volume(body: CreateBody, value: string, at: SourceLocation): void {
  const parts = value.split(':');
  const anonymous = parts.length === 1 || (parts.length === 2 && /^(ro|rw|z|Z|[rs]?(shared|slave|private)|nocopy)(,|$)/.test(parts[1]!));
  if (anonymous) {
    body.put('Volumes', parts[0]!, {}, at);
    return;
  }
  const source = parts[0]!;
  const absolute = !isAbsolute(source) && source.startsWith('.') ? `${resolve(source)}:${parts.slice(1).join(':')}` : value;
  body.push('HostConfig.Binds', absolute, at);
}

/** `--device /dev/sda[:/dev/xvda][:rwm]`. */
function device(body: CreateBody, value: string, at: SourceLocation): void {
  const parts = value.split(':');
  if (parts.length > 3) throw invalid(at, 'device', value, 'invalid device specification');
  if (parts[0]!.includes('=')) throw invalid(at, 'device', value, 'CDI device names are not read by dockgate check yet');
  const mode = (m: string | undefined): boolean => m !== undefined && /^[rwm]{1,3}$/.test(m);
  const permissions = parts.length === 3 ? parts[2]! : mode(parts[1]) ? parts[1]! : 'rwm';
  const inContainer = parts.length >= 2 && !mode(parts[1]) ? parts[1]! : parts[0]!;
  body.push('HostConfig.Devices', { PathOnHost: parts[0]!, PathInContainer: inContainer, CgroupPermissions: permissions }, at);
}

const MOUNT_KEYS: Record<string, string> = { source: 'Source', src: 'Source', target: 'Target', destination: 'Target', dst: 'Target' };

/** `--mount type=bind,src=/x,dst=/y,readonly`: the keys that reach the host read, the others refused as unread. */
function mountFlag(body: CreateBody, value: string, at: SourceLocation): void {
  if (value.includes('"')) throw invalid(at, 'mount', value, 'quoted --mount fields are not read by dockgate check yet');
  const mount: JsonObject = {};
  for (const field of value.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq === -1 ? undefined : field.slice(eq + 1);
    if (key === 'type') mount['Type'] = val ?? '';
    else if (MOUNT_KEYS[key] !== undefined) mount[MOUNT_KEYS[key]] = val ?? '';
    else if (key === 'readonly' || key === 'ro') mount['ReadOnly'] = val === undefined || ['1', 'true'].includes(val.toLowerCase());
    else if (key === 'bind-propagation') mount['BindOptions'] = { Propagation: val ?? '' };
    else if (key === 'volume-nocopy') mount['VolumeOptions'] = { NoCopy: val === undefined || val === 'true' };
    else if (key === 'tmpfs-size') mount['TmpfsOptions'] = { ...((mount['TmpfsOptions'] as JsonObject | undefined) ?? {}), SizeBytes: parseSize(val) ?? 0 };
    else throw invalid(at, 'mount', value, `the key ${key} is not read by dockgate check yet`);
  }
  if (mount['Type'] === undefined) mount['Type'] = 'volume';
  body.push('HostConfig.Mounts', mount, at);
}

/** `-p [ip:][hostPort:]containerPort[/proto]`, single ports (ranges are not read yet). */
function publish(body: CreateBody, value: string, at: SourceLocation): void {
  const match = /^(?:(\[[^\]]+\]|[^:]*):)??(?:(\d*):)?(\d+)(?:\/(tcp|udp|sctp))?$/.exec(value);
  if (match === null) throw invalid(at, 'publish', value, 'only [ip:][hostPort:]containerPort[/proto] with single ports is read by dockgate check');
  const port = `${match[3]!}/${match[4] ?? 'tcp'}`;
  body.put('ExposedPorts', port, {}, at);
  const hostIp = (match[1] ?? '').replace(/^\[|\]$/g, '');
  const bindings = (body.get('HostConfig.PortBindings') as JsonObject)[port];
  const binding = { HostIp: hostIp, HostPort: match[2] ?? '' };
  body.put('HostConfig.PortBindings', port, [...(Array.isArray(bindings) ? bindings : []), binding], at);
}

/** `--expose 80[/proto]`: an exposed port (ranges are not read yet). */
function expose(body: CreateBody, value: string, at: SourceLocation): void {
  const match = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(value);
  if (match === null) throw invalid(at, 'expose', value, 'only a single port[/proto] is read by dockgate check');
  body.put('ExposedPorts', `${match[1]!}/${match[2] ?? 'tcp'}`, {}, at);
}

function restart(body: CreateBody, value: string, at: SourceLocation): void {
  const [name, count] = value.split(':');
  if (count !== undefined && !/^\d+$/.test(count)) throw invalid(at, 'restart', value, 'the maximum retry count is not a whole number');
  if (count !== undefined && name !== 'on-failure') throw invalid(at, 'restart', value, `a maximum retry count is only for on-failure`);
  body.set('HostConfig.RestartPolicy', { Name: name!, MaximumRetryCount: count === undefined ? 0 : Number(count) }, at);
}

/** `--security-opt`: a seccomp profile file is sent inline, as the CLI reads it; `systempaths=unconfined` unmasks /proc. */
function securityOpt(body: CreateBody, value: string, at: SourceLocation): void {
  if (value === 'systempaths=unconfined') {
    body.set('HostConfig.MaskedPaths', [], at);
    body.set('HostConfig.ReadonlyPaths', [], at);
    return;
  }
  const seccomp = /^seccomp[=:](.*)$/.exec(value);
  if (seccomp !== null && !['builtin', 'unconfined', ''].includes(seccomp[1]!)) {
    let profile: string;
    try {
      profile = JSON.stringify(JSON.parse(readFileSync(seccomp[1]!, 'utf8')));
    } catch (err) {
      throw invalid(at, 'security-opt', value, `opening seccomp profile (${seccomp[1]!}) failed: ${(err as Error).message}`);
    }
    body.push('HostConfig.SecurityOpt', `seccomp=${profile}`, at);
    return;
  }
  body.push('HostConfig.SecurityOpt', value, at);
}

function network(body: CreateBody, value: string, at: SourceLocation): void {
  body.set('HostConfig.NetworkMode', value, at);
  // The CLI names no endpoint for a network given by flag, unless an endpoint option asks for one (applyEndpointOptions).
  body.set('NetworkingConfig.EndpointsConfig', {}, at);
}

function logOpt(body: CreateBody, value: string, at: SourceLocation): void {
  const cut = value.indexOf('=');
  if (cut <= 0) throw invalid(at, 'log-opt', value, 'expected key=value');
  body.put('HostConfig.LogConfig.Config', value.slice(0, cut), value.slice(cut + 1), at);
}

function ulimit(body: CreateBody, value: string, at: SourceLocation): void {
  const match = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(value);
  if (match === null) throw invalid(at, 'ulimit', value, 'expected name=soft[:hard]');
  body.push('HostConfig.Ulimits', { Name: match[1]!, Soft: Number(match[2]), Hard: Number(match[3] ?? match[2]) }, at);
}

/** `-e KEY` takes KEY's value from the environment the CLI runs in, as the CLI does; unset, it is sent as `KEY`. */
function environment(body: CreateBody, value: string, at: SourceLocation): void {
  body.push('Env', value.includes('=') || process.env[value] === undefined ? value : `${value}=${process.env[value]}`, at);
}

/**
 * The lines of an --env-file or --label-file as docker/cli's kvfile reads them: leading blanks dropped, empty
 * lines and `#` comments skipped, `KEY=VALUE` as it is, a lone `KEY` taken from the environment when
 * `lookup` is given and the variable is set (else left out).
 */
function keyValueFile(flag: string, path: string, at: SourceLocation, lookup?: (key: string) => string | undefined): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw invalid(at, flag, path, (err as Error).message);
  }
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line : line.slice(0, eq);
    if (key === '') throw invalid(at, flag, path, `no variable name on line '${line}'`);
    if (/\s/.test(key)) throw invalid(at, flag, path, `variable '${key}' contains whitespaces`);
    if (eq !== -1) out.push(line);
    else if (lookup?.(key) !== undefined) out.push(`${key}=${lookup(key)!}`);
  }
  return out;
}

function envFile(body: CreateBody, value: string, at: SourceLocation): void {
  for (const line of keyValueFile('env-file', value, at, (key) => process.env[key])) body.push('Env', line, at);
}

function labelFile(body: CreateBody, value: string, at: SourceLocation): void {
  const label = keyValue('Labels', 'label-file')!;
  for (const line of keyValueFile('label-file', value, at)) label(body, line, at);
}

/** Flags that set the endpoint of the network --network names (aliases, addresses): read once the network is known, by run-requests.ts. */
export const ENDPOINT_FLAGS: ReadonlySet<string> = new Set(['network-alias', 'net-alias', 'ip', 'ip6', 'link-local-ip']);

/**
 * The endpoint options put on the network the container joins, as the CLI's parse() does (an endpoint of
 * that network sent only then): aliases only on a user-defined network (the CLI's own refusal otherwise),
 * each option located at its flag.
 */
export function applyEndpointOptions(body: CreateBody, uses: ReadonlyArray<{ flag: RunFlag; value: string; location: SourceLocation }>): void {
  const given = uses.filter((u) => ENDPOINT_FLAGS.has(u.flag.name));
  if (given.length === 0) return;
  const mode = body.get('HostConfig.NetworkMode') as string;
  const userDefined = !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
  const alias = given.find((u) => u.flag.name === 'network-alias' || u.flag.name === 'net-alias');
  if (alias !== undefined && !userDefined) throw invalid(alias.location, alias.flag.name, alias.value, 'network-scoped aliases are only supported for user-defined networks');
  const network = mode;
  const endpoints = body.get('NetworkingConfig.EndpointsConfig') as JsonObject;
  const endpoint = (endpoints[network] as JsonObject | undefined) ?? endpointSettings();
  endpoints[network] = endpoint;
  const ipam: JsonObject = {};
  const place = (path: Array<string | number>, at: SourceLocation): void => void body.places.set(formatJsonPath(['NetworkingConfig', 'EndpointsConfig', network, ...path]), at);
  for (const use of given) {
    const name = use.flag.name;
    if (name === 'network-alias' || name === 'net-alias') {
      const aliases = Array.isArray(endpoint['Aliases']) ? endpoint['Aliases'] : [];
      place(['Aliases', aliases.length], use.location);
      endpoint['Aliases'] = [...aliases, use.value];
    } else if (name === 'link-local-ip') {
      const ips = Array.isArray(ipam['LinkLocalIPs']) ? ipam['LinkLocalIPs'] : [];
      place(['IPAMConfig', 'LinkLocalIPs', ips.length], use.location);
      ipam['LinkLocalIPs'] = [...ips, use.value];
    } else {
      const key = name === 'ip' ? 'IPv4Address' : 'IPv6Address';
      place(['IPAMConfig', key], use.location);
      ipam[key] = use.value;
    }
  }
  if (Object.keys(ipam).length > 0)
    endpoint['IPAMConfig'] = {
      ...(ipam['IPv4Address'] !== undefined && { IPv4Address: ipam['IPv4Address'] }),
      ...(ipam['IPv6Address'] !== undefined && { IPv6Address: ipam['IPv6Address'] }),
      ...(ipam['LinkLocalIPs'] !== undefined && { LinkLocalIPs: ipam['LinkLocalIPs'] }),
    };
}

/** Flags whose files the CLI reads before the values given on the line (ReadKVEnvStrings, ReadKVStrings): applied first. */
export const READ_FIRST: ReadonlySet<string> = new Set(['env-file', 'label-file']);

function entrypoint(body: CreateBody, value: string, at: SourceLocation): void {
  body.set('Entrypoint', [value], at);
}

function addHost(body: CreateBody, value: string, at: SourceLocation): void {
  // The CLI accepts host=ip and sends host:ip.
  body.push('HostConfig.ExtraHosts', value.replace(/^([^:=]+)=/, '$1:'), at);
}

function cpus(body: CreateBody, value: string, at: SourceLocation): void {
  const nano = parseCpus(value);
  if (nano === undefined) throw invalid(at, 'cpus', value, 'not a number of CPUs');
  body.set('HostConfig.NanoCpus', nano, at);
}

function tmpfs(body: CreateBody, value: string, at: SourceLocation): void {
  const cut = value.indexOf(':');
  body.put('HostConfig.Tmpfs', cut === -1 ? value : value.slice(0, cut), cut === -1 ? '' : value.slice(cut + 1), at);
}

const GO_DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration (`30s`, `1m30s`, `1.5h`) in nanoseconds, as the health flags take it. */
function duration(field: string, flag: string): RunFlag['apply'] {
  return (body, value, at) => {
    if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value) && value !== '0') throw invalid(at, flag, value, 'not a duration such as 30s or 1m30s');
    let nanos = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) nanos += Number(amount) * GO_DURATION_UNITS[unit!]!;
    body.set(field, Math.round(nanos), at);
  };
}

function healthCommand(body: CreateBody, value: string, at: SourceLocation): void {
  body.set('Healthcheck.Test', ['CMD-SHELL', value], at);
}

function noHealthcheck(body: CreateBody, value: string, at: SourceLocation): void {
  if (value === 'true') body.set('Healthcheck.Test', ['NONE'], at);
}

const CLIENT = { client: true } as const;
/** Read once the network is known (applyEndpointOptions). */
const ENDPOINT = { endpoint: true } as const;

export const RUN_FLAGS: readonly RunFlag[] = [
  // run.go and create.go
  { name: 'detach', short: 'd', kind: 'bool', ...CLIENT, runOnly: true },
  { name: 'sig-proxy', kind: 'bool', ...CLIENT, runOnly: true },
  { name: 'name', kind: 'value', ...CLIENT },
  { name: 'detach-keys', kind: 'value', ...CLIENT, runOnly: true },
  { name: 'pull', kind: 'value', ...CLIENT },
  { name: 'quiet', short: 'q', kind: 'bool', ...CLIENT },
  { name: 'use-api-socket', kind: 'bool' },
  { name: 'help', kind: 'bool', ...CLIENT },
  // The platform goes in the query (`?platform=`), read by run-requests.ts.
  { name: 'platform', kind: 'value', ...CLIENT },
  { name: 'disable-content-trust', kind: 'bool', ...CLIENT },
  // opts.go addFlags: general
  // Which streams are attached, read by run-requests.ts with -i and -d.
  { name: 'attach', short: 'a', kind: 'value', ...CLIENT },
  { name: 'device-cgroup-rule', kind: 'value', apply: list('HostConfig.DeviceCgroupRules') },
  { name: 'device', kind: 'value', apply: device },
  { name: 'gpus', kind: 'value' },
  { name: 'env', short: 'e', kind: 'value', apply: environment },
  { name: 'env-file', kind: 'value', apply: envFile },
  { name: 'entrypoint', kind: 'value', apply: entrypoint },
  { name: 'group-add', kind: 'value', apply: list('HostConfig.GroupAdd') },
  { name: 'hostname', short: 'h', kind: 'value', apply: text('Hostname') },
  { name: 'domainname', kind: 'value', apply: text('Domainname') },
  { name: 'interactive', short: 'i', kind: 'bool' },
  { name: 'label', short: 'l', kind: 'value', apply: keyValue('Labels', 'label') },
  { name: 'label-file', kind: 'value', apply: labelFile },
  { name: 'read-only', kind: 'bool', apply: bool('HostConfig.ReadonlyRootfs') },
  { name: 'restart', kind: 'value', apply: restart },
  { name: 'stop-signal', kind: 'value', apply: text('StopSignal') },
  { name: 'stop-timeout', kind: 'value', apply: integer('StopTimeout', 'stop-timeout') },
  { name: 'sysctl', kind: 'value', apply: keyValue('HostConfig.Sysctls', 'sysctl') },
  { name: 'tty', short: 't', kind: 'bool', apply: bool('Tty') },
  { name: 'ulimit', kind: 'value', apply: ulimit },
  { name: 'user', short: 'u', kind: 'value', apply: text('User') },
  { name: 'workdir', short: 'w', kind: 'value', apply: text('WorkingDir') },
  { name: 'rm', kind: 'bool', apply: bool('HostConfig.AutoRemove') },
  // security
  { name: 'cap-add', kind: 'value', apply: capability('HostConfig.CapAdd') },
  { name: 'cap-drop', kind: 'value', apply: capability('HostConfig.CapDrop') },
  { name: 'privileged', kind: 'bool', apply: bool('HostConfig.Privileged') },
  { name: 'security-opt', kind: 'value', apply: securityOpt },
  { name: 'userns', kind: 'value', apply: text('HostConfig.UsernsMode') },
  { name: 'cgroupns', kind: 'value', apply: text('HostConfig.CgroupnsMode') },
  // network and ports
  { name: 'add-host', kind: 'value', apply: addHost },
  { name: 'dns', kind: 'value', apply: list('HostConfig.Dns') },
  { name: 'dns-opt', kind: 'value', apply: list('HostConfig.DnsOptions') },
  { name: 'dns-option', kind: 'value', apply: list('HostConfig.DnsOptions') },
  { name: 'dns-search', kind: 'value', apply: list('HostConfig.DnsSearch') },
  { name: 'expose', kind: 'value', apply: expose },
  { name: 'ip', kind: 'value', ...ENDPOINT },
  { name: 'ip6', kind: 'value', ...ENDPOINT },
  { name: 'link', kind: 'value', apply: list('HostConfig.Links') },
  { name: 'link-local-ip', kind: 'value', ...ENDPOINT },
  { name: 'mac-address', kind: 'value' },
  { name: 'publish', short: 'p', kind: 'value', apply: publish },
  { name: 'publish-all', short: 'P', kind: 'bool', apply: bool('HostConfig.PublishAllPorts') },
  { name: 'net', kind: 'value', apply: network },
  { name: 'network', kind: 'value', apply: network },
  { name: 'net-alias', kind: 'value', ...ENDPOINT },
  { name: 'network-alias', kind: 'value', ...ENDPOINT },
  // logging and storage
  { name: 'log-driver', kind: 'value', apply: text('HostConfig.LogConfig.Type') },
  { name: 'volume-driver', kind: 'value', apply: text('HostConfig.VolumeDriver') },
  { name: 'log-opt', kind: 'value', apply: logOpt },
  { name: 'storage-opt', kind: 'value', apply: keyValue('HostConfig.StorageOpt', 'storage-opt') },
  { name: 'tmpfs', kind: 'value', apply: tmpfs },
  { name: 'volumes-from', kind: 'value', apply: list('HostConfig.VolumesFrom') },
  { name: 'volume', short: 'v', kind: 'value', apply: volume },
  { name: 'mount', kind: 'value', apply: mountFlag },
  // health checks
  { name: 'health-cmd', kind: 'value', apply: healthCommand },
  { name: 'health-interval', kind: 'value', apply: duration('Healthcheck.Interval', 'health-interval') },
  { name: 'health-retries', kind: 'value', apply: integer('Healthcheck.Retries', 'health-retries') },
  { name: 'health-timeout', kind: 'value', apply: duration('Healthcheck.Timeout', 'health-timeout') },
  { name: 'health-start-period', kind: 'value', apply: duration('Healthcheck.StartPeriod', 'health-start-period') },
  { name: 'health-start-interval', kind: 'value', apply: duration('Healthcheck.StartInterval', 'health-start-interval') },
  { name: 'no-healthcheck', kind: 'bool', apply: noHealthcheck },
  // resources
  { name: 'blkio-weight', kind: 'value', apply: integer('HostConfig.BlkioWeight', 'blkio-weight') },
  { name: 'blkio-weight-device', kind: 'value' },
  { name: 'cidfile', kind: 'value', apply: text('HostConfig.ContainerIDFile') },
  { name: 'cpuset-cpus', kind: 'value', apply: text('HostConfig.CpusetCpus') },
  { name: 'cpuset-mems', kind: 'value', apply: text('HostConfig.CpusetMems') },
  { name: 'cpu-count', kind: 'value', apply: integer('HostConfig.CpuCount', 'cpu-count') },
  { name: 'cpu-percent', kind: 'value', apply: integer('HostConfig.CpuPercent', 'cpu-percent') },
  { name: 'cpu-period', kind: 'value', apply: integer('HostConfig.CpuPeriod', 'cpu-period') },
  { name: 'cpu-quota', kind: 'value', apply: integer('HostConfig.CpuQuota', 'cpu-quota') },
  { name: 'cpu-rt-period', kind: 'value', apply: integer('HostConfig.CpuRealtimePeriod', 'cpu-rt-period') },
  { name: 'cpu-rt-runtime', kind: 'value', apply: integer('HostConfig.CpuRealtimeRuntime', 'cpu-rt-runtime') },
  { name: 'cpu-shares', short: 'c', kind: 'value', apply: integer('HostConfig.CpuShares', 'cpu-shares') },
  { name: 'cpus', kind: 'value', apply: cpus },
  { name: 'device-read-bps', kind: 'value' },
  { name: 'device-read-iops', kind: 'value' },
  { name: 'device-write-bps', kind: 'value' },
  { name: 'device-write-iops', kind: 'value' },
  { name: 'io-maxbandwidth', kind: 'value' },
  { name: 'io-maxiops', kind: 'value' },
  { name: 'memory', short: 'm', kind: 'value', apply: bytes('HostConfig.Memory', 'memory') },
  { name: 'memory-reservation', kind: 'value', apply: bytes('HostConfig.MemoryReservation', 'memory-reservation') },
  { name: 'memory-swap', kind: 'value', apply: bytes('HostConfig.MemorySwap', 'memory-swap') },
  { name: 'memory-swappiness', kind: 'value', apply: integer('HostConfig.MemorySwappiness', 'memory-swappiness') },
  { name: 'oom-kill-disable', kind: 'bool', apply: bool('HostConfig.OomKillDisable') },
  { name: 'oom-score-adj', kind: 'value', apply: integer('HostConfig.OomScoreAdj', 'oom-score-adj') },
  { name: 'pids-limit', kind: 'value', apply: integer('HostConfig.PidsLimit', 'pids-limit') },
  // low-level
  { name: 'cgroup-parent', kind: 'value', apply: text('HostConfig.CgroupParent') },
  { name: 'ipc', kind: 'value', apply: text('HostConfig.IpcMode') },
  { name: 'isolation', kind: 'value', apply: text('HostConfig.Isolation') },
  { name: 'pid', kind: 'value', apply: text('HostConfig.PidMode') },
  { name: 'shm-size', kind: 'value', apply: bytes('HostConfig.ShmSize', 'shm-size') },
  { name: 'uts', kind: 'value', apply: text('HostConfig.UTSMode') },
  { name: 'runtime', kind: 'value', apply: text('HostConfig.Runtime') },
  { name: 'init', kind: 'bool', apply: bool('HostConfig.Init') },
  { name: 'annotation', kind: 'value', apply: keyValue('HostConfig.Annotations', 'annotation') },
  { name: 'kernel-memory', kind: 'value', ...CLIENT },
];
