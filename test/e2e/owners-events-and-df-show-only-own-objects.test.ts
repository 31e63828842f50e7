// Owners on the real engine: the event stream and `system df`, which the engine cannot filter by owner, are
// kept to the client's own objects by dockgate (docs/owners-design.md, section 6). Two unix users on one
// gateway each make, use and remove containers, volumes and networks; one's `docker events` (a replay with
// --since/--until, and a live stream), `docker system df -v`, and the same read by a plain HTTP client, hold
// none of the other's names or ids (the whole output searched) and do hold its own. The audit records of a
// client with an owner name it, and say when the answer was kept to it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { apiAsUser } from '../support/api-as-user.js';
import { cliEnvironment, dockerAsUser, spawnAsUser } from '../support/docker-as-user.js';
import type { Engine } from '../support/engine.js';
import { ALICE_UID as ALICE, BOB_UID as BOB, startTwoUsers } from '../support/owners-rig.js';
import { useTeardown } from '../support/teardown.js';

const USERS = [
  { uid: ALICE, prefix: 'alice' },
  { uid: BOB, prefix: 'bob' },
] as const;

/** What each user made: the names it chose and the ids the engine gave, all of which must stay out of the other's view. */
interface Made {
  names: string[];
  ids: string[];
  /** Objects still there at the end (a replay shows a volume or network only while it exists). */
  kept: { container: string; containerId: string; volume: string; network: string; networkId: string };
  /** The container made and removed (a live stream and a replay both show it: container events carry its labels). */
  gone: { container: string; containerId: string; volume: string; network: string };
}

