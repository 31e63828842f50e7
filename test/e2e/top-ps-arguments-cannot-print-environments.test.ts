// Issue 13, class 4: `docker top` makes dockerd run `ps` on the host, as root, with the client's arguments.
// Directly, `docker top CONTAINER eww` prints the environment of every process in the container, a secret
// handed to a later `docker exec -e` included. Through a read-only gateway (a dashboard's) it is refused
// before ps runs; the usual `-ef` and `aux` pass; a rule with `top-arguments: any` lets `eww` through.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { assertCliRefused } from '../support/host-escape.js';
import { useTeardown } from '../support/teardown.js';

const SECRET = 'SECRET_TOKEN=hunter2-top';

describe('top cannot print process environments unless the policy says so', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let readOnly: GatewayInFront;
  let anyArguments: GatewayInFront;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    readOnly = await startGatewayInFront(engine, { profile: 'read-only' });
    teardown.add(() => readOnly.stopRunning());
    const policy = join(engine.dir, 'top-any.yaml');
    writeFileSync(
      policy,
      ['version: 1', 'rules:', '  - name: ops-dashboard', `    match: { uid: ${process.getuid!()} }`, '    profile: read-only', '    constraints: { top-arguments: any }', ''].join('\n'),
    );
    anyArguments = await startGatewayInFront(engine, { args: ['--policy', policy] });
    teardown.add(() => anyArguments.stopRunning());
    await dockerOk(['run', '-d', '--name', 'top-env', BUSYBOX_IMAGE, 'sleep', '600'], engine.endpoint);
    await dockerOk(['exec', '-d', '-e', SECRET, 'top-env', 'sleep', '600'], engine.endpoint);
  });

  test('directly, ps eww shows the secret given to docker exec -e', async () => {
    assert.ok((await dockerOk(['top', 'top-env', 'eww'], engine.endpoint)).includes(SECRET));
  });

  test('through the read-only gateway eww is refused; -ef and aux pass without it', async () => {
    for (const args of [['eww'], ['-o', 'uid=PID,args']]) {
      assertCliRefused(await docker(['top', 'top-env', ...args], readOnly.unix), `docker top ${args.join(' ')}`, /\?ps_args: .*dockerd runs ps on the host as root/);
    }
    for (const args of [[], ['-ef'], ['aux']]) {
      const output = await dockerOk(['top', 'top-env', ...args], readOnly.unix);
      assert.match(output, /sleep 600/, `docker top ${args.join(' ')}`);
      assert.ok(!output.includes(SECRET));
    }
  });

  test('a rule with top-arguments: any lets eww through', async () => {
    assert.ok((await dockerOk(['top', 'top-env', 'eww'], anyArguments.unix)).includes(SECRET));
  });
});
