// A private Docker engine for one test file: its own directory, data root, exec root, socket and
// cgroup parent, so that it neither disturbs nor is disturbed by the machine's engine or another
// test's, and leaves nothing behind. It holds the test image busybox:test once started.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { importBusyboxImage } from './busybox-image.js';
import { onProcessExit } from './cleanup-on-exit.js';
import type { Endpoint } from './endpoint.js';
import { killContainerProcesses, removeEngineLeftovers, type EngineFootprint } from './engine-leftovers.js';
import { pingStatus } from './raw-http.js';

export interface Engine {
  /** The engine's private directory; tests may keep their own files in it, it goes away on stop. */
  dir: string;
  socketPath: string;
  /** The engine's own socket, with nothing in between: the reference every other endpoint is held to. */
  endpoint: Endpoint;
  /** The end of dockerd's log, for error messages. */
  logTail(lines?: number): string;
  /** Stops dockerd (its containers and containerd with it) and removes every trace of the engine. */
  stop(): Promise<void>;
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

export async function startEngine(): Promise<RestartableEngine> {
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

  let spawnError: Error | undefined;
  const spawnDockerd = (): ChildProcess => {
    const logFd = openSync(logPath, 'a');
    const child = spawn(
      'dockerd',
      [
        '--host', `unix://${socketPath}`,
        '--data-root', footprint.dataRoot,
        '--exec-root', footprint.execRoot,
        '--pidfile', join(dir, 'dockerd.pid'),
        // No bridge, no NAT, no host sysctl changes: containers get no network, traffic stays on the host.
        '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false',
        // A cgroup of its own lets cleanup find every container process, whatever happened to dockerd.
        '--exec-opt', 'native.cgroupdriver=cgroupfs',
        '--cgroup-parent', footprint.cgroupParent,
        '--shutdown-timeout', '2',
      ],
      { stdio: ['ignore', logFd, logFd], env: { ...process.env, PATH: pathWithSbin(process.env['PATH']) } },
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
  };
  await waitUntilReady();

  try {
    await importBusyboxImage(endpoint, dir);
  } catch (error) {
    await fail(`importing the busybox test image failed: ${String(error)}`);
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
  return { dir, socketPath, endpoint, logTail, stopDaemon, startDaemon, stop };
}
