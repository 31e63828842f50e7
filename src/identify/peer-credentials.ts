// The identity of a client on a unix-socket listener: uid, gid and pid as the kernel recorded them when
// the client called connect() (SO_PEERCRED, unforgeable by the client), with user and group names from
// the host's user database (NSS). Read once per connection by the native addon in native/peer_credentials.c.

import { closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { addonLoader } from '../addons/load-addon.js';
import type { UnixPeer } from './identity.js';
import type { PeerPidfd } from './peer-process.js';

/** What build/Release/peer_credentials.node exports. Failures throw Errors carrying `code`, `errno`, `syscall`. */
interface PeerCredentialsAddon {
  peerCredentials(fd: number): { uid: number; gid: number; pid: number };
  accountNames(uid: number, gid: number): { user?: string; group?: string };
  /** A pidfd of the peer (SO_PEERPIDFD), -1 when the peer is gone, null when the kernel has no SO_PEERPIDFD. */
  peerPidfd(fd: number): number | null;
  pidfdAlive(pidfd: number): boolean;
}

const loadAddon = addonLoader<PeerCredentialsAddon>('peer_credentials', 'peer-credentials');

// Names are looked up once per id for the life of the process: the lookup is synchronous (it may ask
// LDAP or sssd) and must not run per connection. `null` records "this id has no name". A user renamed
// while the gateway runs keeps its old name until restart; ids, which policies should prefer, never go stale.
const userNames = new Map<number, string | null>();
const groupNames = new Map<number, string | null>();

function accountNames(uid: number, gid: number): { user?: string; group?: string } {
  let user = userNames.get(uid);
  let group = groupNames.get(gid);
  if (user === undefined || group === undefined) {
    const found = loadAddon().accountNames(uid, gid);
    user = found.user ?? null;
    group = found.group ?? null;
    userNames.set(uid, user);
    groupNames.set(gid, group);
  }
  return { ...(user !== null && { user }), ...(group !== null && { group }) };
}

/**
 * The file descriptor of an accepted connection. Node has no public API for it: `socket._handle` is the
 * libuv Pipe wrap and its `fd` getter returns the descriptor (-1 once closed, and `_handle` is null after
 * destroy). The only supported alternative, spawning `ss` or reading /proc/net/unix, is racy and slow.
 * Read it right after accept, before any await, while the connection is certainly open.
 */
function socketFd(socket: Socket, listener: string): number {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new Error(`cannot identify a client on ${listener}: the connection has no file descriptor ` + '(it was already closed, or it is not a unix-socket connection)');
  }
  return fd;
}

/**
 * The identity of the peer on an accepted unix-socket connection. Throws when the fd is unavailable or
 * is not a unix socket (the addon refuses TCP sockets, whose SO_PEERCRED values are made up), and when
 * the user database fails; the caller should drop the connection: no identity, no request.
 * The pid is the client's pid at connect() time: it may have exited since, and its number may be reused.
 */
export function unixPeerIdentity(socket: Socket, listener: string): UnixPeer {
  const { uid, gid, pid } = loadAddon().peerCredentials(socketFd(socket, listener));
  return { kind: 'unix', listener, uid, gid, pid, ...accountNames(uid, gid) };
}

/**
 * A pidfd of the peer as the kernel recorded it at connect() (SO_PEERPIDFD, Linux 6.5), which the caller
 * closes: while the process it names is alive, its pid cannot be another process's. `gone` when the peer
 * has already exited; undefined when the kernel has no SO_PEERPIDFD (then the start-time check alone guards).
 */
export function openPeerPidfd(socket: Socket, listener: string): PeerPidfd | 'gone' | undefined {
  const addon = loadAddon();
  const pidfd = addon.peerPidfd(socketFd(socket, listener));
  if (pidfd === null) return undefined;
  if (pidfd < 0) return 'gone';
  return { alive: () => addon.pidfdAlive(pidfd), close: () => closeSync(pidfd) };
}
