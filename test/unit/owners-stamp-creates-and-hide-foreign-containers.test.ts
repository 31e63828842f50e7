// What a client with an owner creates is stamped with the label dockgate.owner (container, volume and
// network creates), a client never sets that label itself, and a container or exec instance of another
// owner, of no owner, or of none at all is answered exactly as the engine answers for a missing one, while
// the client's own is forwarded by the full id whose owner was checked. Through the library judge(), which
// the gateway's decisions share (docs/owners-design.md).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judge } from '../../src/index.js';
import type { UnixPeer } from '../../src/identify/identity.js';
import { fakeEngine } from '../support/fake-engine.js';
import { ownedContainer, tenantsPolicy } from '../support/owners-rig.js';
import { ALICE as ALICE_ANY, ROOT } from '../support/policy-fixtures.js';

const ALICE = ALICE_ANY as UnixPeer;
const BOB: UnixPeer = { ...ALICE, uid: 1001, gid: 1001, user: 'bob', group: 'bob' };

// busybox has no owner: usable only where images are shared.
const POLICY = tenantsPolicy(['images']);

const owned = ownedContainer;

const web = owned('web', 'alice');
const db = owned('db', 'bob');
const legacy = owned('legacy', undefined);
const engine = fakeEngine({
  containers: [web, db, legacy],
  execs: [
    { ID: 'e'.repeat(64), ContainerID: web.Id },
    { ID: 'f'.repeat(64), ContainerID: db.Id },
  ],
});

const json = { 'content-type': 'application/json' };

describe('owners: creates are stamped', () => {
  test('container, volume and network creates carry the owner, recorded as a change', async () => {
    const cases: Array<[string, string, Record<string, unknown>]> = [
      ['/v1.41/containers/create?name=app', '{"Image":"busybox","Labels":{"team":"a"}}', { Image: 'busybox', Labels: { team: 'a', 'dockgate.owner': 'alice' } }],
      ['/v1.41/volumes/create', '{"Name":"data"}', { Name: 'data', Labels: { 'dockgate.owner': 'alice' } }],
      ['/v1.41/volumes/create', '{}', { Labels: { 'dockgate.owner': 'alice' } }],
      ['/v1.41/networks/create', '{"Name":"net","labels":{"a":"b"}}', { Name: 'net', Labels: { a: 'b', 'dockgate.owner': 'alice' } }],
    ];
    for (const [path, body, forwarded] of cases) {
      const result = await judge(POLICY, { method: 'POST', path, headers: json, body, identity: ALICE }, engine);
      assert.equal(result.verdict, 'allow', `${path} ${body}: ${result.reason}`);
      assert.equal(result.owner, 'alice');
      assert.deepEqual(JSON.parse(result.body!.toString()), forwarded, path);
      assert.deepEqual(result.changes.at(-1), { field: 'Labels.dockgate.owner', value: 'alice' }, path);
    }
  });

  test('a client cannot set the owner label, in any spelling the engine reads as it, nor can a client without an owner', async () => {
    const bodies: Array<[string, string]> = [
      ['/v1.41/containers/create', '{"Image":"busybox","Labels":{"dockgate.owner":"bob"}}'],
      ['/v1.41/containers/create', '{"Image":"busybox","labels":{"dockgate.owner":"alice"}}'],
      ['/v1.41/containers/create', '{"Image":"busybox","Labels":{"x":"y"},"LABELS":{"dockgate.owner":"bob"}}'],
      ['/v1.41/volumes/create', '{"Name":"v","Labels":{"dockgate.owner":""}}'],
      ['/v1.41/networks/create', '{"Name":"n","Labels":{"dockgate.owner":"bob"}}'],
    ];
    for (const identity of [ALICE, ROOT]) {
      for (const [path, body] of bodies) {
        const result = await judge(POLICY, { method: 'POST', path, headers: json, body, identity }, engine);
        assert.equal(result.verdict, 'deny', `${identity.kind} ${body}`);
        assert.match(result.reason, /^Labels\.dockgate\.owner: the label says which owner an object belongs to, and under owners\.yaml only dockgate sets it$/);
        assert.match(result.message!, /^dockgate: .* denied by policy\.(tenants|admin): /);
      }
    }
    // Another key (Go map keys are exact): an ordinary label the engine keeps apart.
    const other = await judge(POLICY, { method: 'POST', path: '/v1.41/volumes/create', headers: json, body: '{"Labels":{"Dockgate.Owner":"bob"}}', identity: ALICE }, engine);
    assert.equal(other.verdict, 'allow');
    assert.deepEqual(JSON.parse(other.body!.toString()), { Labels: { 'Dockgate.Owner': 'bob', 'dockgate.owner': 'alice' } });
  });

  test('a client without an owner creates as before: nothing stamped', async () => {
    const result = await judge(POLICY, { method: 'POST', path: '/v1.41/volumes/create', headers: json, body: '{"Name":"v"}', identity: ROOT }, engine);
    assert.equal(result.verdict, 'allow');
    assert.equal(result.owner, undefined);
    assert.deepEqual(JSON.parse(result.body!.toString()), { Name: 'v' });
  });
});

