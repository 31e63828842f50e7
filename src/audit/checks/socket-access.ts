// Who can reach the engine through its unix sockets: owner, group and mode tested as bit masks, the
// directories above (a world-writable socket in a directory others cannot enter is not theirs), the
// users of the socket's group by gid (members and users whose primary group it is), ACL entries,
// containerd's socket, and whether dockgate fronts the engine with the raw socket closed to everyone else.
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { finding } from '../catalogue.js';
import { engineRootless, type AuditContext } from '../context.js';
import { aclWriters, bitsBeyond, blockingAncestor, octal, readAcl, statPath, S_IWGRP, S_IWOTH } from '../host/file-access.js';
import { listPids, readProcess, readText, type ProcessInfo } from '../host/proc.js';

/** Principals (besides root) who can connect to a socket, each with how. */
export interface Reachers {
  everyone: boolean;
  /** Names with how: `alice (member of docker)`. */
  users: Array<{ name: string; uid?: number; how: string }>;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Everyone the socket at `path` lets connect, root and `except` uids left out; findings are added for what lets them. */
function judgeSocket(ctx: AuditContext, path: string, role: 'engine' | 'containerd', expectedOwner: number, exceptUids: readonly number[]): Reachers | undefined {
  const { collector } = ctx;
  const result = statPath(path);
  if (!result.ok) {
    collector.skip(`socket.${role}`, `${path} could not be examined (${result.code})`);
    return undefined;
  }
  const { mode, uid, gid } = result.stats;
  const accounts = ctx.accounts();
  const reachers: Reachers = { everyone: false, users: [] };
  const described = `${path}: owner ${accounts.userName(uid)} (uid ${uid}), group ${accounts.groupName(gid)} (gid ${gid}), mode ${octal(mode)}`;
  const authority = engineRootless(ctx) && ctx.daemon ? `the authority of ${accounts.userName(ctx.daemon.process.uid)}, who runs the rootless daemon` : 'root on this host';
  const id = role === 'engine' ? undefined : 'socket.containerd';
  const cisFor = (engine: string, containerd: string) => (role === 'engine' ? engine : containerd);

  if ((mode & S_IWOTH) !== 0) {
    const blocked = blockingAncestor(path);
    if (blocked === undefined) reachers.everyone = true;
    collector.add(
      finding(id ?? 'socket.world-writable', {
        subject: path,
        file: path,
        cis: cisFor('3.16', '3.24'),
        ...(id !== undefined && { title: 'The containerd socket is writable by every user' }),
        severity: blocked === undefined ? 'critical' : 'medium',
        evidence: [
          described,
          `mode ${octal(mode)} & 0002 (write for others) is set: connecting needs only write permission on a socket`,
          blocked === undefined
            ? `every directory above it can be searched by others, so every user gets ${authority}`
            : `only ${blocked.dir} (mode ${octal(blocked.mode)}) keeps other users out for now`,
        ],
      }),
    );
  } else if (role === 'engine' && bitsBeyond(mode, 0o660) !== 0) {
    collector.add(finding('socket.mode', { subject: path, file: path, evidence: [described, `bits ${octal(bitsBeyond(mode, 0o660))} are set beyond 0660`] }));
  }
  if (uid !== expectedOwner && uid !== 0) {
    const name = accounts.userName(uid);
    reachers.users.push({ name, uid, how: 'owner of the socket' });
    collector.add(
      finding(id ?? 'socket.owner', {
        subject: path,
        file: path,
        cis: cisFor('3.15', '3.23'),
        severity: role === 'engine' ? 'high' : 'high',
        ...(id !== undefined && { title: 'The containerd socket is owned by a user other than root' }),
        evidence: [described, `${name} owns the socket and can connect to it (expected uid ${expectedOwner})`],
      }),
    );
  }
  if ((mode & S_IWGRP) !== 0) {
    const members = accounts.membersOf(gid).filter((m) => m.uid !== 0 && m.uid !== expectedOwner && !exceptUids.includes(m.uid ?? -1));
    if (members.length > 0) {
      const blocked = blockingAncestor(path, gid);
      const list = members.map((m) => `${m.name} (${m.how === 'member' ? `member of ${accounts.groupName(gid)}` : `primary group ${accounts.groupName(gid)}`})`);
      if (blocked === undefined) reachers.users.push(...members.map((m) => ({ name: m.name, ...(m.uid !== undefined && { uid: m.uid }), how: `group ${accounts.groupName(gid)}` })));
      collector.add(
        finding(id ?? 'socket.group-members', {
          subject: path,
          file: path,
          ...(id !== undefined && { title: "Members of the containerd socket's group can reach it", severity: 'high' as const }),
          ...(blocked !== undefined && { severity: 'low' as const }),
          cis: cisFor('1.1.2', '3.23-3.24'),
          evidence: [
            described,
            `group write (0020) is set; users of gid ${gid}: ${list.join(', ')}`,
            blocked === undefined ? `each of them has ${authority}` : `only ${blocked.dir} (mode ${octal(blocked.mode)}) keeps them out for now`,
          ],
        }),
      );
    }
  }
  const acl = readAcl(path);
  if (!acl.available) {
    collector.skip(`socket.acl`, `ACLs of ${path} were not read: ${acl.reason}`);
  } else {
    const writers = aclWriters(acl.entries).filter((e) => !(e.kind === 'user' && (e.id === 0 || e.id === expectedOwner || exceptUids.includes(e.id!))));
    if (writers.length > 0) {
      for (const entry of writers) {
        if (entry.kind === 'user') reachers.users.push({ name: accounts.userName(entry.id!), uid: entry.id!, how: 'ACL entry' });
        else
          reachers.users.push(
            ...accounts.membersOf(entry.id!).map((m) => ({ name: m.name, ...(m.uid !== undefined && { uid: m.uid }), how: `ACL entry for group ${accounts.groupName(entry.id!)}` })),
          );
      }
      collector.add(
        finding(id ?? 'socket.acl', {
          subject: path,
          file: path,
          ...(id !== undefined && { title: 'An ACL on the containerd socket grants users or groups access' }),
          evidence: [described, ...writers.map((e) => `getfacl: ${e.kind}:${e.kind === 'user' ? accounts.userName(e.id!) : accounts.groupName(e.id!)}:${e.perms}`)],
        }),
      );
    }
  }
  return reachers;
}

/** dockgate serve processes and the engine socket each forwards to. */
export function findGateways(): Array<{ process: ProcessInfo; upstream: string }> {
  const out: Array<{ process: ProcessInfo; upstream: string }> = [];
  for (const pid of listPids()) {
    const process = readProcess(pid);
    if (process === undefined) continue;
    const serveAt = process.argv.indexOf('serve');
    if (serveAt === -1 || !process.argv.slice(0, serveAt).some((a) => /(^|\/)dockgate(\.js)?$/.test(a))) continue;
    const args = process.argv.slice(serveAt + 1);
    let upstream: string | undefined;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--upstream') upstream = args[i + 1];
      else if (args[i]!.startsWith('--upstream=')) upstream = args[i]!.slice('--upstream='.length);
    }
    if (upstream === undefined) {
      const environ = (readText(`/proc/${pid}/environ`) ?? '').split('\0');
      // --compat docker-socket-proxy takes the engine from SOCKET_PATH, as that image does.
      const socketPath = args.some((a) => a === '--compat' || a.startsWith('--compat=')) ? environ.find((e) => e.startsWith('SOCKET_PATH=/')) : undefined;
      const env = environ.find((e) => e.startsWith('DOCKER_HOST=unix://'));
      upstream = socketPath !== undefined ? `unix://${socketPath.slice('SOCKET_PATH='.length)}` : env !== undefined ? env.slice('DOCKER_HOST='.length) : 'unix:///var/run/docker.sock';
    }
    if (upstream.startsWith('unix://')) out.push({ process, upstream: upstream.slice('unix://'.length) });
  }
  return out;
}

