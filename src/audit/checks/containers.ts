// Every container, running or stopped (a stopped privileged container is one `docker start` away), as
// container-sweep.ts streams them from the engine, judged from its inspect document with the gateway's
// own reach judges under the baseline profile: privileges, capabilities, devices, confinement, masked
// paths, sysctls, cgroup parent, host namespaces and joined containers. Mounts are classified here: the
// host root, the engine socket or a directory above it, sensitive directories (read-only is still
// flagged), other sockets and other binds. Then limits, no-new-privileges and ports published on every
// interface, IPv4 and IPv6.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { BASELINE_CONSTRAINTS } from '../../judge/profiles/baseline-profile.js';
import { hostConfigCapabilities, judgeCapAdd, normaliseCapability } from '../../judge/reach/capabilities.js';
import { cleanPath } from '../../inspect/go-path.js';
import { hostAccessOf } from '../../judge/reach/host-access.js';
import { ENGINE_SOCKETS, exposedProtectedPath, isUnder, protectedPaths, resolveHostPath } from '../../judge/reach/host-paths.js';
import { judgeNamespaceModes } from '../../judge/reach/namespaces.js';
import { judgeCgroupParent, judgeDevices, judgeLegacyCapabilities, judgeOom, judgePrivileged, judgeSysctls, judgeSystemPaths } from '../../judge/reach/privileges.js';
import { ReachContext, readStrings, type ReachEngine } from '../../judge/reach/reach-context.js';
import { judgeSecurityOpt, readNoNewPrivileges } from '../../judge/reach/security-options.js';
import { finding } from '../catalogue.js';
import { ContainerSkips } from '../container-skips.js';
import { sweepContainers } from '../container-sweep.js';
import type { AuditContext } from '../context.js';
import type { EngineApi } from '../engine-api.js';
import { containerName, fetchDocument, type FetchedDocument, readContainer, readVolume, type ContainerInspect, type PortBinding } from '../engine-documents.js';
import type { Severity } from '../finding.js';
import type { AnswerProblems } from '../read-answer.js';

/** Capabilities that are host root on their own (or nearly). */
const DANGEROUS_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'DAC_READ_SEARCH',
  'SYS_RAWIO',
  'BPF',
  'PERFMON',
  'NET_ADMIN',
  'SYS_BOOT',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
  'SYS_TIME',
  'SYSLOG',
  'DAC_OVERRIDE_ALL',
]);

/** Host directories whose exposure hands out the host (credentials, binaries run as root, kernel interfaces, engine state). */
export const SENSITIVE_DIRECTORIES: readonly string[] = [
  '/etc',
  '/root',
  '/home',
  '/boot',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib64',
  '/lib32',
  '/opt',
  '/proc',
  '/sys',
  '/dev',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/run',
  '/run',
  '/var/log',
  '/var/spool/cron',
  '/srv',
];

function stateWords(c: ContainerInspect): string {
  const status = c.State.Status ?? 'unknown';
  return status === 'running' ? 'running' : `${status}: one docker start away`;
}

/**
 * The engine lookups the reach judges ask while judging container `judged` (the containers it joins, the
 * volumes they mount), answered by the audited engine's API and read as defensively as the container
 * itself: fields of the wrong type are counted against `judged` in `skips`.
 */
function engineLookup(api: EngineApi, judged: string, skips: ContainerSkips): ReachEngine {
  const ask = async <T>(path: string, read: (json: unknown, problems: AnswerProblems) => T): Promise<T | undefined> => {
    let document: FetchedDocument<T> | null;
    try {
      document = await fetchDocument(api, path, read);
    } catch (err) {
      throw new Error(`GET ${path} failed: ${(err as Error).message}`);
    }
    if (document === null) return undefined;
    if (document.problems.count > 0) skips.add(`GET ${path} (a container it refers to): ${document.problems.describe()}: read as absent`, judged);
    return document.value;
  };
  const enc = encodeURIComponent;
  // The container checks ask for containers and volumes only; what they do not ask is not answered.
  const notAsked = (what: string) => (): Promise<undefined> => Promise.reject(new Error(`the container checks do not look up ${what}`));
  return {
    container: (ref) => ask(`/containers/${enc(ref)}/json`, (json, problems) => readContainer(json, '', problems)),
    volume: (name) => ask(`/volumes/${enc(name)}`, (json, problems) => readVolume(json, name, problems)),
    image: notAsked('images'),
    exec: notAsked('execs'),
  };
}

