// What one request asked of the host, in the words of a policy file's `constraints:` (bind sources and
// whether they are written, capabilities added, host namespaces, sysctls, limits, ports, image, drivers),
// read from the body as the gateway judged it (src/inspect's reading, not the raw bytes) whatever the rule
// that judged it: the audit profile judges no reach, yet `dockgate policy learn` needs to know what a
// workload would need under a policy that does. Facts only, never secrets: no environment, command,
// labels or registry credentials; a bind source is a host path, which is what a policy grants.
//
// Computed only for the operations whose body or query carries reach (NEEDS_OPERATIONS), synchronously,
// from values already read: a request without such a body costs one set look-up.
import type { Operation } from '../route/operations.js';
import type { QueryView } from '../route/query.js';
import { parseBindSpec } from '../judge/reach/bind-spec.js';
import { normaliseCapability } from '../judge/reach/capabilities.js';
import { isRecord } from '../judge/reach/reach-context.js';
import { ALLOWED_SELINUX_TYPES } from '../judge/reach/security-options.js';
import { parseGoBool } from '../judge/reach/go-strings.js';

/** One host path a container mounts. */
export interface BindNeed {
  /** The host path as the client wrote it (the judge resolves it on the host; `policy learn` writes it as a bind root). */
  source: string;
  readOnly: boolean;
}

/** One host address and port a container publishes on. */
export interface PortNeed {
  /** As sent; empty means every interface. */
  hostIp: string;
  /** A port, a range `8000-8010`, or empty (the engine picks one). */
  hostPort: string;
}

/** Each field is present only when the request asked for it (absent: the engine's default, which every policy allows). */
export interface RequestNeeds {
  binds?: readonly BindNeed[];
  privileged?: true;
  /** Capabilities added, upper case without `CAP_`. */
  capAdd?: readonly string[];
  devices?: true;
  /** Host namespaces joined: pid, ipc, uts, user, cgroup, network. */
  hostNamespaces?: readonly string[];
  /** seccomp or AppArmor `unconfined`, SELinux labels off, writable cgroups, unmasked /proc paths, an insecure build. */
  unconfined?: true;
  /** AppArmor profiles named other than the engine's default. */
  apparmorProfiles?: readonly string[];
  /** Sysctl names set. */
  sysctls?: readonly string[];
  runtime?: string;
  cgroupParent?: true;
  /** Volume drivers other than `local`. */
  volumeDrivers?: readonly string[];
  /** Limits asked: bytes, pids, nano-CPUs. */
  memory?: number;
  pids?: number;
  cpus?: number;
  ports?: readonly PortNeed[];
  publishAll?: true;
  /** The image a container is created from, or a pull names, as written. */
  image?: string;
  logDriver?: string;
  /** The driver of a network created (`bridge` when none is named). */
  networkDriver?: string;
  /** The engine fetches a URL (a build's `remote`, an import's `fromSrc`). */
  remoteFetch?: true;
  /** A build through BuildKit (`version=2` or a session). */
  buildkit?: true;
}

/** The operations whose request carries facts of reach. */
const NEEDS_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'container.create',
  'container.update',
  'container.exec.create',
  'volume.create',
  'network.create',
  'image.build',
  'image.create',
]);

/** Whether needsOf can say anything about the operation (the caller computes nothing otherwise). */
export function carriesNeeds(operation: Operation): boolean {
  return NEEDS_OPERATIONS.has(operation);
}

/** What the request asks of the host; undefined when it asks nothing beyond the engine's defaults. */
export function needsOf(operation: Operation, body: unknown, query: QueryView): RequestNeeds | undefined {
  const needs = new NeedsBuilder();
  switch (operation) {
    case 'container.create':
      if (isRecord(body)) createNeeds(needs, body);
      break;
    case 'container.update':
      if (isRecord(body)) limitNeeds(needs, body);
      break;
    case 'container.exec.create':
      if (isRecord(body) && body['Privileged'] === true) needs.set('privileged', true);
      break;
    case 'volume.create':
      if (isRecord(body)) volumeNeeds(needs, text(body['Driver']), strings(body['DriverOpts']));
      break;
    case 'network.create':
      needs.set('networkDriver', (isRecord(body) ? text(body['Driver']) : '') || 'bridge');
      break;
    case 'image.build':
      buildNeeds(needs, query);
      break;
    case 'image.create': {
      const source = query.get('fromSrc') ?? '';
      if (source !== '' && source !== '-') needs.set('remoteFetch', true);
      // The reference a pull names, as the judge reads it (side-doors.ts judgeImageCreate).
      const image = query.get('fromImage') ?? '';
      const tag = query.get('tag') ?? '';
      if (image !== '') needs.set('image', tag === '' ? image : tag.includes(':') ? `${image}@${tag}` : `${image}:${tag}`);
      break;
    }
    default:
      return undefined;
  }
  return needs.result();
}

/** Collects facts, lists kept in first-seen order without repeats. */
class NeedsBuilder {
  private readonly needs: { -readonly [K in keyof RequestNeeds]: RequestNeeds[K] } = {};
  private any = false;

