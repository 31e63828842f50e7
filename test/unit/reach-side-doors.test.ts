// Side doors: swarm services (ContainerSpec mounts, privileges, capabilities, sysctls, the host
// network, published ports), swarm membership, plugins with privileges, builds (host network, remote
// context, cgroup parent, security options, BuildKit), images fetched from URLs, networks on host
// interfaces, and BuildKit's /session and /grpc.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fakeEngine } from '../support/fake-engine.js';
import { BASELINE_CONSTRAINTS, judgeOperation, refusedFields, RESTRICTED_CONSTRAINTS } from '../support/reach-fixtures.js';

const network = () =>
  fakeEngine({
    networks: [
      { Id: 'hostnetid0001', Name: 'host', Driver: 'host' },
      { Id: 'overlayid0002', Name: 'web', Driver: 'overlay' },
    ],
  });
const service = (ContainerSpec: Record<string, unknown>, rest: Record<string, unknown> = {}, options = {}) =>
  judgeOperation(
    'service.create',
    { Name: 's', ...rest, TaskTemplate: { ...(rest['TaskTemplate'] as object), ContainerSpec: { Image: 'busybox:latest@sha256:abc', ...ContainerSpec } } },
    { engine: network(), ...options },
  );

describe('services', () => {
  test('a plain service passes', async () => {
    assert.deepEqual(
      refusedFields(
        await service(
          { Command: ['sleep', '1d'], Mounts: [{ Type: 'volume', Source: 'data', Target: '/data' }] },
          { TaskTemplate: { Networks: [{ Target: 'overlayid0002' }] }, EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080 }] } },
        ),
      ),
      [],
    );
  });

  test('host binds, caps, sysctls and unconfined privileges in the ContainerSpec are refused', async () => {
    assert.deepEqual(refusedFields(await service({ Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/s' }] })), [
      'TaskTemplate.ContainerSpec.Mounts[0].Source',
      'TaskTemplate.ContainerSpec.Mounts',
    ]);
    assert.deepEqual(refusedFields(await service({ CapabilityAdd: ['CAP_SYS_ADMIN'] })), ['TaskTemplate.ContainerSpec.CapabilityAdd[0]']);
    assert.deepEqual(refusedFields(await service({ Sysctls: { 'kernel.modprobe': '/tmp/x' } })), ['TaskTemplate.ContainerSpec.Sysctls.kernel.modprobe']);
    assert.deepEqual(refusedFields(await service({ Privileges: { Seccomp: { Mode: 'unconfined' } } })), ['TaskTemplate.ContainerSpec.Privileges.Seccomp.Mode']);
    assert.deepEqual(refusedFields(await service({ Privileges: { AppArmor: { Mode: 'disabled' } } })), ['TaskTemplate.ContainerSpec.Privileges.AppArmor.Mode']);
    assert.deepEqual(refusedFields(await service({ Privileges: { SELinuxContext: { Disable: true } } })), ['TaskTemplate.ContainerSpec.Privileges.SELinuxContext.Disable']);
    const allowAll = Buffer.from('{"defaultAction":"SCMP_ACT_ALLOW"}').toString('base64');
    assert.deepEqual(refusedFields(await service({ Privileges: { Seccomp: { Mode: 'custom', Profile: allowAll } } })), ['TaskTemplate.ContainerSpec.Privileges.Seccomp.Profile']);
    assert.deepEqual(refusedFields(await service({ Privileges: { Seccomp: { Mode: 'custom', Profile: '{"defaultAction":"SCMP_ACT_ERRNO"}' } } })), [
      'TaskTemplate.ContainerSpec.Privileges.Seccomp.Profile',
    ]);
    const confining = Buffer.from('{"defaultAction":"SCMP_ACT_ERRNO"}').toString('base64');
    assert.deepEqual(refusedFields(await service({ Privileges: { Seccomp: { Mode: 'custom', Profile: confining } } })), []);
    assert.deepEqual(refusedFields(await service({ Privileges: { CredentialSpec: { File: 'spec.json' } } })), ['TaskTemplate.ContainerSpec.Privileges.CredentialSpec']);
  });

  test('the host network, by name or by the id the CLI sends, is refused', async () => {
    assert.deepEqual(refusedFields(await service({}, { TaskTemplate: { Networks: [{ Target: 'host' }] } })), ['TaskTemplate.Networks[0].Target']);
    assert.deepEqual(refusedFields(await service({}, { TaskTemplate: { Networks: [{ Target: 'hostnetid0001' }] } })), ['TaskTemplate.Networks[0].Target']);
    assert.deepEqual(refusedFields(await service({}, { Networks: [{ Target: 'hostnet' }] })), ['Networks[0].Target']);
  });

  test('without a network lookup, a network it cannot identify is refused (fail closed)', async () => {
    const outcome = await judgeOperation('service.create', { TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Networks: [{ Target: 'abc123' }] } }, { engine: fakeEngine({}, false) });
    assert.deepEqual(refusedFields(outcome), ['TaskTemplate.Networks[0].Target']);
  });

  test('restricted requires a non-root user, no-new-privileges, CapabilityDrop ALL and limits on services', async () => {
    const outcome = await service({ User: '0' }, {}, { constraints: RESTRICTED_CONSTRAINTS });
    assert.deepEqual(refusedFields(outcome).sort(), [
      'TaskTemplate.ContainerSpec.CapabilityDrop',
      'TaskTemplate.ContainerSpec.Privileges.NoNewPrivileges',
      'TaskTemplate.ContainerSpec.User',
      'TaskTemplate.Resources.Limits.MemoryBytes',
      'TaskTemplate.Resources.Limits.NanoCPUs',
      'TaskTemplate.Resources.Limits.Pids',
    ]);
    const good = await service(
      { User: '1000', CapabilityDrop: ['ALL'], Privileges: { NoNewPrivileges: true } },
      { TaskTemplate: { Resources: { Limits: { MemoryBytes: 1 << 28, NanoCPUs: 1e9, Pids: 100 } } } },
      { constraints: RESTRICTED_CONSTRAINTS },
    );
    assert.deepEqual(refusedFields(good), []);
  });

  test('plugin tasks are refused unless plugins are granted', async () => {
    const outcome = await judgeOperation('service.update', { TaskTemplate: { Runtime: 'plugin', PluginSpec: { Name: 'p', Remote: 'vieux/sshfs' } } }, { engine: network() });
    assert.deepEqual(refusedFields(outcome), ['TaskTemplate.PluginSpec']);
  });
});

