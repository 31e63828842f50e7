// Swarm objects on the real engine (a single-node swarm on loopback): two unix users on one gateway, each
// its own owner (`owner: { from: uid }`). A service and a secret one creates carry dockgate.owner with its
// uid (the service's task containers too), as the engine itself reports; the other naming them (service
// inspect, update, logs, rm; secret inspect, rm; the task, the task's container) hears exactly what the
// engine says of one that does not exist; `service update` cannot set or move the label; and a read-only
// client's `service inspect` and task inspect show no environment values while the engine's own answer does.

import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Engine } from '../support/engine.js';
import { ALICE_UID as ALICE, BOB_UID as BOB, startTwoUsers, type TwoUsers } from '../support/owners-rig.js';
import { useTeardown } from '../support/teardown.js';

/** A service that never pulls (the engine is told to prefer its local image) and asks no registry. */
const serviceCreate = (name: string, ...more: string[]) => ['service', 'create', '--detach', '--no-resolve-image', '--name', name, ...more, BUSYBOX_IMAGE, 'sleep', '300'];

describe('swarm services, tasks and secrets keep to their owner, and read-only answers are redacted', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let engine: Engine;
  let gateway: TwoUsers;
  let secretFile: string;

  const as = (uid: number, ...args: string[]) => gateway.as(uid, ...args);
  const direct = (...args: string[]) => dockerOk(args, engine.endpoint);
  /** What the engine itself answers when `ref` names nothing, the placeholder then put back to `ref`. */
  const missing = async (command: readonly string[], ref: string) => {
    const answer = await docker(
      command.map((a) => (a === 'REF' ? 'no-such-object' : a)),
      engine.endpoint,
    );
    assert.notEqual(answer.code, 0, `the engine answers ${command.join(' ')} for a missing object with an error`);
    return { code: answer.code, stderr: answer.stderr.replaceAll('no-such-object', ref) };
  };
  const assertHiddenFromBob = async (command: readonly string[], refs: readonly string[]) => {
    for (const ref of refs) {
      const expected = await missing(command, ref);
      const foreign = await as(BOB, ...command.map((a) => (a === 'REF' ? ref : a)));
      assert.equal(foreign.code, expected.code, `${command.join(' ')} ${ref}: ${foreign.stderr}`);
      assert.equal(foreign.stderr, expected.stderr, `bob's ${command.join(' ')} ${ref} reads as a missing object`);
    }
  };

  before(
    async () => {
      // Swarm on loopback only. Leaving it and removing the gateway bridge it made on the host come first at teardown.
      gateway = await startTwoUsers(teardown, {
        engine: { env: { DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' } },
        prepare: async (made) => {
          await dockerOk(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:0'], made.endpoint);
          // The host's docker_gwbridge interface outlives the engine unless its network is removed, which the
          // engine refuses while the tasks' containers still hold endpoints on it: they go first.
          teardown.add(async () => {
            await dockerOk(['swarm', 'leave', '--force'], made.endpoint);
            const containers = (await dockerOk(['ps', '-aq'], made.endpoint)).trim();
            if (containers !== '') await dockerOk(['rm', '-f', ...containers.split('\n')], made.endpoint);
            await dockerOk(['network', 'rm', 'docker_gwbridge'], made.endpoint);
          });
        },
      });
      engine = gateway.engine;
      secretFile = join(gateway.publicDir, 'secret.txt');
      writeFileSync(secretFile, 'hunter2\n');
      chmodSync(secretFile, 0o644);
    },
    { timeout: 120_000 },
  );

  test('a service, its task and a secret are stamped with their owner and hidden from the other as the engine hides missing ones', async () => {
    const created = await as(ALICE, ...serviceCreate('alice-web', '--replicas', '1', '--env', 'PASSWORD=hunter2'));
    assert.equal(created.code, 0, created.stderr);
    const serviceId = created.stdout.trim();
    const secret = await as(ALICE, 'secret', 'create', 'alice-secret', secretFile);
    assert.equal(secret.code, 0, secret.stderr);
    const secretId = secret.stdout.trim();
    assert.equal(
      (await direct('service', 'inspect', '--format', '{{index .Spec.Labels "dockgate.owner"}} {{index .Spec.TaskTemplate.ContainerSpec.Labels "dockgate.owner"}}', 'alice-web')).trim(),
      `${ALICE} ${ALICE}`,
    );
    assert.equal((await direct('secret', 'inspect', '--format', '{{index .Spec.Labels "dockgate.owner"}}', 'alice-secret')).trim(), String(ALICE));

    await assertHiddenFromBob(['service', 'inspect', 'REF'], ['alice-web', serviceId.slice(0, 8)]);
    await assertHiddenFromBob(['service', 'update', '--detach', '--no-resolve-image', '--label-add', 'team=b', 'REF'], ['alice-web']);
    await assertHiddenFromBob(['service', 'logs', 'REF'], ['alice-web']);
    await assertHiddenFromBob(['service', 'rm', 'REF'], ['alice-web']);
    await assertHiddenFromBob(['secret', 'inspect', 'REF'], ['alice-secret', secretId]);
    await assertHiddenFromBob(['secret', 'rm', 'REF'], ['alice-secret']);

    // The task, once the swarm made it, is its service's: hidden from bob, its container too (labelled through the task's spec).
    let taskId = '';
    for (let i = 0; i < 100 && taskId === ''; i++) {
      taskId = (await direct('service', 'ps', '-q', '--no-trunc', 'alice-web')).trim();
      if (taskId === '') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.notEqual(taskId, '', 'the swarm made a task for alice-web');
    await assertHiddenFromBob(['inspect', '--type', 'task', 'REF'], [taskId]);
    assert.equal((await as(ALICE, 'inspect', '--type', 'task', '--format', '{{.ServiceID}}', taskId)).stdout.trim(), serviceId);
    let containerId = '';
    for (let i = 0; i < 100 && containerId === ''; i++) {
      containerId = (await direct('inspect', '--type', 'task', '--format', '{{with .Status.ContainerStatus}}{{.ContainerID}}{{end}}', taskId)).trim();
      if (containerId === '') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await assertHiddenFromBob(['container', 'inspect', 'REF'], [containerId.slice(0, 12)]);
    assert.equal((await as(ALICE, 'container', 'inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', containerId)).stdout.trim(), String(ALICE));

    assert.equal((await direct('service', 'inspect', '--format', '{{.Spec.Name}}', serviceId)).trim(), 'alice-web', "bob's attempts left alice's service as it was");
    assert.equal((await direct('secret', 'inspect', '--format', '{{.Spec.Name}}', secretId)).trim(), 'alice-secret');
  });

  test('service, task and secret lists of each owner show only its own, filtered by the engine', async () => {
    assert.equal((await as(BOB, ...serviceCreate('bob-listed', '--replicas', '0'))).code, 0);
    const direct_ = await direct('service', 'ls', '--format', '{{.Name}}');
    assert.match(direct_, /alice-web/);
    assert.match(direct_, /bob-listed/);
    for (const [uid, own, other] of [
      [ALICE, 'alice-web', 'bob-listed'],
      [BOB, 'bob-listed', 'alice-web'],
    ] as const) {
      const services = await as(uid, 'service', 'ls', '--format', '{{.Name}} {{.Replicas}}');
      assert.equal(services.code, 0, services.stderr);
      assert.match(services.stdout, new RegExp(own));
      assert.ok(!services.stdout.includes(other), `${uid} lists ${other}: ${services.stdout}`);
      const tasks = await as(uid, 'service', 'ps', '--format', '{{.Name}}', own);
      assert.equal(tasks.code, 0, tasks.stderr);
      assert.ok(!tasks.stdout.includes(other), tasks.stdout);
    }
    const secrets = await as(BOB, 'secret', 'ls', '--format', '{{.Name}}');
    assert.equal(secrets.code, 0, secrets.stderr);
    assert.ok(!secrets.stdout.includes('alice-secret'), secrets.stdout);
    assert.match(await direct('secret', 'ls', '--format', '{{.Name}}'), /alice-secret/);
    // A task list naming alice's service by name reads as empty to bob (the service filter is ANDed with his label).
    const named = await as(BOB, 'service', 'ps', '-q', 'alice-web');
    assert.ok(!named.stdout.trim().match(/^[a-z0-9]{12,}$/m), named.stdout);
  });

  test('a read-only client’s service and task inspect show no environment values, while the engine’s own answers do', async () => {
    const root = { host: gateway.host };
    assert.equal((await direct('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}', 'alice-web')).trim(), '["PASSWORD=hunter2"]');
    const viaGateway = await dockerOk(['service', 'inspect', 'alice-web'], root);
    const [service] = JSON.parse(viaGateway) as Array<{ Spec: { TaskTemplate: { ContainerSpec: { Env: string[] } } } }>;
    assert.deepEqual(service!.Spec.TaskTemplate.ContainerSpec.Env, ['PASSWORD=<redacted>']);
    assert.doesNotMatch(viaGateway, /hunter2/);
    const taskId = (await direct('service', 'ps', '-q', '--no-trunc', 'alice-web')).trim().split('\n')[0]!;
    const task = await dockerOk(['inspect', '--type', 'task', taskId], root);
    const [inspected] = JSON.parse(task) as Array<{ Spec: { ContainerSpec: { Env: string[] } } }>;
    assert.deepEqual(inspected!.Spec.ContainerSpec.Env, ['PASSWORD=<redacted>']);
    assert.doesNotMatch(task, /hunter2/);
  });

  test('an id prefix several configs share reads as a missing config, not as the swarm’s "ambiguous" that would tell others exist', async () => {
    const ids: string[] = [];
    let shared: string | undefined;
    for (let i = 0; i < 40 && shared === undefined; i++) {
      const created = await docker(['config', 'create', `unowned-${i}`, '-'], { ...engine.endpoint, input: 'x' });
      assert.equal(created.code, 0, created.stderr);
      const id = created.stdout.trim();
      shared = ids.some((other) => other[0] === id[0]) ? id[0] : undefined;
      ids.push(id);
    }
    assert.ok(shared !== undefined, 'two configs share a first character');
    assert.match((await docker(['config', 'inspect', shared], engine.endpoint)).stderr, /is ambiguous/, 'the engine itself answers that the prefix is ambiguous');
    await assertHiddenFromBob(['config', 'inspect', 'REF'], [shared]);
  });

  test('service update cannot set or move the owner label, and every update is stamped again', async () => {
    const created = await as(BOB, ...serviceCreate('bob-web', '--replicas', '0'));
    assert.equal(created.code, 0, created.stderr);
    for (const flag of ['--label-add', '--container-label-add']) {
      const forged = await as(BOB, 'service', 'update', '--detach', '--no-resolve-image', flag, `dockgate.owner=${ALICE}`, 'bob-web');
      assert.notEqual(forged.code, 0, flag);
      assert.match(forged.stderr, /denied by policy\.tenants: Labels\.dockgate\.owner: the label says which owner an object belongs to/, flag);
    }
    const forgedCreate = await as(BOB, ...serviceCreate('planted', '--replicas', '0', '--label', `dockgate.owner=${ALICE}`));
    assert.notEqual(forgedCreate.code, 0);
    assert.equal((await docker(['service', 'inspect', 'planted'], engine.endpoint)).code, 1, 'the forged service was never created');

    const updated = await as(BOB, 'service', 'update', '--detach', '--no-resolve-image', '--label-add', 'team=b', 'bob-web');
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal(
      (
        await direct(
          'service',
          'inspect',
          '--format',
          '{{index .Spec.Labels "dockgate.owner"}} {{index .Spec.Labels "team"}} {{index .Spec.TaskTemplate.ContainerSpec.Labels "dockgate.owner"}}',
          'bob-web',
        )
      ).trim(),
      `${BOB} b ${BOB}`,
    );
    const removed = await as(BOB, 'service', 'rm', 'bob-web');
    assert.equal(removed.code, 0, removed.stderr);
    const removedAlice = await as(ALICE, 'service', 'rm', 'alice-web');
    assert.equal(removedAlice.code, 0, removedAlice.stderr);
  });
});
