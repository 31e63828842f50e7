// The unix listener is the gateway's access control before any policy: its file mode, owner and group
// decide who may talk to it at all. They must be exactly as asked from the first instant the socket is
// reachable at its path, be enforced by the kernel for other users (checked as uid 65534 via setpriv),
// and the gateway must replace a dead socket left behind but never take over a live one or another file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, type Stats } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { startEngine } from '../support/engine.js';
import { assertRefusedToStart, runGatewayExpectingFailure, spawnGateway, startGateway, type FailedStart } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';
import { connectResult, leaveStaleSocket } from '../support/unix-sockets.js';

const HOOK_TIMEOUT_MS = 120_000;
const NOBODY = 65534;
const NOGROUP = 65534;
/** A group id no account has: a client in it is outside every group the listeners name. */
const STRANGER_GROUP = 54321;

/** What a client running as `uid:gid` (no supplementary groups) gets from GET /_ping on `socketPath`. */
function pingAs(uid: number, gid: number, socketPath: string): string {
  const script = `
    const http = require('node:http');
    const req = http.request({ socketPath: process.argv[1], path: '/_ping' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => console.log(res.statusCode + ' ' + body));
    });
    req.on('error', (error) => console.log(error.code));
    req.end();`;
  const result = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', process.execPath, '-e', script, socketPath], {
    cwd: '/',
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.error !== undefined) throw result.error;
  assert.equal(result.status, 0, `client as ${uid}:${gid} failed: ${result.stderr}`);
  return result.stdout.trim();
}

function modeOf(stats: Stats): string {
  return (stats.mode & 0o7777).toString(8).padStart(4, '0');
}

function assertOneLineFailure(failure: FailedStart, mentions: RegExp): void {
  assert.match(assertRefusedToStart(failure), mentions, failure.output);
}

