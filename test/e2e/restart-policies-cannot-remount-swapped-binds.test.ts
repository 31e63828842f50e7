// The engine restarts a container on its own when its restart policy says so, and every start mounts its
// host paths anew. A container with write access to an allowed root can meanwhile replace a directory
// another container binds with a symlink to anywhere on the host (the class of CVE-2018-15664): at the
// restart, which nobody judges, the engine follows it. Directly, the restarted container reads a host
// directory it was never given. Through the gateway (baseline with that root allowed) a container with a
// host bind cannot get an automatic restart policy, at create or by update; restart policies without host
// binds, and binds without restart policies, pass.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { assertCliRefused } from '../support/host-escape.js';
import { useTeardown } from '../support/teardown.js';

describe('restart policies cannot make the engine mount a swapped bind source', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: GatewayInFront;
  let root: string;
  let secret: string;

  const containers = async (): Promise<string> => dockerOk(['ps', '-a', '--format', '{{.Names}}'], engine.endpoint);

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    root = mkdtempSync(join(engine.dir, 'allowed-'));
    secret = mkdtempSync(join(engine.dir, 'secret-'));
    for (const app of ['app', 'app2']) {
      mkdirSync(join(root, app));
      writeFileSync(join(root, app, 'marker'), `${app}\n`);
    }
    writeFileSync(join(secret, 'marker'), 'SECRET\n');
    gateway = await startGatewayInFront(engine, { profile: 'baseline', args: ['--allow-bind', root] });
    teardown.add(() => gateway.stopRunning());
  });

  test('directly, a restart mounts whatever a symlink swapped into the bind source points to', async () => {
    await dockerOk(['run', '-d', '--name', 'rs-writer', '-v', `${root}:/root-dir`, BUSYBOX_IMAGE, 'sleep', '600'], engine.endpoint);
    await dockerOk(['run', '-d', '--name', 'rs-victim', '--restart', 'always', '-v', `${root}/app:/data`, BUSYBOX_IMAGE, 'sh', '-c', 'cat /data/marker; sleep 1; exit 1'], engine.endpoint);
    await dockerOk(['exec', 'rs-writer', 'sh', '-c', `rm -rf /root-dir/app && ln -s ${secret} /root-dir/app`], engine.endpoint);
    const deadline = Date.now() + 30_000;
    let logs = '';
    while (!logs.includes('SECRET') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      logs = (await docker(['logs', 'rs-victim'], engine.endpoint)).stdout;
    }
    assert.match(logs, /^app\n/, 'before the swap it read its own directory');
    assert.match(logs, /SECRET/, 'after a restart nobody judged, it read the host directory the symlink points to');
    await dockerOk(['rm', '-f', 'rs-victim', 'rs-writer'], engine.endpoint);
  });

  test('through the gateway, a container with a host bind gets no automatic restart policy, at create or by update', async () => {
    for (const policy of ['always', 'unless-stopped', 'on-failure:3']) {
      const result = await docker(['create', '--name', 'rs-refused', '--restart', policy, '-v', `${root}/app2:/data`, BUSYBOX_IMAGE, 'true'], gateway.unix);
      assertCliRefused(
        result,
        `--restart ${policy} with a bind`,
        /denied by profile\.baseline: HostConfig\.RestartPolicy: restart "(always|unless-stopped|on-failure)" makes the engine start the container again on its own/,
      );
    }
    assert.doesNotMatch(await containers(), /rs-refused/);
    await dockerOk(['create', '--name', 'rs-bound', '-v', `${root}/app2:/data`, BUSYBOX_IMAGE, 'true'], gateway.unix);
    const update = await docker(['update', '--restart', 'always', 'rs-bound'], gateway.unix);
    assertCliRefused(update, 'update --restart always on a container with a bind', /denied by profile\.baseline: RestartPolicy: restart "always"/);
    const inspected = await dockerOk(['inspect', '--format', '{{.HostConfig.RestartPolicy.Name}}', 'rs-bound'], engine.endpoint);
    assert.equal(inspected.trim(), 'no', 'the refused update changed nothing');
  });

  test('benign neighbours: restart policies without host binds, binds without restart policies', async () => {
    await dockerOk(['run', '-d', '--name', 'rs-service', '--restart', 'unless-stopped', '-v', 'rs-volume:/data', BUSYBOX_IMAGE, 'sleep', '600'], gateway.unix);
    await dockerOk(['update', '--restart', 'always', 'rs-service'], gateway.unix);
    assert.equal(await dockerOk(['run', '--rm', '-v', `${root}/app2:/data`, BUSYBOX_IMAGE, 'cat', '/data/marker'], gateway.unix), 'app2\n');
  });
});
