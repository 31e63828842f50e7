// Issue 3, acceptances 1 and 3 (the other half): under `dockgate serve --profile baseline --allow-bind
// <root> --allow-bind <ro-root>:ro`, the ordinary neighbours of every refused attack pass and do what they
// should: `docker run --rm busybox echo hi`; a named volume; binds under the granted roots (read-only, and
// writable where the root is not `:ro`), a directory literally named `v1..2`; tmpfs; VolumesFrom and
// `--network container:` naming a container without host access; exec as a non-root user; a hardened
// container; capabilities and sysctls the PSS baseline allows; labels and environment that merely mention
// "Privileged"; docker cp, export and commit of a container without host access; a published loopback port.
// And acceptance 3's refusals: `docker run -v /:/host`, `--privileged`, `--pid host`, each with a message
// naming the rule and the fix, and nothing left on the engine.
//
// Ports: the test engines run with `--bridge=none`, so the engine records a port binding but publishes
// nothing (no listener on the host); the test checks the request passes and the binding is recorded.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { docker, dockerOk } from '../support/docker-cli.js';
import { API, IMAGE, assertCliRefused, removeContainer, sendOk, useGuardedEngine, withoutEngineTrace, type GatewayUnderTest } from '../support/host-escape.js';

describe('benign neighbours pass baseline, and acceptance 3', { timeout: 10 * 60_000 }, () => {
  const suite = useGuardedEngine({
    gateways: (_, host) => [{ name: 'baseline', profile: 'baseline', allowBind: [host.root, `${host.roRoot}:ro`] }],
  });
  const gw = (): GatewayUnderTest => suite().gateway('baseline');
  /** `docker ARGS` through the gateway; must succeed; resolves with its stdout. */
  const ok = (args: string[]): Promise<string> => dockerOk(args, gw().endpoint);

  // -- acceptance 3 -----------------------------------------------------------------------------------

  it('acceptance 3: docker run --rm busybox:test echo hi works under baseline', async () => {
    assert.equal(await ok(['run', '--rm', IMAGE, 'echo', 'hi']), 'hi\n');
  });

  for (const [what, options, mentions] of [
    ['-v /:/host', ['-v', '/:/host'], /Binds/],
    ['--privileged', ['--privileged'], /Privileged/],
    ['--pid host', ['--pid', 'host'], /PidMode|pid/i],
  ] as const) {
    it(`acceptance 3: docker run ${what} is refused with the rule and the fix, and the engine keeps no trace`, async (t) => {
      await withoutEngineTrace(suite().engine, `docker run ${what}`, async () => {
        const result = await docker(['run', '--rm', ...options, IMAGE, 'true'], gw().endpoint);
        assert.equal(result.code, 125, `docker run exits 125 on a daemon error\n${result.stderr}`);
        const refusal = assertCliRefused(result, `docker run ${what}`, mentions);
        t.diagnostic(refusal.message);
      });
    });
  }

  // -- mounts -----------------------------------------------------------------------------------------

  it('a named volume: created, written and read back', async () => {
    await ok(['volume', 'create', 'data1']);
    await ok(['run', '--rm', '-v', 'data1:/data', IMAGE, 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(await ok(['run', '--rm', '--mount', 'type=volume,src=data1,dst=/data,readonly', IMAGE, 'cat', '/data/f']), 'kept\n');
    // A volume made on the fly by --mount (no options) as well.
    assert.equal(await ok(['run', '--rm', '--mount', 'type=volume,src=data2,dst=/data', IMAGE, 'true']), '');
    await ok(['volume', 'rm', 'data1', 'data2']);
  });

  it('a read-only bind under the granted root (-v and --mount)', async () => {
    const { host } = suite();
    assert.equal(await ok(['run', '--rm', '-v', `${host.root}/x:/x:ro`, IMAGE, 'cat', '/x/file']), 'allowed\n');
    assert.equal(await ok(['run', '--rm', '--mount', `type=bind,src=${host.root}/x,dst=/x,readonly`, IMAGE, 'cat', '/x/file']), 'allowed\n');
  });

  it('a writable bind under a root granted without :ro', async () => {
    const { host } = suite();
    await ok(['run', '--rm', '-v', `${host.root}/x:/x`, IMAGE, 'sh', '-c', 'echo written > /x/out']);
    assert.equal(readFileSync(join(host.root, 'x', 'out'), 'utf8'), 'written\n');
    rmSync(join(host.root, 'x', 'out'));
  });

  it('a read-only bind under a root granted with :ro', async () => {
    const { host } = suite();
    assert.equal(await ok(['run', '--rm', '-v', `${host.roRoot}:/d:ro`, IMAGE, 'cat', '/d/file']), 'read-only root\n');
  });

  it('a directory literally named v1..2 under the root (not a dot segment)', async () => {
    const { host } = suite();
    assert.equal(await ok(['run', '--rm', '-v', `${host.root}/v1..2:/d:ro`, IMAGE, 'cat', '/d/file']), 'dots\n');
  });

  it('a tmpfs mount', async () => {
    assert.equal(await ok(['run', '--rm', '--tmpfs', '/scratch', IMAGE, 'sh', '-c', 'echo t > /scratch/f && cat /scratch/f']), 't\n');
  });

  it('VolumesFrom and --network container: naming a container without host access', async () => {
    await ok(['run', '-d', '--name', 'holder', '-v', 'shared:/shared', IMAGE, 'sh', '-c', 'echo from-holder > /shared/f; sleep 600']);
    assert.equal(await ok(['run', '--rm', '--volumes-from', 'holder:ro', IMAGE, 'cat', '/shared/f']), 'from-holder\n');
    assert.equal(await ok(['run', '--rm', '--network', 'container:holder', IMAGE, 'true']), '');
    await ok(['rm', '-f', 'holder']);
    await ok(['volume', 'rm', 'shared']);
  });

  // -- users, exec, hardening -------------------------------------------------------------------------

  it('exec as a non-root user into a container made through the gateway', async () => {
    await ok(['run', '-d', '--name', 'worker', '--user', '1000', IMAGE, 'sleep', '600']);
    assert.equal(await ok(['exec', 'worker', 'id', '-u']), '1000\n');
    assert.equal(await ok(['exec', '-u', '1000:1000', 'worker', 'id']), 'uid=1000 gid=1000 groups=1000\n');
    // baseline does not require non-root: root exec into a container without host access passes too.
    assert.equal(await ok(['exec', '-u', '0', 'worker', 'id', '-u']), '0\n');
    await ok(['rm', '-f', 'worker']);
  });

  it('a hardened container: cap-drop ALL, no-new-privileges, read-only rootfs, memory and pids limits, user 1000', async () => {
    const out = await ok([
      'run',
      '--rm',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--read-only',
      '--memory',
      '64m',
      '--pids-limit',
      '64',
      '--cpus',
      '0.5',
      '--user',
      '1000:1000',
      IMAGE,
      'id',
    ]);
    assert.equal(out, 'uid=1000 gid=1000 groups=1000\n');
  });

  it("capabilities, a sysctl of the PSS list and net.* sysctls of the container's own network namespace", async () => {
    assert.equal(await ok(['run', '--rm', '--cap-add', 'NET_BIND_SERVICE', '--cap-add', 'CAP_CHOWN', '--cap-add', 'sys_chroot', IMAGE, 'true']), '');
    assert.equal(await ok(['run', '--rm', '--sysctl', 'kernel.shm_rmid_forced=1', IMAGE, 'cat', '/proc/sys/kernel/shm_rmid_forced']), '1\n');
    assert.equal(
      await ok([
        'run',
        '--rm',
        '--sysctl',
        'net.core.somaxconn=1024',
        '--sysctl',
        'net.ipv4.tcp_keepalive_time=600',
        IMAGE,
        'cat',
        '/proc/sys/net/core/somaxconn',
        '/proc/sys/net/ipv4/tcp_keepalive_time',
      ]),
      '1024\n600\n',
    );
  });

  it('labels and environment that merely mention "Privileged"', async () => {
    const out = await ok([
      'run',
      '--rm',
      '--label',
      'note=Privileged',
      '--label',
      'HostConfig.Privileged=true',
      '-e',
      'MODE=Privileged',
      '-e',
      'SPEC={"HostConfig":{"Privileged":true,"Binds":["/:/host"]}}',
      IMAGE,
      'env',
    ]);
    assert.match(out, /^MODE=Privileged$/m);
    assert.match(out, /^SPEC=\{"HostConfig":\{"Privileged":true,"Binds":\["\/:\/host"\]\}\}$/m);
  });

  // -- archive, export, commit, ports ------------------------------------------------------------------

  it('docker cp both ways, export and commit of a container without host access', async () => {
    const { engine } = suite();
    await ok(['run', '-d', '--name', 'plainbox', IMAGE, 'sleep', '600']);
    const staging = join(engine.dir, 'benign-staging');
    execFileSync('mkdir', ['-p', staging]);
    writeFileSync(join(staging, 'in'), 'copied in\n');
    await ok(['cp', join(staging, 'in'), 'plainbox:/tmp/in']);
    await ok(['cp', 'plainbox:/tmp/in', join(staging, 'out')]);
    assert.equal(readFileSync(join(staging, 'out'), 'utf8'), 'copied in\n');
    const exported = await docker(['export', '-o', join(staging, 'export.tar'), 'plainbox'], gw().endpoint);
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok(existsSync(join(staging, 'export.tar')));
    assert.match(await ok(['commit', 'plainbox', 'committed:ok']), /^sha256:[0-9a-f]{64}\n$/);
    await ok(['rmi', 'committed:ok']);
    await ok(['rm', '-f', 'plainbox']);
  });

  it('a port published on loopback passes (recorded; nothing is published with --bridge=none)', async () => {
    const { engine } = suite();
    const id = (await ok(['run', '-d', '-p', '127.0.0.1:18080:80', IMAGE, 'sleep', '600'])).trim();
    const inspect = await sendOk<{ HostConfig: { PortBindings: unknown } }>(engine.endpoint, 'GET', `${API}/containers/${id}/json`);
    assert.deepEqual(inspect.HostConfig.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] });
    await removeContainer(engine, id);
  });
});
