// A private Docker engine for one test file: its own directory, data root, exec root, socket and
// cgroup parent, so that it neither disturbs nor is disturbed by the machine's engine or another
// test's, and leaves nothing behind. It holds the test image busybox:test once started, unless told not to.
// Options put it in a configuration of the test's choosing, for `dockgate audit`: extra dockerd flags (a
// loopback TCP listener, TLS without client verification, userns-remap), a daemon.json of its own (passed
// with --config-file), the socket's mode, group and its directory's mode (0755 makes a world-writable socket
// truly reachable by every user).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { importBusyboxImage } from './busybox-image.js';
import { onProcessExit } from './cleanup-on-exit.js';
import type { Endpoint } from './endpoint.js';
import { killContainerProcesses, removeEngineLeftovers, type EngineFootprint } from './engine-leftovers.js';
import { pingStatus } from './raw-http.js';

export interface EngineOptions {
  /** Further dockerd flags, verbatim. */
  args?: readonly string[];
  /** Written to the engine's directory and given to dockerd with --config-file. */
  daemonJson?: Record<string, unknown>;
  /** chmod of the socket once the engine answers (dockerd makes it 0660). */
  socketMode?: number;
  /** chgrp of the socket (a gid) once the engine answers: who may use it besides root, as with dockerd --group. */
  socketGroup?: number;
  /** chmod of the engine's directory (mkdtemp makes it 0700). */
  dirMode?: number;
  /** API hosts besides the engine's socket, declared in daemon.json's "hosts" (the socket moves there too, as dockerd refuses hosts given both ways). */
  hostsInConfig?: readonly string[];
  /** Import busybox:test (needed to create containers); true unless set to false. */
  image?: boolean;
  /** Further environment for dockerd (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 keeps swarm tasks from pulling). */
  env?: Readonly<Record<string, string>>;
}

export interface Engine {
  /** The engine's private directory; tests may keep their own files in it, it goes away on stop. */
  dir: string;
  socketPath: string;
  /** The daemon.json given with --config-file, if any. */
  configFile: string | undefined;
  /** The engine's own socket, with nothing in between: the reference every other endpoint is held to. */
  endpoint: Endpoint;
  /** The end of dockerd's log, for error messages. */
  logTail(lines?: number): string;
  /** Stops dockerd (its containers and containerd with it) and removes every trace of the engine. */
  stop(): Promise<void>;
  /** Sends dockerd a signal: SIGSTOP and SIGCONT freeze and thaw it, as an overloaded host would. */
  signalDaemon(signal: NodeJS.Signals): void;
}