  set<K extends keyof RequestNeeds>(key: K, value: RequestNeeds[K]): void {
    this.needs[key] = value;
    this.any = true;
  }

  add(key: 'capAdd' | 'hostNamespaces' | 'apparmorProfiles' | 'sysctls' | 'volumeDrivers', value: string): void {
    const list = (this.needs[key] ?? []) as string[];
    if (!list.includes(value)) list.push(value);
    this.set(key, list);
  }

  bind(source: string, readOnly: boolean): void {
    const list = (this.needs.binds ?? []) as BindNeed[];
    if (!list.some((b) => b.source === source && b.readOnly === readOnly)) list.push({ source, readOnly });
    this.set('binds', list);
  }

  result(): RequestNeeds | undefined {
    return this.any ? this.needs : undefined;
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const stringList = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === 'string');

function strings(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** The namespace each mode field shares with the host when it says `host`. */
const NAMESPACE_FIELDS: ReadonlyArray<[field: string, namespace: string]> = [
  ['PidMode', 'pid'],
  ['IpcMode', 'ipc'],
  ['UTSMode', 'uts'],
  ['UsernsMode', 'user'],
  ['CgroupnsMode', 'cgroup'],
  ['NetworkMode', 'network'],
];

function createNeeds(needs: NeedsBuilder, body: Record<string, unknown>): void {
  const host = isRecord(body['HostConfig']) ? body['HostConfig'] : {};
  const image = text(body['Image']);
  if (image !== '') needs.set('image', image);
  const volumeDriver = text(host['VolumeDriver']);
  if (volumeDriver !== '' && volumeDriver !== 'local') needs.add('volumeDrivers', volumeDriver);
  for (const raw of stringList(host['Binds'])) {
    const spec = parseBindSpec(raw);
    if (typeof spec !== 'string' && spec.kind === 'bind') needs.bind(spec.source, spec.readOnly);
  }
  for (const mount of list(host['Mounts'])) {
    if (!isRecord(mount)) continue;
    if (mount['Type'] === 'bind') needs.bind(text(mount['Source']), mount['ReadOnly'] === true);
    const options = isRecord(mount['VolumeOptions']) ? mount['VolumeOptions'] : {};
    const driver = isRecord(options['DriverConfig']) ? options['DriverConfig'] : undefined;
    if (mount['Type'] === 'volume' && driver !== undefined) volumeNeeds(needs, text(driver['Name']), strings(driver['Options']));
  }
  if (host['Privileged'] === true) needs.set('privileged', true);
  for (const cap of stringList(host['CapAdd'])) needs.add('capAdd', normaliseCapability(cap));
  if (list(host['Devices']).length > 0 || list(host['DeviceCgroupRules']).length > 0 || list(host['DeviceRequests']).length > 0) needs.set('devices', true);
  for (const [field, namespace] of NAMESPACE_FIELDS) if (host[field] === 'host') needs.add('hostNamespaces', namespace);
  if (isRecord(body['NetworkingConfig']) && isRecord(body['NetworkingConfig']['EndpointsConfig']) && 'host' in body['NetworkingConfig']['EndpointsConfig']) {
    needs.add('hostNamespaces', 'network');
  }
  securityNeeds(needs, stringList(host['SecurityOpt']));
  if ((Array.isArray(host['MaskedPaths']) || Array.isArray(host['ReadonlyPaths'])) && (list(host['MaskedPaths']).length === 0 || list(host['ReadonlyPaths']).length === 0)) {
    needs.set('unconfined', true);
  }
  for (const name of Object.keys(strings(host['Sysctls']))) needs.add('sysctls', name.replace(/\//g, '.'));
  const runtime = text(host['Runtime']);
  if (runtime !== '') needs.set('runtime', runtime);
  if (text(host['CgroupParent']) !== '') needs.set('cgroupParent', true);
  limitNeeds(needs, host);
  const bindings = isRecord(host['PortBindings']) ? host['PortBindings'] : {};
  const ports: PortNeed[] = [];
  for (const entries of Object.values(bindings)) {
    for (const binding of list(entries)) {
      if (!isRecord(binding)) continue;
      const port = { hostIp: text(binding['HostIp']), hostPort: text(binding['HostPort']) };
      if (!ports.some((p) => p.hostIp === port.hostIp && p.hostPort === port.hostPort)) ports.push(port);
    }
  }
  if (ports.length > 0) needs.set('ports', ports);
  if (host['PublishAllPorts'] === true) needs.set('publishAll', true);
  const logDriver = isRecord(host['LogConfig']) ? text(host['LogConfig']['Type']) : '';
  if (logDriver !== '') needs.set('logDriver', logDriver);
}

/**
 * seccomp/AppArmor/SELinux options as dockerd splits them (at the first `=`, else the first `:`), read as
 * security-options.ts judges them: what it refuses unless a rule grants `unconfined` is recorded as that, an
 * AppArmor profile by name. An inline seccomp profile is not read here (judging it costs a parse of the
 * profile): one that allows more than Docker's default is refused under a learned rule.
 */
function securityNeeds(needs: NeedsBuilder, options: readonly string[]): void {
  for (const option of options) {
    if (option === 'disable' || option === 'writable-cgroups') {
      needs.set('unconfined', true);
      continue;
    }
    const at = option.includes('=') ? option.indexOf('=') : option.indexOf(':');
    if (at === -1) continue;
    const key = option.slice(0, at);
    const value = option.slice(at + 1);
    const unconfined =
      (key === 'label' && (value.startsWith('type:') ? !ALLOWED_SELINUX_TYPES.includes(value.slice(5)) : !value.startsWith('level:'))) ||
      ((key === 'seccomp' || key === 'apparmor') && value === 'unconfined') ||
      (key === 'writable-cgroups' && parseGoBool(value) === true) ||
      key === 'systempaths';
    if (unconfined) needs.set('unconfined', true);
    else if (key === 'apparmor' && value !== '' && value !== 'docker-default') needs.add('apparmorProfiles', value);
  }
}

/** Memory, pids and CPU limits (a create's HostConfig or an update's body), 0 and absent alike meaning none. */
function limitNeeds(needs: NeedsBuilder, fields: Record<string, unknown>): void {
  const positive = (value: unknown): number | undefined => (typeof value === 'number' && value > 0 ? value : undefined);
  const memory = positive(fields['Memory']);
  if (memory !== undefined) needs.set('memory', memory);
  const pids = positive(fields['PidsLimit']);
  if (pids !== undefined) needs.set('pids', pids);
  const quota = positive(fields['CpuQuota']);
  const cpus = positive(fields['NanoCpus']) ?? (quota === undefined ? undefined : Math.ceil((quota / (positive(fields['CpuPeriod']) ?? 100_000)) * 1e9));
  if (cpus !== undefined) needs.set('cpus', cpus);
}

/** A volume's driver, and the host path a local volume binds (`o=bind` with a `device`). */
function volumeNeeds(needs: NeedsBuilder, driver: string, options: Readonly<Record<string, string>>): void {
  if (driver !== '' && driver !== 'local') {
    needs.add('volumeDrivers', driver);
    return;
  }
  const flags = (options['o'] ?? '').split(',');
  const device = options['device'] ?? '';
  if (device.startsWith('/') && (flags.includes('bind') || flags.includes('rbind'))) needs.bind(device, flags.lastIndexOf('ro') > flags.lastIndexOf('rw'));
}

function buildNeeds(needs: NeedsBuilder, query: QueryView): void {
  if ((query.get('remote') ?? '') !== '') needs.set('remoteFetch', true);
  if (query.get('networkmode') === 'host') needs.add('hostNamespaces', 'network');
  if (query.get('version') === '2' || (query.get('session') ?? '') !== '') needs.set('buildkit', true);
  if (query.all('securityopt').some((o) => o === 'insecure' || o === 'security.insecure')) needs.set('unconfined', true);
  if ((query.get('cgroupparent') ?? '') !== '') needs.set('cgroupParent', true);
}

/**
 * The needs as JSON, field by field in this fixed order (like the rest of the record, audit-record.ts):
 * only these fields ever reach the log, whatever a caller attached.
 */
export function needsJson(needs: RequestNeeds): string {
  const fields: string[] = [];
  const put = (key: string, value: unknown): void => {
    if (value !== undefined) fields.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  };
  const names = (values: readonly string[] | undefined): string[] | undefined => values?.map(String);
  const flag = (value: true | undefined): true | undefined => (value === true ? true : undefined);
  const word = (value: string | undefined): string | undefined => (value === undefined ? undefined : String(value));
  const count = (value: number | undefined): number | undefined => (value === undefined || !Number.isFinite(value) ? undefined : Number(value));
  put(
    'binds',
    needs.binds?.map((b) => ({ source: String(b.source), readOnly: b.readOnly === true })),
  );
  put('privileged', flag(needs.privileged));
  put('capAdd', names(needs.capAdd));
  put('devices', flag(needs.devices));
  put('hostNamespaces', names(needs.hostNamespaces));
  put('unconfined', flag(needs.unconfined));
  put('apparmorProfiles', names(needs.apparmorProfiles));
  put('sysctls', names(needs.sysctls));
  put('runtime', word(needs.runtime));
  put('cgroupParent', flag(needs.cgroupParent));
  put('volumeDrivers', names(needs.volumeDrivers));
  put('memory', count(needs.memory));
  put('pids', count(needs.pids));
  put('cpus', count(needs.cpus));
  put(
    'ports',
    needs.ports?.map((p) => ({ hostIp: String(p.hostIp), hostPort: String(p.hostPort) })),
  );
  put('publishAll', flag(needs.publishAll));
  put('image', word(needs.image));
  put('logDriver', word(needs.logDriver));
  put('networkDriver', word(needs.networkDriver));
  put('remoteFetch', flag(needs.remoteFetch));
  put('buildkit', flag(needs.buildkit));
  return `{${fields.join(',')}}`;
}
