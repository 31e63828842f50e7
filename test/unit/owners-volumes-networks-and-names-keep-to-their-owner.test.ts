// Volumes and networks named in the path, the network a create attaches to, the container a network connect
// names, links and the names a create or rename gives, for a client with an owner (docs/owners-design.md,
// sections 3, 5 and 7): its own objects are reached (a network and a connected container by the full id
// checked); another owner's, unowned and missing ones answer the engine's own 404 text; a kind the rule
// shares is read and used but not removed; a name another owner holds is answered as a conflict without the
// holder's id. Through the library judge(), which the gateway's decisions share.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judge } from '../../src/index.js';
import type { UnixPeer } from '../../src/identify/identity.js';
import type { ContainerFacts, VolumeFacts } from '../../src/judge/engine-lookup.js';
import type { NetworkFacts } from '../../src/judge/reach/reach-context.js';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { tenantsPolicy } from '../support/owners-rig.js';
import { ALICE as ALICE_ANY, ROOT } from '../support/policy-fixtures.js';

const ALICE = ALICE_ANY as UnixPeer;

// busybox has no owner: usable only where images are shared.
const POLICY = tenantsPolicy(['images']);
const SHARING = tenantsPolicy(['images', 'networks', 'volumes']);

const labelled = (owner: string | undefined) => (owner === undefined ? null : { 'dockgate.owner': owner });

function container(name: string, owner: string | undefined): ContainerFacts {
  const plain = plainContainer(name);
  return { ...plain, Config: { ...plain.Config, Labels: labelled(owner) ?? {} } };
}
const volume = (name: string, owner: string | undefined): VolumeFacts => ({ Name: name, Driver: 'local', Options: null, Labels: labelled(owner) });
const network = (name: string, owner: string | undefined, id: string): NetworkFacts => ({ Id: id.repeat(64), Name: name, Driver: 'bridge', Labels: labelled(owner) ?? {} });

const web = container('web', 'alice');
const db = container('db', 'bob');
const legacy = container('legacy', undefined);
const aliceNet = network('alice-net', 'alice', 'a');
const bobNet = network('bob-net', 'bob', 'b');
const bridge = network('bridge', undefined, 'c');
const oldNet = network('old-net', undefined, 'd');
const engine = () =>
  fakeEngine({
    containers: [web, db, legacy],
    volumes: [volume('alice-data', 'alice'), volume('bob-data', 'bob'), volume('old-data', undefined)],
    networks: [aliceNet, bobNet, bridge, oldNet],
  });

const json = { 'content-type': 'application/json' };
const ask = (method: string, path: string, body?: unknown, rules = POLICY, lookups = engine()) =>
  judge(rules, { method, path, headers: json, ...(body !== undefined && { body: JSON.stringify(body) }), identity: ALICE }, lookups);

