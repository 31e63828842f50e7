// Resource limits (required, bounded, lifted by update), published ports (host address and range,
// -P), image patterns (normalised like the engine: busybox is docker.io/library/busybox:latest), log
// drivers, and defaults the policy applies instead of refusing, each recorded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { imageMatches, normaliseImageReference, normalisePattern } from '../../src/judge/reach/image-refs.js';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { BASELINE_CONSTRAINTS, create, judgeOperation, refusedFields } from '../support/reach-fixtures.js';

const limited = { ...BASELINE_CONSTRAINTS, memory: { required: true, max: 1 << 30 }, pids: { required: true, max: 1000 }, cpu: { required: true, max: 2e9 } };

describe('resource limits', () => {
  test('missing limits are refused when required, naming the flag', async () => {
    const outcome = await create({}, { constraints: limited });
    assert.deepEqual(refusedFields(outcome), ['HostConfig.Memory', 'HostConfig.PidsLimit', 'HostConfig.NanoCpus']);
    assert.match(outcome.violations[0]!.fix, /--memory/);
  });

  test('limits within the maximums pass; CpuQuota counts like --cpus', async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { Memory: 512 << 20, PidsLimit: 100, NanoCpus: 1e9 } }, { constraints: limited })), []);
    assert.deepEqual(refusedFields(await create({ HostConfig: { Memory: 512 << 20, PidsLimit: 100, CpuQuota: 150000, CpuPeriod: 100000 } }, { constraints: limited })), []);
  });

  test('limits above the maximums, and unlimited pids (-1), are refused', async () => {
    const outcome = await create({ HostConfig: { Memory: 2 ** 31, PidsLimit: -1, CpuQuota: 400000 } }, { constraints: limited });
    assert.deepEqual(refusedFields(outcome), ['HostConfig.Memory', 'HostConfig.PidsLimit', 'HostConfig.CpuQuota']);
  });

  test('update cannot lift or raise limits, but may leave them unchanged', async () => {
    assert.deepEqual(refusedFields(await judgeOperation('container.update', { Memory: 0, CpuShares: 512 }, { constraints: limited, target: 'c' })), []);
    assert.deepEqual(refusedFields(await judgeOperation('container.update', { PidsLimit: 0 }, { constraints: limited, target: 'c' })), ['PidsLimit']);
    assert.deepEqual(refusedFields(await judgeOperation('container.update', { Memory: 2 ** 32 }, { constraints: limited, target: 'c' })), ['Memory']);
    assert.deepEqual(refusedFields(await judgeOperation('container.update', { CpuQuota: -1 }, { constraints: limited, target: 'c' })), ['CpuQuota']);
    assert.deepEqual(
      refusedFields(await judgeOperation('container.update', { Devices: [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }] }, { target: 'c' })),
      ['Devices'],
    );
  });

  test("update is judged on the container's merged limits; a quota goes with the period it was judged with", async () => {
    const engine = fakeEngine({ containers: [plainContainer('c', { HostConfig: { Memory: 512 << 20, PidsLimit: 100, CpuQuota: 100000, CpuPeriod: 100000, NanoCpus: 0 } })] });
    const update = (body: Record<string, unknown>) => judgeOperation('container.update', body, { constraints: limited, target: 'c', engine });
    // Only the period: 100000 / 2000 is 50 CPUs.
    const periodOnly = await update({ CpuPeriod: 2000 });
    assert.deepEqual(refusedFields(periodOnly), ['CpuQuota']);
    assert.match(periodOnly.violations[0]!.why, /asks for 50 CPUs, more than the 2 CPUs/);
    // Below the maximum it passes, and the quota it was judged with is sent along.
    const allowed = await update({ CpuPeriod: 80000 });
    assert.deepEqual(refusedFields(allowed), []);
    assert.deepEqual(allowed.body, { CpuPeriod: 80000, CpuQuota: 100000 });
    assert.deepEqual(allowed.changes, [{ field: 'CpuQuota', value: 100000 }]);
    // Only the quota, with the default period: judged as quota / 100000, the period sent along.
    assert.deepEqual(refusedFields(await update({ CpuQuota: 300000 })), ['CpuQuota']);
    // Memory and pids merge as single fields; an update that touches no limit judges none.
    assert.deepEqual(refusedFields(await update({ CpuShares: 512 })), []);
    assert.deepEqual(refusedFields(await update({ PidsLimit: null })), []);
  });
});

