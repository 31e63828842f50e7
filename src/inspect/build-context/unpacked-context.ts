// The build context as the engine's classic builder leaves it on disk: the entries of the tar applied in
// order as pkg/archive's Unpack applies them inside a chroot (docker-untar), then the Dockerfile opened as
// remotecontext's openAt opens it (symlink.FollowSymlinkInScope). Only the shape is kept (directories,
// which entry's data a file holds, symlink targets), so a context of any size costs a few words a name.
//
// What the engine does that this mirrors, because each is a way to make "the Dockerfile" another file:
// later entries replace earlier ones (RemoveAll first), parent directories are created on demand, writes
// and hard links go through symlinked directories (resolved inside the chroot: absolute targets and `..`
// stay in the context), a hard link keeps the data it pointed at even if that name is replaced later, and
// the Dockerfile's own path follows symlinks in scope.

import { cleanPath, dirPath, joinPath } from '../go-path.js';
import type { TarEntry } from './go-tar-reader.js';

export class UnpackError extends Error {}

interface Directory {
  readonly kind: 'dir';
  readonly children: Map<string, ContextNode>;
}
interface File {
  readonly kind: 'file';
  /** The tar entry whose data the file holds. */
  readonly entry: number;
}
interface Symlink {
  readonly kind: 'symlink';
  readonly target: string;
}
interface Special {
  readonly kind: 'special';
}
type ContextNode = Directory | File | Symlink | Special;

/** Linux's MAXSYMLINKS for a path walk. */
const KERNEL_SYMLINK_LIMIT = 40;
/** evalSymlinksInScope's maxIter. */
const SCOPED_ITERATION_LIMIT = 255;

const newDirectory = (): Directory => ({ kind: 'dir', children: new Map() });

/** Where a path walk ended: the directory holding the last name, and what is there (if anything). */
interface Located {
  readonly parent: Directory;
  readonly name: string;
  readonly node: ContextNode | undefined;
}

type Errno = 'ENOENT' | 'ENOTDIR' | 'ELOOP';

class WalkError extends Error {
  constructor(readonly errno: Errno) {
    super(errno);
  }
}

export type OpenedDockerfile =
  { readonly kind: 'file'; readonly entry: number; readonly path: string } | { readonly kind: 'missing' } | { readonly kind: 'unreadable'; readonly why: string };

export class UnpackedContext {
  private readonly root = newDirectory();

  /** Unpack's loop body for one entry (tar.Next has already merged PAX records and long names). */
  apply(entry: TarEntry): void {
    if (entry.type === 'g') return;
    const name = cleanPath(entry.name);
    if (name !== '/') {
      const parentPath = joinPath('/', dirPath(name));
      if (this.lstat(parentPath) === 'ENOENT') this.mkdirAll(parentPath);
    }
    const path = joinPath('/', name);
    if (path === '/' && entry.type !== '5') throw new UnpackError(`the entry ${JSON.stringify(entry.name)} would replace the context's root`);
    const existing = this.lstatNode(path);
    if (existing !== undefined) {
      if (existing.kind === 'dir' && name === '.') return;
      if (!(existing.kind === 'dir' && entry.type === '5')) this.removeAll(path);
    }
    this.create(path, entry);
  }

