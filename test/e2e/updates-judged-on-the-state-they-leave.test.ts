// Issue 13, class 2: `docker update` sends only what changes, and the engine merges it into the container's
// configuration. A CPU limit is a quota over a period: directly, updating only the period of a container
// limited to half a CPU gives it 25 CPUs (the cgroup's cpu.max says so). Through the gateway (a policy
// allowing at most 1 CPU, 256 MiB and 100 processes) the same update is refused on the merged result and
// changes nothing; a period that keeps the merged result within the maximum passes, and the quota it was
// judged with goes to the engine with it. Memory and pids are judged the same way, on what they become.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { assertCliRefused } from '../support/host-escape.js';
import { useTeardown } from '../support/teardown.js';

const LIMITS = ['--cpu-quota', '50000', '--cpu-period', '100000', '--memory', '128m', '--pids-limit', '50'];

interface Resources {
  CpuQuota: number;
  CpuPeriod: number;
  Memory: number;
  PidsLimit: number;
}

describe('updates are judged on the state they leave', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: GatewayInFront;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    const policy = join(engine.dir, 'limits.yaml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'rules:',
        '  - name: limited',
        `    match: { uid: ${process.getuid!()} }`,
        '    profile: baseline',
        '    constraints:',
        '      cpus: { max: 1 }',
        '      memory: { max: 256m }',
        '      pids: { max: 100 }',
        '',
      ].join('\n'),
    );
    gateway = await startGatewayInFront(engine, { args: ['--policy', policy] });
    teardown.add(() => gateway.stopRunning());
  });

  const run = async (name: string, endpoint: Endpoint): Promise<void> => {
    await dockerOk(['run', '-d', '--name', name, ...LIMITS, BUSYBOX_IMAGE, 'sleep', '600'], endpoint);
  };
  const resources = async (name: string): Promise<Resources> => JSON.parse(await dockerOk(['inspect', '--format', '{{json .HostConfig}}', name], engine.endpoint)) as Resources;
  /** The cgroup's own view of the limits, read inside the container (cgroup v2, or v1's files). */
  const cgroup = async (name: string): Promise<{ cpu: string; pids: string }> => {
    const v2 = await docker(['exec', name, 'cat', '/sys/fs/cgroup/cpu.max', '/sys/fs/cgroup/pids.max'], engine.endpoint);
    if (v2.code === 0) {
      const [cpu = '', pids = ''] = v2.stdout.trim().split('\n');
      return { cpu, pids };
    }
    const v1 = await dockerOk(['exec', name, 'cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us', '/sys/fs/cgroup/cpu/cpu.cfs_period_us', '/sys/fs/cgroup/pids/pids.max'], engine.endpoint);
    const [quota = '', period = '', pids = ''] = v1.trim().split('\n');
    return { cpu: `${quota} ${period}`, pids };
  };

  test('directly, updating only the period turns half a CPU into 25', async () => {
    await run('upd-direct', engine.endpoint);
    await dockerOk(['update', '--cpu-period', '2000', 'upd-direct'], engine.endpoint);
    assert.equal((await cgroup('upd-direct')).cpu, '50000 2000');
    await dockerOk(['rm', '-f', 'upd-direct'], engine.endpoint);
  });

  test('through the gateway the period-only update is refused on the merged result and changes nothing', async () => {
    await run('upd-gw', gateway.unix);
    const before = await resources('upd-gw');
    assertCliRefused(await docker(['update', '--cpu-period', '2000', 'upd-gw'], gateway.unix), 'update --cpu-period 2000', /CpuQuota: asks for 25 CPUs, more than the 1 CPUs/);
    assert.deepEqual(await resources('upd-gw'), before);
    assert.equal((await cgroup('upd-gw')).cpu, '50000 100000');
  });

  test('a period that keeps the merged result within the maximum passes, sent with the quota it was judged with', async () => {
    await dockerOk(['update', '--cpu-period', '80000', 'upd-gw'], gateway.unix);
    const after = await resources('upd-gw');
    assert.equal(after.CpuPeriod, 80000);
    assert.equal(after.CpuQuota, 50000);
    assert.equal((await cgroup('upd-gw')).cpu, '50000 80000');
    // The quota alone, judged against the period now in force: 90000 / 80000 is 1.125 CPUs.
    assertCliRefused(await docker(['update', '--cpu-quota', '90000', 'upd-gw'], gateway.unix), 'update --cpu-quota 90000', /asks for 1\.125 CPUs/);
  });

  test('memory and pids are judged on what they become: above the maximum refused, below it applied', async () => {
    assertCliRefused(
      await docker(['update', '--memory', '512m', '--memory-swap', '1g', 'upd-gw'], gateway.unix),
      'update --memory 512m',
      /Memory: asks for 512 MiB of memory, more than the 256 MiB/,
    );
    assertCliRefused(await docker(['update', '--pids-limit', '500', 'upd-gw'], gateway.unix), 'update --pids-limit 500', /PidsLimit: asks for 500 processes/);
    await dockerOk(['update', '--memory', '200m', '--memory-swap', '400m', '--pids-limit', '80', 'upd-gw'], gateway.unix);
    const after = await resources('upd-gw');
    assert.equal(after.Memory, 200 * 2 ** 20);
    assert.equal(after.PidsLimit, 80);
    assert.equal((await cgroup('upd-gw')).pids, '80');
    await dockerOk(['rm', '-f', 'upd-gw'], engine.endpoint);
  });
});
