// The event stream of a client with an owner keeps only the events about its own objects, whatever the
// engine's chunks: container and exec events by the labels moby copies into the actor's attributes, image
// events by label (all of them when images are shared), volume and network events by the owner the engine
// says the object has (asked once per stream, remembered; an object gone is not shown), network connects
// only with the owner's containers, everything else only with the owner's label. Kept lines go on byte for
// byte and in the engine's order; a line that cannot be judged ends the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OwnerEvents, OWNERS_REMEMBERED } from '../../src/judge/owner/owner-events.js';
import { OwnerEventLineError, OwnerEventLines } from '../../src/forward/owner-event-lines.js';
import type { SharedKind } from '../../src/judge/owner/owner-source.js';
import type { ReachEngine } from '../../src/judge/reach/reach-context.js';

const ALICE = { 'dockgate.owner': 'alice' };
const BOB = { 'dockgate.owner': 'bob' };

/** An event as moby 20.10 writes it (legacy fields first, the actor's attributes holding the labels). */
function event(type: string, action: string, id: string, attributes: Record<string, string>): string {
  const legacy = type === 'container' ? { status: action, id, from: attributes.image ?? '' } : {};
  const line = { ...legacy, Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local', time: 1700000000, timeNano: 1700000000000000000 };
  // Go escapes <, > and &: the filter must pass such bytes on as they are.
  return JSON.stringify(line).replace(/&/g, '\\u0026') + '\n';
}

/** What the scripted engine holds: volumes and networks by name/id with their labels, containers by id. */
const VOLUMES: Record<string, Record<string, string>> = { 'alice-data': ALICE, 'bob-data': BOB, 'plain-data': {} };
const NETWORKS: Record<string, Record<string, string>> = { 'net-alice-id': ALICE, 'net-bob-id': BOB };
const CONTAINERS: Record<string, Record<string, string>> = { 'c-alice-old': ALICE, 'c-bob-old': BOB };

interface Asked {
  asked: string[];
}

function scriptedEngine(log: Asked, failing = false): Pick<ReachEngine, 'container' | 'volume' | 'network'> {
  const later = <T>(value: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(value)));
  return {
    container: (ref: string) => {
      log.asked.push(`container:${ref}`);
      const labels = CONTAINERS[ref];
      return later(labels === undefined ? undefined : { Id: ref, Name: `/${ref}`, Image: 'x', Config: { Labels: labels }, HostConfig: {}, Mounts: [] });
    },
    volume: (name: string) => {
      log.asked.push(`volume:${name}`);
      if (failing) return Promise.reject(new Error('engine gone'));
      const labels = VOLUMES[name];
      return later(labels === undefined ? undefined : { Name: name, Driver: 'local', Options: null, Labels: labels });
    },
    network: (id: string) => {
      log.asked.push(`network:${id}`);
      const labels = NETWORKS[id];
      return later(labels === undefined ? undefined : { Id: id, Name: id, Driver: 'bridge', Labels: labels });
    },
  };
}

const STREAM: readonly (readonly [line: string, keptForAlice: boolean])[] = [
  [event('container', 'create', 'c-alice', { image: 'busybox', name: 'web', ...ALICE, note: 'a&b <x>' }), true],
  [event('container', 'create', 'c-bob', { image: 'busybox', name: 'bobweb', ...BOB }), false],
  [event('container', 'create', 'c-none', { image: 'busybox', name: 'plain' }), false],
  // An exec is a container event of its container, with its labels.
  [event('container', 'exec_create: sh -c id', 'c-alice', { image: 'busybox', name: 'web', execID: 'e1', ...ALICE }), true],
  [event('container', 'exec_create: sh -c id', 'c-bob', { image: 'busybox', name: 'bobweb', execID: 'e2', ...BOB }), false],
  // A label spelled otherwise is another label: not the owner's.
  [event('container', 'start', 'c-spelled', { image: 'busybox', name: 'x', 'Dockgate.Owner': 'alice' }), false],
  [event('image', 'tag', 'sha256:aaa', { name: 'alice/app:1', ...ALICE }), true],
  [event('image', 'pull', 'busybox:latest', { name: 'busybox' }), false],
  [event('image', 'tag', 'sha256:bbb', { name: 'bob/app:1', ...BOB }), false],
  [event('volume', 'create', 'alice-data', { driver: 'local' }), true],
  [event('volume', 'create', 'bob-data', { driver: 'local' }), false],
  [event('volume', 'create', 'plain-data', { driver: 'local' }), false],
  // A volume the engine no longer has (a replay): nobody can tell whose it was, so it is not shown.
  [event('volume', 'destroy', 'gone-data', { driver: 'local' }), false],
  // Asked once: the second event about it is judged from what the stream remembers.
  [event('volume', 'mount', 'alice-data', { driver: 'local', container: 'c-alice', destination: '/d', 'read/write': 'true', propagation: '' }), true],
  [event('network', 'create', 'net-alice-id', { name: 'alice-net', type: 'bridge' }), true],
  [event('network', 'create', 'net-bob-id', { name: 'bob-net', type: 'bridge' }), false],
  [event('network', 'connect', 'net-alice-id', { container: 'c-alice', name: 'alice-net', type: 'bridge' }), true],
  // Another owner's container on the owner's network: that container's id would leak.
  [event('network', 'connect', 'net-alice-id', { container: 'c-bob', name: 'alice-net', type: 'bridge' }), false],
  // A container the stream has not met: asked of the engine.
  [event('network', 'disconnect', 'net-alice-id', { container: 'c-alice-old', name: 'alice-net', type: 'bridge' }), true],
  [event('network', 'disconnect', 'net-alice-id', { container: 'c-bob-old', name: 'alice-net', type: 'bridge' }), false],
  [event('network', 'connect', 'net-alice-id', { container: 'c-gone', name: 'alice-net', type: 'bridge' }), false],
  [event('daemon', 'reload', 'daemon-id', { name: 'host' }), false],
  [event('plugin', 'enable', 'p1', { name: 'vieux/sshfs' }), false],
  [event('service', 'create', 's1', { name: 'alice-svc', ...ALICE }), true],
  [event('service', 'create', 's2', { name: 'bob-svc', ...BOB }), false],
  [event('node', 'update', 'n1', { name: 'node' }), false],
  [event('secret', 'create', 'x1', { name: 'alice-secret' }), false],
  [event('builder', 'prune', '', { reclaimed: '1' }), false],
  [event('container', 'destroy', 'c-alice', { image: 'busybox', name: 'web', ...ALICE }), true],
  [event('container', 'destroy', 'c-bob', { image: 'busybox', name: 'bobweb', ...BOB }), false],
];

