// Issue 3, acceptance 1 (after creation): a container that exists already is a door too. Under
// `--profile baseline`: exec create with Privileged, exec into / exec start / attach / archive GET and PUT /
// export / commit of a container that has host access (made on the engine directly: a host bind, the host
// pid namespace), the legacy `copy` and a body on `start` (old API versions, refused by the version minimum
// and by the judge). Under `--profile restricted`: exec as root, and an update that lifts the pids limit;
// under a restricted policy file with maximums, an update above the memory maximum. Each refused with the
// Docker-format message, no engine event and no change on the engine (nor on the host, for archive PUT);
// each then done on the engine directly to prove it reaches the host there.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { docker, dockerOk } from '../support/docker-cli.js';
import {
  API,
  HOST_MARKER,
  IMAGE,
  RESTRICTED_CLI,
  assertCliRefused,
  assertForwarded,
  assertRefused,
  namespaceOf,
  removeContainer,
  send,
  sendOk,
  useGuardedEngine,
  withoutEngineTrace,
} from '../support/host-escape.js';

const PLAIN_OPTIONS = ['--user', '1000', ...RESTRICTED_CLI, '--memory-swap', '128m'];
const MiB = 1024 * 1024;

describe('doors on existing containers are refused (baseline, restricted)', { timeout: 10 * 60_000 }, () => {
  const suite = useGuardedEngine({
    async prepare(engine, host) {
      // Made on the engine directly: containers with host access, a benign root container, a restricted-style one, a stopped one.
      await dockerOk(['run', '-d', '--name', 'hostbind', '-v', `${host.hostDir}:/host`, IMAGE, 'sleep', '600'], engine.endpoint);
      await dockerOk(['run', '-d', '--name', 'hostpid', '--pid', 'host', IMAGE, 'sleep', '600'], engine.endpoint);
      await dockerOk(['run', '-d', '--name', 'benign', IMAGE, 'sleep', '600'], engine.endpoint);
      await dockerOk(['run', '-d', '--name', 'plain', ...PLAIN_OPTIONS, IMAGE, 'sleep', '600'], engine.endpoint);
      await dockerOk(['create', '--name', 'stopped', IMAGE, 'true'], engine.endpoint);
      writeFileSync(
        join(engine.dir, 'restricted-with-maximums.yaml'),
        ['version: 1', 'rules:', '  - name: restricted-with-maximums', '    profile: restricted', '    constraints:', '      memory: { required: true, max: 256m }', ''].join('\n'),
      );
    },
    gateways: (engine, host) => [
      { name: 'baseline', profile: 'baseline', allowBind: [host.root] },
      { name: 'restricted', profile: 'restricted' },
      { name: 'restricted-max', policy: join(engine.dir, 'restricted-with-maximums.yaml') },
    ],
  });

  // -- exec -------------------------------------------------------------------------------------------

  it('baseline refuses exec create with Privileged: true; the engine makes such an exec', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    await withoutEngineTrace(engine, 'exec --privileged', async () => {
      assertCliRefused(await docker(['exec', '--privileged', 'benign', 'true'], gw.endpoint), 'docker exec --privileged benign true', /Privileged/);
      const res = await send(gw.endpoint, 'POST', `${API}/containers/benign/exec`, { json: { Cmd: ['true'], Privileged: true } });
      assertRefused(res, 'exec create Privileged', { mentions: /Privileged/ });
    });
    // Directly: made privileged (starting it fails on this machine, which lacks CAP_SYS_RESOURCE for a full capability set).
    const { Id } = await sendOk<{ Id: string }>(engine.endpoint, 'POST', `${API}/containers/benign/exec`, { json: { Cmd: ['true'], Privileged: true } });
    assert.equal((await sendOk<{ ProcessConfig: { privileged: boolean } }>(engine.endpoint, 'GET', `${API}/exec/${Id}/json`)).ProcessConfig.privileged, true);
  });

  it('baseline refuses exec into a container with a host bind (made on the engine directly); there it reads the host', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    await withoutEngineTrace(engine, 'exec into hostbind', async () => {
      assertCliRefused(await docker(['exec', 'hostbind', 'cat', '/host/marker'], gw.endpoint), 'docker exec hostbind cat /host/marker', /hostbind|host/);
      const res = await send(gw.endpoint, 'POST', `${API}/containers/hostbind/exec`, { json: { Cmd: ['cat', '/host/marker'], AttachStdout: true } });
      assertRefused(res, 'exec create in hostbind', { mentions: /hostbind|host/ });
    });
    assert.equal(await dockerOk(['exec', 'hostbind', 'cat', '/host/marker'], engine.endpoint), HOST_MARKER);
  });

  it('baseline refuses exec into a container in the host pid namespace, named by id prefix; there it is in the host pid namespace', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    const prefix = (await dockerOk(['inspect', '--format', '{{.Id}}', 'hostpid'], engine.endpoint)).trim().slice(0, 8);
    await withoutEngineTrace(engine, 'exec into hostpid', async () => {
      assertCliRefused(await docker(['exec', prefix, 'true'], gw.endpoint), `docker exec ${prefix} true`, /pid|host/i);
    });
    assert.equal(namespaceOf(await dockerOk(['exec', 'hostpid', 'ls', '-l', '/proc/self/ns/pid'], engine.endpoint)), readlinkSync('/proc/self/ns/pid'));
  });

  it('baseline refuses starting an exec (made on the engine directly) in a container with a host bind', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    const { Id } = await sendOk<{ Id: string }>(engine.endpoint, 'POST', `${API}/containers/hostbind/exec`, { json: { Cmd: ['cat', '/host/marker'] } });
    await withoutEngineTrace(engine, 'exec start in hostbind', async () => {
      const res = await send(gw.endpoint, 'POST', `${API}/exec/${Id}/start`, { json: { Detach: true, Tty: false } });
      assertRefused(res, 'exec start in hostbind', { mentions: /hostbind|host/ });
    });
    await sendOk(engine.endpoint, 'POST', `${API}/exec/${Id}/start`, { json: { Detach: true, Tty: false } });
    for (let i = 0; i < 50 && (await sendOk<{ Running: boolean }>(engine.endpoint, 'GET', `${API}/exec/${Id}/json`)).Running; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await sendOk<{ ExitCode: number }>(engine.endpoint, 'GET', `${API}/exec/${Id}/json`)).ExitCode, 0, 'directly, the exec ran');
  });

  it('baseline refuses attach to a container with a host bind (Upgrade and raw-stream forms); the engine upgrades', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    const path = `${API}/containers/hostbind/attach?stream=1&stdin=1&stdout=1&stderr=1`;
    await withoutEngineTrace(engine, 'attach to hostbind', async () => {
      assertRefused(await send(gw.endpoint, 'POST', path, { headers: { Connection: 'Upgrade', Upgrade: 'tcp' } }), 'attach with Upgrade', { mentions: /hostbind|host/ });
      assertRefused(await send(gw.endpoint, 'POST', `${API}/containers/hostbind/attach?stream=1&stdout=1`), 'attach without Upgrade', { mentions: /hostbind|host/ });
    });
    assert.equal((await send(engine.endpoint, 'POST', path, { headers: { Connection: 'Upgrade', Upgrade: 'tcp' } })).status, 101);
  });

  // -- archive, export, commit, copy --------------------------------------------------------------------

  it('baseline refuses archive GET from a container with a host bind; there it returns the host file', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    const path = `${API}/containers/hostbind/archive?path=${encodeURIComponent('/host/marker')}`;
    await withoutEngineTrace(engine, 'archive GET hostbind', async () => {
      const result = await docker(['cp', 'hostbind:/host/marker', '-'], gw.endpoint);
      assertCliRefused(result, 'docker cp hostbind:/host/marker -', /hostbind|host/);
      assert.doesNotMatch(result.stdout, /host secret/);
      const res = await send(gw.endpoint, 'GET', path);
      assertRefused(res, 'archive GET hostbind', { mentions: /hostbind|host/ });
    });
    assert.match((await send(engine.endpoint, 'GET', path)).body, /host secret/);
  });

  it('baseline refuses archive PUT into a host bind of a container (nothing lands on the host); there the file lands on the host', async () => {
    const { engine, host } = suite();
    const gw = suite().gateway('baseline');
    const staging = join(engine.dir, 'staging');
    execFileSync('mkdir', ['-p', staging]);
    writeFileSync(join(staging, 'planted'), 'planted by a client\n');
    const tar = execFileSync('tar', ['-C', staging, '-cf', '-', 'planted']);
    const planted = join(host.hostDir, 'planted');
    const path = `${API}/containers/hostbind/archive?path=/host`;
    await withoutEngineTrace(engine, 'archive PUT hostbind', async () => {
      // A file name as the destination: with `/host/` the CLI first stats the directory (HEAD, whose refusal
      // can carry no message), ignores the failure and then reports "no such directory" itself.
      assertCliRefused(await docker(['cp', join(staging, 'planted'), 'hostbind:/host/planted'], gw.endpoint), 'docker cp planted hostbind:/host/planted', /hostbind|host/);
      const res = await send(gw.endpoint, 'PUT', path, { body: tar, contentType: 'application/x-tar' });
      assertRefused(res, 'archive PUT hostbind', { mentions: /hostbind|host/ });
    });
    assert.equal(existsSync(planted), false, 'nothing was written on the host');
    assertForwarded(await send(engine.endpoint, 'PUT', path, { body: tar, contentType: 'application/x-tar' }), 'archive PUT directly', [200]);
    assert.equal(existsSync(planted), true, 'directly, the file lands in the host directory');
    rmSync(planted);
  });

  it('baseline refuses export of a container with a host bind; the engine exports it', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    await withoutEngineTrace(engine, 'export hostbind', async () => {
      const result = await docker(['export', 'hostbind'], gw.endpoint);
      assertCliRefused(result, 'docker export hostbind', /hostbind|host/);
      assert.equal(result.stdout, '');
      assertRefused(await send(gw.endpoint, 'GET', `${API}/containers/hostbind/export`), 'export hostbind', { mentions: /hostbind|host/ });
    });
    const direct = await send(engine.endpoint, 'GET', `${API}/containers/hostbind/export`);
    assert.equal(direct.status, 200);
    assert.match(direct.body, /bin\/busybox/);
  });

  it('baseline refuses commit of a container with a host bind; the engine commits it', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    await withoutEngineTrace(engine, 'commit hostbind', async () => {
      assertCliRefused(await docker(['commit', 'hostbind', 'committed:evil'], gw.endpoint), 'docker commit hostbind', /hostbind|host/);
      const res = await send(gw.endpoint, 'POST', `${API}/commit?container=hostbind&repo=committed&tag=evil`, { json: {} });
      assertRefused(res, 'commit hostbind', { mentions: /hostbind|host/ });
    });
    await sendOk(engine.endpoint, 'POST', `${API}/commit?container=hostbind&repo=committed&tag=evil`, { json: {} });
    await sendOk(engine.endpoint, 'DELETE', `${API}/images/committed:evil`);
  });

  it('refuses the legacy copy (/v1.23/containers/{id}/copy) by the API version minimum; the engine copies the host file out', async () => {
    const { engine } = suite();
    const gw = suite().gateway('baseline');
    const path = '/v1.23/containers/hostbind/copy';
    await withoutEngineTrace(engine, 'legacy copy', async () => {
      const refusal = assertRefused(await send(gw.endpoint, 'POST', path, { json: { Resource: '/host/marker' } }), 'legacy copy', { status: 400, mentions: /1\.23|version/ });
      assert.equal(refusal.rule, 'api.min-version');
    });
    assert.match((await send(engine.endpoint, 'POST', path, { json: { Resource: '/host/marker' } })).body, /host secret/);
  });

  it('refuses a HostConfig body on start (/v1.23 by the version minimum, /v1.41 by the judge); the engine applies it at v1.23', async (t) => {
    const { engine, host } = suite();
    const gw = suite().gateway('baseline');
    const body = { Binds: [`${host.hostDir}:/host:ro`] };
    await withoutEngineTrace(engine, 'start with a body', async () => {
      const old = assertRefused(await send(gw.endpoint, 'POST', '/v1.23/containers/stopped/start', { json: body }), 'start at v1.23 with a body', { status: 400, mentions: /1\.23|version/ });
      assert.equal(old.rule, 'api.min-version');
      t.diagnostic(`v1.23: ${old.message}`);
      const current = assertRefused(await send(gw.endpoint, 'POST', `${API}/containers/stopped/start`, { json: body }), 'start at v1.41 with a body', {
        status: [400, 403],
        mentions: /body|HostConfig|Binds/,
      });
      t.diagnostic(`v1.41: ${current.message}`);
    });
    await sendOk(engine.endpoint, 'POST', '/v1.23/containers/stopped/start', { json: body });
    // Its command exits at once: waited for here, so its `die` event cannot fall into the next test's trace.
    await sendOk(engine.endpoint, 'POST', `${API}/containers/stopped/wait`);
    const inspect = await sendOk<{ HostConfig: { Binds: string[] } }>(engine.endpoint, 'GET', `${API}/containers/stopped/json`);
    assert.deepEqual(inspect.HostConfig.Binds, body.Binds, 'at v1.23 the engine took the HostConfig from the start body');
  });

  // -- restricted: exec user, limits ---------------------------------------------------------------------

  for (const user of ['root', '0', '0:0']) {
    it(`restricted refuses exec as ${user} into a non-root container; the engine runs it as uid 0`, async () => {
      const { engine } = suite();
      const gw = suite().gateway('restricted');
      await withoutEngineTrace(engine, `exec -u ${user}`, async () => {
        assertCliRefused(await docker(['exec', '-u', user, 'plain', 'id', '-u'], gw.endpoint), `docker exec -u ${user} plain`, /User|root|uid/i);
        const res = await send(gw.endpoint, 'POST', `${API}/containers/plain/exec`, { json: { Cmd: ['id', '-u'], User: user } });
        assertRefused(res, `exec create User ${user}`, { mentions: /User|root|uid/i });
      });
      // busybox:test has no /etc/passwd: `root` resolves only in images that have one; numeric ids run here.
      if (user !== 'root') assert.equal(await dockerOk(['exec', '-u', user, 'plain', 'id', '-u'], engine.endpoint), '0\n');
    });
  }

  it('restricted lets exec as uid 1000 into the same container through (the refusals above are for the user alone)', async () => {
    assert.equal(await dockerOk(['exec', '-u', '1000', 'plain', 'id', '-u'], suite().gateway('restricted').endpoint), '1000\n');
    assert.equal(await dockerOk(['exec', 'plain', 'id', '-u'], suite().gateway('restricted').endpoint), '1000\n');
  });

  /** A twin of `plain` made directly, for proofs that change a container. */
  async function twinOfPlain(): Promise<string> {
    return (await dockerOk(['run', '-d', ...PLAIN_OPTIONS, IMAGE, 'sleep', '600'], suite().engine.endpoint)).trim();
  }

  it('restricted refuses an update that lifts the pids limit; the engine lifts it', async () => {
    const { engine } = suite();
    const gw = suite().gateway('restricted');
    await withoutEngineTrace(engine, 'update --pids-limit -1', async () => {
      assertCliRefused(await docker(['update', '--pids-limit', '-1', 'plain'], gw.endpoint), 'docker update --pids-limit -1 plain', /PidsLimit|pids|process/i);
      assertRefused(await send(gw.endpoint, 'POST', `${API}/containers/plain/update`, { json: { PidsLimit: -1 } }), 'update PidsLimit -1', { mentions: /PidsLimit|pids|process/i });
    });
    const twin = await twinOfPlain();
    await sendOk(engine.endpoint, 'POST', `${API}/containers/${twin}/update`, { json: { PidsLimit: -1 } });
    assert.equal((await sendOk<{ HostConfig: { PidsLimit: number } }>(engine.endpoint, 'GET', `${API}/containers/${twin}/json`)).HostConfig.PidsLimit, 0, 'unlimited');
    await removeContainer(engine, twin);
  });

  it('a restricted policy with a 256m memory maximum refuses an update to 1g; the engine raises it', async () => {
    const { engine } = suite();
    const gw = suite().gateway('restricted-max');
    const body = { Memory: 1024 * MiB, MemorySwap: 2048 * MiB };
    await withoutEngineTrace(engine, 'update --memory 1g', async () => {
      assertCliRefused(await docker(['update', '--memory', '1g', '--memory-swap', '2g', 'plain'], gw.endpoint), 'docker update --memory 1g plain', /Memory|memory/);
      assertRefused(await send(gw.endpoint, 'POST', `${API}/containers/plain/update`, { json: body }), 'update Memory 1g', { mentions: /Memory|memory/ });
    });
    // Within the maximum, the same gateway lets it through.
    assertForwarded(await send(gw.endpoint, 'POST', `${API}/containers/plain/update`, { json: { Memory: 128 * MiB, MemorySwap: 256 * MiB } }), 'update to 128m under the maximum', [200]);
    const twin = await twinOfPlain();
    await sendOk(engine.endpoint, 'POST', `${API}/containers/${twin}/update`, { json: body });
    assert.equal((await sendOk<{ HostConfig: { Memory: number } }>(engine.endpoint, 'GET', `${API}/containers/${twin}/json`)).HostConfig.Memory, 1024 * MiB);
    await removeContainer(engine, twin);
  });
});