/** The rule a reach-judge violation on a HostConfig field (its top-level name) belongs to. */
const RULE_FOR_FIELD: Readonly<Record<string, string>> = {
  Privileged: 'container.privileged',
  CapAdd: 'container.capabilities',
  Capabilities: 'container.capabilities',
  Devices: 'container.devices',
  DeviceCgroupRules: 'container.devices',
  DeviceRequests: 'container.devices',
  SecurityOpt: 'container.unconfined',
  MaskedPaths: 'container.masked-paths',
  ReadonlyPaths: 'container.masked-paths',
  Sysctls: 'container.sysctls',
  CgroupParent: 'container.cgroup-parent',
  OomScoreAdj: 'container.runtime-escape',
  OomKillDisable: 'container.runtime-escape',
  PidMode: 'container.host-pid',
  IpcMode: 'container.host-ipc',
  UTSMode: 'container.host-uts',
  UsernsMode: 'container.host-userns',
  NetworkMode: 'container.host-network',
};

/** The namespace modes, which may name a namespace by its path (`ns:/proc/...`) instead of `host`. */
const NAMESPACE_MODES = new Set(['PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'NetworkMode', 'Cgroup']);

/** Which rule a reach-judge violation on this top-level HostConfig field, holding value, belongs to. */
function ruleForField(name: string, value: unknown): string | undefined {
  if (NAMESPACE_MODES.has(name) && typeof value === 'string' && value.startsWith('ns:')) return 'container.namespace-path';
  return Object.hasOwn(RULE_FOR_FIELD, name) ? RULE_FOR_FIELD[name] : undefined;
}

interface MountClass {
  id: string;
  severity: Severity;
  why: string;
}

/** Classifies one host path a container mounts. `local`: the path is resolved on this host (symlinks, /var/run → /run). */
async function classifyHostPath(source: string, readOnly: boolean, protectedList: readonly string[], dataRoot: string | undefined, local: boolean): Promise<MountClass> {
  let resolved = cleanPath(source);
  if (local) {
    try {
      resolved = (await resolveHostPath(source, true)).resolved;
    } catch {
      // judged as written
    }
  }
  const mode = readOnly ? 'read-only' : 'read-write';
  const onHost = resolved !== source ? ` (${resolved} on the host)` : '';
  const exposed = exposedProtectedPath(resolved, protectedList);
  const socketNote = readOnly ? '; read-only does not stop connecting to a socket' : '';
  if (resolved === '/') {
    // Read-only is still the host's every secret, and a socket below it still accepts connections.
    const live = local && exposed !== undefined ? protectedList.find((p) => isUnder(p, resolved) && existsAsSocket(p)) : undefined;
    return {
      id: 'container.host-root-mount',
      severity: !readOnly || live !== undefined ? 'critical' : 'high',
      why: `${mode} bind of the host root ${source}: every file on the host is ${readOnly ? 'readable' : 'writable'} (/etc/shadow, keys, other containers)${live !== undefined ? `, and the engine socket ${live} is reachable below it${socketNote}` : ''}`,
    };
  }
  if (exposed !== undefined) {
    return { id: 'container.engine-socket-mount', severity: 'critical', why: `${mode} bind of ${source}${onHost} exposes the engine socket ${exposed}${socketNote}` };
  }
  if (basename(resolved).endsWith('.sock')) return { id: 'container.socket-mount', severity: 'high', why: `${mode} bind of the socket ${source}` };
  const sensitive = [...SENSITIVE_DIRECTORIES, ...(dataRoot !== undefined ? [dataRoot] : [])].find((dir) => isUnder(resolved, dir) || isUnder(dir, resolved));
  if (sensitive !== undefined) {
    const which = isUnder(resolved, sensitive) ? `inside ${sensitive}` : `above ${sensitive}`;
    return { id: 'container.sensitive-mount', severity: readOnly ? 'medium' : 'high', why: `${mode} bind of ${source}${resolved !== source ? ` (${resolved} on the host)` : ''}, ${which}` };
  }
  return { id: 'container.host-bind', severity: 'low', why: `${mode} bind of ${source}` };
}

function existsAsSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function isAllInterfaces(ip: string | undefined): boolean {
  return ip === undefined || ip === '' || ip === '0.0.0.0' || ip === '::' || ip === '[::]';
}

async function judgeContainer(ctx: AuditContext, c: ContainerInspect, engine: ReachEngine, protectedList: readonly string[], daemonNoNewPrivileges: boolean | undefined): Promise<void> {
  const { collector } = ctx;
  const name = containerName(c);
  const state = stateWords(c);
  const hostConfig = c.HostConfig;
  const subject = name;
  const base = `container ${name} (${c.Id.slice(0, 12)}, ${state})`;
  const add = (id: string, evidence: string[], severity?: Severity): void => {
    collector.add(finding(id, { subject, evidence: [base, ...evidence], ...(severity !== undefined && { severity }) }));
  };

  // The gateway's judges, under the baseline profile, on the inspect document.
  const reach = new ReachContext(BASELINE_CONSTRAINTS, undefined, engine);
  judgePrivileged(reach, hostConfig['Privileged'], 'Privileged', 'is privileged');
  judgeCapAdd(reach, readStrings(reach, hostConfig['CapAdd'], 'CapAdd'), 'CapAdd');
  judgeLegacyCapabilities(reach, hostConfig['Capabilities'], 'Capabilities');
  judgeDevices(reach, hostConfig, '');
  const securityOpt = readStrings(reach, hostConfig['SecurityOpt'], 'SecurityOpt');
  judgeSecurityOpt(reach, securityOpt, 'SecurityOpt', hostConfigCapabilities(hostConfig));
  judgeSystemPaths(reach, hostConfig, '');
  judgeSysctls(reach, hostConfig['Sysctls'], 'Sysctls');
  judgeCgroupParent(reach, hostConfig['CgroupParent'], 'CgroupParent');
  judgeOom(reach, hostConfig, '');
  const joined = judgeNamespaceModes(reach, hostConfig, '', new Set(['CgroupnsMode']));
  const grouped = new Map<string, { severity?: Severity; evidence: string[] }>();
  for (const violation of reach.findings.violations) {
    const top = violation.field.split(/[[.]/)[0]!;
    const rule = ruleForField(top, hostConfig[top]);
    if (rule === undefined) continue;
    if (rule === 'container.unconfined' && hostConfig['Privileged'] === true) continue; // privileged says it all
    let entry = grouped.get(rule);
    if (entry === undefined) grouped.set(rule, (entry = { evidence: [] }));
    entry.evidence.push(`HostConfig.${violation.field}: ${violation.why}`);
  }
  if (c.AppArmorProfile === 'unconfined' && hostConfig['Privileged'] !== true) {
    const entry = grouped.get('container.unconfined') ?? { evidence: [] };
    entry.evidence.push('AppArmorProfile: unconfined');
    grouped.set('container.unconfined', entry);
  }
  // Capabilities: dangerous ones are high, the others beyond the baseline medium.
  const caps = grouped.get('container.capabilities');
  if (caps !== undefined) {
    const added = readStrings(reach, hostConfig['CapAdd'], 'CapAdd').map(normaliseCapability);
    caps.severity = added.some((cap) => DANGEROUS_CAPABILITIES.has(cap)) || hostConfig['Capabilities'] !== undefined ? 'high' : 'medium';
  }
  for (const [id, entry] of grouped) add(id, entry.evidence, entry.severity);

  for (const join of joined) {
    const target = await reach.engine.container(join.ref);
    if (target === undefined) continue;
    const sub = new ReachContext(BASELINE_CONSTRAINTS, undefined, reach.engine);
    const reasons = await hostAccessOf(sub, target);
    if (reasons.length > 0) add('container.joins-host-access', [`HostConfig.${join.field}: joins ${join.ref}, which has host access: ${reasons.join('; ')}`]);
  }

  // Mounts, from the inspect document's resolved list (Binds and Mounts alike).
  const dataRoot = ctx.info?.DockerRootDir;
  const mountClasses = new Map<string, { severity: Severity; evidence: string[] }>();
  for (const mount of c.Mounts) {
    const { Type: type = '', Source: source = '', Destination: destination = '', Propagation: propagation = '' } = mount;
    if (propagation === 'shared' || propagation === 'rshared') add('container.mount-propagation', [`Mounts: ${source || destination} → ${destination} with ${propagation} propagation`]);
    if (type !== 'bind' || !source.startsWith('/')) continue;
    const readOnly = mount.RW === false;
    const cls = await classifyHostPath(source, readOnly, protectedList, dataRoot, ctx.scope === 'local');
    const entry = mountClasses.get(cls.id);
    const line = `Mounts: ${cls.why} at ${destination}`;
    if (entry === undefined) mountClasses.set(cls.id, { severity: cls.severity, evidence: [line] });
    else {
      entry.evidence.push(line);
      if (rank(cls.severity) > rank(entry.severity)) entry.severity = cls.severity;
    }
  }
  for (const [id, entry] of mountClasses) add(id, entry.evidence, entry.severity);

  // Limits and no-new-privileges.
  const memory = hostConfig['Memory'];
  if (typeof memory !== 'number' || memory <= 0) add('container.no-memory-limit', [`HostConfig.Memory ${JSON.stringify(memory ?? null)}`]);
  const pids = hostConfig['PidsLimit'];
  if (typeof pids !== 'number' || pids <= 0) add('container.no-pids-limit', [`HostConfig.PidsLimit ${JSON.stringify(pids ?? null)}`]);
  const nnp = readNoNewPrivileges(securityOpt);
  if (nnp === false || (nnp === undefined && daemonNoNewPrivileges === false)) {
    add('container.no-new-privileges', [
      nnp === false ? 'HostConfig.SecurityOpt sets no-new-privileges=false' : 'HostConfig.SecurityOpt has no no-new-privileges and the daemon does not set it by default',
    ]);
  }

  // Published ports: what runs (NetworkSettings.Ports) and what a start would publish (PortBindings).
  const published: string[] = [];
  const ports = c.State.Running === true ? (c.NetworkSettings.Ports ?? {}) : {};
  for (const [port, bindings] of Object.entries(ports)) {
    for (const b of bindings) if (isAllInterfaces(b.HostIp)) published.push(`NetworkSettings.Ports ${port}: ${b.HostIp || '(all)'}:${b.HostPort ?? ''}`);
  }
  // Read by the HostConfig schema (engine-documents.ts): a port map.
  const bindingsConfig = (hostConfig['PortBindings'] ?? {}) as Record<string, PortBinding[]>;
  for (const [port, bindings] of Object.entries(bindingsConfig)) {
    for (const b of bindings) {
      if (isAllInterfaces(b.HostIp)) published.push(`HostConfig.PortBindings ${port}: ${b.HostIp ? b.HostIp : '"" (every IPv4 and IPv6 address)'}:${b.HostPort ?? ''}`);
    }
  }
  if (hostConfig['PublishAllPorts'] === true) published.push('HostConfig.PublishAllPorts true (-P): every exposed port on every interface');
  if (published.length > 0) add('container.port-all-interfaces', [...new Set(published)]);
}

function rank(severity: Severity): number {
  return ['info', 'low', 'medium', 'high', 'critical'].indexOf(severity);
}

export async function checkContainers(ctx: AuditContext): Promise<void> {
  const api = ctx.api;
  if (api === undefined) return; // the engine could not be reached, which is reported already
  const extra: string[] = [];
  if (ctx.socketPath !== undefined) extra.push(ctx.socketPath);
  for (const declared of ctx.daemon?.declared ?? []) if (declared.spec.kind === 'unix' && declared.spec.path !== undefined) extra.push(declared.spec.path);
  const protectedList = ctx.scope === 'local' ? await protectedPaths(extra) : [...new Set([...ENGINE_SOCKETS, ...extra])];
  const daemonNnp = ctx.info?.SecurityOptions?.includes('name=no-new-privileges') ? true : ctx.daemon?.config.boolean('no-new-privileges', false).value;
  const skips = new ContainerSkips();
  await sweepContainers(api, ctx.options.maxContainers, ctx.collector, skips, (container) =>
    judgeContainer(ctx, container, engineLookup(api, containerName(container), skips), protectedList, daemonNnp),
  );
  skips.report(ctx.collector, 'containers');
}