describe('swarm, plugins, BuildKit', () => {
  test('swarm membership and its secrets are refused unless granted', async () => {
    for (const operation of ['swarm.init', 'swarm.join', 'swarm.leave', 'swarm.update', 'swarm.unlock', 'swarm.unlockkey', 'swarm.inspect', 'node.update', 'node.delete'] as const) {
      assert.deepEqual(refusedFields(await judgeOperation(operation, {})), [operation], operation);
      assert.deepEqual(refusedFields(await judgeOperation(operation, {}, { constraints: { ...BASELINE_CONSTRAINTS, swarm: true } })), [], operation);
    }
  });

  test('a plugin pull with any privilege is refused; without privileges it passes', async () => {
    const privileges = [{ Name: 'network', Description: '', Value: ['host'] }];
    assert.deepEqual(refusedFields(await judgeOperation('plugin.pull', privileges, { query: 'remote=vieux/sshfs' })), ['body']);
    assert.deepEqual(refusedFields(await judgeOperation('plugin.upgrade', privileges, { target: 'p' })), ['body']);
    assert.deepEqual(refusedFields(await judgeOperation('plugin.pull', null, { query: 'remote=x' })), []);
    assert.deepEqual(refusedFields(await judgeOperation('plugin.pull', [], { query: 'remote=x' })), []);
  });

  test('plugin create, set, enable and disable are refused unless granted', async () => {
    for (const operation of ['plugin.create', 'plugin.set', 'plugin.enable', 'plugin.disable'] as const) {
      assert.deepEqual(refusedFields(await judgeOperation(operation, ['mount.source=/'])), [operation], operation);
    }
  });

  test('/session and /grpc are refused in baseline', async () => {
    assert.deepEqual(refusedFields(await judgeOperation('session', undefined)), ['/session']);
    assert.deepEqual(refusedFields(await judgeOperation('grpc', undefined)), ['/grpc']);
  });
});

