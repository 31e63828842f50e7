// Owners on the real engine with TLS clients (issue 17, acceptance 1; docs/owners-design.md section 9):
// two client certificates on one gateway listener, each its own owner (`owner: { from: cn }`). Each creates
// its container (stamped with its CN, as the engine itself reports), then a table of operations × {own,
// foreign, missing}: its own container it uses fully; the other's, and one made on the engine directly (no
// owner), by name or id prefix, answers exactly what the engine answers for a name that does not exist (exit
// code and every byte the CLI prints), and the engine's state of those containers is unchanged afterwards;
// a missing name answers as the engine does. Then
// the forging rows: a create that sets the owner label is refused, and an update cannot change labels.
//
// The rows are the container family, every operation whose path names a container that the docker CLI
// sends (inspect, logs, exec, top, diff, stats, cp, export, pause, unpause, update, rename, stop, start,
// restart, kill, wait, rm); the other families have tables of their own, with two unix users:
// owners-lists-and-prunes-show-only-own-objects, owners-volumes-networks-and-names-keep-to-their-owner,
// owners-events-and-df-show-only-own-objects, owners-images-tags-and-labels and
// swarm-services-keep-to-their-owner-and-redact-secrets.

import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk, type DockerResult } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway } from '../support/gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';
import { createTestPki } from '../support/test-certs.js';

// busybox:test has no owner: usable only where images are shared.
const POLICY = ['rules:', '  - name: tenants', '    match: { cn: [alice, bob] }', '    profile: baseline', '    owner: { from: cn }', '    shared: [images]', ''].join('\n');

/** A name no object has: what the engine answers for it is what a foreign object must answer. */
const MISSING = 'no-such-container';

interface Client {
  readonly owner: string;
  readonly endpoint: Endpoint;
  /** Its container's name and full id. */
  readonly name: string;
  id: string;
}

/**
 * One operation of the table: the CLI arguments naming REF, what the owner's own use must show (and the
 * state it leaves, for the rows after it), in the order the rows run (stop before start, rm last).
 */
interface Row {
  readonly operation: string;
  readonly args: readonly string[];
  /** Checks the owner's own use of its container, which must succeed. */
  readonly own: (result: DockerResult, client: Client) => void | Promise<void>;
}