describe('owners: volumes and networks named in the path', () => {
  test('an own volume is inspected and removed by its name; another owner’s, an unowned and a missing one answer the engine’s 404', async () => {
    for (const [method, path] of [
      ['GET', '/v1.41/volumes/REF'],
      ['DELETE', '/v1.41/volumes/REF?force=1'],
    ] as const) {
      const own = await ask(method, path.replace('REF', 'alice-data'));
      assert.equal(own.verdict, 'allow', own.reason);
      assert.equal(own.target, path.replace('REF', 'alice-data'));
      for (const [ref, why] of [
        ['bob-data', /volume "bob-data" belongs to another owner/],
        ['old-data', /volume "old-data" has no owner/],
        ['ghost', /no volume "ghost" exists/],
      ] as const) {
        const refused = await ask(method, path.replace('REF', ref));
        assert.equal(refused.verdict, 'deny', `${method} ${ref}`);
        assert.equal(refused.message, `get ${ref}: no such volume`);
        assert.match(refused.reason, why);
      }
    }
  });

  test('an own network is reached by the full id checked; another owner’s, an unowned, a built-in and a missing one answer the engine’s 404', async () => {
    const operations: Array<[string, string, unknown]> = [
      ['GET', '/v1.41/networks/REF', undefined],
      ['DELETE', '/v1.41/networks/REF', undefined],
      ['POST', '/v1.41/networks/REF/connect', { Container: 'web' }],
      ['POST', '/v1.41/networks/REF/disconnect', { Container: 'web', Force: false }],
    ];
    for (const [method, path, body] of operations) {
      for (const ref of ['alice-net', 'aaaaaa']) {
        const own = await ask(method, path.replace('REF', ref), body);
        assert.equal(own.verdict, 'allow', `${method} ${path} ${ref}: ${own.reason}`);
        assert.equal(own.target, path.replace('REF', aliceNet.Id), 'forwarded by the full id checked');
      }
      for (const [ref, why] of [
        ['bob-net', /network "bob-net" belongs to another owner/],
        ['bbbbbb', /belongs to another owner/],
        ['old-net', /network "old-net" has no owner/],
        ['bridge', /network "bridge" has no owner/],
        ['ghost', /no network "ghost" exists/],
      ] as const) {
        const refused = await ask(method, path.replace('REF', ref), body);
        assert.equal(refused.verdict, 'deny', `${method} ${path} ${ref}`);
        assert.equal(refused.message, `network ${ref} not found`);
        assert.match(refused.reason, why);
        assert.equal(refused.body, undefined);
      }
    }
  });

  test('a connect or disconnect names an own container, pinned to its full id; any other answers as a missing container, before the network', async () => {
    for (const verb of ['connect', 'disconnect']) {
      const own = await ask('POST', `/v1.41/networks/alice-net/${verb}`, { Container: 'web' });
      assert.equal(own.verdict, 'allow', own.reason);
      assert.deepEqual(JSON.parse(own.body!.toString()), { Container: web.Id });
      assert.deepEqual(own.changes, [{ field: 'Container', value: web.Id }]);
      for (const network of ['alice-net', 'bob-net']) {
        for (const ref of ['db', db.Id.slice(0, 12), 'legacy', 'ghost']) {
          const refused = await ask('POST', `/v1.41/networks/${network}/${verb}`, { Container: ref });
          assert.equal(refused.verdict, 'deny', `${verb} ${network} ${ref}`);
          assert.equal(refused.message, `No such container: ${ref}`);
        }
      }
    }
  });

  test('volume updates stay refused to clients with an owner, as owners do not cover them', async () => {
    const refused = await ask('PUT', '/v1.41/volumes/alice-data?version=1', { Spec: {} });
    assert.equal(refused.verdict, 'deny');
    assert.match(refused.reason, /volume\.update would reach objects of other owners/);
  });

  test('shared kinds are read and used across owners, never removed by another owner', async () => {
    const inspect = await ask('GET', '/v1.41/networks/bob-net', undefined, SHARING);
    assert.equal(inspect.verdict, 'allow', inspect.reason);
    assert.equal(inspect.target, `/v1.41/networks/${bobNet.Id}`);
    const connect = await ask('POST', '/v1.41/networks/old-net/connect', { Container: 'web' }, SHARING);
    assert.equal(connect.verdict, 'allow', connect.reason);
    assert.equal(connect.target, `/v1.41/networks/${oldNet.Id}/connect`);
    // Still only the owner's container.
    assert.equal((await ask('POST', '/v1.41/networks/old-net/connect', { Container: 'db' }, SHARING)).message, 'No such container: db');
    assert.equal((await ask('GET', '/v1.41/volumes/bob-data', undefined, SHARING)).verdict, 'allow');
    for (const path of ['/v1.41/networks/bob-net', '/v1.41/volumes/old-data']) {
      const removed = await ask('DELETE', path, undefined, SHARING);
      assert.equal(removed.verdict, 'deny', path);
      assert.match(removed.message!, /^dockgate: .* denied by policy\.tenants: .*are shared to read and use, not to remove/, 'visible anyway, so refused naming the rule');
    }
    // Missing is missing, shared or not.
    assert.equal((await ask('GET', '/v1.41/networks/ghost', undefined, SHARING)).message, 'network ghost not found');
  });
});

describe('owners: the networks a create attaches to, and its links', () => {
  const create = (body: Record<string, unknown>, rules = POLICY, lookups = engine()) => ask('POST', '/v1.41/containers/create', { Image: 'busybox', ...body }, rules, lookups);

  test('a network mode or endpoint naming another owner’s, an unowned or a missing network is refused alike; own and built-in ones pass', async () => {
    for (const ref of ['bob-net', 'bbbbbb', 'old-net', 'ghost']) {
      for (const [body, field] of [
        [{ HostConfig: { NetworkMode: ref } }, 'HostConfig.NetworkMode'],
        [{ NetworkingConfig: { EndpointsConfig: { [ref]: {} } } }, `NetworkingConfig.EndpointsConfig.${ref}`],
        [{ HostConfig: { NetworkMode: 'alice-net' }, NetworkingConfig: { EndpointsConfig: { 'alice-net': {}, [ref]: {} } } }, `NetworkingConfig.EndpointsConfig.${ref}`],
      ] as const) {
        const refused = await create(body);
        assert.equal(refused.verdict, 'deny', JSON.stringify(body));
        assert.equal(refused.reason, `${field}: names the network ${JSON.stringify(ref)}, which is no network of the owner "alice"`);
      }
    }
    for (const mode of ['alice-net', aliceNet.Id, 'bridge', 'default', 'none']) {
      const allowed = await create({ HostConfig: { NetworkMode: mode }, NetworkingConfig: { EndpointsConfig: { [mode]: {} } } });
      assert.equal(allowed.verdict, 'allow', `${mode}: ${allowed.reason}`);
    }
    const shared = await create({ HostConfig: { NetworkMode: 'bob-net' } }, SHARING);
    assert.equal(shared.verdict, 'allow', shared.reason);
  });

  test('the owner check asks for a network once, whichever fields name it', async () => {
    const counted = engine();
    await create({ HostConfig: { NetworkMode: 'alice-net' }, NetworkingConfig: { EndpointsConfig: { 'alice-net': {} } } }, POLICY, counted);
    assert.deepEqual(
      counted.asked.filter((a) => a.startsWith('network')),
      ['network alice-net'],
    );
  });

  test('links to own containers go out by the full id checked, keeping the alias the engine would give', async () => {
    const created = await create({ HostConfig: { Links: ['web:app', 'web', '/web:/self/db-alias', `${web.Id}:x`] } });
    assert.equal(created.verdict, 'allow', created.reason);
    const forwarded = JSON.parse(created.body!.toString()) as { HostConfig: { Links: string[] } };
    assert.deepEqual(forwarded.HostConfig.Links, [`${web.Id}:app`, `${web.Id}:web`, `${web.Id}:db-alias`, `${web.Id}:x`]);
    assert.ok(created.changes.some((c) => c.field === 'HostConfig.Links'));
    const foreign = await create({ HostConfig: { Links: ['db:db'] } });
    assert.equal(foreign.verdict, 'deny');
  });
});

