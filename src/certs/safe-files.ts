// Writing the CA's files so that nothing is ever half-written or more open than asked: new files are
// created exclusively with their final mode (a key is never readable by others, not even for a moment),
// replaced files are written beside and renamed over (a `serve` reloading the CRL sees the old one or the
// new one), append-only files are only ever appended to, and every write reaches the disk before the
// command reports success.
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync, readFileSync, chmodSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { CertsError, fileError } from './certs-error.js';

function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: string | Buffer): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
}

export class AlreadyExistsError extends CertsError {}

/** Creates `path` with `mode`; fails with AlreadyExistsError if it exists. */
export function writeNewFile(path: string, data: string | Buffer, mode: number): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new AlreadyExistsError(`${path} already exists: refusing to overwrite it`);
    throw fileError('create', path, err);
  }
  try {
    fchmodSync(fd, mode); // the umask may have taken bits away; the mode is exactly what was asked
    writeAll(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw fileError('write', path, err);
  }
  closeSync(fd);
  fsyncDir(dirname(path));
}

/** Replaces `path` (or creates it) atomically with `mode`. */
export function replaceFile(path: string, data: string | Buffer, mode: number): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  rmSync(temporary, { force: true });
  writeNewFile(temporary, data, mode);
  try {
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw fileError('replace', path, err);
  }
  fsyncDir(dirname(path));
}

/**
 * Appends `text` (whole lines) to `path`, or creates it with `mode`. The file is opened without following
 * a symlink and must be a regular file (not a FIFO that would hang the command, not a device).
 */
export function appendToFile(path: string, text: string, mode: number): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      writeNewFile(path, text, mode);
      return;
    }
    throw fileError('append to', path, err);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new CertsError(`${path} is not a regular file: move it away (it must be the file dockgate certs appends to)`);
    writeAll(fd, text);
    fsyncSync(fd);
  } catch (err) {
    throw err instanceof CertsError ? err : fileError('append to', path, err);
  } finally {
    closeSync(fd);
  }
}

/** Creates a directory with exactly `mode` if it is missing; reports whether it did. Parents get 0755. */
export function ensureDirectory(path: string, mode: number): boolean {
  try {
    if (statSync(path).isDirectory()) return false;
    throw new CertsError(`${path} exists and is not a directory`);
  } catch (err) {
    if (err instanceof CertsError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileError('read', path, err);
  }
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    mkdirSync(path, { mode });
    chmodSync(path, mode);
  } catch (err) {
    throw fileError('create the directory', path, err);
  }
  return true;
}

/**
 * The directory a client's key is written to (`certs issue --out`): created 0700 if missing; if it exists
 * it must be a directory itself (not a symlink), owned by the user running the command, and writable by
 * no one else, or whoever can write it could swap the CA the client will trust.
 */
export function checkOwnDirectory(path: string): void {
  let info;
  try {
    info = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fileError('read', path, err);
  }
  const uid = process.geteuid?.() ?? 0;
  if (info.isSymbolicLink()) throw new CertsError(`${path} is a symbolic link: give the directory itself as --out`);
  if (!info.isDirectory()) throw new CertsError(`${path} exists and is not a directory`);
  if (info.uid !== uid)
    throw new CertsError(`${path} is owned by uid ${info.uid}, who could swap the files written there: give a directory of your own as --out (or a new path, created 0700)`);
  if ((info.mode & 0o022) !== 0)
    throw new CertsError(`${path} is writable by ${(info.mode & 0o002) !== 0 ? 'every user' : 'its group'}: run chmod go-w ${path}, or give a new --out (created 0700)`);
}

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CertsError(`${path} is missing: ${what}`);
    throw fileError('read', path, err);
  }
}

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Refuses a secret file or directory that group or others may read: the fix is the chmod in the message. */
export function checkPrivate(path: string, fix: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch (err) {
    throw fileError('read', path, err);
  }
  if ((mode & 0o077) !== 0) {
    throw new CertsError(`${path} has mode ${mode.toString(8).padStart(4, '0')}: group and others must have no access to it (${fix})`);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const LOCK_WAIT_MS = 10_000;

/**
 * Runs `work` holding the lock file (created exclusively, holding our pid): two `certs` commands on one
 * directory never interleave their read-modify-write of the inventory and the CRL. A command waits up to
 * 10 s for another to finish; a lock left by a process that no longer exists is taken over. (Taking over
 * a stale lock is not atomic: two commands that both find the same dead holder at the same moment could
 * both proceed. That needs a killed command and two new ones within milliseconds of each other.)
 */
export async function withLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeNewFile(lockPath, `${process.pid}\n`, 0o600);
      break;
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
    let holder = Number.NaN;
    try {
      holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    } catch {
      continue; // released meanwhile
    }
    // A pid that is not running any more left its lock behind (killed): take it over. An unreadable pid
    // is a lock being written this very moment: wait like for any other holder.
    if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new CertsError(
        `another dockgate certs command (pid ${Number.isInteger(holder) ? holder : '?'}) is changing this CA and holds ${lockPath}; wait for it to finish, or remove that file if no such process runs`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    return await work();
  } finally {
    rmSync(lockPath, { force: true });
  }
}
