// Owners and images on the real engine (docs/owners-design.md, sections 3 and 4): two unix users on one
// gateway, images not shared. What alice imports and builds carries her label as the engine itself reports
// it, a Dockerfile's own LABEL dockgate.owner included (the build's labels win over it); no client sets the
// label through a build's --label, an import's or a commit's --change; and bob neither moves alice's
// reference nor tags, inspects, saves, removes, builds from or runs her image: each answered exactly as the engine
// answers for an image that does not exist, or refused, and her image left as it was.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { BUSYBOX_IMAGE, makeBusyboxRootfs } from '../support/busybox-image.js';
import { followProgress } from '../support/dockerode-sides.js';
import { cliEnvironment, runAsUser } from '../support/docker-as-user.js';
import { docker } from '../support/docker-cli.js';
import type { Engine } from '../support/engine.js';
import { ALICE_UID as ALICE, BOB_UID as BOB, startTwoUsers, type TwoUsers } from '../support/owners-rig.js';
import { useTeardown } from '../support/teardown.js';

describe('owners: images keep to their owner, their tags and their labels', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let rig: TwoUsers;
  let engine: Engine;
  let rootfsTar: string;
  let context: string;
  let foreignContext: string;

  const as = (uid: number, ...args: string[]) => rig.as(uid, ...args);
  const direct = (...args: string[]) => rig.direct(...args);
  // There is no buildx here: a build asks for the classic builder explicitly rather than rely on the CLI's fallback.
  const build = (uid: number, ...args: string[]) => runAsUser(uid, ['docker', 'build', ...args], { ...cliEnvironment(rig.host, rig.homes.get(uid)!), DOCKER_BUILDKIT: '0' });
  const ownerOf = async (image: string) => (await direct('image', 'inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', image)).trim();

  before(
    async () => {
      // The harness (root) has no owner: it commits as an operator would.
      rig = await startTwoUsers(teardown, { harnessProfile: 'baseline' });
      engine = rig.engine;
      // A root filesystem each user imports as its own base image, and build contexts readable by all.
      const rootfs = join(rig.publicDir, 'rootfs');
      makeBusyboxRootfs(rootfs);
      rootfsTar = join(rig.publicDir, 'rootfs.tar');
      execFileSync('tar', ['-C', rootfs, '-cf', rootfsTar, '.']);
      chmodSync(rootfsTar, 0o644);
      context = join(rig.publicDir, 'context');
      mkdirSync(context, { mode: 0o755 });
      writeFileSync(join(context, 'Dockerfile'), `FROM alice-base\nLABEL dockgate.owner=${BOB} other=kept\n`, { mode: 0o644 });
      foreignContext = join(rig.publicDir, 'foreign-context');
      mkdirSync(foreignContext, { mode: 0o755 });
      writeFileSync(join(foreignContext, 'Dockerfile'), 'FROM alice-app\n', { mode: 0o644 });
    },
    { timeout: 120_000 },
  );

  test("both of the engine's builders apply a build's labels over the Dockerfile's LABEL, which the stamp relies on", async () => {
    const sdk = new Docker({ socketPath: engine.socketPath });
    writeFileSync(join(rig.publicDir, 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\nLABEL dockgate.owner=from-the-dockerfile\n`);
    for (const version of ['1', '2'] as const) {
      const options = { t: `builder-${version}`, version, labels: { 'dockgate.owner': 'from-the-query' } };
      await followProgress(sdk, await sdk.buildImage({ context: rig.publicDir, src: ['Dockerfile'] }, options));
      assert.equal(await ownerOf(`builder-${version}`), 'from-the-query', `builder version ${version}`);
      await direct('rmi', `builder-${version}`);
    }
  });

  test('what an owner imports and builds carries its label, a Dockerfile LABEL of it overridden, and no client sets it', async () => {
    const imported = await as(ALICE, 'import', '--change', 'CMD ["/bin/sh"]', rootfsTar, 'alice-base');
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(await ownerOf('alice-base'), String(ALICE));

    const forgedImport = await as(BOB, 'import', '--change', `LABEL "dockgate.owner"=${ALICE}`, rootfsTar, 'planted');
    assert.notEqual(forgedImport.code, 0);
    assert.match(forgedImport.stderr, /denied by policy\.tenants: \?changes \(LABEL dockgate\.owner\): the label says which owner an object belongs to/);
    const forgedBuild = await build(ALICE, '--label', `dockgate.owner=${BOB}`, '-t', 'planted', context);
    assert.notEqual(forgedBuild.code, 0);
    assert.match(forgedBuild.stderr, /denied by policy\.tenants: \?labels\.dockgate\.owner: the label says which owner/);
    assert.equal((await docker(['image', 'inspect', 'planted'], engine.endpoint)).code, 1, 'neither forged image was made');

    const built = await build(ALICE, '-q', '-t', 'alice-app', context);
    assert.equal(built.code, 0, built.stderr);
    assert.equal(
      (await direct('image', 'inspect', '--format', '{{json .Config.Labels}}', 'alice-app')).trim(),
      JSON.stringify({ 'dockgate.owner': String(ALICE), other: 'kept' }),
      "the build's stamp wins over the Dockerfile's LABEL dockgate.owner",
    );

    // A client without an owner commits as before, but does not set the label either.
    const box = (await direct('create', 'alice-app', 'true')).trim();
    const forgedCommit = await docker(['commit', '--change', `LABEL dockgate.owner=${ALICE}`, box, 'planted'], { host: rig.host });
    assert.notEqual(forgedCommit.code, 0);
    assert.match(forgedCommit.stderr, /denied by policy\.harness: \?changes \(LABEL dockgate\.owner\): /);
    await direct('rm', box);
  });

  test("another owner's image reads as missing, its reference is not moved, and it is neither tagged, removed nor run", async () => {
    const aliceApp = (await direct('image', 'inspect', '--format', '{{.Id}}', 'alice-app')).trim();
    assert.equal((await as(BOB, 'import', rootfsTar, 'bob-base')).code, 0);
    assert.equal(await ownerOf('bob-base'), String(BOB));

    const commands: string[][] = [
      ['image', 'inspect', 'NAME'],
      ['history', 'NAME'],
      ['tag', 'NAME', 'bob-copy'],
      ['rmi', 'NAME'],
      ['save', '-o', join(rig.homes.get(BOB)!, 'saved.tar'), 'NAME'],
    ];
    // Each of alice's references beside one the engine does not hold, spelled alike (name, name:tag, full id, id prefix).
    const hex = aliceApp.slice('sha256:'.length);
    const pairs = [
      ['alice-app', 'no-such-image'],
      ['alice-base:latest', 'no-such-image:latest'],
      [hex, '0'.repeat(64)],
      [hex.slice(0, 12), '0'.repeat(12)],
    ] as const;
    for (const command of commands) {
      for (const [ref, absent] of pairs) {
        // The engine's save of a missing full id names the file it did not find under its data root: not told.
        if (command[0] === 'save' && ref === hex) continue;
        const missing = await docker(
          command.map((a) => (a === 'NAME' ? absent : a)),
          engine.endpoint,
        );
        assert.notEqual(missing.code, 0, `the engine answers ${command.join(' ')} ${absent} with an error`);
        const foreign = await as(BOB, ...command.map((a) => (a === 'NAME' ? ref : a)));
        assert.equal(foreign.code, missing.code, `${command.join(' ')} ${ref}: ${foreign.stderr}`);
        assert.equal(foreign.stderr, missing.stderr.replaceAll(absent, ref), `bob's ${command.join(' ')} ${ref} reads as a missing image`);
      }
    }

    const moved = await as(BOB, 'tag', 'bob-base', 'alice-app');
    assert.notEqual(moved.code, 0);
    assert.match(moved.stderr, /denied by policy\.tenants: \?repo "docker\.io\/library\/alice-app:latest" points at an image that belongs to another owner/);
    const fromForeign = await build(BOB, '-t', 'bob-app', foreignContext);
    assert.notEqual(fromForeign.code, 0);
    assert.match(fromForeign.stderr, /denied by policy\.tenants: Dockerfile:1 FROM names "alice-app", which is not an image of this owner/);
    const run = await as(BOB, 'run', '--rm', 'alice-app', 'true');
    assert.notEqual(run.code, 0, 'bob cannot run alice’s image by name');
    assert.doesNotMatch(run.stderr, new RegExp(aliceApp.slice('sha256:'.length, 19)));
    assert.equal((await direct('ps', '-aq')).trim(), '', 'no container was created');
    assert.equal((await direct('image', 'inspect', '--format', '{{.Id}}', 'alice-app')).trim(), aliceApp, "alice's reference still points at her image");

    // Alice herself tags, runs and removes it.
    assert.equal((await as(ALICE, 'tag', 'alice-app', 'alice-app:v2')).code, 0);
    const own = await as(ALICE, 'run', '--rm', 'alice-app:v2', 'echo', 'mine');
    assert.equal(own.stdout.trim(), 'mine', own.stderr);
    assert.equal((await as(ALICE, 'rmi', 'alice-app:v2')).code, 0);
  });
});
