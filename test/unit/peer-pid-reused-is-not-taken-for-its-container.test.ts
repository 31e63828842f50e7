// The pid a unix connection carries (SO_PEERCRED, recorded at connect) may have been reused by another
// process, maybe in another container, by the time dockgate reads /proc/PID/cgroup. The start time read
// before and after the cgroup must be the same and no later than the connection's accept: otherwise the
// peer is an ordinary unix peer, and the reason is kept for its record. Shown with scripted /proc reads
// (reuse between the reads, exit during them) and with real processes on this host (one started after the
// accept, one that has exited), and with the peer's pidfd where the kernel gives one (SO_PEERPIDFD).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { withContainer, type ContainerDocument } from '../../src/identify/container-peer.js';
import type { UnixPeer } from '../../src/identify/identity.js';
import { openPeerPidfd } from '../../src/identify/peer-credentials.js';
import { hostProc, peerCgroup, startTimeOf, ticksSinceBoot, type ProcFiles } from '../../src/identify/peer-process.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

/** A /proc/PID/stat line whose command name holds spaces and parentheses, started at `start` ticks. */
function stat(pid: number, start: number): string {
  const fields = ['S', '1', String(pid), String(pid), '0', '-1', '4194560', '100', '0', '0', '0', '1', '2', '0', '0', '20', '0', '1', '0', String(start), '1000', '50'];
  return `${pid} (evil) (name ) ${fields.join(' ')}\n`;
}

/**
 * /proc reads in sequence: each call to stat or cgroup takes the next answer of its list. The cgroup is read
 * once to tell host processes (which are not read again) and, when it names a container, again between the
 * start times: `cgroups` lists the second read; the first sees the same text, or the container's when that is gone.
 */
function scripted(stats: (string | undefined)[], cgroups: (string | undefined)[]): ProcFiles {
  const reads = [cgroups[0] ?? `0::/docker/${A}\n`, ...cgroups];
  return { stat: () => stats.shift(), cgroup: () => reads.shift() };
}

/** This host's /proc for the start times, and a cgroup that names container A (this host's processes are in none). */
const inContainerA: ProcFiles = { stat: (pid) => hostProc.stat(pid), cgroup: () => `0::/docker/${A}\n` };