  /**
   * openAt(dockerfilePath): the path joined to the context root, symlinks followed in scope, then opened.
   * `name` is a byte string (latin1), as tar names are.
   */
  openDockerfile(name: string): OpenedDockerfile {
    const joined = joinPath('/', name);
    // filepath.Join(root, path) with `..` past the root leaves the root: evalSymlinksInScope refuses it.
    if (escapesRoot(name)) {
      return { kind: 'unreadable', why: `the Dockerfile path ${JSON.stringify(name)} leaves the build context` };
    }
    let resolved: string;
    try {
      resolved = this.followInScope(joined);
    } catch (err) {
      if (err instanceof WalkError) return { kind: 'unreadable', why: `the Dockerfile path cannot be resolved (${err.errno})` };
      throw err;
    }
    let found: Located;
    try {
      found = this.walk(resolved, true);
    } catch (err) {
      if (err instanceof WalkError) return err.errno === 'ENOENT' ? { kind: 'missing' } : { kind: 'unreadable', why: `the Dockerfile cannot be opened (${err.errno})` };
      throw err;
    }
    const node = found.node;
    if (node === undefined) return { kind: 'missing' };
    if (node.kind === 'file') return { kind: 'file', entry: node.entry, path: resolved };
    if (node.kind === 'dir') return { kind: 'unreadable', why: 'the Dockerfile path names a directory' };
    return { kind: 'unreadable', why: 'the Dockerfile path names a device or a pipe, which the engine would read without end' };
  }

  // --- the system calls Unpack makes, inside the chroot -------------------------------------------

  /** os.Lstat's outcome: a node, or the errno. */
  private lstat(path: string): ContextNode | Errno {
    try {
      return this.walk(path, false).node ?? 'ENOENT';
    } catch (err) {
      if (err instanceof WalkError) return err.errno;
      throw err;
    }
  }

  private lstatNode(path: string): ContextNode | undefined {
    const found = this.lstat(path);
    return typeof found === 'string' ? undefined : found;
  }

  /** os.MkdirAll: Stat (following links); create the parent first, then Mkdir. */
  private mkdirAll(path: string): void {
    let stat: ContextNode | undefined;
    try {
      stat = this.walk(path, true).node;
    } catch (err) {
      if (!(err instanceof WalkError) || err.errno !== 'ENOENT') throw new UnpackError(`cannot create directory ${JSON.stringify(path)}`);
    }
    if (stat !== undefined) {
      if (stat.kind === 'dir') return;
      throw new UnpackError(`cannot create directory ${JSON.stringify(path)}: a file is in the way`);
    }
    const parent = dirPath(path);
    if (parent !== path) this.mkdirAll(parent);
    const at = this.locate(path, false);
    if (at.node !== undefined) {
      // Mkdir failed with EEXIST (a dangling symlink): MkdirAll accepts it only if Lstat says directory.
      if (at.node.kind === 'dir') return;
      throw new UnpackError(`cannot create directory ${JSON.stringify(path)}: a link or file is in the way`);
    }
    at.parent.children.set(at.name, newDirectory());
  }

  /** os.RemoveAll on a path that exists: the last name goes (a symlink itself, not its target). */
  private removeAll(path: string): void {
    const at = this.locate(path, false);
    at.parent.children.delete(at.name);
  }

  /** createTarFile. */
  private create(path: string, entry: TarEntry): void {
    switch (entry.type) {
      case '5': {
        const at = this.locate(path, false);
        if (at.node?.kind !== 'dir') this.place(at, newDirectory());
        return;
      }
      case '0':
        this.place(this.locate(path, false), { kind: 'file', entry: entry.index });
        return;
      case '3':
      case '4':
      case '6':
        this.place(this.locate(path, false), { kind: 'special' });
        return;
      case '1': {
        // os.Link: the target's intermediate links are followed, its last name is not (linkat without
        // AT_SYMLINK_FOLLOW); a directory cannot be linked.
        const target = this.locate(joinPath('/', entry.linkname), false);
        if (target.node === undefined) throw new UnpackError(`the hard link ${JSON.stringify(entry.name)} points at nothing`);
        if (target.node.kind === 'dir') throw new UnpackError(`the hard link ${JSON.stringify(entry.name)} points at a directory`);
        this.place(this.locate(path, false), target.node);
        return;
      }
      case '2':
        if (entry.linkname === '') throw new UnpackError(`the symlink ${JSON.stringify(entry.name)} has no target`);
        this.place(this.locate(path, false), { kind: 'symlink', target: entry.linkname });
        return;
      default:
        throw new UnpackError(`the entry ${JSON.stringify(entry.name)} has a type (${JSON.stringify(entry.type)}) the engine does not unpack`);
    }
  }

