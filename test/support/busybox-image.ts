// The test image `busybox:test`: no registry can be reached, so it is built from the host's static
// busybox, with the applets the tests call, and imported into the engine.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { dockerOk } from './docker-cli.js';
import type { Endpoint } from './endpoint.js';

export const BUSYBOX_IMAGE = 'busybox:test';

const HOST_BUSYBOX = '/bin/busybox';

const APPLETS = ['sh', 'cat', 'echo', 'sleep', 'id', 'ls', 'head', 'tail', 'wc', 'md5sum', 'sha256sum', 'dd', 'true', 'false', 'env', 'printf', 'tar', 'mkdir', 'rm', 'tty'];

/** Lays out a root filesystem holding busybox and its applet links at `rootfs`. */
export function makeBusyboxRootfs(rootfs: string): void {
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777); // as on any system: the umask would narrow a mkdir mode
  copyFileSync(HOST_BUSYBOX, join(rootfs, 'bin', 'busybox'));
  for (const applet of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', applet));
}

/** Imports a root filesystem directory as an image whose default command is a shell. */
export async function importRootfs(endpoint: Endpoint, rootfs: string, tarPath: string, image: string): Promise<void> {
  execFileSync('tar', ['-C', rootfs, '-cf', tarPath, '.']);
  await dockerOk(['import', '--change', 'CMD ["/bin/sh"]', tarPath, image], { ...endpoint, timeoutMs: 180_000 });
}

export async function importBusyboxImage(endpoint: Endpoint, workDir: string): Promise<void> {
  const rootfs = join(workDir, 'busybox-rootfs');
  makeBusyboxRootfs(rootfs);
  await importRootfs(endpoint, rootfs, join(workDir, 'busybox-rootfs.tar'), BUSYBOX_IMAGE);
}
