// A client with an owner lists and prunes only its owner's objects: its `filters` is read exactly as moby's
// filters.FromJSON reads it (modern map of bools, else the legacy map of arrays; duplicates, nulls and
// false values as Go decodes them), the owner's label is merged into `label`, which the engine ANDs, and the
// canonical modern form is what the engine receives. What the engine cannot read is refused as it would be.
// A commit's `?container=` is the owner's or answered as a missing one, and forwarded as the full id, beside
// the owner's LABEL appended to its `changes` (both rewrites of the query reach the engine).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judge } from '../../src/index.js';
import type { UnixPeer } from '../../src/identify/identity.js';
import { readListFilters, serialiseListFilters, withOwnerLabel } from '../../src/judge/owner/list-filters.js';
import { GatewayError } from '../../src/errors/catalogue.js';
import { fakeEngine } from '../support/fake-engine.js';
import { ownedContainer, tenantsPolicy } from '../support/owners-rig.js';
import { ALICE as ALICE_ANY, ROOT } from '../support/policy-fixtures.js';

const ALICE = ALICE_ANY as UnixPeer;

const POLICY = tenantsPolicy();

const OWN = '"dockgate.owner=alice":true';

/** What the engine receives as `filters` for alice's `raw`, parsed. */
function forwarded(raw: string | undefined): unknown {
  return JSON.parse(serialiseListFilters(withOwnerLabel(readListFilters(raw), 'alice')));
}

function refusal(raw: string): GatewayError {
  try {
    readListFilters(raw);
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    return err;
  }
  assert.fail(`${raw} was read`);
}

describe('owner list filters: read as moby filters.FromJSON reads them', () => {
  test('no filters, an empty parameter, an empty object and JSON null are no filter: the owner label alone', () => {
    for (const raw of [undefined, '', '{}', 'null', ' null ']) assert.deepEqual(forwarded(raw), JSON.parse(`{"label":{${OWN}}}`), String(raw));
  });

  test('the modern form keeps every key and each value with its bool: false still counts for label, and ExactMatch reads it', () => {
    assert.deepEqual(forwarded('{"name":{"web":true,"db":false},"status":{"exited":true}}'), {
      name: { web: true, db: false },
      status: { exited: true },
      label: { 'dockgate.owner=alice': true },
    });
  });

  test('the legacy form of arrays is read too, each value present as true, and forwarded in the modern form', () => {
    assert.deepEqual(forwarded('{"name":["web","db"],"dangling":["true"]}'), {
      name: { web: true, db: true },
      dangling: { true: true },
      label: { 'dockgate.owner=alice': true },
    });
    assert.deepEqual(forwarded('{"label":[]}'), { label: { 'dockgate.owner=alice': true } });
  });

  test('a repeated key takes its last value, whole (Go replaces a map entry, never merges), at either level', () => {
    assert.deepEqual(forwarded('{"name":{"a":true},"name":{"b":true}}'), { name: { b: true }, label: { 'dockgate.owner=alice': true } });
    assert.deepEqual(forwarded('{"name":{"a":true,"a":false}}'), { name: { a: false }, label: { 'dockgate.owner=alice': true } });
    assert.deepEqual(forwarded('{"name":["a"],"name":["b"]}'), { name: { b: true }, label: { 'dockgate.owner=alice': true } });
  });

  test('nulls read as Go decodes them: a null map or array is an empty set that still names its key, a null bool false, a null string ""', () => {
    assert.deepEqual(forwarded('{"dangling":null}'), { dangling: {}, label: { 'dockgate.owner=alice': true } });
    assert.deepEqual(forwarded('{"name":{"web":null}}'), { name: { web: false }, label: { 'dockgate.owner=alice': true } });
    assert.deepEqual(forwarded('{"name":["web",null]}'), { name: { web: true, '': true }, label: { 'dockgate.owner=alice': true } });
    assert.deepEqual(forwarded('{"label":null}'), { label: { 'dockgate.owner=alice': true } });
  });

  test("the client's own label filter is kept beside the owner's, which the engine ANDs", () => {
    assert.deepEqual(forwarded('{"label":{"env=prod":true,"tier":true}}'), { label: { 'env=prod': true, tier: true, 'dockgate.owner=alice': true } });
    assert.deepEqual(forwarded('{"label":["env=prod"],"label!":["old"]}'), { label: { 'env=prod': true, 'dockgate.owner=alice': true }, 'label!': { old: true } });
  });

  test("a client filtering on another owner's label asks for both labels at once: nothing matches", () => {
    assert.deepEqual(forwarded('{"label":{"dockgate.owner=bob":true}}'), { label: { 'dockgate.owner=bob': true, 'dockgate.owner=alice': true } });
    // Its own, given false, is still required (MatchKVList ignores the bool); forwarded as true.
    assert.deepEqual(forwarded('{"label":{"dockgate.owner=alice":false}}'), { label: { 'dockgate.owner=alice': true } });
  });

  test('what the engine cannot read as filters (it answers 400 or 500) is refused as a malformed query, naming filters', () => {
    for (const raw of [
      '[]',
      '"label"',
      '1',
      'true',
      ' ',
      '{"label":{"a":"yes"}}',
      '{"label":{"a":1}}',
      '{"label":"a"}',
      '{"label":[1]}',
      '{"label":["a"],"name":{"b":true}}',
      '{"label":{"a":true}} x',
      '{"label":',
      "{'label':{}}",
    ]) {
      const err = refusal(raw);
      assert.equal(err.code, 'DG_QUERY_MALFORMED', raw);
      assert.equal(err.status, 400, raw);
      assert.match(err.message, /^dockgate: query parameter "filters" denied by query\.canonical: the engine cannot read it as filters, and refuses the request: /, raw);
    }
  });
});

