// Files whose content decides what the gateway trusts (the policy, the audit trail it appends to) are
// opened as they are meant to be, not as found: a symlink at the path could point the gateway at another
// file (and an append at someone else's), a FIFO would hang start-up without a word, and a file that
// another user owns or anyone may write lets them change the policy or the record under the gateway.
// So the path is opened without following a final symlink and without blocking, and what was opened must
// be a regular file, owned by the gateway's user or root, and not writable by others (refused); a file
// writable by its group, or owned by another user, is used but warned about, with the fix.

import { ConfigError } from '../errors/config-error.js';
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export class UntrustedFileError extends ConfigError {
  constructor(
    readonly path: string,
    readonly why: string,
    readonly fix: string,
  ) {
    super(`${path}: ${why}. ${fix}`);
  }
}

/** What is wrong with an opened file, as a refusal (thrown) or warnings (returned). */
function judgeOpened(path: string, what: string, info: Stats, secret = false): string[] {
  if (!info.isFile()) {
    throw new UntrustedFileError(
      path,
      `the ${what} is not a regular file (${info.isFIFO() ? 'a FIFO' : info.isDirectory() ? 'a directory' : 'a special file'})`,
      `Point it at a regular file`,
    );
  }
  if ((info.mode & 0o002) !== 0) {
    throw new UntrustedFileError(path, `the ${what} is writable by every user (mode ${(info.mode & 0o777).toString(8)})`, `Run chmod o-w ${path}`);
  }
  const warnings: string[] = [];
  const uid = process.geteuid?.() ?? 0;
  if (info.uid !== uid && info.uid !== 0)
    warnings.push(`the ${what} ${path} is owned by uid ${info.uid}, who can change it under the gateway; chown it to ${uid === 0 ? 'root' : `uid ${uid}`}`);
  if ((info.mode & 0o020) !== 0) warnings.push(`the ${what} ${path} is writable by its group (gid ${info.gid}); run chmod g-w ${path}`);
  if (secret && (info.mode & 0o044) !== 0) warnings.push(`the ${what} ${path} is readable by ${(info.mode & 0o004) !== 0 ? 'every user' : 'its group'}; run chmod 600 ${path}`);
  return warnings;
}

function openError(path: string, what: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return new UntrustedFileError(path, `the ${what} path is a symbolic link, which the gateway does not follow`, 'Point it at the file itself');
  // Opening a FIFO for writing without blocking fails when nobody reads it: it is not a file to append to.
  if (code === 'ENXIO') return new UntrustedFileError(path, `the ${what} is not a regular file (a FIFO)`, 'Point it at a regular file');
  return err as Error;
}

/**
 * Reads a file the gateway trusts (a policy, TLS material, a CRL); throws UntrustedFileError or the read's
 * own error. A `secret` (a private key) is also warned about when others may read it.
 */
export function readTrustedFile(path: string, what: string, options: { secret?: boolean } = {}): { content: Buffer; warnings: string[] } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw openError(path, what, err);
  }
  try {
    const warnings = judgeOpened(path, what, fstatSync(fd), options.secret);
    return { content: readFileSync(fd), warnings };
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens (creating if missing, mode 0600) a file the gateway appends to (the audit trail); returns the
 * handle, opened for appending, with the warnings about the file.
 */
export async function openTrustedAppend(path: string, what: string): Promise<{ handle: FileHandle; warnings: string[] }> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600);
  } catch (err) {
    throw openError(path, what, err);
  }
  try {
    return { handle, warnings: judgeOpened(path, what, await handle.stat()) };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
