// Removes everything a private test engine can leave on the host: processes (dockerd, its containerd,
// shims, container processes), its networks' bridges, mounts under its directory, its cgroups, and the
// directory itself.
// Synchronous so that it can also run from a process 'exit' handler.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface EngineFootprint {
  /** The engine's private directory; every path it owns lies below it. */
  dir: string;
  /** dockerd's --data-root and --exec-root, both below `dir`. */
  dataRoot: string;
  execRoot: string;
  /** The cgroup parent given to dockerd, e.g. `/dockgate-test-abc123`: container processes live below it. */
  cgroupParent: string;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // the process ended while we looked
  }
}

function inEngineCgroup(pid: number, footprint: EngineFootprint): boolean {
  return readOrEmpty(`/proc/${pid}/cgroup`)
    .split('\n')
    .some((line) => line.includes(`:${footprint.cgroupParent}/`) || line.endsWith(`:${footprint.cgroupParent}`));
}

function namesEngineDir(pid: number, footprint: EngineFootprint): boolean {
  return readOrEmpty(`/proc/${pid}/cmdline`).replaceAll('\0', ' ').includes(`${footprint.dir}/`);
}

function otherProcesses(): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid);
}

function isGone(pid: number): boolean {
  const stat = readOrEmpty(`/proc/${pid}/stat`);
  // Field 3 is the state; a zombie has released everything we care about.
  return stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

function killAll(select: (pid: number) => boolean): void {
  // Container processes may fork while we kill; a few rounds catch the stragglers.
  for (let round = 0; round < 5; round++) {
    const pids = otherProcesses().filter((pid) => select(pid) && !isGone(pid));
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 5_000;
    while (pids.some((pid) => !isGone(pid)) && Date.now() < deadline) sleepSync(50);
  }
}

/**
 * Kills the processes inside the engine's containers. Done before stopping dockerd, which would
 * otherwise give each running container its own stop timeout (10 s by default) to exit.
 */
export function killContainerProcesses(footprint: EngineFootprint): void {
  killAll((pid) => inEngineCgroup(pid, footprint));
}

/** Mount points at or below `dir`, deepest first. mountinfo escapes spaces and the like as octal. */
function mountsUnder(dir: string): string[] {
  const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return readOrEmpty('/proc/self/mountinfo')
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function unmountAll(dir: string): void {
  for (const mountPoint of mountsUnder(dir)) {
    // Lazy: a mount still busy in some namespace is detached from our tree all the same.
    spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
  }
}

/** Every cgroup hierarchy root: the unified one (v2), or one per v1 controller. */
function cgroupRoots(): string[] {
  const base = '/sys/fs/cgroup';
  if (existsSync(join(base, 'cgroup.controllers'))) return [base];
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(base, entry.name));
}

/** cgroupfs directories are removed with rmdir only, children first; their files cannot be deleted. */
function removeCgroupTree(path: string): void {
  if (!existsSync(path)) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(path, entry.name));
  }
  try {
    rmdirSync(path);
  } catch {
    // still busy (a process outlived the kill): an empty cgroup left behind holds no resources
  }
}

/**
 * containerd keeps each shim's socket outside the engine's directory, at /run/containerd/s/ named by
 * sha256(containerd address + namespace + container id). A killed shim leaves its socket there.
 */
function removeShimSockets(footprint: EngineFootprint): void {
  const containersDir = join(footprint.dataRoot, 'containers');
  if (!existsSync(containersDir)) return;
  const containerdAddress = join(footprint.execRoot, 'containerd', 'containerd.sock');
  for (const id of readdirSync(containersDir)) {
    const name = createHash('sha256')
      .update(join(containerdAddress, 'moby', id))
      .digest('hex');
    rmSync(join('/run/containerd/s', name), { force: true });
  }
}

/**
 * The bridges of the engine's user-defined networks (`br-` and the network id's first 12 digits) outlive
 * dockerd in the host's namespace, each holding one of the engine's default address pools: about thirty
 * left behind and the next engine cannot create a network. The ids are read from the network store's
 * keys (`docker/network/v1.0/network/ID` in its bolt file), which needs no running engine.
 */
function removeNetworkBridges(footprint: EngineFootprint): void {
  let store: string;
  try {
    store = readFileSync(join(footprint.dataRoot, 'network', 'files', 'local-kv.db')).toString('latin1');
  } catch {
    return; // no network was ever stored
  }
  const ids = new Set([...store.matchAll(/network\/v1\.0\/network\/([0-9a-f]{64})/g)].map((m) => m[1]!.slice(0, 12)));
  for (const id of ids) {
    if (existsSync(`/sys/class/net/br-${id}`)) spawnSync('ip', ['link', 'delete', `br-${id}`], { stdio: 'ignore' });
  }
}

/** Kills what is left of the engine (dockerd, containerd, shims, containers), then removes its bridges, mounts, cgroups and directory. */
export function removeEngineLeftovers(footprint: EngineFootprint): void {
  killAll((pid) => inEngineCgroup(pid, footprint) || namesEngineDir(pid, footprint));
  removeNetworkBridges(footprint);
  removeShimSockets(footprint);
  unmountAll(footprint.dir);
  for (const root of cgroupRoots()) removeCgroupTree(join(root, footprint.cgroupParent));
  const stillMounted = mountsUnder(footprint.dir);
  if (stillMounted.length > 0) {
    // Deleting recursively through a mount could delete whatever it shows (a bind-mounted host path).
    throw new Error(`refusing to delete ${footprint.dir}: still mounted: ${stillMounted.join(', ')}`);
  }
  rmSync(footprint.dir, { recursive: true, force: true });
}