/** The rows of `docker system df -v`'s image table (its title and column header left out). */
function imageRows(df: string): string[] {
  return df
    .slice(0, df.indexOf('Containers space usage'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(2);
}

describe('owners: events and df show only the owner’s objects', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let engine: Engine;
  let host: string;
  let socket: string;
  let auditLog: string;
  let homes: ReadonlyMap<number, string>;
  const made = new Map<number, Made>();
  let since = 0;
  let until = 0;
  let live = '';

  const as = async (uid: number, ...args: string[]) => {
    const run = await dockerAsUser(uid, args, host, homes.get(uid)!);
    assert.equal(run.code, 0, `${args.join(' ')} as ${uid}: ${run.stderr}`);
    return run.stdout;
  };
  const direct = (...args: string[]) => dockerOk(args, engine.endpoint);

  /** Asserts that `output` names nothing of `other`'s (names, ids, short ids) and every one of `expected`. */
  function onlyOwn(output: string, other: Made, what: string, expected: readonly string[]): void {
    for (const leak of [...other.names, ...other.ids, ...other.ids.map((id) => id.slice(0, 12))]) assert.ok(!output.includes(leak), `${what} shows ${leak}:\n${output}`);
    for (const shown of expected) assert.ok(output.includes(shown), `${what} does not show ${shown}:\n${output}`);
  }

  before(
    async () => {
      auditLog = join(teardown.tempDir('/tmp/dgd-'), 'audit.jsonl');
      ({ engine, host, socket, homes } = await startTwoUsers(teardown, { auditLog }));
      // Images are not shared: each user runs its own copy of busybox, labelled on the engine directly.
      for (const { uid, prefix } of USERS) {
        const box = (await direct('create', BUSYBOX_IMAGE)).trim();
        await direct('commit', '--change', `LABEL dockgate.owner=${uid}`, box, `${prefix}-busybox`);
        await direct('rm', box);
      }

      since = Math.floor(Date.now() / 1000) - 1;
      // Alice's live stream, open while both users work.
      const watcher = spawnAsUser(ALICE, ['docker', 'events', '--format', '{{json .}}'], cliEnvironment(host, homes.get(ALICE)!));
      watcher.stdout.setEncoding('utf8').on('data', (chunk: string) => (live += chunk));
      teardown.add(() => void watcher.kill('SIGKILL'));
      await sleep(500);

      for (const { uid, prefix } of USERS) {
        const n = (what: string) => `${prefix}-${what}`;
        await as(uid, 'volume', 'create', n('vol'));
        await as(uid, 'volume', 'create', n('keep-vol'));
        const networkId = (await as(uid, 'network', 'create', n('net'))).trim();
        const keptNetworkId = (await as(uid, 'network', 'create', n('keep-net'))).trim();
        const goneId = (await as(uid, 'run', '-d', '--name', n('c'), '--network', n('net'), '-v', `${n('vol')}:/d`, n('busybox'), 'sleep', '300')).trim();
        await as(uid, 'exec', n('c'), 'true');
        const keptId = (await as(uid, 'run', '-d', '--name', n('keep-c'), '--network', n('keep-net'), '-v', `${n('keep-vol')}:/d`, n('busybox'), 'sleep', '300')).trim();
        await as(uid, 'stop', '-t', '0', n('c'));
        await as(uid, 'rm', n('c'));
        // Owners do not cover volume and network removal yet (docs/owners-design.md, "What remains" 4): the
        // engine's own client removes them; the events are the same whoever asks.
        await direct('volume', 'rm', n('vol'));
        await direct('network', 'rm', n('net'));
        made.set(uid, {
          names: [n('vol'), n('keep-vol'), n('net'), n('keep-net'), n('c'), n('keep-c'), n('busybox')],
          ids: [networkId, keptNetworkId, goneId, keptId],
          kept: { container: n('keep-c'), containerId: keptId, volume: n('keep-vol'), network: n('keep-net'), networkId: keptNetworkId },
          gone: { container: n('c'), containerId: goneId, volume: n('vol'), network: n('net') },
        });
      }
      // Refused before the owner step (baseline grants no swarm operation): its record names the owner too.
      assert.notEqual((await dockerAsUser(BOB, ['swarm', 'init'], host, homes.get(BOB)!)).code, 0);
      until = Math.floor(Date.now() / 1000) + 1;
      // The live stream has caught up once alice's last event (her network's removal) is in it.
      for (let i = 0; i < 100 && !live.includes('"Action":"destroy","Actor":{"ID":"' + made.get(ALICE)!.ids[0]); i++) await sleep(100);
      watcher.kill('SIGTERM');
    },
    { timeout: 150_000 },
  );

  test("a replay (--since, --until) holds the user's own container, exec, volume and network events and nothing of the other's", async () => {
    const engineSide = await direct('events', '--since', String(since), '--until', String(until), '--format', '{{json .}}');
    for (const name of ['bob-c', 'bob-keep-vol', 'bob-keep-net']) assert.ok(engineSide.includes(name), `the engine's own stream has ${name}`);
    for (const [uid, other] of [
      [ALICE, BOB],
      [BOB, ALICE],
    ] as const) {
      const own = made.get(uid)!;
      const output = await as(uid, 'events', '--since', String(since), '--until', String(until), '--format', '{{json .}}');
      // Volumes and networks still there are shown; the removed ones cannot be told apart from another owner's any more, so are not.
      onlyOwn(output, made.get(other)!, `uid ${uid}'s replay`, [own.kept.containerId, own.gone.containerId, own.gone.container, own.kept.volume, own.kept.networkId, 'exec_start']);
      assert.ok(output.includes(`"Type":"network","Action":"connect"`), `uid ${uid}'s replay shows its container joining its network`);
    }
  });

  test('a live stream holds every event of the owner’s objects, the removed volume and network too, and nothing of the other’s', () => {
    const alice = made.get(ALICE)!;
    onlyOwn(live, made.get(BOB)!, "alice's live stream", [alice.gone.container, alice.gone.containerId, alice.gone.volume, alice.gone.network, alice.kept.volume, alice.kept.networkId]);
    assert.match(live, /"Type":"volume","Action":"destroy","Actor":\{"ID":"alice-vol"/);
  });

  test('system df -v shows the owner’s containers, volumes and images only, no build cache', async () => {
    const engineSide = await direct('system', 'df', '-v');
    assert.ok(engineSide.includes('bob-keep-c') && engineSide.includes('alice-keep-c'));
    assert.equal(imageRows(engineSide).length, 3, 'the engine itself lists the busybox image and each owner’s copy');
    for (const [uid, other] of [
      [ALICE, BOB],
      [BOB, ALICE],
    ] as const) {
      const own = made.get(uid)!;
      const output = await as(uid, 'system', 'df', '-v');
      onlyOwn(output, made.get(other)!, `uid ${uid}'s df -v`, [own.kept.container, own.kept.volume]);
      const images = imageRows(output);
      assert.equal(images.length, 1, `only the owner's own image is shown, not the unowned busybox (images are not shared by the rule):\n${output}`);
      assert.ok(images[0]!.startsWith(own.names.at(-1)!), images[0]);
    }
  });

  test('a plain HTTP client gets the same: events and df kept to its owner', async () => {
    const alice = made.get(ALICE)!;
    const bob = made.get(BOB)!;
    const events = await apiAsUser(ALICE, socket, 'GET', `/v1.41/events?since=${since}&until=${until}`);
    assert.equal(events.status, 200);
    onlyOwn(events.body, bob, 'the raw event stream', [alice.kept.containerId, alice.gone.containerId, alice.kept.volume]);
    const lines = events.body.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 5 && lines.every((l) => JSON.parse(l) !== null), 'one JSON event per line');
    const df = await apiAsUser(ALICE, socket, 'GET', '/v1.41/system/df');
    assert.equal(df.status, 200);
    onlyOwn(df.body, bob, 'the raw df answer', [alice.kept.containerId, alice.kept.volume]);
    const doc = JSON.parse(df.body) as {
      Containers: { Labels: Record<string, string> }[];
      Volumes: { Name: string }[];
      Images: { Labels: Record<string, string> | null; Size: number }[];
      BuildCache: unknown[];
      LayersSize: number;
    };
    assert.deepEqual(
      doc.Containers.map((c) => c.Labels['dockgate.owner']),
      [String(ALICE)],
    );
    assert.deepEqual(
      doc.Volumes.map((v) => v.Name),
      [alice.kept.volume],
    );
    assert.deepEqual(
      doc.Images.map((i) => i.Labels?.['dockgate.owner']),
      [String(ALICE)],
    );
    assert.deepEqual([doc.BuildCache, doc.LayersSize], [[], doc.Images[0]!.Size]);
  });

  test('every audit record of a client with an owner names it; events and df say they were kept to it', () => {
    const records = readFileSync(auditLog, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { phase: string; identity: { uid?: number }; operation?: string; owner?: string; ownerFiltered?: boolean; decision: string });
    const tenants = records.filter((r) => r.phase !== 'connection' && (r.identity.uid === ALICE || r.identity.uid === BOB));
    assert.ok(tenants.length > 20);
    for (const r of tenants) assert.equal(r.owner, String(r.identity.uid), `${r.phase} ${r.operation} ${r.decision}`);
    const filtered = tenants.filter((r) => r.phase === 'done' && (r.operation === 'system.events' || r.operation === 'system.df'));
    assert.ok(filtered.length >= 6);
    for (const r of filtered) assert.equal(r.ownerFiltered, true, `${r.operation}`);
    assert.ok(tenants.filter((r) => r.operation === 'container.stop').every((r) => r.ownerFiltered === undefined));
    assert.ok(
      tenants.some((r) => r.operation === 'swarm.init' && r.decision === 'deny' && r.owner === String(BOB)),
      'a refused grant names the owner',
    );
    assert.ok(
      records.filter((r) => r.identity.uid === 0).every((r) => r.owner === undefined),
      'the harness has no owner',
    );
  });
});
