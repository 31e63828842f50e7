// Owners on the real engine (docs/owners-design.md, first slice): two unix users on one gateway socket,
// each its own owner (`owner: { from: uid }`). What one creates carries the label dockgate.owner with its
// uid, as the engine itself reports; the other naming that container (inspect, stop, exec, remove) hears
// exactly what the engine says of a container that does not exist, and the container is untouched; the
// owner itself runs, execs into and removes it; and neither can set the label itself.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker } from '../support/docker-cli.js';
import type { Engine } from '../support/engine.js';
import { ALICE_UID as ALICE, BOB_UID as BOB, startTwoUsers, type TwoUsers } from '../support/owners-rig.js';
import { useTeardown } from '../support/teardown.js';

describe('owners: two unix users keep to their own containers', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let engine: Engine;
  let rig: TwoUsers;

  const as = (uid: number, ...args: string[]) => rig.as(uid, ...args);
  const direct = (...args: string[]) => rig.direct(...args);

  before(
    async () => {
      // busybox:test has no owner: usable only where images are shared.
      rig = await startTwoUsers(teardown, { shared: ['images'] });
      engine = rig.engine;
    },
    { timeout: 120_000 },
  );

  test('a container is stamped with its owner, hidden from the other as the engine hides a missing one, and the owner keeps full use of it', async () => {
    const run = await as(ALICE, 'run', '-d', '--name', 'alice-web', BUSYBOX_IMAGE, 'sleep', '300');
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.trim();
    assert.equal((await direct('inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', 'alice-web')).trim(), String(ALICE));

    // What the engine itself says of a container that does not exist, for each command bob tries.
    const commands: string[][] = [
      ['container', 'inspect', 'NAME'],
      ['stop', '-t', '0', 'NAME'],
      ['exec', 'NAME', 'true'],
      ['logs', 'NAME'],
      ['rename', 'NAME', 'taken'],
      ['rm', 'NAME'],
      ['kill', 'NAME'],
    ];
    for (const command of commands) {
      const missing = await docker(
        command.map((a) => (a === 'NAME' ? 'no-such-container' : a)),
        engine.endpoint,
      );
      assert.notEqual(missing.code, 0, `the engine answers ${command.join(' ')} for a missing container with an error`);
      for (const ref of ['alice-web', id.slice(0, 12)]) {
        const foreign = await as(BOB, ...command.map((a) => (a === 'NAME' ? ref : a)));
        assert.equal(foreign.code, missing.code, `${command.join(' ')} ${ref}: ${foreign.stderr}`);
        assert.equal(foreign.stderr, missing.stderr.replaceAll('no-such-container', ref), `bob's ${command.join(' ')} ${ref} reads as a missing container`);
      }
    }
    assert.equal((await direct('inspect', '--format', '{{.State.Running}} {{.Name}}', id)).trim(), 'true /alice-web', "bob's attempts left alice's container as it was");

    const exec = await as(ALICE, 'exec', 'alice-web', 'echo', 'mine');
    assert.equal(exec.stdout.trim(), 'mine', exec.stderr);
    const remove = await as(ALICE, 'rm', '-f', 'alice-web');
    assert.equal(remove.code, 0, remove.stderr);
  });

  test('volumes and networks are stamped too, and no client sets the label itself', async () => {
    assert.equal((await as(BOB, 'volume', 'create', 'bob-data')).code, 0);
    assert.equal((await direct('volume', 'inspect', '--format', '{{index .Labels "dockgate.owner"}}', 'bob-data')).trim(), String(BOB));
    assert.equal((await as(BOB, 'network', 'create', 'bob-net')).code, 0);
    assert.equal((await direct('network', 'inspect', '--format', '{{index .Labels "dockgate.owner"}}', 'bob-net')).trim(), String(BOB));

    const forged = await as(BOB, 'run', '-d', '--label', `dockgate.owner=${ALICE}`, BUSYBOX_IMAGE, 'sleep', '300');
    assert.notEqual(forged.code, 0);
    assert.match(forged.stderr, /denied by policy\.tenants: Labels\.dockgate\.owner: the label says which owner an object belongs to/);
    const forgedVolume = await as(ALICE, 'volume', 'create', '--label', `dockgate.owner=${BOB}`, 'planted');
    assert.notEqual(forgedVolume.code, 0);
    assert.equal((await docker(['volume', 'inspect', 'planted'], engine.endpoint)).code, 1, 'the forged volume was never created');
  });
});
