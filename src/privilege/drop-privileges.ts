// `serve --user NAME|UID [--group NAME|GID ...]`: dockgate does as root only what needs root (binding its
// listeners where clients expect them and giving their sockets an owner, opening the audit log, reading
// the TLS key and the policy), then becomes the given user for good, before it serves: a flaw in request
// handling then runs with an unprivileged account, not with root.
//
// What the process still needs afterwards is checked at the drop, so that start-up fails with the fix
// instead of the first request or reload failing later: the engine's socket (connect), the files read again
// (the policy and the CRL on SIGHUP or change, the CA and server certificates daily for expiry warnings;
// never the key, read once as root). The audit log stays open on the descriptor opened as root and is
// never reopened. Removing the listeners' socket files at shutdown may no longer be allowed (their directory
// belongs to root): that failure is ignored, and the next start replaces the stale socket.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { ConfigError } from '../errors/config-error.js';
import { addonLoader } from '../addons/load-addon.js';
import { groupId, groupName, userAccount } from '../listen/account-ids.js';
import type { Logger } from '../log/logger.js';

export interface DropTarget {
  /** `--user` as given, for messages. */
  user: string;
  uid: number;
  /** The primary group: the first --group, else the user's own. */
  gid: number;
  /** Every group the process keeps: exactly the --group list (or the primary group alone). */
  groups: number[];
}

/** When serve reads each file again after start-up (the TLS key is read once, as root). */
const READ_AGAIN = {
  '--policy': 'on SIGHUP and when it changes',
  '--tls-crl': 'on SIGHUP and when it changes',
  '--tls-ca': 'daily for expiry warnings',
  '--tls-cert': 'daily for expiry warnings',
} as const;

/** The files serve reads again while serving, by the option that names them; undefined when not given. */
export type FilesReadAgain = Record<keyof typeof READ_AGAIN, string | undefined>;

/**
 * Resolves --user and --group before anything is bound. The process keeps exactly the groups on the
 * command line, not the user's supplementary groups from the group database: what dockgate can reach is
 * then read off its command line, and a membership added to the account elsewhere grants it nothing.
 */
export function resolveDropTarget(user: string, groups: readonly string[]): DropTarget {
  let account;
  try {
    account = userAccount(user);
  } catch (err) {
    throw new ConfigError(`--user ${user}: ${(err as Error).message}`);
  }
  if (account.uid === 0) throw new ConfigError(`--user ${user}: that is root; name the unprivileged account dockgate should run as`);
  // The root group opens what root's files share with it: not a place to drop to.
  const notRoot = "is the root group (0); name the groups dockgate needs instead (the engine socket's, e.g. docker)";
  const gids = groups.map((group) => {
    let id;
    try {
      id = groupId(group);
    } catch (err) {
      throw new ConfigError(`--group ${group}: ${(err as Error).message}`);
    }
    if (id === 0) throw new ConfigError(`--group ${group}: ${notRoot}`);
    return id;
  });
  const gid = gids[0] ?? account.primaryGid;
  if (gid === undefined) throw new ConfigError(`--user ${user}: no entry in the user database, so no primary group; name one with --group`);
  if (gid === 0) throw new ConfigError(`--user ${user}: its primary group ${notRoot}, with --group`);
  if (process.geteuid?.() !== 0) {
    throw new ConfigError(`--user ${user}: dockgate is not running as root, so it cannot become another user; start it as root, or without --user as the user itself`);
  }
  return { user, uid: account.uid, gid, groups: [...new Set([gid, ...gids])] };
}

/**
 * Becomes the target user (supplementary groups, then the group, then the user: once the uid is no longer
 * 0 the groups can no longer be changed), proves from /proc/self/status that no root id and no capability
 * is left, and checks that the dropped identity can still do what serving needs. Throws with the fix if not.
 */
