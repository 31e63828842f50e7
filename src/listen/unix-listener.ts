// Binds a unix listener so that it never exists with more access than asked:
// the socket is bound inside a fresh 0700 directory, given its mode and owner there,
// and only then renamed into place (rename is atomic and keeps the bound inode).
import { mkdtemp, chmod, chown, rename, rmdir, lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import type { UnixListenerSpec } from './listener-spec.js';
import { groupId, userId } from './account-ids.js';

/** Refuses to replace a path that is not a socket, or a socket that something still answers on. */
async function ensureReplaceable(path: string): Promise<void> {
  let stat;
  try {
    stat = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`${path} is in use: another process answers on it. Stop it or choose another --listen path`);
}

function listenOn(server: net.Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ path }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Binds `server` (an http or https server, or any net.Server) on the spec's path with its mode and owner
 * (`flag`, the option that asked for it, names it in errors).
 * Returns a function that removes the socket file when the gateway stops.
 */
export async function bindUnixListener(server: net.Server, spec: UnixListenerSpec, flag = '--listen'): Promise<() => Promise<void>> {
  const uid = spec.owner === undefined ? -1 : userId(spec.owner);
  const gid = spec.group === undefined ? -1 : groupId(spec.group);
  await ensureReplaceable(spec.path);
  const staging = await mkdtemp(join(dirname(spec.path), '.dockgate-')).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`${flag} ${spec.name}: cannot create the socket in ${dirname(spec.path)} (${err.code ?? err.message})`);
  });
  const stagedPath = join(staging, 's.sock');
  try {
    await listenOn(server, stagedPath);
    await chmod(stagedPath, spec.mode);
    if (uid !== -1 || gid !== -1) await chown(stagedPath, uid, gid);
    await rename(stagedPath, spec.path);
  } finally {
    await rmdir(staging).catch(() => undefined);
  }
  return async () => {
    await unlink(spec.path).catch(() => undefined);
  };
}