describe('pid reuse between connect and the cgroup read', () => {
  test('field 22 is read after the last parenthesis of the command name', () => {
    assert.equal(startTimeOf(stat(7, 12345)), 12345n);
    assert.equal(startTimeOf('7 (x) S'), undefined);
  });

  test('the same process before and after, started before the accept: its container is taken', () => {
    assert.deepEqual(peerCgroup(7, 500n, scripted([stat(7, 400), stat(7, 400)], [`0::/docker/${A}\n`])), { kind: 'container', id: A });
    assert.deepEqual(peerCgroup(7, 400n, scripted([stat(7, 400), stat(7, 400)], [`0::/docker/${A}\n`])), { kind: 'container', id: A });
  });

  test('a process started after the accept holds the pid: the peer exited and its pid was reused', () => {
    const result = peerCgroup(7, 500n, scripted([stat(7, 501), stat(7, 501)], [`0::/docker/${B}\n`]));
    assert.equal(result.kind, 'race');
    assert.match((result as { why: string }).why, /pid 7 is a process started after the connection was accepted/);
  });

  test('the pid changes hands during the cgroup read: not taken', () => {
    const result = peerCgroup(7, 900n, scripted([stat(7, 400), stat(7, 800)], [`0::/docker/${B}\n`]));
    assert.deepEqual(result, { kind: 'race', why: 'pid 7 was reused by another process while its cgroup was read' });
  });

  test('the peer exits before or during the read: not taken', () => {
    assert.equal(peerCgroup(7, 900n, { stat: () => undefined, cgroup: () => undefined }).kind, 'race');
    assert.equal(peerCgroup(7, 900n, scripted([undefined], [])).kind, 'race');
    assert.equal(peerCgroup(7, 900n, scripted([stat(7, 400), undefined], [`0::/docker/${A}\n`])).kind, 'race');
    assert.equal(peerCgroup(7, 900n, scripted([stat(7, 400), stat(7, 400)], [undefined])).kind, 'race');
  });

  test("a real process started after the accept is not taken; one started before is (its start time from this host's /proc)", async () => {
    const accepted = ticksSinceBoot();
    await sleep(30); // more than one tick (10 ms) after the accept
    const later = spawn('sleep', ['5'], { stdio: 'ignore' });
    try {
      const result = peerCgroup(later.pid!, accepted, inContainerA);
      assert.equal(result.kind, 'race', JSON.stringify(result));
      assert.deepEqual(peerCgroup(later.pid!, ticksSinceBoot(), inContainerA), { kind: 'container', id: A });
      assert.deepEqual(peerCgroup(later.pid!, ticksSinceBoot()), { kind: 'none' }, 'on this host, it is in no container');
    } finally {
      later.kill();
    }
  });

  test('a real exited process is not taken', async () => {
    const gone = spawn('true', [], { stdio: 'ignore' });
    await once(gone, 'exit');
    const result = peerCgroup(gone.pid!, ticksSinceBoot(), inContainerA);
    // Its pid may have been given to another process meanwhile (then that one is read), but never the exited one.
    if (result.kind === 'race') assert.match(result.why, /exited before/);
  });

  test('withContainer: a race leaves an ordinary peer saying why, and the engine is not asked', async () => {
    const peer: UnixPeer = { kind: 'unix', listener: 'unix:///s', uid: 0, gid: 0, pid: 7 };
    let asked = 0;
    const inspect = async (id: string): Promise<ContainerDocument | undefined> => {
      asked++;
      return { Id: id, Name: '/web', Config: { Image: 'nginx', Labels: { 'com.docker.compose.service': 'web', 'com.docker.compose.project': 'shop' } } };
    };
    const raced = await withContainer(peer, 500n, inspect, scripted([stat(7, 501), stat(7, 501)], [`0::/docker/${A}\n`]));
    assert.equal(raced.container, undefined);
    assert.match(raced.noContainer ?? '', /started after the connection was accepted/);
    assert.equal(asked, 0);
    const found = await withContainer(peer, 500n, inspect, scripted([stat(7, 400), stat(7, 400)], [`0::/docker/${A}\n`]));
    assert.deepEqual(found.container, {
      id: A,
      name: 'web',
      image: 'nginx',
      labels: { 'com.docker.compose.service': 'web', 'com.docker.compose.project': 'shop' },
      composeProject: 'shop',
      composeService: 'web',
    });
    assert.equal(asked, 1);
  });

  test('withContainer: an id the engine does not know, or an engine that fails, leaves an ordinary peer', async () => {
    const peer: UnixPeer = { kind: 'unix', listener: 'unix:///s', uid: 0, gid: 0, pid: 7 };
    const proc = (): ProcFiles => scripted([stat(7, 400), stat(7, 400)], [`0::/docker/${A}\n`]);
    const unknown = await withContainer(peer, 500n, async () => undefined, proc());
    assert.match(unknown.noContainer ?? '', /the engine knows no container aaaaaaaaaaaa/);
    const failing = await withContainer(peer, 500n, () => Promise.reject(new Error('engine down')), proc());
    assert.match(failing.noContainer ?? '', /engine down/);
    const host = await withContainer(peer, 500n, async () => assert.fail('asked'), scripted([stat(7, 400), stat(7, 400)], ['0::/user.slice\n']));
    assert.deepEqual(host, peer);
  });
});

describe('the peer pidfd (SO_PEERPIDFD), with real processes', () => {
  test('a live peer is read; once it has exited its pidfd says so and its pid is not taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-pidfd-'));
    const path = join(dir, 's.sock');
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const peer = spawn(process.execPath, ['-e', `require('net').connect(${JSON.stringify(path)}); setTimeout(() => {}, 60000)`], { stdio: 'ignore' });
    try {
      while (accepted.length === 0) await sleep(10);
      const socket = accepted[0]!;
      const pidfd = openPeerPidfd(socket, 'unix://test');
      assert.ok(typeof pidfd === 'object', `this kernel (${release()}) gives SO_PEERPIDFD`);
      assert.equal(pidfd.alive(), true);
      assert.deepEqual(peerCgroup(peer.pid!, ticksSinceBoot(), inContainerA, pidfd), { kind: 'container', id: A }, 'a live peer is read');
      peer.kill('SIGKILL');
      await once(peer, 'exit');
      await sleep(50);
      assert.equal(pidfd.alive(), false, 'the pidfd knows the peer is gone');
      // Whatever now holds the pid (nothing, or a process that reused it), the peer's pidfd refuses it.
      const proc: ProcFiles = { stat: () => stat(peer.pid!, 1), cgroup: () => `0::/docker/${B}\n` };
      assert.match(JSON.stringify(peerCgroup(peer.pid!, ticksSinceBoot(), proc, pidfd)), /exited, and its pid may have been reused/);
      pidfd.close();
    } finally {
      peer.kill('SIGKILL');
      for (const socket of accepted) socket.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