export async function dropPrivileges(target: DropTarget, upstreamSocket: string, readAgain: FilesReadAgain, logger: Logger): Promise<void> {
  // Read as root, and named now: after the drop the socket may be out of sight, and nothing is executed.
  const socketGroup = socketGroupOf(upstreamSocket);
  const hardening = loadHardening();
  // While still root (it needs CAP_SETPCAP): nothing run later can be granted a capability again.
  hardening.emptyCapabilityBoundingSet();
  // Present on every POSIX platform; resolveDropTarget has already required a root euid, which only they have.
  process.setgroups!(target.groups);
  process.setgid!(target.gid);
  process.setuid!(target.uid);
  // And a setuid-root program (su, sudo, mount) started by a subverted gateway runs without its privileges.
  hardening.setNoNewPrivileges();
  const status = verifyDropped(target);
  for (const [option, when] of Object.entries(READ_AGAIN)) {
    const file = readAgain[option as keyof FilesReadAgain];
    if (file === undefined) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new ConfigError(
        `${option} ${file}: user ${target.user} cannot read it (${(err as NodeJS.ErrnoException).code}), and it is read again ${when}; make it (and its directories) readable by uid ${target.uid} or one of the groups given with --group`,
      );
    }
  }
  await checkEngineSocket(target, upstreamSocket, socketGroup, logger);
  logger.info(
    { user: target.user, uid: target.uid, gid: target.gid, groups: target.groups, capBnd: status.get('CapBnd'), noNewPrivs: status.get('NoNewPrivs') },
    'privileges dropped: no root id, no capabilities, none to regain',
  );
}

/** The group of the engine's socket (name, else id), when it exists (the engine may not be up yet). */
function socketGroupOf(path: string): { gid: number; name: string } | undefined {
  let gid;
  try {
    gid = statSync(path).gid;
  } catch {
    return undefined;
  }
  return { gid, name: groupName(gid) ?? String(gid) };
}

/** What build/Release/process_hardening.node (native/process_hardening.c) exports; failures throw system errors. */
interface ProcessHardeningAddon {
  emptyCapabilityBoundingSet(): void;
  setNoNewPrivileges(): void;
}

const loadHardening = addonLoader<ProcessHardeningAddon>('process_hardening', 'process-hardening');

const NO_CAPABILITIES = '0000000000000000';

/**
 * Refuses to go on unless every uid and gid (real, effective, saved, filesystem) is the target's, no
 * capability is held or can be regained (the bounding set is empty), and no_new_privs is set.
 */
function verifyDropped(target: DropTarget): Map<string, string> {
  const status = new Map(
    readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as [string, string]),
  );
  const problems: string[] = [];
  const expectIds = (field: string, id: number): void => {
    const ids = (status.get(field) ?? '').split(/\s+/);
    if (ids.length !== 4 || ids.some((v) => v !== String(id))) problems.push(`${field} ${status.get(field) ?? '(missing)'} (expected ${id} four times)`);
  };
  expectIds('Uid', target.uid);
  expectIds('Gid', target.gid);
  const groups = (status.get('Groups') ?? '')
    .split(/\s+/)
    .filter((g) => g !== '')
    .map(Number)
    .sort((a, b) => a - b);
  const wanted = [...target.groups].sort((a, b) => a - b);
  if (groups.join(',') !== wanted.join(',')) problems.push(`Groups ${groups.join(' ')} (expected ${wanted.join(' ')})`);
  for (const field of ['CapPrm', 'CapEff', 'CapAmb', 'CapBnd']) {
    if (status.get(field) !== NO_CAPABILITIES) problems.push(`${field} ${status.get(field) ?? '(missing)'} (expected ${NO_CAPABILITIES})`);
  }
  if (status.get('NoNewPrivs') !== '1') problems.push(`NoNewPrivs ${status.get('NoNewPrivs') ?? '(missing)'} (expected 1)`);
  if (problems.length > 0) {
    throw new ConfigError(`--user ${target.user}: after the privilege drop /proc/self/status shows ${problems.join(', ')}; refusing to serve with privileges left`);
  }
  return status;
}

/**
 * Connects to the engine's socket as the dropped user. Permission refused is a start-up failure naming
 * the group to add; an engine that is not up yet is not (dockgate answers 502 until it is, as without --user).
 */
async function checkEngineSocket(target: DropTarget, path: string, socketGroup: { gid: number; name: string } | undefined, logger: Logger): Promise<void> {
  const code = await new Promise<string | undefined>((resolve) => {
    const probe = net.connect({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(undefined);
    });
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  if (code === undefined) return;
  if (code !== 'EACCES' && code !== 'EPERM') {
    logger.warn({ upstream: path, code, user: target.user }, 'the engine socket does not answer yet; whether the dropped user may open it shows once it does');
    return;
  }
  const fix =
    socketGroup !== undefined && !target.groups.includes(socketGroup.gid)
      ? `the socket belongs to group ${socketGroup.name}: add --group ${socketGroup.name}`
      : `make ${dirname(path)} and the directories above it searchable, and the socket writable, by uid ${target.uid} or one of its groups`;
  throw new ConfigError(`--user ${target.user}: cannot open the engine socket ${path} after the privilege drop (${code}); ${fix}`);
}
