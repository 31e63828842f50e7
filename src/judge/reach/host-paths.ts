// Host paths as the kernel will see them when the engine mounts them: `..` and `//` cleaned the way
// the engine cleans them, every symlink on the way followed (also dangling ones, also ones planted
// inside an allowed directory), then compared component-wise against the client's bind roots.
// The engine's and containerd's sockets, and every directory above them, are never allowed.
import { lstat, readlink, stat } from 'node:fs/promises';
import type { BindRoot } from '../container-constraints.js';
import { cleanPath } from '../../inspect/go-path.js';

/** Sockets that hand out the whole host; binding one, or a directory above one, is always refused. */
export const ENGINE_SOCKETS: readonly string[] = [
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/run/containerd/containerd.sock',
  '/var/run/containerd/containerd.sock',
  '/run/docker/containerd/containerd.sock',
  '/var/run/docker/containerd/containerd.sock',
  '/run/containerd/containerd.sock.ttrpc',
  '/run/podman/podman.sock',
  '/run/crio/crio.sock',
  '/run/buildkit/buildkitd.sock',
];

const MAX_SYMLINKS = 40;

export interface ResolvedPath {
  /** The path the kernel reaches: absolute, no `.`/`..`, no symlinks in the part that exists. */
  resolved: string;
  /** Whether the whole path exists on the host (else the missing tail was appended as written). */
  exists: boolean;
}

export class UnresolvablePathError extends Error {}

/**
 * Resolves a host path the way the kernel will. `engineCleans`: the engine applies Go's path.Clean
 * before mounting (Binds, Mounts), so `..` is lexical first; a local volume's `device` is handed to
 * mount(2) as written, so `..` is resolved physically, after the symlink before it.
 */
export async function resolveHostPath(raw: string, engineCleans: boolean): Promise<ResolvedPath> {
  if (!raw.startsWith('/')) throw new UnresolvablePathError('it is not an absolute path');
  const start = engineCleans ? cleanPath(raw) : raw;
  let pending = start.split('/').filter((part) => part !== '' && part !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const candidate = `/${[...done, part].join('/')}`;
    let info;
    try {
      info = await lstat(candidate);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        // The rest does not exist yet (the engine may create it): it is taken as written.
        return { resolved: cleanPath(`/${[...done, part, ...pending].join('/')}`), exists: false };
      }
      throw new UnresolvablePathError(`dockgate cannot inspect ${candidate} (${code ?? String(err)})`);
    }
    if (info.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw new UnresolvablePathError('it has too many levels of symbolic links');
      let target: string;
      try {
        target = await readlink(candidate);
      } catch (err) {
        throw new UnresolvablePathError(`dockgate cannot read the link ${candidate} (${(err as NodeJS.ErrnoException).code})`);
      }
      if (target.startsWith('/')) done.length = 0;
      pending = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...pending];
      continue;
    }
    done.push(part);
  }
  return { resolved: `/${done.join('/')}`, exists: true };
}

/** Component-wise: `/srv/data/x` is under `/srv/data`; `/srv/database` is not. */
export function isUnder(path: string, root: string): boolean {
  if (root === '/') return true;
  return path === root || path.startsWith(`${root}/`);
}

/**
 * How long a resolution of the protected paths is reused. Resolving them costs some forty lstat calls,
 * which made a refused bind cost milliseconds. What is cached is only the extra spellings the links
 * above the sockets give them (`/var/run` is a link to `/run`): the host's own layout, which only root
 * changes. The literal paths are always protected, and the bind path itself is resolved every time.
 */
const PROTECTED_PATHS_REUSE_MS = 5_000;
const resolvedProtectedPaths = new Map<string, { at: number; paths: Promise<string[]> }>();

/** The protected paths as given and as resolved on this host. */
export function protectedPaths(extra: readonly string[]): Promise<string[]> {
  const key = extra.join('\0');
  const now = Date.now();
  const cached = resolvedProtectedPaths.get(key);
  if (cached !== undefined && now - cached.at < PROTECTED_PATHS_REUSE_MS) return cached.paths;
  const paths = resolveProtectedPaths(extra);
  resolvedProtectedPaths.set(key, { at: now, paths });
  return paths;
}

async function resolveProtectedPaths(extra: readonly string[]): Promise<string[]> {
  const all = new Set<string>();
  for (const path of [...ENGINE_SOCKETS, ...extra]) {
    all.add(cleanPath(path));
    try {
      all.add((await resolveHostPath(path, true)).resolved);
    } catch {
      // Unreadable: the literal path is still protected.
    }
  }
  return [...all];
}

/** The protected path a bind of `resolved` would expose (it, a directory above it, or one below it), if any. */
export function exposedProtectedPath(resolved: string, protectedList: readonly string[]): string | undefined {
  return protectedList.find((p) => isUnder(p, resolved) || isUnder(resolved, p));
}

/** True when `resolved` is the same socket inode as a protected one (a hard link to the engine socket). */
export async function isProtectedSocketInode(resolved: string, protectedList: readonly string[]): Promise<boolean> {
  let info;
  try {
    info = await stat(resolved);
  } catch {
    return false;
  }
  if (!info.isSocket()) return false;
  for (const p of protectedList) {
    try {
      const other = await stat(p);
      if (other.dev === info.dev && other.ino === info.ino) return true;
    } catch {
      // Absent on this host.
    }
  }
  return false;
}

export type RootVerdict = { ok: true; root: BindRoot } | { ok: false; reason: 'outside' } | { ok: false; reason: 'read-only'; root: BindRoot };

/**
 * Whether a bind of `resolved` is allowed by the roots. Read-only: under any root. Read-write: under a
 * read-write root, and no read-only root lies above or below it (a read-write bind of `/srv` would
 * expose a read-only root `/srv/secret` for writing).
 */
export function judgeAgainstRoots(resolved: string, readOnly: boolean, roots: readonly BindRoot[]): RootVerdict {
  const covering = roots.filter((root) => isUnder(resolved, root.path));
  if (covering.length === 0) return { ok: false, reason: 'outside' };
  if (readOnly) return { ok: true, root: covering[0]! };
  const readOnlyRoot = roots.find((root) => root.readOnly && (isUnder(resolved, root.path) || isUnder(root.path, resolved)));
  if (readOnlyRoot) return { ok: false, reason: 'read-only', root: readOnlyRoot };
  return { ok: true, root: covering.find((root) => !root.readOnly)! };
}
