// A filesystem that can be filled up on purpose: a tiny tmpfs of its own for an audit log, filler files
// that take all its room, and freeing it again. For the audit-outage tests (issue 7, faults).

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { onProcessExit } from './cleanup-on-exit.js';
import type { Teardown } from './teardown.js';

const TMPFS_SIZE = '8m';
const FILLER_CHUNK = 16 * 1024;

/** Creates `dir` and mounts a tiny tmpfs (0700) on it, unmounted after the tests (or at exit). */
export function mountTinyFilesystem(dir: string, teardown: Teardown): void {
  execFileSync('mkdir', [dir]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE},mode=0700`, 'dockgate-audit-test', dir]);
  const unmount = () => spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
  const cancel = onProcessExit(unmount);
  teardown.add(() => {
    unmount();
    cancel();
  });
}

/** Fills the filesystem of `dir` with FILLER_CHUNK-sized files until it is full; returns them. */
export function fill(dir: string): string[] {
  const files: string[] = [];
  const block = Buffer.alloc(FILLER_CHUNK, 0x78);
  for (let i = 0; i < 10_000; i++) {
    const file = join(dir, `filler-${Date.now()}-${i}`);
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, block);
      files.push(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      closeSync(fd);
      rmSync(file);
      // What is left is less than a chunk: take it with smaller writes.
      const rest = join(dir, `filler-${Date.now()}-rest`);
      const restFd = openSync(rest, 'w');
      try {
        for (;;) writeSync(restFd, Buffer.alloc(512, 0x78));
      } catch (inner) {
        if ((inner as NodeJS.ErrnoException).code !== 'ENOSPC') throw inner;
      } finally {
        closeSync(restFd);
      }
      files.push(rest);
      return files;
    }
    closeSync(fd);
  }
  throw new Error(`${dir} did not fill up`);
}

/** Removes every filler file: the filesystem has its room back. */
export function freeAll(dir: string): void {
  for (const name of readdirSync(dir)) if (name.startsWith('filler-')) rmSync(join(dir, name));
}
