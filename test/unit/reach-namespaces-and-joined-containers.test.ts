// Namespaces: `host` for pid, ipc, uts, userns, cgroupns (restricted) and network is refused;
// `container:<ref>` is judged by the container it joins (a container with host access passes it on)
// and pinned to the id that was judged; `ns:<path>` and values the engine would not accept are refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { create, refusedFields, RESTRICTED_CONSTRAINTS } from '../support/reach-fixtures.js';

const engine = () =>
  fakeEngine({
    containers: [
      plainContainer('plain'),
      plainContainer('priv', { HostConfig: { Privileged: true } }),
      plainContainer('hostnet', { HostConfig: { NetworkMode: 'host' } }),
      plainContainer('sockmount', { Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock', RW: true }] }),
      plainContainer('chain', { HostConfig: { PidMode: 'container:priv' } }),
    ],
  });

describe('host namespaces', () => {
  test('host pid, ipc, uts, userns and network are refused', async () => {
    for (const field of ['PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'NetworkMode']) {
      const outcome = await create({ HostConfig: { [field]: 'host' } });
      assert.deepEqual(refusedFields(outcome), [`HostConfig.${field}`], field);
      assert.match(outcome.violations[0]!.fix, /host/);
    }
  });

  test('the host cgroup namespace passes baseline and is refused by restricted', async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { CgroupnsMode: 'host' } })), []);
    const restricted = { User: '1000', HostConfig: { CgroupnsMode: 'host', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Memory: 1 << 28, PidsLimit: 10, NanoCpus: 1e9 } };
    assert.deepEqual(refusedFields(await create(restricted, { constraints: RESTRICTED_CONSTRAINTS })), ['HostConfig.CgroupnsMode']);
  });

  test('private modes and network names pass', async () => {
    const outcome = await create({ HostConfig: { PidMode: '', IpcMode: 'shareable', UTSMode: '', UsernsMode: '', CgroupnsMode: 'private', NetworkMode: 'my-net' } });
    assert.deepEqual(refusedFields(outcome), []);
  });

  test('ns:<path> and unknown modes are refused', async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { NetworkMode: 'ns:/proc/1/ns/net' } })), ['HostConfig.NetworkMode']);
    assert.deepEqual(refusedFields(await create({ HostConfig: { PidMode: 'ns:/proc/1/ns/pid' } })), ['HostConfig.PidMode']);
    assert.deepEqual(refusedFields(await create({ HostConfig: { UTSMode: 'container:plain' } })), ['HostConfig.UTSMode']);
    assert.deepEqual(refusedFields(await create({ HostConfig: { Cgroup: 'host' } })), ['HostConfig.Cgroup']);
  });

  test('the host network named in EndpointsConfig is refused', async () => {
    assert.deepEqual(refusedFields(await create({ NetworkingConfig: { EndpointsConfig: { host: {} } } })), ['NetworkingConfig.EndpointsConfig.host']);
  });
});

describe('joining another container', () => {
  test('joining a container with host access is refused, naming why', async () => {
    for (const [field, ref] of [
      ['NetworkMode', 'priv'],
      ['PidMode', 'hostnet'],
      ['IpcMode', 'sockmount'],
      ['Cgroup', 'priv'],
    ] as const) {
      const outcome = await create({ HostConfig: { [field]: `container:${ref}` } }, { engine: engine() });
      assert.deepEqual(refusedFields(outcome), [`HostConfig.${field}`], `${field} ${ref}`);
      assert.match(outcome.violations[0]!.why, /host access/);
    }
  });

  test('host access is followed through chains of joins', async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { NetworkMode: 'container:chain' } }, { engine: engine() })), ['HostConfig.NetworkMode']);
  });

  test('joining a plain container passes and is pinned to its full id', async () => {
    const e = engine();
    const outcome = await create({ HostConfig: { NetworkMode: 'container:plain' } }, { engine: e });
    assert.deepEqual(refusedFields(outcome), []);
    const id = (await e.container('plain'))!.Id;
    assert.deepEqual(outcome.changes, [{ field: 'HostConfig.NetworkMode', value: `container:${id}` }]);
    assert.equal((outcome.body as { HostConfig: { NetworkMode: string } }).HostConfig.NetworkMode, `container:${id}`);
  });

  test('a reference by id prefix resolves like the engine resolves it', async () => {
    const e = engine();
    const id = (await e.container('priv'))!.Id;
    assert.deepEqual(refusedFields(await create({ HostConfig: { PidMode: `container:${id.slice(0, 8)}` } }, { engine: e })), ['HostConfig.PidMode']);
  });

  test('joining a container that does not exist is refused (it cannot be judged)', async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { NetworkMode: 'container:ghost' } }, { engine: engine() })), ['HostConfig.NetworkMode']);
  });
});