describe('owners: a named container must be the owner’s', () => {
  const operations: Array<[string, string]> = [
    ['GET', '/v1.41/containers/REF/json'],
    ['POST', '/v1.41/containers/REF/start'],
    ['POST', '/v1.41/containers/REF/stop'],
    ['POST', '/v1.41/containers/REF/kill'],
    ['GET', '/v1.41/containers/REF/logs?stdout=1'],
    ['POST', '/v1.41/containers/REF/exec'],
    ['POST', '/v1.41/containers/REF/rename?name=other'],
    ['DELETE', '/v1.41/containers/REF?force=1'],
  ];
  const bodyOf = (path: string) => (path.endsWith('/exec') ? '{"Cmd":["true"]}' : undefined);

  test('its own container is forwarded by the full id whose owner was checked', async () => {
    for (const [method, template] of operations) {
      for (const ref of ['web', web.Id.slice(0, 12)]) {
        const path = template.replace('REF', ref);
        const body = bodyOf(path);
        const result = await judge(POLICY, { method, path, headers: json, ...(body !== undefined && { body }), identity: ALICE }, engine);
        assert.equal(result.verdict, 'allow', `${method} ${path}: ${result.reason}`);
        assert.equal(result.target, template.replace('REF', web.Id), path);
        assert.ok(
          result.trace.some((s) => s.step === 'owner' && s.outcome === 'pass'),
          path,
        );
      }
    }
  });

  test('another owner’s, an unowned and a missing container all answer the engine’s own 404 text', async () => {
    for (const [method, template] of operations) {
      for (const [ref, why] of [
        ['db', /container "db" belongs to another owner/],
        [db.Id.slice(0, 10), /belongs to another owner/],
        ['legacy', /container "legacy" has no owner/],
        ['ghost', /no container "ghost" exists/],
      ] as const) {
        const path = template.replace('REF', ref);
        const body = bodyOf(path);
        const result = await judge(POLICY, { method, path, headers: json, ...(body !== undefined && { body }), identity: ALICE }, engine);
        assert.equal(result.verdict, 'deny', path);
        const missing = `No such container: ${ref}`;
        assert.equal(result.message, method === 'POST' && path.includes('/kill') ? `Cannot kill container: ${ref}: ${missing}` : missing, path);
        assert.equal(result.rule, 'policy.tenants', path);
        assert.match(result.reason, why, path);
        assert.equal(result.body, undefined, path);
      }
    }
    // The same containers are bob's own, and the admin (no owner) reaches all of them.
    assert.equal((await judge(POLICY, { method: 'POST', path: '/v1.41/containers/db/stop', identity: BOB }, engine)).verdict, 'allow');
    assert.equal((await judge(POLICY, { method: 'POST', path: '/v1.41/containers/legacy/stop', identity: ROOT }, engine)).verdict, 'allow');
  });

  test('an exec instance is its container’s: answered as a missing exec when the container is not the owner’s', async () => {
    const own = await judge(POLICY, { method: 'POST', path: `/v1.41/exec/${'e'.repeat(64)}/resize?h=1&w=1`, identity: ALICE }, engine);
    assert.equal(own.verdict, 'allow', own.reason);
    const foreign = await judge(POLICY, { method: 'GET', path: `/v1.41/exec/${'f'.repeat(64)}/json`, identity: ALICE }, engine);
    assert.equal(foreign.verdict, 'deny');
    assert.equal(foreign.message, `No such exec instance: ${'f'.repeat(64)}`);
  });

  test('the owner check and the reach judge ask the engine once per reference, so they judge one container', async () => {
    const counted = fakeEngine({ containers: [web] });
    const result = await judge(POLICY, { method: 'POST', path: '/v1.41/containers/web/start', identity: ALICE }, counted);
    assert.equal(result.verdict, 'allow', result.reason);
    assert.deepEqual(counted.asked, ['container web']);
  });
});