  private place(at: Located, node: ContextNode): void {
    if (at.node !== undefined) throw new UnpackError(`${JSON.stringify(at.name)} already exists`);
    at.parent.children.set(at.name, node);
  }

  /** The directory that would hold `path` (its parents resolved, following links), or an UnpackError. */
  private locate(path: string, followLast: boolean): Located {
    try {
      return this.walk(path, followLast);
    } catch (err) {
      if (err instanceof WalkError) throw new UnpackError(`${JSON.stringify(path)} cannot be reached (${err.errno})`);
      throw err;
    }
  }

  /**
   * The kernel's path walk from the chroot's root: `..` at the root stays there, absolute link targets
   * start again from the root. Throws ENOENT for a missing directory on the way, ENOTDIR for a file on the
   * way, ELOOP past 40 links. The last name is followed only when asked.
   */
  private walk(path: string, followLast: boolean): Located {
    let links = 0;
    const stack: Directory[] = [this.root];
    let pending = path.split('/').filter((p) => p !== '' && p !== '.');
    if (pending.length === 0) return { parent: this.root, name: '.', node: this.root };
    for (;;) {
      const name = pending[0]!;
      pending = pending.slice(1);
      const dir = stack[stack.length - 1]!;
      const last = pending.length === 0;
      if (name === '..') {
        if (stack.length > 1) stack.pop();
        if (last) return { parent: stack[stack.length - 1]!, name: '.', node: stack[stack.length - 1]! };
        continue;
      }
      const node = dir.children.get(name);
      if (last && (!followLast || node?.kind !== 'symlink')) return { parent: dir, name, node };
      if (node === undefined) throw new WalkError('ENOENT');
      if (node.kind === 'symlink') {
        if (++links > KERNEL_SYMLINK_LIMIT) throw new WalkError('ELOOP');
        if (node.target.startsWith('/')) stack.splice(1);
        const targetParts = node.target.split('/').filter((p) => p !== '' && p !== '.');
        pending = [...targetParts, ...pending];
        if (pending.length === 0) return { parent: stack.length > 1 ? stack[stack.length - 2]! : this.root, name: '.', node: stack[stack.length - 1]! };
        continue;
      }
      if (node.kind !== 'dir') throw new WalkError('ENOTDIR');
      stack.push(node);
    }
  }

  /** moby/sys/symlink's evalSymlinksInScope, on a path already joined to the root. */
  private followInScope(path: string): string {
    let rest = cleanPath(path);
    let resolved: string[] = [];
    for (let n = 0; rest !== ''; n++) {
      if (n > SCOPED_ITERATION_LIMIT) throw new WalkError('ELOOP');
      const slash = rest.indexOf('/');
      const part = slash === -1 ? rest : rest.slice(0, slash);
      rest = slash === -1 ? '' : rest.slice(slash + 1);
      if (part === '') continue;
      const cleanP = cleanPath(`/${resolved.map((r) => `${r}/`).join('')}${part}`);
      if (cleanP === '/') {
        resolved = [];
        continue;
      }
      const found = this.lstat(cleanP);
      if (found === 'ENOENT' || typeof found !== 'string') {
        if (found !== 'ENOENT' && found.kind === 'symlink') {
          if (found.target.startsWith('/')) resolved = [];
          rest = `${found.target}/${rest}`;
          continue;
        }
        resolved.push(part);
        continue;
      }
      throw new WalkError(found);
    }
    return cleanPath(`/${resolved.join('/')}`);
  }
}

/** Whether a relative path's `..` climbs above where it starts (filepath.Join would leave the root). */
function escapesRoot(path: string): boolean {
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (--depth < 0) return true;
    } else depth++;
  }
  return false;
}
