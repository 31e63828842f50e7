// The host as a dedicated Docker server (Docker's guidance: run only Docker there, keep admin tools and
// monitoring agents): programs running outside containers that are not management services (a
// configurable allow list), network services above all; container storage on a filesystem of its own;
// the audit system watching Docker's files.
import { spawnSync } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { isUnder } from '../../judge/reach/host-paths.js';
import { finding } from '../catalogue.js';
import { engineRemaps, type AuditContext } from '../context.js';
import { listPids, readInetSockets, readMounts, readProcess, socketInodes, type InetSocket, type ProcessInfo } from '../host/proc.js';
import { isLoopback } from './api-exposure.js';

/** Management services and Docker's own processes; `*` at the end matches a prefix. */
export const DEFAULT_ALLOWED_PROCESSES: readonly string[] = [
  // init, login and system plumbing
  'systemd',
  'systemd-*',
  '(sd-pam)',
  'init',
  'dbus-daemon',
  'dbus-broker*',
  'udevd',
  'polkitd',
  'agetty',
  'getty',
  'login',
  'irqbalance',
  'multipathd',
  'iscsid',
  'smartd',
  'acpid',
  'dhclient',
  'dhcpcd',
  'networkd-dispatcher',
  'mdadm',
  'lvmetad',
  'unattended-upgr*',
  // remote administration and interactive sessions
  'sshd',
  'sshd-session',
  'sudo',
  'su',
  'bash',
  'sh',
  'dash',
  'zsh',
  'tmux*',
  'screen',
  // scheduling, time, logging, auditing
  'cron',
  'crond',
  'anacron',
  'atd',
  'rsyslogd',
  'syslog-ng',
  'syslogd',
  'auditd',
  'audisp*',
  'chronyd',
  'ntpd',
  'ntpsec',
  'timesyncd',
  // Docker itself, and dockgate in front of it
  'dockerd',
  'containerd',
  'containerd-shim*',
  'docker-proxy',
  'runc',
  'docker-init',
  'rootlesskit',
  'slirp4netns',
  'vpnkit',
  'docker',
  'dockgate',
  // monitoring and security agents
  'nrpe',
  'collectd',
  'node_exporter',
  'zabbix_agentd',
  'zabbix_agent2',
  'telegraf',
  'datadog-agent',
  'falco',
  'osqueryd',
  'wazuh-*',
  'ossec-*',
  'filebeat',
  'metricbeat',
  'fluent-bit',
  'promtail',
  'cadvisor',
  'fail2ban-server',
  // cloud guest agents
  'amazon-ssm-agent',
  'ssm-agent-worker',
  'google_guest_agent',
  'google_osconfig_agent',
  'waagent',
  'qemu-ga',
  'cloud-init',
];

const INTERPRETERS = /^(node|nodejs|python[\d.]*|perl|ruby|java|php[\d.]*|bash|sh)$/;

/** The names a process answers to: its executable, its kernel name, argv[0], and for interpreters the script. */
export function processNames(p: ProcessInfo): string[] {
  const names = new Set<string>();
  if (p.exe !== undefined && !/(^|\/)memfd:/.test(p.exe)) names.add(basename(p.exe.replace(/ \(deleted\)$/, '')));
  if (p.comm !== '') names.add(p.comm);
  if (p.argv[0] !== undefined && p.argv[0] !== '') names.add(basename(p.argv[0]));
  const interpreter = [...names].some((n) => INTERPRETERS.test(n));
  const script = p.argv.slice(1).find((a) => a !== '' && !a.startsWith('-'));
  if (interpreter && script !== undefined) names.add(basename(script).replace(/\.(js|mjs|cjs|py|pl|rb|jar|php|sh)$/, ''));
  return [...names];
}

export function allowedBy(names: readonly string[], patterns: readonly string[]): boolean {
  return patterns.some((pattern) => names.some((name) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern)));
}

function displayName(p: ProcessInfo): string {
  const names = processNames(p);
  const exe = p.exe !== undefined && !/(^|\/)memfd:/.test(p.exe) ? basename(p.exe.replace(/ \(deleted\)$/, '')) : p.comm;
  const script = names.find((n) => n !== exe && n !== p.comm && !INTERPRETERS.test(n) && n !== basename(p.argv[0] ?? ''));
  return script !== undefined && INTERPRETERS.test(exe) ? `${exe} (${script})` : exe;
}