describe('owners: what owners do not cover yet is refused to clients with an owner', () => {
  test('image prune and load, and the image list where images are not shared, are refused naming the rule; clients without an owner keep them', async () => {
    const uncovered: Array<[string, string, typeof POLICY]> = [
      ['POST', '/v1.41/images/prune', POLICY],
      ['POST', '/v1.41/images/load', POLICY],
      ['GET', '/v1.41/images/json', tenantsPolicy()],
    ];
    for (const [method, path, policy] of uncovered) {
      const refused = await judge(policy, { method, path, identity: ALICE }, engine);
      assert.equal(refused.verdict, 'deny', path);
      assert.equal(refused.rule, 'policy.tenants', path);
      assert.match(refused.reason, /would reach objects of other owners: dockgate does not keep it to the owner's own yet/, path);
      assert.equal((await judge(policy, { method, path, identity: ROOT }, engine)).verdict, 'allow', path);
    }
    // Events and df are kept to the owner in the answer (src/forward/owner-answer-filter.ts).
    for (const path of ['/v1.41/_ping', '/v1.41/version', '/v1.41/images/json', '/v1.41/events', '/v1.41/system/df']) {
      assert.equal((await judge(POLICY, { method: 'GET', path, identity: ALICE }, engine)).verdict, 'allow', path);
    }
  });
});

describe('owners: what a create names must be the owner’s', () => {
  const volumes = [
    { Name: 'alice-data', Driver: 'local', Options: null, Labels: { 'dockgate.owner': 'alice' } },
    { Name: 'bob-data', Driver: 'local', Options: null, Labels: { 'dockgate.owner': 'bob' } },
    { Name: 'old-data', Driver: 'local', Options: null, Labels: null },
  ];
  const withVolumes = fakeEngine({ containers: [web, db, legacy], volumes });
  const create = (hostConfig: Record<string, unknown>) =>
    judge(POLICY, { method: 'POST', path: '/v1.41/containers/create', headers: json, body: JSON.stringify({ Image: 'busybox', HostConfig: hostConfig }), identity: ALICE }, withVolumes);

  test('containers joined, linked or inherited from, and volumes mounted, of another owner, of none or missing are refused alike', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ VolumesFrom: ['db:ro'] }, 'HostConfig.VolumesFrom[0]: names "db", which is no container of the owner "alice"'],
      [{ VolumesFrom: ['ghost'] }, 'HostConfig.VolumesFrom[0]: names "ghost", which is no container of the owner "alice"'],
      [{ NetworkMode: 'container:db' }, 'HostConfig.NetworkMode: names "db", which is no container of the owner "alice"'],
      [{ PidMode: 'container:legacy' }, 'HostConfig.PidMode: names "legacy", which is no container of the owner "alice"'],
      [{ IpcMode: `container:${db.Id.slice(0, 12)}` }, `HostConfig.IpcMode: names "${db.Id.slice(0, 12)}", which is no container of the owner "alice"`],
      [{ Links: ['/db:database'] }, 'HostConfig.Links[0]: names "db", which is no container of the owner "alice"'],
      [{ Binds: ['bob-data:/data'] }, 'HostConfig.Binds[0]: names the volume "bob-data", which is not the owner "alice"\'s'],
      [{ Mounts: [{ Type: 'volume', Source: 'old-data', Target: '/data' }] }, 'HostConfig.Mounts[0].Source: names the volume "old-data", which is not the owner "alice"\'s'],
    ];
    for (const [hostConfig, reason] of cases) {
      const result = await create(hostConfig);
      assert.equal(result.verdict, 'deny', JSON.stringify(hostConfig));
      assert.equal(result.reason, reason);
      assert.equal(result.rule, 'policy.tenants');
    }
  });

  test('its own containers and volumes, and volumes not made yet, pass (joins forwarded by full id)', async () => {
    const result = await create({ VolumesFrom: ['web:ro'], NetworkMode: 'container:web', Links: ['web:w'], Binds: ['alice-data:/a', 'new-data:/n', '/tmp:/t:ro'] });
    assert.equal(result.verdict, 'deny', 'the baseline profile still refuses the host bind');
    assert.match(result.reason, /^HostConfig\.Binds\[2\]/);
    const own = await create({ VolumesFrom: ['web:ro'], NetworkMode: 'container:web', Links: ['web:w'], Binds: ['alice-data:/a', 'new-data:/n'] });
    assert.equal(own.verdict, 'allow', own.reason);
    const forwarded = JSON.parse(own.body!.toString()) as { HostConfig: { VolumesFrom: string[]; NetworkMode: string } };
    assert.deepEqual(forwarded.HostConfig.VolumesFrom, [`${web.Id}:ro`]);
    assert.equal(forwarded.HostConfig.NetworkMode, `container:${web.Id}`);
  });
});