describe('unix listener: mode, owner and group as asked; stale sockets replaced, live ones and other files left alone', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  /** Traversable by everyone, so that only the socket's own mode decides who may connect. */
  let dir: string;
  /** The engine's socket path. */
  let upstream: string;

  before(
    async () => {
      dir = teardown.tempDir('/tmp/dgl-', 0o755);
      const engine = await startEngine();
      teardown.add(() => engine.stop());
      upstream = engine.socketPath;
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test('mode 0660, owner nobody, group nogroup: exactly that from the first moment the socket is at its path', async () => {
    // A directory of its own, so that every entry in it is the gateway's doing.
    const watched = join(dir, 'watched');
    mkdirSync(watched, { mode: 0o755 });
    const path = join(watched, 'gw.sock');
    const gateway = await spawnGateway({ upstream, listen: [`unix://${path}?mode=0660&owner=nobody&group=nogroup`], profile: 'audit' });
    try {
      // Watch the directory in a tight synchronous loop while the gateway starts: every entry that ever
      // appears is either the socket with its final mode and owner, or a private staging directory.
      const seen: string[] = [];
      const wrong: string[] = [];
      let socketObservations = 0;
      let firstSeenAt: number | undefined;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (firstSeenAt === undefined || Date.now() - firstSeenAt < 300)) {
        let names: string[];
        try {
          names = readdirSync(watched);
        } catch {
          continue;
        }
        for (const name of names) {
          let stats: Stats;
          try {
            stats = lstatSync(join(watched, name));
          } catch {
            continue; // renamed or removed between readdir and lstat
          }
          const what = `${name} ${stats.isSocket() ? 'socket' : stats.isDirectory() ? 'dir' : 'other'} ${modeOf(stats)} ${stats.uid}:${stats.gid}`;
          if (!seen.includes(what)) seen.push(what);
          if (name === 'gw.sock') {
            socketObservations++;
            firstSeenAt ??= Date.now();
            if (!stats.isSocket() || modeOf(stats) !== '0660' || stats.uid !== NOBODY || stats.gid !== NOGROUP) wrong.push(what);
          } else if (name.startsWith('.dockgate-')) {
            // The staging directory: nobody but root may reach into it while the socket is prepared there.
            if (!stats.isDirectory() || (stats.mode & 0o077) !== 0 || stats.uid !== 0) wrong.push(what);
          } else {
            wrong.push(what);
          }
        }
      }
      assert.ok(firstSeenAt !== undefined, `the socket never appeared\n--- gateway output ---\n${gateway.output()}`);
      assert.deepEqual(wrong, [], `observed at the target path or beside it: ${seen.join(' | ')}`);
      assert.ok(socketObservations > 10, `too few observations to mean anything: ${socketObservations}`);

      await gateway.waitUntilReady();
      const stats = lstatSync(path);
      assert.ok(stats.isSocket());
      assert.equal(modeOf(stats), '0660');
      assert.equal(stats.uid, NOBODY);
      assert.equal(stats.gid, NOGROUP);
      assert.deepEqual(readdirSync(watched), ['gw.sock'], 'the staging directory was left behind');
      // The owner, nobody, is served (and identified by the gateway, not refused for lack of a name).
      assert.equal(pingAs(NOBODY, NOGROUP, path), '200 OK');
    } finally {
      const exit = await gateway.stop();
      assert.equal(exit.code, 0, `gateway exit ${JSON.stringify(exit)}\n${gateway.output()}`);
    }
    assert.equal(existsSync(path), false, 'the socket file stays after the gateway stopped');
  });

  test('a uid-65534 client outside the socket group cannot connect; inside the group it can', async () => {
    const owner = join(dir, 'owner-only.sock'); // mode 0600, root:root
    const rootGroup = join(dir, 'root-group.sock'); // mode 0660, root:root
    const nogroupGroup = join(dir, 'nogroup.sock'); // mode 0660, root:nogroup
    const listeners = [`unix://${owner}?mode=0600`, `unix://${rootGroup}?mode=0660`, `unix://${nogroupGroup}?mode=0660&group=nogroup`];
    const gateway = await startGateway({ upstream, listen: listeners, profile: 'audit' });
    try {
      assert.equal(modeOf(lstatSync(owner)), '0600');
      assert.equal(lstatSync(owner).gid, 0);
      assert.equal(modeOf(lstatSync(rootGroup)), '0660');
      assert.equal(lstatSync(nogroupGroup).gid, NOGROUP);

      assert.equal(pingAs(NOBODY, NOGROUP, owner), 'EACCES', 'mode 0600 lets uid 65534 in');
      assert.equal(pingAs(NOBODY, NOGROUP, rootGroup), 'EACCES', 'mode 0660 root:root lets uid 65534 (group nogroup) in');
      assert.equal(pingAs(NOBODY, STRANGER_GROUP, nogroupGroup), 'EACCES', 'mode 0660 root:nogroup lets a uid-65534 client of another group in');
      // The control: the same client, in the socket's group, is served; so the refusals above are the mode's doing.
      assert.equal(pingAs(NOBODY, NOGROUP, nogroupGroup), '200 OK');
    } finally {
      await gateway.stop();
    }
  });

  test('a stale socket (bound by a process that died) is replaced', async () => {
    const path = join(dir, 'stale.sock');
    await leaveStaleSocket(path);
    const staleInode = lstatSync(path).ino;
    assert.ok(lstatSync(path).isSocket());
    assert.equal(await connectResult(path), 'ECONNREFUSED', 'the leftover socket should be dead');

    const gateway = await startGateway({ upstream, listen: [`unix://${path}?mode=0600`], profile: 'audit' });
    try {
      const stats = lstatSync(path);
      assert.notEqual(stats.ino, staleInode, 'the stale socket is still there');
      assert.equal(modeOf(stats), '0600');
      assert.equal(await connectResult(path), 'connected');
    } finally {
      await gateway.stop();
    }
  });

  test('a live socket (something answers on it) makes serve exit non-zero with one line, and is left alone', async () => {
    const path = join(dir, 'live.sock');
    let accepted = 0;
    const server: Server = createServer((socket) => {
      accepted++;
      socket.on('error', () => {}); // the gateway's probe hangs up at once
      socket.end('hello from the owner\n');
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const inode = lstatSync(path).ino;
      const failure = await runGatewayExpectingFailure({ upstream, listen: [`unix://${path}`], profile: 'audit' });
      assertOneLineFailure(failure, /in use|answers/);
      assert.ok(failure.output.includes(path), `the message should name the path: ${failure.output}`);
      assert.equal(lstatSync(path).ino, inode, 'the live socket was replaced');
      const before = accepted;
      assert.equal(await connectResult(path), 'connected');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(accepted, before + 1, 'the live socket no longer reaches its owner');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.startsWith('.dockgate-')),
      [],
    );
  });

  test('a regular file or a symlink at the path makes serve exit non-zero with one line, and is left alone', async () => {
    const file = join(dir, 'file.sock');
    writeFileSync(file, 'not a socket\n', { mode: 0o644 });
    const fileFailure = await runGatewayExpectingFailure({ upstream, listen: [`unix://${file}`], profile: 'audit' });
    assertOneLineFailure(fileFailure, /not a socket/);
    assert.ok(fileFailure.output.includes(file), fileFailure.output);
    assert.ok(lstatSync(file).isFile());
    assert.equal(readFileSync(file, 'utf8'), 'not a socket\n');

    // A symlink, even one pointing at a live socket elsewhere, is not the gateway's socket to replace.
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'the target\n');
    const link = join(dir, 'link.sock');
    symlinkSync(target, link);
    const linkFailure = await runGatewayExpectingFailure({ upstream, listen: [`unix://${link}`], profile: 'audit' });
    assertOneLineFailure(linkFailure, /not a socket/);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readlinkSync(link), target);
    assert.equal(readFileSync(target, 'utf8'), 'the target\n');
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.startsWith('.dockgate-')),
      [],
    );
  });
});