/** The dockgate serve processes that forward to this engine socket. */
export function gatewaysFronting(socketPath: string): Array<{ process: ProcessInfo; upstream: string }> {
  return findGateways().filter((g) => realPath(g.upstream) === realPath(socketPath));
}

/** The containerd socket dockerd uses: --containerd, else the one it starts under its exec root. */
function containerdSocket(ctx: AuditContext): string | undefined {
  const config = ctx.daemon?.config;
  if (config === undefined) return undefined;
  const explicit = config.string('containerd');
  if (explicit !== undefined) return explicit.value;
  const execRoot = config.string('exec-root')?.value ?? (ctx.daemon!.rootless ? undefined : '/var/run/docker');
  return execRoot === undefined ? undefined : join(execRoot, 'containerd', 'containerd.sock');
}

export function checkSocketAccess(ctx: AuditContext): void {
  const { collector } = ctx;
  if (ctx.socketPath === undefined) return;
  const daemon = ctx.daemon;
  const owner = daemon?.rootless ? daemon.process.uid : 0;
  const gateways = gatewaysFronting(ctx.socketPath);
  const gatewayUids = gateways.map((g) => g.process.uid);
  const reachers = judgeSocket(ctx, ctx.socketPath, 'engine', owner, gatewayUids);
  // Other unix sockets the same daemon serves.
  for (const declared of daemon?.declared ?? []) {
    const path = declared.spec.path;
    if (declared.spec.kind !== 'unix' || path === undefined || realPath(path) === realPath(ctx.socketPath)) continue;
    if (!statPath(path).ok) continue;
    judgeSocket(ctx, path, 'engine', owner, gatewayUids);
  }
  const containerd = containerdSocket(ctx);
  if (containerd !== undefined && statPath(containerd).ok) judgeSocket(ctx, containerd, 'containerd', owner, []);
  if (daemon === undefined) collector.skip('socket.containerd', 'the dockerd process was not found, so its containerd socket is unknown');

  const authz = ctx.info?.Plugins?.Authorization ?? [];
  if (gateways.length > 0 && reachers !== undefined) {
    const around = [...(reachers.everyone ? ['every user (mode)'] : []), ...reachers.users.map((u) => `${u.name} (${u.how})`)];
    if (around.length > 0) {
      collector.add(
        finding('gateway.bypassable', {
          subject: ctx.socketPath,
          file: ctx.socketPath,
          evidence: [
            ...gateways.map((g) => `dockgate serve (pid ${g.process.pid}, uid ${g.process.uid}) forwards to ${g.upstream}`),
            `the raw socket is still reachable by: ${around.join(', ')}`,
          ],
        }),
      );
    }
  } else if (gateways.length === 0 && ctx.info !== undefined && authz.length === 0) {
    collector.add(
      finding('engine.no-authorization', {
        evidence: ['GET /info: Plugins.Authorization is empty', `no dockgate serve process forwards to ${ctx.socketPath}`],
      }),
    );
  }
}