const INPUT = Buffer.from(STREAM.map(([line]) => line).join(''));
const KEPT = STREAM.filter(([, kept]) => kept)
  .map(([line]) => line)
  .join('');

/** The stream filtered for alice, fed in the given pieces; what came out, and what the engine was asked. */
async function filtered(pieces: readonly Buffer[], shared: readonly SharedKind[] = [], failing = false): Promise<{ text: string; asked: string[] }> {
  const log: Asked = { asked: [] };
  const events = new OwnerEvents('alice', shared, scriptedEngine(log, failing));
  const out: Buffer[] = [];
  const lines = new OwnerEventLines(
    (e) => events.keeps(e),
    (line) => out.push(Buffer.from(line)),
    (err) => assert.fail(String(err)),
  );
  for (const piece of pieces) lines.push(piece);
  lines.end();
  await new Promise<void>((resolve) => lines.whenIdle(resolve));
  return { text: Buffer.concat(out).toString('utf8'), asked: log.asked };
}

test("alice's stream holds exactly her events, byte for byte and in order, the rest left out", async () => {
  const { text, asked } = await filtered([INPUT]);
  assert.equal(text, KEPT);
  for (const name of ['bob', 'c-none', 'plain', 'gone', 'daemon', 'busybox:latest', 'vieux', 'node', 'reclaimed']) assert.ok(!text.includes(name), `${name} leaked`);
  // Each volume and network asked once; containers only when a connect names one the stream has not met.
  assert.deepEqual(asked.sort(), [
    'container:c-alice-old',
    'container:c-bob-old',
    'container:c-gone',
    'network:net-alice-id',
    'network:net-bob-id',
    'volume:alice-data',
    'volume:bob-data',
    'volume:gone-data',
    'volume:plain-data',
  ]);
});

test('the same events are kept wherever the engine cuts the stream into chunks', async () => {
  for (let cut = 1; cut < INPUT.length; cut++) {
    const { text } = await filtered([INPUT.subarray(0, cut), INPUT.subarray(cut)]);
    assert.equal(text, KEPT, `cut at byte ${cut}`);
  }
  const bytes = [...INPUT].map((b) => Buffer.from([b]));
  assert.equal((await filtered(bytes)).text, KEPT, 'one byte at a time');
});

test('shared images show every image event; shared volumes and networks every volume and network event, but never a foreign container connecting', async () => {
  const { text } = await filtered([INPUT], ['images', 'volumes', 'networks']);
  assert.ok(text.includes('busybox:latest') && text.includes('bob/app:1'));
  assert.ok(text.includes('"bob-data"') && text.includes('"bob-net"') && text.includes('gone-data'));
  assert.ok(!text.includes('"c-bob"') && !text.includes('c-bob-old') && !text.includes('bobweb'));
});

test('an engine that cannot answer a look-up has the event left out', async () => {
  const { text } = await filtered([Buffer.from(event('volume', 'create', 'alice-data', { driver: 'local' }))], [], true);
  assert.equal(text, '');
});

test('a line that cannot be judged ends the stream: too long, not JSON, or cut off at the end', () => {
  const lines = (limit?: number) =>
    new OwnerEventLines(
      () => true,
      () => undefined,
      () => undefined,
      limit,
    );
  const long = lines(64);
  assert.throws(() => long.push(Buffer.from(event('container', 'start', 'x'.repeat(80), {}))), OwnerEventLineError);
  // A line over the bound is refused before its end arrives: nothing of it is held beyond the bound.
  assert.throws(() => lines(64).push(Buffer.alloc(65, 0x20)), OwnerEventLineError);
  assert.throws(() => lines().push(Buffer.from('{"Type":"container"\n')), OwnerEventLineError);
  const cut = lines();
  cut.push(Buffer.from(event('container', 'start', 'c', {}).slice(0, 20)));
  assert.throws(() => cut.end(), OwnerEventLineError);
});

test('what the stream remembers of owners is bounded: the oldest is forgotten and asked again', async () => {
  const log: Asked = { asked: [] };
  const events = new OwnerEvents('alice', [], scriptedEngine(log));
  await events.keeps(JSON.parse(event('network', 'connect', 'net-alice-id', { container: 'c-alice-old' })));
  for (let i = 0; i < OWNERS_REMEMBERED; i++) void events.keeps(JSON.parse(event('container', 'start', `c${i}`, ALICE)));
  log.asked = [];
  assert.equal(await events.keeps(JSON.parse(event('network', 'connect', 'net-alice-id', { container: 'c-alice-old' }))), true);
  assert.deepEqual(log.asked.sort(), ['container:c-alice-old', 'network:net-alice-id']);
});
