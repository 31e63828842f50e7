// Images under owners (docs/owners-design.md, sections 3 and 4): what a build, a commit or an import makes
// carries the owner's label, which no client sets itself in any place the engine reads it (a build's
// `labels`, a commit's or import's `changes` in every quoting the Dockerfile reader knows); an image of
// another owner (or none) is answered as the engine answers for a missing one unless images are shared,
// and even then it is neither tagged, pushed nor removed by anyone but its owner; a reference is created or
// moved only where it is free or already the owner's. Through the library judge(), as the gateway decides.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judge } from '../../src/index.js';
import type { Identity, UnixPeer } from '../../src/identify/identity.js';
import type { ImageFacts } from '../../src/judge/engine-lookup.js';
import { ownerQueryValues } from '../../src/judge/owner/query-label-stamps.js';
import { parseQuery } from '../../src/route/query.js';
import { fakeEngine } from '../support/fake-engine.js';
import { tenantsPolicy } from '../support/owners-rig.js';
import { tarArchive } from '../support/tar-builder.js';
import { ALICE as ALICE_ANY, ROOT } from '../support/policy-fixtures.js';

const ALICE = ALICE_ANY as UnixPeer;

const PRIVATE = tenantsPolicy();
const SHARED = tenantsPolicy(['images']);

function image(id: string, owner: string | undefined, ...names: string[]): ImageFacts & { names: string[] } {
  return { Id: `sha256:${id.repeat(64)}`, Config: { Labels: owner === undefined ? null : { 'dockgate.owner': owner } }, names };
}
const mine = image('a', 'alice', 'app', 'app:latest', 'docker.io/library/app:latest');
const bobs = image('b', 'bob', 'tool', 'tool:latest', 'docker.io/library/tool:latest', 'tool:1', 'docker.io/library/tool:1');
const pulled = image('c', undefined, 'busybox', 'busybox:latest', 'docker.io/library/busybox:latest');
const engine = fakeEngine({ images: [mine, bobs, pulled] });
const json = { 'content-type': 'application/json' };

const dockerfile = (text: string) => tarArchive([{ name: 'Dockerfile', data: text }]);
const context = dockerfile('FROM app\n');

/** A POST as the client sends it: a build carries its context. */
function post(rules: typeof PRIVATE, path: string, identity: Identity, body = context) {
  return judge(rules, { method: 'POST', path, identity, ...(path.startsWith('/v1.41/build') && { body }) }, engine);
}

const query = (path: string) => new URLSearchParams(path.slice(path.indexOf('?') + 1));