describe('owners: two TLS client certificates keep to their own containers', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let engine: Engine;
  let alice: Client;
  let bob: Client;

  const direct = (...args: string[]) => dockerOk(args, engine.endpoint);
  /** The engine's own view of a container: whether it runs, and its name. */
  const state = async (id: string) => (await direct('container', 'inspect', '--format', '{{.State.Status}} {{.Name}}', id)).trim();
  // REF alone, or before a path (`REF:/tmp/mine` of docker cp).
  const named = (args: readonly string[], ref: string) => args.map((a) => (a === 'EXPORT' ? join(engine.dir, 'export.tar') : a.replace(/^REF(?=$|:)/, ref)));

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const pki = createTestPki(engine.dir);
      const policy = join(engine.dir, 'owners.yaml');
      writeFileSync(policy, POLICY);
      const gateway = await startGateway({ upstream: engine.socketPath, tls: pki, args: ['--policy', policy] });
      teardown.add(() => gateway.stopRunning());
      const tls = gateway.tls!;
      alice = { owner: 'alice', endpoint: { ...tls, name: 'alice (CN=alice)' }, name: 'alice-web', id: '' };
      bob = { owner: 'bob', endpoint: { ...tls, name: 'bob (CN=bob)', tlsDir: pki.issueClient({ cn: 'bob' }) }, name: 'bob-web', id: '' };
    },
    { timeout: 120_000 },
  );

  /** A container made on the engine directly: it has no owner, so it is nobody's to an owned client. */
  let unowned: string;

  test('each certificate creates its container, stamped with its CN as the engine reports it', async () => {
    unowned = (await direct('run', '-d', '--name', 'unowned-web', BUSYBOX_IMAGE, 'sleep', '300')).trim();
    for (const client of [alice, bob]) {
      client.id = (await dockerOk(['run', '-d', '--name', client.name, BUSYBOX_IMAGE, 'sleep', '300'], client.endpoint)).trim();
      assert.equal((await direct('inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', client.id)).trim(), client.owner);
    }
  });

  const rows: Row[] = [
    {
      operation: 'inspect',
      args: ['container', 'inspect', '--format', '{{.Name}} {{index .Config.Labels "dockgate.owner"}}', 'REF'],
      own: (r, c) => assert.equal(r.stdout.trim(), `/${c.name} ${c.owner}`),
    },
    { operation: 'logs', args: ['logs', 'REF'], own: (r) => assert.equal(r.stdout, '') },
    { operation: 'exec', args: ['exec', 'REF', 'sh', '-c', 'echo mine > /tmp/mine && cat /tmp/mine'], own: (r) => assert.equal(r.stdout.trim(), 'mine') },
    { operation: 'top', args: ['top', 'REF'], own: (r) => assert.match(r.stdout, /sleep 300/) },
    { operation: 'diff', args: ['diff', 'REF'], own: (r) => assert.match(r.stdout, /^A \/tmp\/mine$/m) },
    { operation: 'stats', args: ['stats', '--no-stream', '--format', '{{.Name}}', 'REF'], own: (r, c) => assert.equal(r.stdout.trim(), c.name) },
    // docker cp out of the container (the archive GET, after its HEAD): a tar of the file the exec row wrote.
    { operation: 'cp', args: ['cp', 'REF:/tmp/mine', '-'], own: (r) => assert.match(r.stdout, /mine\n/) },
    {
      // Into a file below the engine's directory (EXPORT): the CLI will not write an archive to a terminal or a device.
      operation: 'export',
      args: ['export', '-o', 'EXPORT', 'REF'],
      own: () => assert.ok(statSync(join(engine.dir, 'export.tar')).size > 10_000, 'the root filesystem was exported'),
    },
    { operation: 'pause', args: ['pause', 'REF'], own: async (_r, c) => assert.equal(await state(c.id), `paused /${c.name}`) },
    { operation: 'unpause', args: ['unpause', 'REF'], own: async (_r, c) => assert.equal(await state(c.id), `running /${c.name}`) },
    {
      operation: 'update',
      args: ['update', '--cpu-shares', '512', 'REF'],
      own: async (_r, c) => assert.equal((await direct('inspect', '--format', '{{.HostConfig.CpuShares}}', c.id)).trim(), '512'),
    },
    {
      operation: 'rename',
      args: ['rename', 'REF', 'taken'],
      own: async (_r, c) => {
        assert.equal(await state(c.id), 'running /taken');
        await dockerOk(['rename', 'taken', c.name], c.endpoint);
      },
    },
    { operation: 'stop', args: ['stop', '-t', '0', 'REF'], own: async (_r, c) => assert.equal(await state(c.id), `exited /${c.name}`) },
    { operation: 'start', args: ['start', 'REF'], own: async (_r, c) => assert.equal(await state(c.id), `running /${c.name}`) },
    { operation: 'restart', args: ['restart', '-t', '0', 'REF'], own: async (_r, c) => assert.equal(await state(c.id), `running /${c.name}`) },
    { operation: 'kill', args: ['kill', 'REF'], own: async (_r, c) => assert.match(await state(c.id), new RegExp(`^(exited|removing) /${c.name}$`)) },
    // After kill: the container has exited, so the owner's wait answers at once with its exit code.
    { operation: 'wait', args: ['wait', 'REF'], own: (r) => assert.equal(r.stdout.trim(), '137') },
    {
      // Not -f: the CLI's rm -f reports a missing container as removed.
      operation: 'rm',
      args: ['rm', 'REF'],
      own: async (_r, c) => assert.equal((await docker(['container', 'inspect', c.id], engine.endpoint)).code, 1, `${c.name} is gone`),
    },
  ];

  for (const row of rows) {
    test(`${row.operation}: own passes; foreign and unowned (by name and id prefix) answer as missing and are left as they were; missing as the engine answers`, async () => {
      const missing = await docker(named(row.args, MISSING), engine.endpoint);
      assert.notEqual(missing.code, 0, `the engine refuses ${row.operation} of a missing container`);
      for (const [client, other] of [
        [alice, bob],
        [bob, alice],
      ] as const) {
        const before = [await state(other.id), await state(unowned)];
        for (const ref of [other.name, other.id.slice(0, 12), 'unowned-web', unowned.slice(0, 12)]) {
          const foreign = await docker(named(row.args, ref), client.endpoint);
          assert.equal(foreign.code, missing.code, `${client.owner}'s ${row.operation} ${ref}: ${foreign.stderr}`);
          assert.equal(foreign.stdout, missing.stdout.replaceAll(MISSING, ref), `${client.owner}'s ${row.operation} ${ref}`);
          assert.equal(foreign.stderr, missing.stderr.replaceAll(MISSING, ref), `${client.owner}'s ${row.operation} of ${ref}, not its own, reads as a missing container`);
        }
        assert.deepEqual([await state(other.id), await state(unowned)], before, `${client.owner}'s ${row.operation} left ${other.owner}'s and the unowned container as they were`);
        const absent = await docker(named(row.args, MISSING), client.endpoint);
        assert.deepEqual(absent, missing, `${client.owner}'s ${row.operation} of a missing name answers as the engine does`);
      }
      for (const client of [alice, bob]) {
        const own = await docker(named(row.args, client.name), client.endpoint);
        assert.equal(own.code, 0, `${client.owner}'s own ${row.operation}: ${own.stderr}`);
        await row.own(own, client);
      }
    });
  }

  test('forging: a create that sets the owner label is refused, and an update cannot change labels', async () => {
    const forged = await docker(['run', '-d', '--name', 'planted', '--label', 'dockgate.owner=alice', BUSYBOX_IMAGE, 'sleep', '300'], bob.endpoint);
    assert.notEqual(forged.code, 0);
    assert.match(forged.stderr, /denied by policy\.tenants: Labels\.dockgate\.owner: the label says which owner an object belongs to/);
    assert.equal((await docker(['container', 'inspect', 'planted'], engine.endpoint)).code, 1, 'the forged container was never created');
    const forgedVolume = await docker(['volume', 'create', '--label', 'dockgate.owner=bob', 'planted'], alice.endpoint);
    assert.notEqual(forgedVolume.code, 0);
    assert.equal((await docker(['volume', 'inspect', 'planted'], engine.endpoint)).code, 1, 'the forged volume was never created');

    // The CLI's update has no label flag; the API's update body has no labels either: sent anyway, they are
    // not forwarded, and the container keeps its owner.
    const id = (await dockerOk(['run', '-d', '--name', 'bob-update', BUSYBOX_IMAGE, 'sleep', '300'], bob.endpoint)).trim();
    const cli = await docker(['container', 'update', '--label', 'dockgate.owner=alice', 'bob-update'], bob.endpoint);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /unknown flag: --label/);
    const api = await apiRequest(bob.endpoint, 'POST', '/v1.41/containers/bob-update/update', { Labels: { 'dockgate.owner': 'alice' }, Config: { Labels: { 'dockgate.owner': 'alice' } } });
    assert.equal(api.status, 200, api.body);
    assert.equal((await direct('inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', id)).trim(), 'bob', 'the update left the owner label as dockgate stamped it');
    const foreignUpdate = await apiRequest(alice.endpoint, 'POST', '/v1.41/containers/bob-update/update', { Memory: 8 * 1024 * 1024 });
    const missingUpdate = await apiRequest(engine.endpoint, 'POST', `/v1.41/containers/${MISSING}/update`, { Memory: 8 * 1024 * 1024 });
    assert.deepEqual([foreignUpdate.status, foreignUpdate.body], [missingUpdate.status, missingUpdate.body.replaceAll(MISSING, 'bob-update')]);
    assert.equal((await direct('inspect', '--format', '{{.HostConfig.Memory}}', id)).trim(), '0', "alice's update did not reach bob's container");
  });

  test('volumes and networks a certificate creates carry its CN', async () => {
    await dockerOk(['volume', 'create', 'alice-data'], alice.endpoint);
    assert.equal((await direct('volume', 'inspect', '--format', '{{index .Labels "dockgate.owner"}}', 'alice-data')).trim(), 'alice');
    // A subnet of its own: the engines of other tests on this host may hold the default pools.
    await dockerOk(['network', 'create', '--subnet', '198.18.117.0/24', 'bob-net'], bob.endpoint);
    assert.equal((await direct('network', 'inspect', '--format', '{{index .Labels "dockgate.owner"}}', 'bob-net')).trim(), 'bob');
  });
});
