// Swarm objects for owners (docs/owners-design.md, sections 3 to 5): a service, secret or config a client
// with an owner creates or updates carries the label dockgate.owner (a service's task containers too),
// stamped again on every update and never set by a client in any spelling the engine reads; a service,
// task, secret or config of another owner, of none or of none at all is answered with the swarm's own
// "not found", and the owner's own is forwarded by its full id; a service may hand its tasks only the
// owner's secrets, configs, networks and volumes. Through the library judge(), with a scripted engine.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judge } from '../../src/index.js';
import type { SwarmKind, SwarmObjectFacts } from '../../src/judge/engine-lookup.js';
import { fakeEngine } from '../support/fake-engine.js';
import type { UnixPeer } from '../../src/identify/identity.js';
import { tenantsPolicy } from '../support/owners-rig.js';
import { ALICE as ALICE_ANY } from '../support/policy-fixtures.js';
import { ROOT } from '../support/policy-fixtures.js';

const ALICE = ALICE_ANY as UnixPeer;
const BOB: UnixPeer = { ...ALICE, uid: 1001, gid: 1001, user: 'bob', group: 'bob' };
const POLICY = tenantsPolicy();

/** A swarm object as the engine's inspect answers it (ids are 25 characters of base 36). */
function swarmObject(kind: SwarmKind, name: string, owner: string | undefined, extra: Partial<SwarmObjectFacts> = {}): SwarmObjectFacts & { kind: SwarmKind } {
  const id = `${kind[0]}${name}`.padEnd(25, '0').slice(0, 25);
  return { kind, ID: id, Spec: { Name: name, Labels: owner === undefined ? { other: 'x' } : { 'dockgate.owner': owner } }, ...extra };
}

const web = swarmObject('service', 'web', 'alice');
const db = swarmObject('service', 'db', 'bob');
const legacy = swarmObject('service', 'legacy', undefined);
const objects = [
  web,
  db,
  legacy,
  swarmObject('task', 'webtask', undefined, { ServiceID: web.ID }),
  swarmObject('task', 'dbtask', undefined, { ServiceID: db.ID }),
  swarmObject('task', 'orphan', undefined, { ServiceID: 'gone' }),
  swarmObject('secret', 'apikey', 'alice'),
  swarmObject('secret', 'dbpass', 'bob'),
  swarmObject('config', 'webconf', 'alice'),
  swarmObject('config', 'dbconf', 'bob'),
  swarmObject('config', 'oldconf', undefined),
];
const byName = (name: string) => objects.find((o) => o.Spec?.['Name'] === name)!;
const engine = fakeEngine({
  swarm: objects,
  networks: [
    { Id: 'n'.repeat(25), Name: 'alice-net', Driver: 'overlay', Labels: { 'dockgate.owner': 'alice' } },
    { Id: 'm'.repeat(25), Name: 'bob-net', Driver: 'overlay', Labels: { 'dockgate.owner': 'bob' } },
    { Id: 'b'.repeat(25), Name: 'bridge', Driver: 'bridge', Labels: {} },
  ],
  volumes: [{ Name: 'bob-data', Driver: 'local', Options: null, Labels: { 'dockgate.owner': 'bob' } }],
});

const json = { 'content-type': 'application/json' };
const SPEC = { Name: 'app', TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { tier: 'web' } } } };