describe('owners-cannot-forge-the-label-through-build-commit-or-import', () => {
  const forged = [
    `/v1.41/build?t=x&labels=${encodeURIComponent('{"a":"1","dockgate.owner":"bob"}')}`,
    `/v1.41/images/create?fromSrc=-&repo=imported&changes=${encodeURIComponent('LABEL dockgate.owner=bob')}`,
    `/v1.41/images/create?fromSrc=-&changes=${encodeURIComponent('LABEL "dockgate.owner"="bob"')}`,
    `/v1.41/images/create?fromSrc=-&changes=${encodeURIComponent("LABEL a=b 'dockgate.owner'=bob")}`,
    `/v1.41/images/create?fromSrc=-&changes=${encodeURIComponent('ENV X=1\nLABEL dockgate.owner bob')}`,
    `/v1.41/images/create?fromSrc=-&changes=${encodeURIComponent('ONBUILD LABEL dockgate.owner=bob')}`,
    `/v1.41/images/create?fromSrc=-&changes=${encodeURIComponent('LABEL dock\\\ngate.owner=bob')}`,
  ];
  test('a client with an owner and one without are refused alike, naming where the label was set', async () => {
    for (const identity of [ALICE, ROOT]) {
      for (const path of forged) {
        const result = await post(PRIVATE, path, identity);
        assert.equal(result.verdict, 'deny', `${identity.kind} ${path}`);
        assert.match(result.reason, /^\?(labels\.dockgate\.owner|changes \(LABEL dockgate\.owner\)): the label says which owner an object belongs to/, path);
      }
    }
    const commit = await judge(PRIVATE, { method: 'POST', path: `/v1.41/commit?container=web&changes=${encodeURIComponent('LABEL "dockgate.owner"=bob')}`, identity: ROOT }, engine);
    assert.match(commit.reason, /^\?changes \(LABEL dockgate\.owner\): /);
    const body = await judge(PRIVATE, { method: 'POST', path: '/v1.41/commit?container=web', headers: json, body: '{"Labels":{"dockgate.owner":"bob"}}', identity: ROOT }, engine);
    assert.match(body.reason, /^Labels\.dockgate\.owner: /);
  });

  test('what a client with an owner builds or imports is stamped in the query the engine receives', async () => {
    const build = await post(PRIVATE, `/v1.41/build?t=fresh&labels=${encodeURIComponent('{"a":"1","a":"2"}')}`, ALICE);
    assert.equal(build.verdict, 'allow', build.reason);
    assert.deepEqual(JSON.parse(query(build.target!).get('labels')!), { a: '2', 'dockgate.owner': 'alice' });
    assert.deepEqual(build.changes.at(-1), { field: '?labels.dockgate.owner', value: 'alice' });
    for (const labels of ['not json', '{"x":1}', '[]']) {
      const unread = await post(PRIVATE, `/v1.41/build?labels=${encodeURIComponent(labels)}`, ALICE);
      assert.match(unread.message!, /query parameter labels denied by query\.canonical: .*, which the engine refuses/, labels);
    }
    const imported = await judge(PRIVATE, { method: 'POST', path: `/v1.41/images/create?fromSrc=-&repo=fresh&changes=${encodeURIComponent('CMD ["sh"]')}`, identity: ALICE }, engine);
    assert.equal(imported.verdict, 'allow', imported.reason);
    assert.deepEqual(query(imported.target!).getAll('changes'), ['CMD ["sh"]', 'LABEL "dockgate.owner"="alice"']);
    // An owner with characters the builder would expand or end a quote at is quoted for it.
    const odd = ownerQueryValues('container.commit', parseQuery('container=web&changes=ENV%20X%3D1'), 'a"b$X\\c');
    assert.deepEqual(odd, { field: '?changes (LABEL dockgate.owner)', values: { changes: ['ENV X=1', 'LABEL "dockgate.owner"="a\\"b\\$X\\\\c"'] } });
  });

  test('changes that would swallow the appended stamp are refused', async () => {
    for (const changes of ['LABEL a=b \\', 'LABEL a=b \\\n', '# escape=`\nLABEL a=b `']) {
      const result = await judge(PRIVATE, { method: 'POST', path: `/v1.41/images/create?fromSrc=-&changes=${encodeURIComponent(changes)}`, identity: ALICE }, engine);
      assert.equal(result.verdict, 'deny', changes);
      assert.match(result.reason, /^\?changes would swallow the owner's LABEL/, changes);
    }
  });
});

describe('owner-tags-only-its-own-images', () => {
  test('its own image is read, tagged and removed; the reads and the tag go out by the full id checked', async () => {
    for (const [method, path, target] of [
      ['GET', '/v1.41/images/app/json', `/v1.41/images/${mine.Id}/json`],
      ['GET', '/v1.41/images/app/history', `/v1.41/images/${mine.Id}/history`],
      ['POST', '/v1.41/images/app/tag?repo=app&tag=v2', `/v1.41/images/${mine.Id}/tag?repo=app&tag=v2`],
      ['DELETE', '/v1.41/images/app', '/v1.41/images/app'],
      ['GET', '/v1.41/images/get?names=app', '/v1.41/images/get?names=app'],
    ] as const) {
      const result = await judge(PRIVATE, { method, path, identity: ALICE }, engine);
      assert.equal(result.verdict, 'allow', `${path}: ${result.reason}`);
      assert.equal(result.target, target);
    }
  });

  test('without shared images, another owner’s image and one of no owner read as missing, in the engine’s words', async () => {
    for (const [method, path, message] of [
      ['GET', '/v1.41/images/tool/json', 'no such image: tool: No such image: tool:latest'],
      ['GET', '/v1.41/images/busybox/history', 'No such image: busybox:latest'],
      ['POST', '/v1.41/images/tool:1/tag?repo=mine', 'No such image: tool:1'],
      ['DELETE', '/v1.41/images/docker.io/library/tool', 'No such image: tool:latest'],
      ['GET', '/v1.41/images/get?names=app&names=tool', 'No such image: tool'],
      ['GET', '/v1.41/images/get?names=tool:1', 'reference does not exist'],
      ['GET', `/v1.41/images/${bobs.Id}/json`, `no such image: ${bobs.Id}: No such image: ${bobs.Id}`],
      ['GET', '/v1.41/images/ghost/json', 'no such image: ghost: No such image: ghost:latest'],
    ] as const) {
      const result = await judge(PRIVATE, { method, path, identity: ALICE }, engine);
      assert.equal(result.verdict, 'deny', path);
      assert.equal(result.message, message, path);
    }
    const run = await judge(PRIVATE, { method: 'POST', path: '/v1.41/containers/create', headers: json, body: '{"Image":"busybox"}', identity: ALICE }, engine);
    assert.equal(run.message, 'No such image: busybox:latest');
    assert.equal((await judge(PRIVATE, { method: 'GET', path: '/v1.41/images/json', identity: ALICE }, engine)).verdict, 'deny', 'the image list is not kept to the owner yet');
  });

  test('a reference is made or moved only where it is free or the owner’s', async () => {
    for (const path of [
      '/v1.41/images/app/tag?repo=tool',
      '/v1.41/images/app/tag?repo=docker.io/library/busybox&tag=latest',
      '/v1.41/build?t=fresh&t=tool:1',
      '/v1.41/images/create?fromSrc=-&repo=busybox',
      '/v1.41/images/create?fromImage=tool&tag=1',
      '/v1.41/images/create?fromImage=anything',
    ]) {
      for (const rules of [PRIVATE, SHARED]) {
        const result = await post(rules, path, ALICE);
        assert.equal(result.verdict, 'deny', path);
        assert.equal(result.message?.startsWith('dockgate: '), true, `${path}: a refusal naming the rule, ${result.message}`);
      }
    }
    assert.equal((await post(PRIVATE, '/v1.41/build?t=app&t=new:1', ALICE)).verdict, 'allow');
    assert.equal((await judge(PRIVATE, { method: 'POST', path: '/v1.41/images/create?fromImage=new&tag=1', identity: ALICE }, engine)).verdict, 'allow');
    // The same references are bob's to move, and the admin's (no owner) as before.
    assert.equal(
      (await judge(PRIVATE, { method: 'POST', path: '/v1.41/images/tool/tag?repo=tool&tag=2', identity: { ...ALICE, uid: 1001, gid: 1001, user: 'bob' } }, engine)).verdict,
      'allow',
    );
    assert.equal((await judge(PRIVATE, { method: 'POST', path: '/v1.41/images/tool/tag?repo=busybox', identity: ROOT }, engine)).verdict, 'allow');
  });

  test('with shared images, every image is read and used, but only its owner tags, pushes or removes it, and no create names another owner’s by name', async () => {
    for (const path of ['/v1.41/images/tool/json', '/v1.41/images/busybox/history', '/v1.41/images/get?names=tool', '/v1.41/images/json']) {
      assert.equal((await judge(SHARED, { method: 'GET', path, identity: ALICE }, engine)).verdict, 'allow', path);
    }
    for (const [method, path] of [
      ['POST', '/v1.41/images/tool/tag?repo=mine'],
      ['POST', '/v1.41/images/busybox/push'],
      ['DELETE', '/v1.41/images/tool'],
    ] as const) {
      const result = await judge(SHARED, { method, path, identity: ALICE }, engine);
      assert.equal(result.verdict, 'deny', path);
      assert.match(result.reason, /images are shared for reading, but only their owner pushes, tags or removes them/, path);
    }
    const create = (ref: string) => judge(SHARED, { method: 'POST', path: '/v1.41/containers/create', headers: json, body: JSON.stringify({ Image: ref }), identity: ALICE }, engine);
    const byName = await create('tool');
    assert.equal(byName.verdict, 'deny');
    assert.match(byName.reason, /names an image of another owner by a name that owner can move/);
    for (const ref of [bobs.Id, 'busybox', 'app', 'not-pulled-yet']) assert.equal((await create(ref)).verdict, 'allow', ref);
  });

  test('a build starts only from images the owner may use: its own, or shared ones (another owner’s by id or digest only)', async () => {
    const build = async (rules: typeof PRIVATE, text: string) => post(rules, '/v1.41/build?t=fresh', ALICE, dockerfile(text));
    for (const [text, privately, shared] of [
      ['FROM app\nCOPY --from=app /bin /bin\n', 'allow', 'allow'],
      ['FROM busybox\n', 'deny', 'allow'],
      ['FROM app\nCOPY --from=busybox /bin /bin\n', 'deny', 'allow'],
      ['FROM ghost\n', 'deny', 'allow'],
      ['FROM tool\n', 'deny', 'deny'],
      [`FROM ${bobs.Id}\n`, 'deny', 'allow'],
      ['ARG BASE=tool\nFROM $BASE\n', 'deny', 'deny'],
      ['FROM app AS one\nFROM one\n', 'allow', 'allow'],
    ] as const) {
      const alone = await build(PRIVATE, text);
      assert.equal(alone.verdict, privately, `${text}: ${alone.reason}`);
      if (alone.verdict === 'deny')
        assert.match(alone.reason, /^Dockerfile:\d+ (FROM|COPY --from) (names "[^"]+", which is not an image of this owner|"tool" names an image of another owner)/, text);
      assert.equal((await build(SHARED, text)).verdict, shared, text);
    }
  });
});
