// Owners on the real engine, for volumes, networks and names (docs/owners-design.md, sections 3, 5 and 7):
// two unix users on one gateway socket, each its own owner. Bob naming alice's volume or network (inspect,
// remove, connect, disconnect), or naming alice's container in a connect, hears exactly what the engine says
// of one that does not exist, status and body, and the engine's state shows nothing changed; an unowned
// network (made past the gateway) is nobody's alike. A create into alice's network, by network mode or by
// endpoint alone, is refused; alice's own links go out by her container's full id; a name alice holds is a
// conflict whose answer carries none of her ids, and a volume or network create of her name makes nothing.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { apiAsUser, type ApiAnswer } from '../support/api-as-user.js';
import { readAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { ALICE_UID as ALICE, BOB_UID as BOB, startTwoUsers, type TwoUsers } from '../support/owners-rig.js';
import { useTeardown } from '../support/teardown.js';

const ROOT = 0;

describe('owners: volumes, networks and names keep to their owner', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let rig: TwoUsers;
  let auditLog: string;
  const ids = new Map<string, string>();

  const as = (uid: number, ...args: string[]) => rig.as(uid, ...args);
  const asOk = async (uid: number, ...args: string[]) => {
    const result = await as(uid, ...args);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  const direct = (...args: string[]) => rig.direct(...args);
  const through = (uid: number, method: string, path: string, body?: unknown) => apiAsUser(uid, rig.socket, method, path, body);
  const engineSays = (method: string, path: string, body?: unknown) => apiAsUser(ROOT, rig.engine.socketPath, method, path, body);
  const networksOf = async (container: string) => Object.keys(JSON.parse(await direct('inspect', '--format', '{{json .NetworkSettings.Networks}}', container)) as object).sort();

  /** Bob's answer for `ref` is the engine's for a name that does not exist, status and body, with the name put back. */
  const assertAnsweredAsMissing = (said: ApiAnswer, missing: ApiAnswer, missingRef: string, ref: string, what: string) => {
    assert.equal(said.status, missing.status, `${what}: ${said.body}`);
    assert.equal(said.body, missing.body.replaceAll(missingRef, ref), what);
  };

  before(
    async () => {
      auditLog = join(teardown.tempDir('/tmp/dgv-'), 'audit.jsonl');
      // busybox:test has no owner: usable only where images are shared.
      rig = await startTwoUsers(teardown, { auditLog, shared: ['images'] });

      // Internal networks: nothing leaves them, and the engine runs without NAT or a default bridge.
      await asOk(ALICE, 'volume', 'create', 'alice-data');
      ids.set('alice-net', await asOk(ALICE, 'network', 'create', '--internal', 'alice-net'));
      ids.set('alice-box', await asOk(ALICE, 'run', '-d', '--name', 'alice-box', '--network', 'alice-net', BUSYBOX_IMAGE, 'sleep', '300'));
      ids.set('bob-net', await asOk(BOB, 'network', 'create', '--internal', 'bob-net'));
      ids.set('bob-box', await asOk(BOB, 'run', '-d', '--name', 'bob-box', '--network', 'bob-net', BUSYBOX_IMAGE, 'sleep', '300'));
      // Made past the gateway: no owner, so nobody's.
      ids.set('old-net', (await direct('network', 'create', '--internal', 'old-net')).trim());
      await direct('volume', 'create', 'old-data');
    },
    { timeout: 120_000 },
  );

  test("another owner's and unowned volumes answer as missing ones, and stay; the owner inspects and removes its own", async () => {
    for (const [method, template] of [
      ['GET', '/v1.41/volumes/REF'],
      ['DELETE', '/v1.41/volumes/REF'],
    ] as const) {
      const missing = await engineSays(method, template.replace('REF', 'no-such-volume'));
      assert.equal(missing.status, 404, missing.body);
      for (const ref of ['alice-data', 'old-data']) {
        assertAnsweredAsMissing(await through(BOB, method, template.replace('REF', ref)), missing, 'no-such-volume', ref, `bob ${method} volume ${ref}`);
      }
    }
    const cli = await as(BOB, 'volume', 'rm', 'alice-data');
    assert.notEqual(cli.code, 0);
    assert.equal((await direct('volume', 'inspect', '--format', '{{index .Labels "dockgate.owner"}}', 'alice-data')).trim(), String(ALICE), 'alice-data is still there, alice’s');
    await direct('volume', 'inspect', 'old-data');

    assert.equal((await through(ALICE, 'GET', '/v1.41/volumes/alice-data')).status, 200);
    await asOk(ALICE, 'volume', 'create', 'alice-scratch');
    await asOk(ALICE, 'volume', 'rm', 'alice-scratch');
  });

  test("another owner's and unowned networks answer as missing ones, by name and id prefix, and bob's container is never attached to them", async () => {
    const operations: Array<[string, string, unknown]> = [
      ['GET', '/v1.41/networks/REF', undefined],
      ['DELETE', '/v1.41/networks/REF', undefined],
      ['POST', '/v1.41/networks/REF/connect', { Container: 'bob-box' }],
      ['POST', '/v1.41/networks/REF/disconnect', { Container: 'bob-box' }],
    ];
    for (const [method, template, body] of operations) {
      const missing = await engineSays(method, template.replace('REF', 'no-such-net'), body);
      assert.equal(missing.status, 404, `${method} ${template}: ${missing.body}`);
      for (const ref of ['alice-net', ids.get('alice-net')!.slice(0, 12), 'old-net']) {
        assertAnsweredAsMissing(await through(BOB, method, template.replace('REF', ref), body), missing, 'no-such-net', ref, `bob ${method} ${template} ${ref}`);
      }
    }
    // Alice's container named in a connect or disconnect of bob's own network: a missing container, checked first.
    for (const verb of ['connect', 'disconnect']) {
      const missing = await engineSays('POST', `/v1.41/networks/bob-net/${verb}`, { Container: 'no-such-box' });
      assert.equal(missing.status, 404, missing.body);
      for (const ref of ['alice-box', ids.get('alice-box')!.slice(0, 12)]) {
        for (const network of ['bob-net', 'alice-net']) {
          assertAnsweredAsMissing(await through(BOB, 'POST', `/v1.41/networks/${network}/${verb}`, { Container: ref }), missing, 'no-such-box', ref, `bob ${verb} ${network} ${ref}`);
        }
      }
    }
    const cli = await as(BOB, 'network', 'connect', 'alice-net', 'bob-box');
    assert.notEqual(cli.code, 0);
    assert.deepEqual(await networksOf('bob-box'), ['bob-net'], 'bob’s container joined no other network');
    assert.deepEqual(await networksOf('alice-box'), ['alice-net'], 'alice’s container was not put on bob’s network');
    await direct('network', 'inspect', 'alice-net');
    await direct('network', 'inspect', 'old-net');

    // Alice's own: a second network of hers, her container connected and disconnected by name, then removed.
    await asOk(ALICE, 'network', 'create', '--internal', 'alice-side');
    await asOk(ALICE, 'network', 'connect', 'alice-side', 'alice-box');
    assert.deepEqual(await networksOf('alice-box'), ['alice-net', 'alice-side']);
    await asOk(ALICE, 'network', 'disconnect', 'alice-side', 'alice-box');
    await asOk(ALICE, 'network', 'rm', 'alice-side');
    assert.equal((await through(ALICE, 'GET', '/v1.41/networks/alice-net')).status, 200);
  });

  test("a create into another owner's or an unowned network is refused, by network mode and by endpoint alone; the owner's own passes", async () => {
    const before = await direct('ps', '-aq', '--no-trunc');
    for (const network of ['alice-net', 'old-net']) {
      const run = await as(BOB, 'create', '--network', network, BUSYBOX_IMAGE);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, new RegExp(`HostConfig\\.NetworkMode: names the network "${network}", which is no network of the owner "${BOB}"`));
      const endpoint = await through(BOB, 'POST', '/v1.41/containers/create', { Image: BUSYBOX_IMAGE, NetworkingConfig: { EndpointsConfig: { [network]: {} } } });
      assert.equal(endpoint.status, 403, endpoint.body);
      assert.match(endpoint.body, new RegExp(`NetworkingConfig\\.EndpointsConfig\\.${network}: names the network`));
    }
    assert.equal(await direct('ps', '-aq', '--no-trunc'), before, 'no container was created');
    const own = await asOk(BOB, 'create', '--network', 'bob-net', BUSYBOX_IMAGE);
    assert.deepEqual(await networksOf(own), ['bob-net']);
  });

  test('links go out by the full id of the container checked, and the engine links that container', async () => {
    const from = readAuditTrail(auditLog).records.length;
    await asOk(ALICE, 'create', '--name', 'alice-linked', '--link', 'alice-box:db', BUSYBOX_IMAGE);
    assert.equal((await direct('inspect', '--format', '{{json .HostConfig.Links}}', 'alice-linked')).trim(), '["/alice-box:/alice-linked/db"]');
    const created = readAuditTrail(auditLog)
      .records.slice(from)
      .find((r) => r.operation === 'container.create' && r.phase === 'forwarding') as unknown as { changes?: Array<{ field: string; value: unknown }> };
    assert.deepEqual(
      created.changes?.find((c) => c.field === 'HostConfig.Links'),
      { field: 'HostConfig.Links', value: [`${ids.get('alice-box')}:db`] },
    );
    const foreign = await as(BOB, 'create', '--link', 'alice-box:db', BUSYBOX_IMAGE);
    assert.notEqual(foreign.code, 0);
    assert.match(foreign.stderr, /HostConfig\.Links\[0\]: names "alice-box", which is no container of the owner/);
  });

  test('a name another owner holds is a conflict that names none of its ids; a volume or network create of it makes nothing', async () => {
    const aliceIds = [...ids.entries()].filter(([name]) => name.startsWith('alice')).map(([, id]) => id);
    const noAliceId = (text: string, what: string) => {
      for (const id of aliceIds) assert.ok(!text.includes(id.slice(0, 12)), `${what} names none of alice's ids: ${text}`);
    };

    const created = await through(BOB, 'POST', '/v1.41/containers/create?name=alice-box', { Image: BUSYBOX_IMAGE });
    assert.equal(created.status, 409, created.body);
    assert.equal(JSON.parse(created.body).message, 'Conflict. The container name "/alice-box" is already in use by another container. You have to choose another name.');
    const renamed = await through(BOB, 'POST', '/v1.41/containers/bob-box/rename?name=alice-box');
    assert.equal(renamed.status, 409, renamed.body);
    const run = await as(BOB, 'run', '-d', '--name', 'alice-box', BUSYBOX_IMAGE, 'true');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /is already in use by another container/);
    const prefixName = await as(BOB, 'create', '--name', ids.get('alice-box')!.slice(0, 8), BUSYBOX_IMAGE);
    assert.notEqual(prefixName.code, 0);
    assert.match(prefixName.stderr, /is the id prefix of another container/);
    for (const [what, text] of [
      ['create', created.body],
      ['rename', renamed.body],
      ['docker run', run.stderr],
      ['a hex name', prefixName.stderr],
    ] as const) {
      noAliceId(text, what);
    }
    assert.equal((await direct('inspect', '--format', '{{.Name}}', 'bob-box')).trim(), '/bob-box');

    const volume = await through(BOB, 'POST', '/v1.41/volumes/create', { Name: 'alice-data' });
    assert.equal(volume.status, 409, volume.body);
    assert.equal(JSON.parse(volume.body).message, 'create alice-data: volume name must be unique');
    assert.equal((await direct('volume', 'inspect', '--format', '{{index .Labels "dockgate.owner"}}', 'alice-data')).trim(), String(ALICE));

    // The CLI asks for CheckDuplicate: the engine's own refusal, word for word. Without it an older engine makes a second one and names the first's id.
    const duplicate = await engineSays('POST', '/v1.41/networks/create', { Name: 'alice-net', CheckDuplicate: true });
    for (const checkDuplicate of [true, false]) {
      const network = await through(BOB, 'POST', '/v1.41/networks/create', { Name: 'alice-net', CheckDuplicate: checkDuplicate });
      assert.equal(network.status, duplicate.status, network.body);
      assert.equal(network.body, duplicate.body);
      noAliceId(network.body, 'network create');
    }
    const names = (await direct('network', 'ls', '--format', '{{.Name}}')).trim().split('\n');
    assert.equal(names.filter((name) => name === 'alice-net').length, 1, 'one network of that name');
  });
});