function checkProcesses(ctx: AuditContext): void {
  const { collector } = ctx;
  const processes = new Map<number, ProcessInfo>();
  for (const pid of listPids()) {
    const p = readProcess(pid);
    if (p !== undefined) processes.set(pid, p);
  }
  // The audit and the session that runs it are not the host's services.
  const own = new Set<number>();
  for (let pid: number | undefined = process.pid; pid !== undefined && pid > 0 && !own.has(pid); pid = processes.get(pid)?.ppid) own.add(pid);
  const inContainer = (p: ProcessInfo): boolean => {
    for (let q: ProcessInfo | undefined = processes.get(p.ppid), depth = 0; q !== undefined && depth < 64; q = processes.get(q.ppid), depth++) {
      if (q.comm.startsWith('containerd-shim')) return true;
    }
    return false;
  };
  const hostTable = readInetSockets(1) ?? readInetSockets('self') ?? [];
  const listeningByInode = new Map<number, InetSocket>();
  for (const s of hostTable) if (s.listening) listeningByInode.set(s.inode, s);
  const patterns = [...DEFAULT_ALLOWED_PROCESSES, ...ctx.options.allowProcesses];
  let unreadable = 0;
  const services = new Map<string, { pids: number[]; ports: Set<string> }>();
  const others = new Map<string, number[]>();
  for (const p of processes.values()) {
    if (p.kernelThread || own.has(p.pid) || (p.pid === 1 && p.comm === 'systemd')) continue;
    if (p.argv.length === 0) continue; // zombie or kernel thread
    if (inContainer(p)) continue;
    if (allowedBy(processNames(p), patterns)) continue;
    const inodes = socketInodes(p.pid);
    if (inodes === 'denied') unreadable++;
    const ports = inodes === 'denied' ? [] : [...inodes].map((i) => listeningByInode.get(i)).filter((s): s is InetSocket => s !== undefined);
    const name = displayName(p);
    const exposed = ports.filter((s) => !isLoopback(s.address));
    if (exposed.length > 0) {
      const entry = services.get(name) ?? { pids: [], ports: new Set<string>() };
      entry.pids.push(p.pid);
      for (const s of exposed) entry.ports.add(`${s.protocol} ${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}`);
      services.set(name, entry);
    } else {
      others.set(name, [...(others.get(name) ?? []), p.pid]);
    }
  }
  if (unreadable > 0) collector.skip('host.processes', `the sockets of ${unreadable} processes could not be read (run as root); they were judged as programs, not as services`);
  for (const [name, entry] of services) {
    collector.add(
      finding('host.uncontainerised-service', {
        subject: name,
        evidence: [`${name} (pid ${entry.pids.slice(0, 5).join(', ')}) runs outside containers and listens on ${[...entry.ports].join(', ')}`],
      }),
    );
  }
  if (others.size > 0) {
    const list = [...others.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, pids]) => `${name} (pid ${pids.slice(0, 3).join(', ')}${pids.length > 3 ? `, +${pids.length - 3}` : ''})`);
    collector.add(finding('host.uncontainerised-processes', { subject: `${others.size} programs`, evidence: [`outside containers and not on the allow list: ${list.join(', ')}`] }));
  }
}

function checkStorage(ctx: AuditContext): void {
  const root = ctx.info?.DockerRootDir;
  if (root === undefined) return;
  // With userns-remap the data root is a /<uid>.<gid> directory below the configured one.
  const dataRoot = engineRemaps(ctx) && /\/\d+\.\d+$/.test(root) ? dirname(root) : root;
  const mounts = readMounts(1) ?? readMounts('self');
  if (mounts === undefined) {
    ctx.collector.skip('host.storage', '/proc/1/mountinfo could not be read');
    return;
  }
  const holding = mounts.filter((m) => isUnder(dataRoot, m.mountPoint)).sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0];
  if (holding === undefined) return;
  if (holding.mountPoint === '/') {
    ctx.collector.add(
      finding('host.storage-not-separate', {
        subject: dataRoot,
        evidence: [`GET /info: DockerRootDir ${root}`, `/proc/1/mountinfo: ${dataRoot} lies on the root filesystem (${holding.fsType} from ${holding.source})`],
      }),
    );
  }
}

function checkAuditRules(ctx: AuditContext): void {
  const result = spawnSync('auditctl', ['-l'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error !== undefined) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing) ctx.collector.add(finding('host.not-audited', { evidence: ['auditctl is not installed: no audit rules watch the daemon, its configuration or its sockets'] }));
    else ctx.collector.skip('host.audit-rules', `auditctl -l failed (${result.error.message})`);
    return;
  }
  if (result.status !== 0) {
    ctx.collector.skip('host.audit-rules', `auditctl -l failed: ${result.stderr.trim() || `exit ${result.status}`}`);
    return;
  }
  const watched = new Set<string>();
  for (const line of result.stdout.split('\n')) {
    const words = line.trim().split(/\s+/);
    for (let i = 0; i < words.length - 1; i++) {
      if (words[i] === '-w') watched.add(words[i + 1]!);
      if (words[i]!.startsWith('path=') || words[i]!.startsWith('dir=')) watched.add(words[i]!.slice(words[i]!.indexOf('=') + 1));
    }
    for (const word of words) if (word.startsWith('path=') || word.startsWith('dir=')) watched.add(word.slice(word.indexOf('=') + 1));
  }
  const daemon = ctx.daemon;
  const wanted = [
    ...(daemon?.process.exe !== undefined ? [daemon.process.exe] : []),
    ...(ctx.info?.DockerRootDir !== undefined ? [ctx.info.DockerRootDir] : []),
    '/etc/docker',
    ...(daemon?.configFile.state === 'read' ? [daemon.configFile.path] : []),
    ...(daemon?.units?.service?.files.slice(0, 1) ?? []),
    ...(daemon?.units?.socket?.files.slice(0, 1) ?? []),
    ...(ctx.socketPath !== undefined ? [ctx.socketPath] : []),
  ];
  const missing = [...new Set(wanted)].filter((path) => ![...watched].some((w) => w === path || isUnder(path, w)));
  if (missing.length > 0) ctx.collector.add(finding('host.not-audited', { evidence: [`auditctl -l has no watch rule for: ${missing.join(', ')}`] }));
}

export function checkHost(ctx: AuditContext): void {
  checkProcesses(ctx);
  checkStorage(ctx);
  checkAuditRules(ctx);
}