describe('owner list filters: lists and prunes forward the merged filter', () => {
  const lists: Array<[string, string]> = [
    ['GET', '/v1.41/containers/json'],
    ['GET', '/v1.41/volumes'],
    ['GET', '/v1.41/networks'],
    ['POST', '/v1.41/containers/prune'],
    ['POST', '/v1.41/volumes/prune'],
    ['POST', '/v1.41/networks/prune'],
  ];
  const filterOf = (target: string | undefined): unknown => JSON.parse(new URL(target ?? assert.fail('nothing forwarded'), 'http://x').searchParams.get('filters')!);

  test('each is allowed to a client with an owner, with its filters replaced in place and the rest of the query as canonicalised', async () => {
    for (const [method, path] of lists) {
      const result = await judge(POLICY, { method, path: `${path}?all=1&filters=%7B%22name%22%3A%5B%22web%22%5D%7D&limit=3`, identity: ALICE });
      assert.equal(result.verdict, 'allow', `${path}: ${result.reason}`);
      assert.match(result.target ?? '', new RegExp(`^${path.replace(/\//g, '\\/')}\\?all=1&filters=[^&]+&limit=3$`), path);
      assert.deepEqual(filterOf(result.target), { name: { web: true }, label: { 'dockgate.owner=alice': true } }, path);
      const none = await judge(POLICY, { method, path, identity: ALICE });
      assert.deepEqual(filterOf(none.target), { label: { 'dockgate.owner=alice': true } }, path);
    }
  });

  test('a repeated filters parameter is read as the engine reads it, the first one, and forwarded once', async () => {
    const result = await judge(POLICY, { method: 'GET', path: '/v1.41/containers/json?filters=%7B%22name%22%3A%5B%22a%22%5D%7D&filters=%7B%7D', identity: ALICE });
    assert.equal(result.verdict, 'allow', result.reason);
    assert.equal(new URL(result.target ?? assert.fail('nothing forwarded'), 'http://x').searchParams.getAll('filters').length, 1);
    assert.deepEqual(filterOf(result.target), { name: { a: true }, label: { 'dockgate.owner=alice': true } });
  });

  test('unreadable filters are refused to a client with an owner; a client without one is forwarded its filters untouched', async () => {
    const path = '/v1.41/volumes?filters=%5B%5D';
    const refused = await judge(POLICY, { method: 'GET', path, identity: ALICE });
    assert.equal(refused.verdict, 'deny');
    assert.equal(refused.rule, 'query.canonical');
    const admin = await judge(POLICY, { method: 'GET', path: '/v1.41/containers/json?filters=%7B%22name%22%3A%5B%22a%22%5D%7D', identity: ROOT });
    assert.equal(admin.verdict, 'allow');
    assert.equal(admin.target, '/v1.41/containers/json?filters=%7B%22name%22%3A%5B%22a%22%5D%7D');
  });
});