describe('owners: services, secrets and configs are stamped', () => {
  test('creates and updates carry the owner on the object and on a service’s task containers, stamped again at every update', async () => {
    const stampedService = { Name: 'app', Labels: { 'dockgate.owner': 'alice' }, TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { tier: 'web', 'dockgate.owner': 'alice' } } } };
    const cases: Array<[string, unknown, unknown]> = [
      ['/v1.41/services/create', SPEC, stampedService],
      [`/v1.41/services/web/update?version=3`, SPEC, stampedService],
      // The reader folds the field names Go matches case-insensitively, so the stamp lands where the engine reads.
      [
        '/v1.41/services/create',
        { name: 'app', labels: { a: 'b' }, taskTemplate: { containerSpec: { image: 'busybox' } } },
        { Name: 'app', Labels: { a: 'b', 'dockgate.owner': 'alice' }, TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { 'dockgate.owner': 'alice' } } } },
      ],
      ['/v1.41/secrets/create', { Name: 's', Data: 'c2VjcmV0' }, { Name: 's', Data: 'c2VjcmV0', Labels: { 'dockgate.owner': 'alice' } }],
      ['/v1.41/secrets/apikey/update?version=2', { Name: 'apikey', Labels: { rotated: '1' } }, { Name: 'apikey', Labels: { rotated: '1', 'dockgate.owner': 'alice' } }],
      ['/v1.41/configs/create', { Name: 'c', Data: 'Y29uZg==' }, { Name: 'c', Data: 'Y29uZg==', Labels: { 'dockgate.owner': 'alice' } }],
      ['/v1.41/configs/webconf/update?version=2', { Name: 'webconf' }, { Name: 'webconf', Labels: { 'dockgate.owner': 'alice' } }],
    ];
    for (const [path, body, forwarded] of cases) {
      const result = await judge(POLICY, { method: 'POST', path, headers: json, body: JSON.stringify(body), identity: ALICE }, engine);
      assert.equal(result.verdict, 'allow', `${path}: ${result.reason}`);
      assert.deepEqual(JSON.parse(result.body!.toString()), forwarded, path);
      assert.deepEqual(result.changes.at(-1), { field: 'Labels.dockgate.owner', value: 'alice' }, path);
    }
  });

  test('no client sets the owner label on a service, its task containers, a secret or a config, in any spelling the engine reads', async () => {
    // An update carries back the spec it read, label included: the client's own owner there passes (and is stamped again).
    const keeps = { Name: 'web', Labels: { 'dockgate.owner': 'alice' }, TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { 'dockgate.owner': 'alice' } } } };
    const kept = await judge(POLICY, { method: 'POST', path: '/v1.41/services/web/update?version=3', headers: json, body: JSON.stringify(keeps), identity: ALICE }, engine);
    assert.equal(kept.verdict, 'allow', kept.reason);
    assert.deepEqual(JSON.parse(kept.body!.toString()), keeps);
    // A client without an owner (an operator) may carry back the object's current owner, as the engine's inspect shows it, and no other.
    const operator = await judge(POLICY, { method: 'POST', path: '/v1.41/services/web/update?version=3', headers: json, body: JSON.stringify(keeps), identity: ROOT }, engine);
    assert.equal(operator.verdict, 'allow', operator.reason);
    assert.deepEqual(JSON.parse(operator.body!.toString()), keeps, 'nothing stamped for a client without an owner');
    const moved = { ...keeps, Labels: { 'dockgate.owner': 'bob' } };
    const moving = await judge(POLICY, { method: 'POST', path: '/v1.41/services/web/update?version=3', headers: json, body: JSON.stringify(moved), identity: ROOT }, engine);
    assert.equal(moving.verdict, 'deny');
    const onUnowned = await judge(POLICY, { method: 'POST', path: '/v1.41/services/legacy/update?version=3', headers: json, body: JSON.stringify(keeps), identity: ROOT }, engine);
    assert.equal(onUnowned.verdict, 'deny', 'an object without an owner gains none through an update');
    const ownInCreate = await judge(
      POLICY,
      { method: 'POST', path: '/v1.41/services/create', headers: json, body: JSON.stringify({ ...SPEC, Labels: { 'dockgate.owner': 'alice' } }), identity: ALICE },
      engine,
    );
    assert.equal(ownInCreate.verdict, 'deny', 'a create never carries the label back: any value is refused');
    const forged: Array<[string, unknown]> = [
      ['/v1.41/services/create', { ...SPEC, Labels: { 'dockgate.owner': 'bob' } }],
      ['/v1.41/services/create', { ...SPEC, labels: { 'dockgate.owner': 'bob' } }],
      ['/v1.41/services/web/update?version=3', { Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'busybox', Labels: { 'dockgate.owner': 'bob' } } } }],
      ['/v1.41/services/web/update?version=3', { Name: 'web', TASKTEMPLATE: { containerspec: { Image: 'busybox', LABELS: { 'dockgate.owner': '' } } } }],
      ['/v1.41/secrets/create', { Name: 's', Data: 'eA==', Labels: { 'dockgate.owner': 'bob' } }],
      ['/v1.41/secrets/apikey/update?version=2', { Name: 'apikey', Labels: { x: 'y' }, LABELS: { 'dockgate.owner': 'bob' } }],
      ['/v1.41/configs/create', { Name: 'c', Data: 'eA==', labels: { 'dockgate.owner': 'bob' } }],
      ['/v1.41/configs/webconf/update?version=2', { Name: 'webconf', Labels: { 'dockgate.owner': 'bob' } }],
    ];
    for (const identity of [ALICE, ROOT]) {
      for (const [path, body] of forged) {
        const result = await judge(POLICY, { method: 'POST', path, headers: json, body: JSON.stringify(body), identity }, engine);
        assert.equal(result.verdict, 'deny', `${identity.kind} ${path} ${JSON.stringify(body)}`);
        assert.match(result.reason, /^Labels\.dockgate\.owner: the label says which owner an object belongs to, and under owners\.yaml only dockgate sets it$/, path);
      }
    }
  });
});

