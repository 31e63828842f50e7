// Finds the dockerd process behind a socket and reads what it was told and what it really does: the
// process that holds the listening socket (by inode, in its own network namespace, so rootless
// daemons are found too), its command line, its daemon.json, its systemd units, and the TCP sockets it
// listens on, each probed for what it speaks.
import { readlinkSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DaemonFacts, DeclaredHost } from '../context.js';
import { probeListener } from '../probe-listener.js';
import type { AccountDb } from './accounts.js';
import { DaemonConfig, parseDockerdArgs, parseHostSpec, readDaemonJson } from './daemon-config.js';
import { listPids, readInetSockets, readProcess, readText, readUnixSockets, socketInodes, type ProcessInfo } from './proc.js';
import { loadUnit, parseListenStream } from './systemd-units.js';

export function isDockerd(process: ProcessInfo): boolean {
  return process.comm === 'dockerd' || (process.exe !== undefined && basename(process.exe) === 'dockerd');
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Processes holding the listening unix socket bound at `socketPath`, looked up in each process's network namespace. */
export function holdersOfSocket(socketPath: string, pids: readonly number[]): Array<{ process: ProcessInfo; inode: number }> {
  const wanted = new Set([socketPath, realPath(socketPath)]);
  const out: Array<{ process: ProcessInfo; inode: number }> = [];
  const tables = new Map<string, Set<number>>();
  for (const pid of pids) {
    // Processes in one network namespace share a table; read it once per namespace.
    let ns = '';
    try {
      ns = readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
      ns = '';
    }
    const key = ns || String(pid);
    let inodes = tables.get(key);
    if (inodes === undefined) {
      const table = readUnixSockets(pid) ?? [];
      inodes = new Set(table.filter((s) => s.listening && (wanted.has(s.path) || wanted.has(realPath(s.path)))).map((s) => s.inode));
      tables.set(key, inodes);
    }
    if (inodes.size === 0) continue;
    const held = socketInodes(pid);
    if (held === 'denied') continue;
    for (const inode of inodes) {
      if (held.has(inode)) {
        const process = readProcess(pid);
        if (process !== undefined) out.push({ process, inode });
      }
    }
  }
  return out;
}

export type DaemonLookup = { found: true; process: ProcessInfo; foundBy: string } | { found: false; reason: string };

/** The dockerd process serving `socketPath` (or the one given by pid). */
export function findDaemon(socketPath: string | undefined, pid: number | undefined): DaemonLookup {
  if (pid !== undefined) {
    const process = readProcess(pid);
    if (process === undefined) return { found: false, reason: `no process ${pid} (--daemon-pid)` };
    return { found: true, process, foundBy: `--daemon-pid ${pid}` };
  }
  if (socketPath === undefined) return { found: false, reason: 'the engine is not reached over a unix socket on this host' };
  const pids = listPids();
  const holders = holdersOfSocket(socketPath, pids);
  const daemon = holders.find((h) => isDockerd(h.process));
  if (daemon !== undefined) return { found: true, process: daemon.process, foundBy: `holds the listening socket ${socketPath} (socket inode ${daemon.inode})` };
  // Socket activation: systemd holds the socket too; dockerd got it as fd://.
  const named = pids
    .map((p) => readProcess(p))
    .filter((p): p is ProcessInfo => p !== undefined && isDockerd(p))
    .find((p) => {
      const hosts = parseDockerdArgs(p.argv.slice(1)).get('hosts');
      return Array.isArray(hosts) && hosts.some((h) => h === `unix://${socketPath}`);
    });
  if (named !== undefined) return { found: true, process: named, foundBy: `its command line names unix://${socketPath}` };
  const other = holders.find((h) => !isDockerd(h.process) && h.process.pid !== 1);
  if (other !== undefined) {
    return { found: false, reason: `${socketPath} is served by pid ${other.process.pid} (${other.process.argv.join(' ').slice(0, 120)}), not by dockerd` };
  }
  return { found: false, reason: `no dockerd process holds ${socketPath} (run as root to see other users' processes)` };
}

function environOf(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of (readText(`/proc/${pid}/environ`) ?? '').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

function isRootless(process: ProcessInfo): boolean {
  if (process.uid !== 0) return true;
  if (process.argv.includes('--rootless')) return true;
  const parent = readProcess(process.ppid);
  return parent !== undefined && (parent.comm === 'rootlesskit' || parent.comm === 'exe');
}

export interface GatherOptions {
  /** --config-file: the daemon.json to read instead of the one dockerd uses. */
  configFile?: string;
  accounts: AccountDb;
}

/** Everything about the daemon process: configuration as intended and listeners as they are. */
export async function gatherDaemonFacts(process: ProcessInfo, foundBy: string, options: GatherOptions): Promise<DaemonFacts> {
  const flags = parseDockerdArgs(process.argv.slice(1));
  const rootless = isRootless(process);
  const env = environOf(process.pid);
  const home = options.accounts.accounts.find((a) => a.uid === process.uid)?.home ?? env.get('HOME') ?? '/root';
  const flagConfig = flags.get('config-file');
  const configPath =
    options.configFile ??
    (typeof flagConfig === 'string' ? flagConfig : rootless ? join(env.get('XDG_CONFIG_HOME') ?? join(home, '.config'), 'docker', 'daemon.json') : '/etc/docker/daemon.json');
  let file = new Map<string, unknown>();
  let configFile: DaemonFacts['configFile'];
  const text = readText(configPath);
  if (text === undefined) {
    let state: 'absent' | 'unreadable' = 'absent';
    try {
      realpathSync(configPath);
      state = 'unreadable';
    } catch {
      state = 'absent';
    }
    configFile = { path: configPath, state };
  } else {
    try {
      file = readDaemonJson(text);
      configFile = { path: configPath, state: 'read' };
    } catch (err) {
      configFile = { path: configPath, state: 'invalid', detail: (err as Error).message };
    }
  }
  const config = new DaemonConfig(flags, file, configFile.state === 'read' ? configPath : undefined);
  const tls = config.tlsMode() !== 'none';

  const cgroup = readText(`/proc/${process.pid}/cgroup`) ?? '';
  const managed = /docker\.service/.test(cgroup);
  const declared: DeclaredHost[] = [];
  for (const raw of flags.has('hosts') ? config.list('hosts').value : []) declared.push({ spec: parseHostSpec(raw, tls), source: 'dockerd flag' });
  const fileHosts = file.get('hosts');
  if (Array.isArray(fileHosts)) for (const raw of fileHosts) if (typeof raw === 'string') declared.push({ spec: parseHostSpec(raw, tls), source: 'daemon.json' });
  let units: DaemonFacts['units'];
  const usesFd = declared.some((d) => d.spec.kind === 'fd');
  if (managed || usesFd) {
    const service = loadUnit('docker.service');
    const socket = loadUnit('docker.socket');
    units = { ...(service && { service }), ...(socket && { socket }), managed };
    if (usesFd && socket) {
      for (const value of socket.values.get('ListenStream') ?? []) {
        const listen = parseListenStream(value);
        if (listen?.kind === 'unix') declared.push({ spec: { kind: 'unix', raw: value, path: listen.path }, source: `docker.socket ListenStream= (${socket.files[0]})` });
        if (listen?.kind === 'tcp')
          declared.push({ spec: { kind: 'tcp', raw: value, address: listen.address, port: listen.port }, source: `docker.socket ListenStream= (${socket.files[0]})` });
      }
    }
  }
  if (declared.length === 0) {
    const path = rootless ? join(env.get('XDG_RUNTIME_DIR') ?? `/run/user/${process.uid}`, 'docker.sock') : '/var/run/docker.sock';
    declared.push({ spec: { kind: 'unix', raw: `unix://${path}`, path }, source: 'default' });
  }

  const held = socketInodes(process.pid);
  let tcpListeners: DaemonFacts['tcpListeners'];
  let unixListeners: string[] | undefined;
  if (held !== 'denied') {
    const inet = readInetSockets(process.pid) ?? [];
    const listening = inet.filter((s) => s.listening && s.protocol.startsWith('tcp') && held.has(s.inode));
    tcpListeners = await Promise.all(listening.map((s) => probeListener(s)));
    unixListeners = (readUnixSockets(process.pid) ?? []).filter((s) => s.listening && held.has(s.inode)).map((s) => s.path);
  }
  return {
    process,
    foundBy,
    rootless,
    config,
    configFile,
    declared,
    ...(tcpListeners !== undefined && { tcpListeners }),
    ...(unixListeners !== undefined && { unixListeners }),
    ...(units !== undefined && { units }),
  };
}