describe('owner list filters: before and since name only the owner’s containers, forwarded by full id', () => {
  const web = ownedContainer('web', 'alice');
  const db = ownedContainer('db', 'bob');
  const legacy = ownedContainer('legacy', undefined);
  const engine = fakeEngine({ containers: [web, db, legacy] });
  const list = (filters: string) => judge(POLICY, { method: 'GET', path: `/v1.41/containers/json?all=1&filters=${encodeURIComponent(filters)}`, identity: ALICE }, engine);

  test('its own container, by name or full id, as the engine finds a boundary, is forwarded as the full id', async () => {
    for (const ref of ['web', '/web', web.Id]) {
      const result = await list(`{"before":{"${ref}":true},"since":{"${ref}":true}}`);
      assert.equal(result.verdict, 'allow', `${ref}: ${result.reason}`);
      const forwardedFilters = JSON.parse(new URL(result.target ?? assert.fail('nothing forwarded'), 'http://x').searchParams.get('filters')!) as unknown;
      assert.deepEqual(forwardedFilters, { before: { [web.Id]: true }, since: { [web.Id]: true }, label: { 'dockgate.owner=alice': true } });
    }
  });

  test('another owner’s, an unowned, a missing container and an id prefix (which the engine does not resolve there) are refused in the same words', async () => {
    for (const ref of ['db', db.Id, 'legacy', 'ghost', web.Id.slice(0, 12)]) {
      const result = await list(`{"since":["${ref}"]}`);
      assert.equal(result.verdict, 'deny', ref);
      assert.equal(result.rule, 'policy.tenants');
      assert.equal(result.reason, `filters.since: names ${JSON.stringify(ref)}, which is no container of the owner "alice"`);
    }
  });
});

describe('owner commit: the container committed is the owner’s, forwarded by its full id', () => {
  const web = ownedContainer('web', 'alice');
  const db = ownedContainer('db', 'bob');
  const legacy = ownedContainer('legacy', undefined);
  const bobs = { Id: `sha256:${'b'.repeat(64)}`, Config: { Labels: { 'dockgate.owner': 'bob' } }, names: ['tool', 'tool:latest', 'docker.io/library/tool:latest'] };
  const engine = fakeEngine({ containers: [web, db, legacy], images: [bobs] });
  const stamp = `changes=${encodeURIComponent('LABEL "dockgate.owner"="alice"').replaceAll('%20', '+')}`;

  const commit = (query: string, body?: string) =>
    judge(POLICY, { method: 'POST', path: `/v1.41/commit?${query}`, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body }), identity: ALICE }, engine);

  test('its own container, by name or id prefix, is forwarded as the full id, the rest of the query kept and the owner appended to its changes', async () => {
    for (const ref of ['web', web.Id.slice(0, 12)]) {
      const result = await commit(`comment=x&container=${ref}&pause=0`, '{"Labels":{"team":"a"}}');
      assert.equal(result.verdict, 'allow', result.reason);
      assert.equal(result.target, `/v1.41/commit?comment=x&container=${web.Id}&pause=0&${stamp}`);
    }
    const changed = await commit(`changes=CMD%20true&container=web&changes=ENV%20A%3D1&repo=mine`);
    assert.equal(changed.verdict, 'allow', changed.reason);
    assert.equal(changed.target, `/v1.41/commit?changes=CMD+true&changes=ENV+A%3D1&${stamp}&container=${web.Id}&repo=mine`);
  });

  test('another owner’s, an unowned and a missing container answer the engine’s own 404 text', async () => {
    for (const ref of ['db', db.Id.slice(0, 12), 'legacy', 'ghost']) {
      const result = await commit(`container=${ref}`);
      assert.equal(result.verdict, 'deny', ref);
      assert.equal(result.message, `No such container: ${ref}`);
      assert.equal(result.rule, 'policy.tenants');
    }
    assert.equal((await commit('container=')).verdict, 'allow', 'no container: the engine refuses it, resolving nothing');
  });

  test('a commit that would move another owner’s tag, or set the owner label in its changes or body, is refused naming the rule', async () => {
    for (const [query, body, reason] of [
      ['container=web&repo=tool', undefined, /^\?repo "tool" points at an image that belongs to another owner/],
      ['container=web&changes=LABEL%20dockgate.owner%3Dbob', undefined, /^\?changes \(LABEL dockgate\.owner\): the label says which owner/],
      ['container=web', '{"Labels":{"dockgate.owner":"bob"}}', /^Labels\.dockgate\.owner: the label says which owner/],
    ] as const) {
      const result = await commit(query, body);
      assert.equal(result.verdict, 'deny', query);
      assert.equal(result.rule, 'policy.tenants', query);
      assert.match(result.reason, reason, query);
    }
  });
});