describe('builds and imports', () => {
  const build = (query: string) => judgeOperation('image.build', undefined, { query, engine: fakeEngine() });

  test('an ordinary build passes', async () => {
    assert.deepEqual(refusedFields(await build('t=app%3A1&dockerfile=Dockerfile&rm=1&extrahosts=db%3A10.0.0.2&networkmode=default&buildargs=%7B%7D')), []);
  });

  test('host network, remote contexts, cgroup parents, unconfined security options and BuildKit are refused', async () => {
    assert.deepEqual(refusedFields(await build('networkmode=host')), ['?networkmode']);
    assert.deepEqual(refusedFields(await build('remote=https%3A%2F%2F169.254.169.254%2Flatest')), ['?remote']);
    assert.deepEqual(refusedFields(await build('remote=git%40github.com%3Ax%2Fy.git')), ['?remote']);
    assert.deepEqual(refusedFields(await build('cgroupparent=%2F')), ['?cgroupparent']);
    assert.deepEqual(refusedFields(await build('securityopt=seccomp%3Dunconfined')), ['?securityopt[0]']);
    assert.deepEqual(refusedFields(await build('securityopt=insecure')), ['?securityopt[0]']);
    assert.deepEqual(refusedFields(await build('version=2&session=abc')), ['?version']);
    assert.deepEqual(refusedFields(await build('networkmode=container%3Aghost')), ['?networkmode']);
  });

  test('images/create from a URL is refused, from the body (-) or a pull passes', async () => {
    assert.deepEqual(refusedFields(await judgeOperation('image.create', undefined, { query: 'fromSrc=http%3A%2F%2F127.0.0.1%3A2375%2Fx&repo=x' })), ['?fromSrc']);
    assert.deepEqual(refusedFields(await judgeOperation('image.create', undefined, { query: 'fromSrc=-&repo=x' })), []);
    assert.deepEqual(refusedFields(await judgeOperation('image.create', undefined, { query: 'fromImage=busybox&tag=latest' })), []);
  });
});

describe('networks', () => {
  const network = (body: Record<string, unknown>) => judgeOperation('network.create', { Name: 'n', ...body });

  test('bridge and overlay networks pass', async () => {
    assert.deepEqual(refusedFields(await network({})), []);
    assert.deepEqual(refusedFields(await network({ Driver: 'bridge', Internal: true, Options: { 'com.docker.network.driver.mtu': '1400' } })), []);
    assert.deepEqual(refusedFields(await network({ Driver: 'overlay', Attachable: true })), []);
  });

  test('macvlan, ipvlan, host, config-only networks and host bridges are refused', async () => {
    assert.deepEqual(refusedFields(await network({ Driver: 'macvlan', Options: { parent: 'eth0' } })), ['Driver']);
    assert.deepEqual(refusedFields(await network({ Driver: 'ipvlan', Options: { parent: 'eth0.10' } })), ['Driver']);
    assert.deepEqual(refusedFields(await network({ Driver: 'host' })), ['Driver']);
    assert.deepEqual(refusedFields(await network({ ConfigOnly: true, Options: { parent: 'eth0' } })), ['ConfigOnly']);
    assert.deepEqual(refusedFields(await network({ Options: { 'com.docker.network.bridge.name': 'br0' } })), ['Options.com.docker.network.bridge.name']);
    assert.deepEqual(refusedFields(await network({ Driver: 'overlay', Ingress: true })), ['Ingress']);
  });
});