describe('owners: names another owner holds', () => {
  test('a create or rename to another owner’s or an unowned container’s name is a conflict that names no id', async () => {
    for (const name of ['db', 'legacy', '/db']) {
      const stored = `/${name.replace(/^\//, '')}`;
      const conflict = `Conflict. The container name "${stored}" is already in use by another container. You have to choose another name.`;
      const created = await ask('POST', `/v1.41/containers/create?name=${encodeURIComponent(name)}`, { Image: 'busybox' });
      assert.equal(created.verdict, 'deny', name);
      assert.equal(created.message, conflict);
      const renamed = await ask('POST', `/v1.41/containers/web/rename?name=${encodeURIComponent(name)}`);
      assert.equal(renamed.verdict, 'deny', name);
      assert.equal(renamed.message, `Error when allocating new name: ${conflict}`);
      for (const said of [created, renamed]) {
        assert.doesNotMatch(said.message!, new RegExp(`${db.Id.slice(0, 6)}|${legacy.Id.slice(0, 6)}`));
        assert.match(said.reason, /held by container/, 'the record names the holder');
      }
    }
    // Its own name: the engine's conflict names the client's own container, so it answers.
    assert.equal((await ask('POST', '/v1.41/containers/create?name=web', { Image: 'busybox' })).verdict, 'allow');
    // An id prefix of another's container is not its name: no conflict (the reach judge's hex rule applies).
    assert.equal((await ask('POST', '/v1.41/containers/create?name=free-name', { Image: 'busybox' })).verdict, 'allow');
    // A client without an owner hears the engine.
    assert.equal((await judge(POLICY, { method: 'POST', path: '/v1.41/containers/create?name=db', headers: json, body: '{"Image":"busybox"}', identity: ROOT }, engine())).verdict, 'allow');
  });

  test('a name that is another container’s id prefix is refused without naming that container', async () => {
    const prefix = db.Id.slice(0, 8);
    const refused = await ask('POST', `/v1.41/containers/create?name=${prefix}`, { Image: 'busybox' });
    assert.equal(refused.verdict, 'deny');
    assert.match(refused.message!, /is the id prefix of another container/);
    assert.doesNotMatch(refused.message!, new RegExp(db.Id.slice(0, 12)));
  });

  test('a volume create naming another owner’s or an unowned volume is a conflict, not the other volume', async () => {
    for (const name of ['bob-data', 'old-data']) {
      const refused = await ask('POST', '/v1.41/volumes/create', { Name: name });
      assert.equal(refused.verdict, 'deny', name);
      assert.equal(refused.message, `create ${name}: volume name must be unique`);
    }
    for (const name of ['alice-data', 'new-data']) assert.equal((await ask('POST', '/v1.41/volumes/create', { Name: name })).verdict, 'allow', name);
    assert.equal((await ask('POST', '/v1.41/volumes/create', { Name: 'bob-data' }, SHARING)).verdict, 'deny', 'shared or not, it stays the other owner’s');
  });

  test('a network create naming any existing network is refused as the engine refuses a duplicate, so no second network shares the name', async () => {
    for (const name of ['bob-net', 'old-net', 'alice-net']) {
      const refused = await ask('POST', '/v1.41/networks/create', { Name: name, CheckDuplicate: false });
      assert.equal(refused.verdict, 'deny', name);
      assert.equal(refused.message, `network with name ${name} already exists`);
    }
    // An id prefix is not a name; predefined names are the engine's to refuse.
    for (const name of ['bbbbbb', 'new-net', 'bridge']) assert.equal((await ask('POST', '/v1.41/networks/create', { Name: name })).verdict, 'allow', name);
  });
});