describe('owners: a named service, task, secret or config must be the owner’s', () => {
  const operations: Array<[SwarmKind, string, string, string?]> = [
    ['service', 'GET', '/v1.41/services/REF'],
    ['service', 'POST', '/v1.41/services/REF/update?version=3', JSON.stringify(SPEC)],
    ['service', 'DELETE', '/v1.41/services/REF'],
    ['service', 'GET', '/v1.41/services/REF/logs?stdout=1'],
    ['secret', 'GET', '/v1.41/secrets/REF'],
    ['secret', 'POST', '/v1.41/secrets/REF/update?version=2', '{"Name":"x"}'],
    ['secret', 'DELETE', '/v1.41/secrets/REF'],
    ['config', 'GET', '/v1.41/configs/REF'],
    ['config', 'POST', '/v1.41/configs/REF/update?version=2', '{"Name":"x"}'],
    ['config', 'DELETE', '/v1.41/configs/REF'],
    ['task', 'GET', '/v1.41/tasks/REF'],
    ['task', 'GET', '/v1.41/tasks/REF/logs?stdout=1'],
  ];
  const own: Record<SwarmKind, string> = { service: 'web', secret: 'apikey', config: 'webconf', task: 'webtask' };
  const foreign: Record<SwarmKind, string[]> = { service: ['db', 'legacy'], secret: ['dbpass'], config: ['dbconf', 'oldconf'], task: ['dbtask', 'orphan'] };

  test('its own is forwarded by the full id whose owner was checked (a task’s owner is its service’s)', async () => {
    for (const [kind, method, template, body] of operations) {
      const object = byName(own[kind]);
      for (const ref of kind === 'task' ? [object.ID, object.ID.slice(0, 6)] : [own[kind], object.ID.slice(0, 6)]) {
        const path = template.replace('REF', ref);
        const result = await judge(POLICY, { method, path, headers: json, ...(body !== undefined && { body }), identity: ALICE }, engine);
        assert.equal(result.verdict, 'allow', `${method} ${path}: ${result.reason}`);
        assert.equal(result.target, template.replace('REF', object.ID), path);
      }
    }
  });

  test('another owner’s, an unowned and a missing one all answer the swarm’s own "not found" text', async () => {
    for (const [kind, method, template, body] of operations) {
      const refs = [...foreign[kind].map((name) => (kind === 'task' ? byName(name).ID : name)), `${byName(foreign[kind][0]!).ID.slice(0, 7)}`, 'ghost'];
      for (const ref of refs) {
        const path = template.replace('REF', ref);
        const result = await judge(POLICY, { method, path, headers: json, ...(body !== undefined && { body }), identity: ALICE }, engine);
        assert.equal(result.verdict, 'deny', path);
        assert.equal(result.message, `${kind} ${ref} not found`, path);
        assert.equal(result.rule, 'policy.tenants', path);
        assert.equal(result.body, undefined, path);
      }
    }
    // The same objects are bob's own, and the admin (no owner) reaches every one.
    assert.equal((await judge(POLICY, { method: 'DELETE', path: '/v1.41/secrets/dbpass', identity: BOB }, engine)).verdict, 'allow');
    assert.equal((await judge(POLICY, { method: 'GET', path: `/v1.41/tasks/${byName('dbtask').ID}`, identity: BOB }, engine)).verdict, 'allow');
    assert.equal((await judge(POLICY, { method: 'GET', path: '/v1.41/services/legacy', identity: ROOT }, engine)).verdict, 'allow');
  });

  test('swarm lists go to the engine with the owner’s label merged into their filters (a task list’s matches its service’s labels)', async () => {
    for (const path of ['/v1.41/services', '/v1.41/tasks?filters={"service":{"web":true}}', '/v1.41/secrets', '/v1.41/configs']) {
      const listed = await judge(POLICY, { method: 'GET', path, identity: ALICE }, engine);
      assert.equal(listed.verdict, 'allow', path);
      const filters = new URL(listed.target ?? assert.fail('nothing forwarded'), 'http://x').searchParams.get('filters');
      assert.deepEqual(JSON.parse(filters ?? 'null').label, { 'dockgate.owner=alice': true }, path);
      // The admin, without an owner, lists everything as it asked.
      assert.equal((await judge(POLICY, { method: 'GET', path, identity: ROOT }, engine)).target?.includes('dockgate.owner'), false, path);
    }
  });
});

