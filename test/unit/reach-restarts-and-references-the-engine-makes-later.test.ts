// What the engine does later, without asking: restart a container (mounting its host paths anew), start a
// swarm service's tasks, resolve a name again. A container with host paths may not restart on its own
// (create and update), a service may not have host paths at all, the full ids of the objects a judgement
// looked up come back to be forwarded, and names that read as another container's id prefix are refused.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { create, judgeOperation, refusedFields, withRoots } from '../support/reach-fixtures.js';

let tmp: string;
before(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-restart-')));
  mkdirSync(join(tmp, 'data/sub'), { recursive: true });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const roots = () => withRoots([{ path: join(tmp, 'data') }]);

describe('restart policies and host paths', () => {
  test('a container with a host bind may not restart on its own; without one, any policy passes', async () => {
    for (const name of ['always', 'unless-stopped', 'on-failure']) {
      const outcome = await create({ HostConfig: { Binds: [`${tmp}/data/sub:/x`], RestartPolicy: { Name: name } } }, { constraints: roots() });
      assert.deepEqual(refusedFields(outcome), ['HostConfig.RestartPolicy'], name);
      assert.match(outcome.violations[0]!.why, /start the container again on its own, mounting HostConfig\.Binds\[0\] anew/);
    }
    for (const policy of [undefined, { Name: 'no' }, { Name: '' }]) {
      assert.deepEqual(refusedFields(await create({ HostConfig: { Binds: [`${tmp}/data/sub:/x`], RestartPolicy: policy } }, { constraints: roots() })), []);
    }
    assert.deepEqual(refusedFields(await create({ HostConfig: { RestartPolicy: { Name: 'always' }, Mounts: [{ Type: 'volume', Source: 'v', Target: '/v' }] } })), []);
    assert.deepEqual(
      refusedFields(await create({ HostConfig: { RestartPolicy: { Name: 'always' }, Mounts: [{ Type: 'bind', Source: `${tmp}/data`, Target: '/v' }] } }, { constraints: roots() })),
      ['HostConfig.RestartPolicy'],
    );
  });

  test("an update that sets an automatic restart policy is judged on the container's mounts", async () => {
    const bound = plainContainer('bound', { Mounts: [{ Type: 'bind', Source: `${tmp}/data/sub`, Destination: '/x', RW: true }] });
    const plain = plainContainer('plain');
    const engine = fakeEngine({ containers: [bound, plain] });
    const update = (target: string, body: unknown) => judgeOperation('container.update', body, { target, engine, constraints: roots() });
    assert.deepEqual(refusedFields(await update('bound', { RestartPolicy: { Name: 'always' } })), ['RestartPolicy']);
    assert.deepEqual(refusedFields(await update('plain', { RestartPolicy: { Name: 'always' } })), []);
    assert.deepEqual(refusedFields(await update('bound', { RestartPolicy: { Name: 'no' }, Memory: 67108864 })), []);
  });

  test('a swarm service may not mount host paths: the swarm starts its tasks whenever it decides', async () => {
    const service = (mounts: unknown[]) => judgeOperation('service.create', { TaskTemplate: { ContainerSpec: { Image: 'busybox', Mounts: mounts } } }, { constraints: roots() });
    assert.deepEqual(refusedFields(await service([{ Type: 'bind', Source: `${tmp}/data/sub`, Target: '/x' }])), ['TaskTemplate.ContainerSpec.Mounts']);
    assert.deepEqual(refusedFields(await service([{ Type: 'volume', Source: 'v', Target: '/x' }])), []);
  });
});

describe('references the engine resolves again', () => {
  test('the full id of every object the judgement looked up is returned, by kind and reference', async () => {
    const web = plainContainer('web');
    const outcome = await judgeOperation('container.exec.create', { Cmd: ['true'] }, { target: 'web', engine: fakeEngine({ containers: [web] }) });
    assert.equal(outcome.resolved.get('container:web'), web.Id);
  });

  test('containers a create body names (VolumesFrom, container: namespaces) are forwarded as the ids judged', async () => {
    const engine = fakeEngine({ containers: [plainContainer('data'), plainContainer('net')] });
    const [data, net] = ['data', 'net'].map((name) => plainContainer(name).Id);
    const outcome = await create({ HostConfig: { VolumesFrom: ['data:ro', data!], NetworkMode: 'container:net' } }, { engine });
    assert.deepEqual(refusedFields(outcome), []);
    const hostConfig = (outcome.body as { HostConfig: Record<string, unknown> }).HostConfig;
    assert.deepEqual(hostConfig['VolumesFrom'], [`${data}:ro`, data]);
    assert.equal(hostConfig['NetworkMode'], `container:${net}`);
    assert.deepEqual(outcome.changes.map((c) => c.field).sort(), ['HostConfig.NetworkMode', 'HostConfig.VolumesFrom']);
  });

  test("a rename or a create name that is another container's id prefix is refused; its own, and ordinary names, pass", async () => {
    const web = plainContainer('web');
    const other = plainContainer('other');
    const engine = fakeEngine({ containers: [web, other] });
    const rename = (name: string) => judgeOperation('container.rename', undefined, { target: 'web', engine, query: `name=${name}` });
    const prefix = other.Id.slice(0, 10);
    assert.deepEqual(refusedFields(await rename(prefix)), ['?name']);
    assert.deepEqual(refusedFields(await rename(web.Id.slice(0, 10))), []);
    assert.deepEqual(refusedFields(await rename('web-2')), []);
    assert.deepEqual(refusedFields(await rename('cafe')), []);
    assert.deepEqual(refusedFields(await judgeOperation('container.create', { Image: 'busybox' }, { engine, query: `name=${prefix}` })), ['?name']);
  });
});
