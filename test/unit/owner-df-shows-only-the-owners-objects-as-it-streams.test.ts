// `system df` for a client with an owner shows its own containers, volumes and images (all images when
// images are shared), no build cache, and LayersSize as the sum of the images shown, wherever the engine cuts
// the answer: each kept entry goes on byte for byte, only one entry is held at a time, and an answer that is
// not the document the engine writes is cut rather than passed on unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OwnerDfError, OwnerDfRewrite } from '../../src/forward/owner-df-rewrite.js';
import type { SharedKind } from '../../src/judge/owner/owner-source.js';

const ALICE = { 'dockgate.owner': 'alice' };
const BOB = { 'dockgate.owner': 'bob' };

function image(id: string, size: number, labels: Record<string, string> | null) {
  return { Containers: 1, Created: 1700000000, Id: id, Labels: labels, ParentId: '', RepoDigests: null, RepoTags: [`${id}:latest`], SharedSize: 0, Size: size, VirtualSize: size };
}
function container(id: string, labels: Record<string, string>) {
  return { Id: id, Names: [`/${id}-name`], Image: 'busybox', Command: 'sh -c "echo <&>"', Labels: labels, SizeRw: 12, SizeRootFs: 1000, State: 'exited', Mounts: [] };
}
function volume(name: string, labels: Record<string, string> | null) {
  return {
    CreatedAt: '2026-01-01T00:00:00Z',
    Driver: 'local',
    Labels: labels,
    Mountpoint: `/var/lib/docker/volumes/${name}/_data`,
    Name: name,
    Options: null,
    Scope: 'local',
    UsageData: { RefCount: 0, Size: 7 },
  };
}

const IMAGES = [image('alice-img', 100, ALICE), image('bob-img', 200, BOB), image('busybox', 4000, null)];
const CONTAINERS = [container('alice-c', ALICE), container('bob-c', BOB), container('plain-c', {}), container('alice-c2', { ...ALICE, other: 'x' })];
const VOLUMES = [volume('alice-vol', ALICE), volume('bob-vol', BOB), volume('anon-vol', null)];
const BUILD_CACHE = [
  { ID: 'cache1', Parent: '', Type: 'regular', Description: 'bob RUN secret-step', InUse: false, Shared: false, Size: 55, CreatedAt: '2026-01-01T00:00:00Z', UsageCount: 1 },
];

/** As Go writes it: HTML characters escaped, members in the struct's order, a newline after. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026') + '\n';
}
const ENGINE = Buffer.from(goJson({ LayersSize: 4300, Images: IMAGES, Containers: CONTAINERS, Volumes: VOLUMES, BuildCache: BUILD_CACHE, BuilderSize: 55 }));

function rewrite(pieces: readonly Buffer[], shared: readonly SharedKind[] = [], limit?: number): string {
  const out: Buffer[] = [];
  const r = new OwnerDfRewrite('alice', shared, (piece) => out.push(Buffer.from(piece)), limit);
  for (const piece of pieces) r.push(piece);
  r.end();
  return Buffer.concat(out).toString('utf8');
}

const ALICE_DF = { Images: [IMAGES[0]], Containers: [CONTAINERS[0], CONTAINERS[3]], Volumes: [VOLUMES[0]], BuildCache: [], LayersSize: 100 };

test("alice's df holds her containers, volumes and images only, no build cache, and the size of her images", () => {
  const text = rewrite([ENGINE]);
  assert.deepEqual(JSON.parse(text), ALICE_DF);
  // Each entry as the engine wrote it (Go's escapes kept).
  for (const kept of [...ALICE_DF.Containers, ...ALICE_DF.Volumes, ...ALICE_DF.Images]) assert.ok(text.includes(goJson(kept).trimEnd()));
  for (const foreign of ['bob', 'plain-c', 'anon-vol', 'busybox:latest', 'cache1', 'secret-step', '4300', 'BuilderSize']) assert.ok(!text.includes(foreign), `${foreign} leaked`);
});

test('the same document comes out wherever the engine cuts its answer', () => {
  const whole = rewrite([ENGINE]);
  for (let cut = 1; cut < ENGINE.length; cut++) assert.equal(rewrite([ENGINE.subarray(0, cut), ENGINE.subarray(cut)]), whole, `cut at byte ${cut}`);
  assert.equal(rewrite([...ENGINE].map((b) => Buffer.from([b]))), whole, 'one byte at a time');
});

test('shared images and volumes are all shown, with the engine LayersSize; containers and build cache never are', () => {
  const df = JSON.parse(rewrite([ENGINE], ['images', 'volumes'])) as typeof ALICE_DF;
  assert.deepEqual(df, { ...ALICE_DF, Images: IMAGES, Volumes: VOLUMES, LayersSize: 4300 });
});

test('empty and null arrays, and members the engine may add later, keep the answer readable', () => {
  const text = rewrite([Buffer.from('{"LayersSize":0,"Images":null,"Containers":[],"Volumes":[ ],"BuildCache":null,"Future":[{"a":[1]}],"Count":3,"Name":"x\\"y"}')]);
  assert.deepEqual(JSON.parse(text), { Images: [], Containers: [], Volumes: [], BuildCache: [], LayersSize: 0 });
});

test('an answer that is not the document the engine writes is refused, not passed on', () => {
  assert.throws(() => rewrite([ENGINE.subarray(0, ENGINE.length - 3)]), OwnerDfError);
  assert.throws(() => rewrite([Buffer.from('{"LayersSize":1,"ImageUsage":{"Items":[]}}')]), OwnerDfError);
  assert.throws(() => rewrite([Buffer.from('{"Containers":{"a":1}}')]), OwnerDfError);
  assert.throws(() => rewrite([Buffer.from('{"Containers":7}')]), OwnerDfError);
  assert.throws(() => rewrite([Buffer.from('[1]')]), OwnerDfError);
  assert.throws(() => rewrite([Buffer.from('{"Containers":[{"Labels":{"dockgate.owner":"alice"}} x]}')]));
  // An entry larger than the bound is not held, so not judged: the answer is cut.
  assert.throws(() => rewrite([ENGINE], [], 200), OwnerDfError);
});