describe('published ports', () => {
  const onlyLocal = { ...BASELINE_CONSTRAINTS, ports: { hostIps: ['127.0.0.1', '::1'], min: 1024, max: 65535, publishAll: false } };
  const bind = (HostIp: string, HostPort: string) => ({ HostConfig: { PortBindings: { '80/tcp': [{ HostIp, HostPort }] } } });

  test('-p 127.0.0.1:8080:80 passes when loopback is allowed', async () => {
    assert.deepEqual(refusedFields(await create(bind('127.0.0.1', '8080'), { constraints: onlyLocal })), []);
    assert.deepEqual(refusedFields(await create(bind('::1', '8080'), { constraints: onlyLocal })), []);
    assert.deepEqual(refusedFields(await create(bind('0:0:0:0:0:0:0:1', '8080'), { constraints: onlyLocal })), []);
  });

  test('every interface, other addresses, ports out of range and -P are refused', async () => {
    assert.deepEqual(refusedFields(await create(bind('', '8080'), { constraints: onlyLocal })), ['HostConfig.PortBindings.80/tcp[0]']);
    assert.deepEqual(refusedFields(await create(bind('0.0.0.0', '8080'), { constraints: onlyLocal })), ['HostConfig.PortBindings.80/tcp[0]']);
    assert.deepEqual(refusedFields(await create(bind('10.0.0.5', '8080'), { constraints: onlyLocal })), ['HostConfig.PortBindings.80/tcp[0]']);
    assert.deepEqual(refusedFields(await create(bind('127.0.0.1', '80'), { constraints: onlyLocal })), ['HostConfig.PortBindings.80/tcp[0]']);
    assert.deepEqual(refusedFields(await create(bind('127.0.0.1', '1000-1030'), { constraints: onlyLocal })), ['HostConfig.PortBindings.80/tcp[0]']);
    assert.deepEqual(refusedFields(await create({ HostConfig: { PublishAllPorts: true } }, { constraints: onlyLocal })), ['HostConfig.PublishAllPorts']);
  });

  test('baseline allows publishing anywhere, including -P', async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { PublishAllPorts: true, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '80' }] } } })), []);
  });
});

describe('images', () => {
  test('references are normalised like the engine normalises them', () => {
    assert.equal(normaliseImageReference('busybox').full, 'docker.io/library/busybox:latest');
    assert.equal(normaliseImageReference('alice/app:1').full, 'docker.io/alice/app:1');
    assert.equal(normaliseImageReference('localhost:5000/app').full, 'localhost:5000/app:latest');
    assert.equal(normaliseImageReference('registry.example/team/app@sha256:abc').full, 'registry.example/team/app@sha256:abc');
    assert.equal(normaliseImageReference('index.docker.io/library/busybox:1.36').full, 'docker.io/library/busybox:1.36');
  });

  test('patterns match by name unless they pin a tag; * stops at /, ** does not', () => {
    const ref = normaliseImageReference('registry.example/team/app:1.2');
    assert.equal(imageMatches(ref, normalisePattern('registry.example/team/*')), true);
    assert.equal(imageMatches(ref, normalisePattern('registry.example/*')), false);
    assert.equal(imageMatches(ref, normalisePattern('registry.example/**')), true);
    assert.equal(imageMatches(ref, normalisePattern('registry.example/team/app:1.*')), true);
    assert.equal(imageMatches(ref, normalisePattern('registry.example/team/app:2.*')), false);
    assert.equal(imageMatches(normaliseImageReference('busybox'), normalisePattern('busybox')), true);
  });

  test('create, services and pulls are held to the patterns; ids are refused when patterns are set', async () => {
    const constraints = { ...BASELINE_CONSTRAINTS, images: ['docker.io/library/*'] };
    assert.deepEqual(refusedFields(await create({ Image: 'busybox' }, { constraints })), []);
    assert.deepEqual(refusedFields(await create({ Image: 'evil/miner' }, { constraints })), ['Image']);
    assert.deepEqual(refusedFields(await create({ Image: 'sha256:0123abcd' }, { constraints })), ['Image']);
    assert.deepEqual(refusedFields(await create({ Image: 'abc123' }, { constraints })), ['Image']);
    assert.deepEqual(refusedFields(await judgeOperation('image.create', undefined, { constraints, query: 'fromImage=evil%2Fminer&tag=latest' })), ['?fromImage']);
    assert.deepEqual(refusedFields(await judgeOperation('image.create', undefined, { constraints, query: 'fromImage=alpine&tag=3' })), []);
  });
});