/** A private engine that can also be restarted in place, as a service manager restarts dockerd. */
export interface RestartableEngine extends Engine {
  /**
   * Stops dockerd the way a service manager does (SIGTERM: it stops its containers and containerd), keeping
   * its socket path, data root and everything in them; `startDaemon` brings it back on the same paths.
   */
  stopDaemon(): Promise<void>;
  /** Starts dockerd again after `stopDaemon`, on the same socket and data root; resolves once it answers /_ping. */
  startDaemon(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
/** Containers are killed before dockerd is asked to stop; then it only has to stop containerd. */
const STOP_GRACE_MS = 30_000;

function pathWithSbin(path: string | undefined): string {
  // dockerd, containerd and runc live in sbin directories, which a non-login PATH may lack.
  return [path ?? '/usr/local/bin:/usr/bin:/bin', '/usr/local/sbin', '/usr/sbin', '/sbin'].join(':');
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function exitsWithin(child: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([exited(child).then(() => true as const), timedOut]);
  clearTimeout(timer);
  return result;
}

export async function startEngine(options: EngineOptions = {}): Promise<RestartableEngine> {
  // Short on purpose: sockets live below the exec root, and unix socket paths are limited to 107 bytes.
  const dir = mkdtempSync('/tmp/dge-');
  const footprint: EngineFootprint = {
    dir,
    dataRoot: join(dir, 'data'),
    execRoot: join(dir, 'x'),
    cgroupParent: `/dockgate-test-${basename(dir)}`,
  };
  const cancelExitCleanup = onProcessExit(() => removeEngineLeftovers(footprint));
  const socketPath = join(dir, 'docker.sock');
  const logPath = join(dir, 'dockerd.log');
  if (options.dirMode !== undefined) chmodSync(dir, options.dirMode);

  let configFile: string | undefined;
  const hostsInConfig = options.hostsInConfig;
  if (options.daemonJson !== undefined || hostsInConfig !== undefined) {
    configFile = join(dir, 'daemon.json');
    const document = { ...options.daemonJson, ...(hostsInConfig !== undefined && { hosts: [`unix://${socketPath}`, ...hostsInConfig] }) };
    // Pretty-printed, as people write it: a "hosts" list spans lines.
    writeFileSync(configFile, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o644 });
  }

  let spawnError: Error | undefined;
  const spawnDockerd = (): ChildProcess => {
    const logFd = openSync(logPath, 'a');
    const child = spawn(
      'dockerd',
      [
        ...(hostsInConfig !== undefined ? [] : ['--host', `unix://${socketPath}`]),
        '--data-root',
        footprint.dataRoot,
        '--exec-root',
        footprint.execRoot,
        '--pidfile',
        join(dir, 'dockerd.pid'),
        // No bridge, no NAT, no host sysctl changes: containers get no network, traffic stays on the host.
        '--bridge=none',
        '--iptables=false',
        '--ip6tables=false',
        '--ip-forward=false',
        '--ip-masq=false',
        // A cgroup of its own lets cleanup find every container process, whatever happened to dockerd.
        '--exec-opt',
        'native.cgroupdriver=cgroupfs',
        '--cgroup-parent',
        footprint.cgroupParent,
        '--shutdown-timeout',
        '2',
        ...(configFile !== undefined ? ['--config-file', configFile] : []),
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', logFd, logFd], env: { ...process.env, ...options.env, PATH: pathWithSbin(process.env['PATH']) } },
    );
    closeSync(logFd);
    spawnError = undefined;
    child.on('error', (error) => (spawnError = error));
    return child;
  };
  let dockerd = spawnDockerd();

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
    dockerd.kill('SIGCONT'); // a test may have left it frozen (signalDaemon)
    dockerd.kill('SIGTERM');
    if (!(await exitsWithin(dockerd, STOP_GRACE_MS))) dockerd.kill('SIGKILL');
    removeEngineLeftovers(footprint);
    cancelExitCleanup();
  };

  const fail = async (reason: string): Promise<never> => {
    const tail = logTail();
    await stop();
    throw new Error(`private dockerd in ${dir} did not start: ${reason}\n--- dockerd log (tail) ---\n${tail}`);
  };

  const endpoint: Endpoint = { name: 'direct', host: `unix://${socketPath}` };
  const waitUntilReady = async (): Promise<void> => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ((await pingStatus(endpoint)) !== 200) {
      if (spawnError !== undefined) await fail(`${spawnError.message} (is docker.io installed? run scripts/install-test-deps.sh)`);
      if (dockerd.exitCode !== null || dockerd.signalCode !== null) await fail(`dockerd exited (${dockerd.exitCode ?? dockerd.signalCode})`);
      if (Date.now() > deadline) await fail(`/_ping did not answer within ${READY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (options.socketMode !== undefined) chmodSync(socketPath, options.socketMode);
    if (options.socketGroup !== undefined) chownSync(socketPath, -1, options.socketGroup);
  };
  await waitUntilReady();

  if (options.image !== false) {
    try {
      await importBusyboxImage(endpoint, dir);
    } catch (error) {
      await fail(`importing the busybox test image failed: ${String(error)}`);
    }
  }

  const stopDaemon = async (): Promise<void> => {
    if (stopped) throw new Error('stopDaemon: the engine was stopped for good');
    dockerd.kill('SIGTERM');
    if (!(await exitsWithin(dockerd, STOP_GRACE_MS))) {
      const tail = logTail();
      dockerd.kill('SIGKILL');
      await exited(dockerd);
      throw new Error(`dockerd did not stop within ${STOP_GRACE_MS} ms of SIGTERM\n--- dockerd log (tail) ---\n${tail}`);
    }
  };
  const startDaemon = async (): Promise<void> => {
    if (stopped) throw new Error('startDaemon: the engine was stopped for good');
    if (dockerd.exitCode === null && dockerd.signalCode === null) throw new Error('startDaemon: dockerd is still running');
    dockerd = spawnDockerd();
    await waitUntilReady();
  };
  const signalDaemon = (signal: NodeJS.Signals): void => void dockerd.kill(signal);
  return { dir, socketPath, configFile, endpoint, logTail, stopDaemon, startDaemon, stop, signalDaemon };
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
