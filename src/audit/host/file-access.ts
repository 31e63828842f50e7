// Who can reach or change a file: permission bits tested as bit masks (never compared as numbers:
// 0606 is world-writable, whatever `606 <= 660` says), the directories above it (a world-writable
// socket in a directory others cannot enter is not reachable by them), and POSIX ACLs via getfacl.
import { spawnSync } from 'node:child_process';
import { lstatSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

export const S_IWOTH = 0o002;
export const S_IROTH = 0o004;
export const S_IXOTH = 0o001;
export const S_IWGRP = 0o020;
export const S_IRGRP = 0o040;
export const S_IXGRP = 0o010;

export function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Permission bits set in `mode` beyond those in `allowed` (e.g. beyond 0660 for a socket). */
export function bitsBeyond(mode: number, allowed: number): number {
  return mode & 0o7777 & ~allowed;
}

export type StatResult = { ok: true; stats: Stats; path: string } | { ok: false; path: string; code: string };

export function statPath(path: string, follow = true): StatResult {
  try {
    return { ok: true, stats: follow ? statSync(path) : lstatSync(path), path };
  } catch (err) {
    return { ok: false, path, code: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

/**
 * The first directory above `path` that keeps a principal out: for everyone (`gid` undefined), one
 * without o+x; for members of `gid`, one that neither its group bits (when it belongs to `gid`) nor its
 * other bits let them search. Undefined when every directory lets them through.
 */
export function blockingAncestor(path: string, gid?: number): { dir: string; mode: number } | undefined {
  let dir = dirname(path);
  for (;;) {
    const result = statPath(dir);
    if (result.ok) {
      const { mode, gid: dirGid } = result.stats;
      const searchable = (mode & S_IXOTH) !== 0 || (gid !== undefined && dirGid === gid && (mode & S_IXGRP) !== 0);
      if (!searchable) return { dir, mode };
    }
    if (dir === '/') return undefined;
    dir = dirname(dir);
  }
}

export interface AclEntry {
  kind: 'user' | 'group' | 'mask' | 'other';
  /** Numeric id for named entries; undefined for the owner/owning group entries. */
  id?: number;
  perms: string;
}

export type AclResult = { available: true; entries: AclEntry[] } | { available: false; reason: string };

/** getfacl's view of `path` (numeric ids); unavailable when getfacl is not installed or fails. */
export function readAcl(path: string): AclResult {
  const result = spawnSync('getfacl', ['-cpn', path], { encoding: 'utf8', timeout: 10_000 });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return { available: false, reason: code === 'ENOENT' ? 'getfacl is not installed (Debian package acl)' : `getfacl failed (${code})` };
  }
  if (result.status !== 0) return { available: false, reason: `getfacl ${path} failed: ${result.stderr.trim()}` };
  const entries: AclEntry[] = [];
  for (const line of result.stdout.split('\n')) {
    const match = /^(user|group|mask|other):([^:]*):([rwx-]{3})/.exec(line.trim());
    if (!match) continue;
    entries.push({ kind: match[1] as AclEntry['kind'], ...(match[2] !== '' && { id: Number(match[2]) }), perms: match[3]! });
  }
  return { available: true, entries };
}

/** Named ACL entries that grant write (effective under the mask): who beyond owner, group and others can connect. */
export function aclWriters(entries: readonly AclEntry[]): AclEntry[] {
  const mask = entries.find((e) => e.kind === 'mask');
  const maskWrites = mask === undefined || mask.perms.includes('w');
  return entries.filter((e) => (e.kind === 'user' || e.kind === 'group') && e.id !== undefined && e.perms.includes('w') && maskWrites);
}