describe('log drivers', () => {
  test('drivers that send logs elsewhere are refused; the default and json-file pass', async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { LogConfig: { Type: 'syslog', Config: { 'syslog-address': 'tcp://10.0.0.1:514' } } } })), ['HostConfig.LogConfig.Type']);
    assert.deepEqual(refusedFields(await create({ HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } } } })), []);
    assert.deepEqual(refusedFields(await create({ HostConfig: { LogConfig: { Type: '', Config: {} } } })), []);
  });
});

describe('defaults instead of refusals', () => {
  const defaults = { labels: { owner: 'ci' }, noNewPrivileges: true, capDrop: ['ALL'], memory: 256 << 20, pidsLimit: 128, nanoCpus: 1e9, readonlyRootfs: true };

  test('unset fields get the defaults, each recorded, and the changed body is returned', async () => {
    const outcome = await create({ Labels: { app: 'x' }, HostConfig: { Memory: 0, PidsLimit: null, CapDrop: ['NET_RAW'] } }, { defaults, constraints: limited });
    assert.deepEqual(refusedFields(outcome), []);
    assert.deepEqual(
      outcome.changes.map((c) => c.field),
      ['Labels.owner', 'HostConfig.SecurityOpt', 'HostConfig.CapDrop', 'HostConfig.Memory', 'HostConfig.PidsLimit', 'HostConfig.NanoCpus', 'HostConfig.ReadonlyRootfs'],
    );
    const body = outcome.body as { Labels: Record<string, string>; HostConfig: Record<string, unknown> };
    assert.deepEqual(body.Labels, { app: 'x', owner: 'ci' });
    assert.deepEqual(body.HostConfig['SecurityOpt'], ['no-new-privileges=true']);
    assert.deepEqual(body.HostConfig['CapDrop'], ['NET_RAW', 'ALL']);
    assert.equal(body.HostConfig['Memory'], 256 << 20);
    assert.equal(body.HostConfig['ReadonlyRootfs'], true);
  });

  test('values the client set are kept; a default never hides a refusal', async () => {
    const outcome = await create({ HostConfig: { Memory: 2 ** 31, SecurityOpt: ['no-new-privileges=false'], NanoCpus: 5e8, PidsLimit: 10 } }, { defaults, constraints: limited });
    assert.deepEqual(refusedFields(outcome), ['HostConfig.Memory']);
    assert.ok(!outcome.changes.some((c) => c.field === 'HostConfig.SecurityOpt' || c.field === 'HostConfig.NanoCpus'));
  });

  test('no defaults, no changes, no body', async () => {
    const outcome = await create({});
    assert.deepEqual(outcome.changes, []);
    assert.equal(outcome.body, undefined);
  });
});