describe('owners: what a service hands its tasks must be the owner’s', () => {
  const service = (containerSpec: Record<string, unknown>, networks: unknown[] = []) =>
    judge(
      POLICY,
      {
        method: 'POST',
        path: '/v1.41/services/create',
        headers: json,
        body: JSON.stringify({ Name: 'app', TaskTemplate: { ContainerSpec: { Image: 'busybox', ...containerSpec }, Networks: networks } }),
        identity: ALICE,
      },
      engine,
    );
  const C = 'TaskTemplate.ContainerSpec';

  test('secrets, configs, networks and volumes of another owner, of none or missing are refused alike', async () => {
    const cases: Array<[Record<string, unknown>, unknown[], string]> = [
      [{ Secrets: [{ SecretID: byName('dbpass').ID, SecretName: 'dbpass' }] }, [], `${C}.Secrets[0].SecretID: names "${byName('dbpass').ID}", which is no secret of the owner "alice"`],
      [{ Secrets: [{ SecretID: 'ghost' }] }, [], `${C}.Secrets[0].SecretID: names "ghost", which is no secret of the owner "alice"`],
      [{ Configs: [{ ConfigID: byName('oldconf').ID }] }, [], `${C}.Configs[0].ConfigID: names "${byName('oldconf').ID}", which is no config of the owner "alice"`],
      [{ Privileges: { CredentialSpec: { Config: 'dbconf' } } }, [], `${C}.Privileges.CredentialSpec.Config: names "dbconf", which is no config of the owner "alice"`],
      [{}, [{ Target: 'bob-net' }], 'TaskTemplate.Networks[0].Target: names "bob-net", which is no network of the owner "alice"'],
      [{}, [{ Target: 'nowhere' }], 'TaskTemplate.Networks[0].Target: names "nowhere", which is no network of the owner "alice"'],
      [{ Mounts: [{ Type: 'volume', Source: 'bob-data', Target: '/d' }] }, [], `${C}.Mounts[0].Source: names the volume "bob-data", which is no volume of the owner "alice"`],
    ];
    for (const [containerSpec, networks, reason] of cases) {
      const result = await service(containerSpec, networks);
      assert.equal(result.verdict, 'deny', JSON.stringify(containerSpec));
      assert.equal(result.reason, reason);
      assert.equal(result.rule, 'policy.tenants');
    }
  });

  test('its own secrets, configs and networks, the built-in networks and volumes not made yet pass', async () => {
    const result = await service(
      {
        Secrets: [{ SecretID: byName('apikey').ID, SecretName: 'apikey' }],
        Configs: [{ ConfigID: byName('webconf').ID, ConfigName: 'webconf' }],
        Mounts: [{ Type: 'volume', Source: 'new-data', Target: '/d' }],
      },
      [{ Target: 'alice-net' }, { Target: 'bridge' }],
    );
    assert.equal(result.verdict, 'allow', result.reason);
  });
});
