// A private Docker engine in a configuration of the test's choosing, for `dockgate audit`: extra dockerd
// flags (a loopback TCP listener, TLS without client verification, userns-remap), a daemon.json of its
// own (passed with --config-file), the socket's mode and its directory's mode (0755 makes a world-writable
// socket truly reachable by every user). Like startEngine(): own directories, own cgroup parent, and
// nothing left behind.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { importBusyboxImage } from './busybox-image.js';
import { onProcessExit } from './cleanup-on-exit.js';
import type { Endpoint } from './endpoint.js';
import { killContainerProcesses, removeEngineLeftovers, type EngineFootprint } from './engine-leftovers.js';
import { pingStatus } from './raw-http.js';

export interface AuditEngineOptions {
  /** Further dockerd flags, verbatim. */
  args?: readonly string[];
  /** Written to the engine's directory and given to dockerd with --config-file. */
  daemonJson?: Record<string, unknown>;
  /** chmod of the socket once the engine answers (dockerd makes it 0660). */
  socketMode?: number;
  /** chmod of the engine's directory (mkdtemp makes it 0700). */
  dirMode?: number;
  /** API hosts besides the engine's socket, declared in daemon.json's "hosts" (the socket moves there too, as dockerd refuses hosts given both ways). */
  hostsInConfig?: readonly string[];
  /** Import busybox:test (needed to create containers). */
  image?: boolean;
}

export interface AuditEngine {
  dir: string;
  socketPath: string;
  endpoint: Endpoint;
  pid: number;
  /** The daemon.json given with --config-file, if any. */
  configFile: string | undefined;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startAuditEngine(options: AuditEngineOptions = {}): Promise<AuditEngine> {
  const dir = mkdtempSync('/tmp/dga-');
  const footprint: EngineFootprint = { dir, dataRoot: join(dir, 'data'), execRoot: join(dir, 'x'), cgroupParent: `/dockgate-test-${basename(dir)}` };
  const cancelExitCleanup = onProcessExit(() => removeEngineLeftovers(footprint));
  if (options.dirMode !== undefined) chmodSync(dir, options.dirMode);
  const socketPath = join(dir, 'docker.sock');
  const logPath = join(dir, 'dockerd.log');
  let configFile: string | undefined;
  const hostsInConfig = options.hostsInConfig !== undefined;
  if (options.daemonJson !== undefined || hostsInConfig) {
    configFile = join(dir, 'daemon.json');
    const document = { ...options.daemonJson, ...(hostsInConfig && { hosts: [`unix://${socketPath}`, ...options.hostsInConfig!] }) };
    // Pretty-printed, as people write it: a "hosts" list spans lines.
    writeFileSync(configFile, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o644 });
  }
  const logFd = openSync(logPath, 'a');
  const dockerd = spawn(
    'dockerd',
    [
      ...(hostsInConfig ? [] : ['--host', `unix://${socketPath}`]),
      '--data-root', footprint.dataRoot,
      '--exec-root', footprint.execRoot,
      '--pidfile', join(dir, 'dockerd.pid'),
      '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false',
      '--exec-opt', 'native.cgroupdriver=cgroupfs',
      '--cgroup-parent', footprint.cgroupParent,
      '--shutdown-timeout', '2',
      ...(configFile !== undefined ? ['--config-file', configFile] : []),
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', logFd, logFd], env: { ...process.env, PATH: `${process.env['PATH'] ?? '/usr/bin:/bin'}:/usr/local/sbin:/usr/sbin:/sbin` } },
  );
  closeSync(logFd);
  let spawnError: Error | undefined;
  dockerd.on('error', (error) => (spawnError = error));
  const logTail = (lines = 30): string => {
    try {
      return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no dockerd log)';
    }
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    killContainerProcesses(footprint);
    dockerd.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([exited(dockerd).then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), STOP_GRACE_MS)))]);
    clearTimeout(timer);
    if (!inTime) dockerd.kill('SIGKILL');
    removeEngineLeftovers(footprint);
    cancelExitCleanup();
  };
  const fail = async (reason: string): Promise<never> => {
    const tail = logTail();
    await stop();
    throw new Error(`private dockerd in ${dir} did not start: ${reason}\n--- dockerd log (tail) ---\n${tail}`);
  };
  const endpoint: Endpoint = { name: 'direct', host: `unix://${socketPath}` };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await pingStatus(endpoint)) !== 200) {
    if (spawnError !== undefined) await fail(spawnError.message);
    if (dockerd.exitCode !== null || dockerd.signalCode !== null) await fail(`dockerd exited (${dockerd.exitCode ?? dockerd.signalCode})`);
    if (Date.now() > deadline) await fail(`/_ping did not answer within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (options.socketMode !== undefined) chmodSync(socketPath, options.socketMode);
  if (options.image) {
    try {
      await importBusyboxImage(endpoint, dir);
    } catch (error) {
      await fail(`importing the busybox test image failed: ${String(error)}`);
    }
  }
  return { dir, socketPath, endpoint, pid: dockerd.pid!, configFile, logTail, stop };
}

/**
 * Makes sure the `dockremap` account and sane /etc/subuid and /etc/subgid ranges exist for
 * `--userns-remap default`, and returns the function that puts the files and accounts back as they were.
 */
export function prepareUsernsRemap(): () => void {
  const files = ['/etc/subuid', '/etc/subgid'];
  const saved = new Map(files.map((f) => [f, existsSync(f) ? readFileSync(f, 'utf8') : undefined]));
  const hadUser = spawnSync('id', ['-u', 'dockremap']).status === 0;
  if (!hadUser) {
    const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/false', '--user-group', 'dockremap'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`useradd dockremap failed: ${made.stderr}`);
  }
  for (const file of files) {
    const text = saved.get(file) ?? '';
    if (!/^dockremap:/m.test(text)) writeFileSync(file, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}dockremap:${pickRange(text)}:65536\n`);
  }
  return () => {
    for (const file of files) {
      const text = saved.get(file);
      if (text === undefined) rmSync(file, { force: true });
      else writeFileSync(file, text);
    }
    if (!hadUser) spawnSync('userdel', ['dockremap'], { stdio: 'ignore' });
  };
}

/** A start above every range in the file (and above 165535), on a 65536 boundary. */
function pickRange(text: string): number {
  let end = 165536;
  for (const line of text.split('\n')) {
    const [, start, count] = line.split(':');
    if (start !== undefined && count !== undefined) end = Math.max(end, Number(start) + Number(count));
  }
  return Math.ceil(end / 65536) * 65536;
}
