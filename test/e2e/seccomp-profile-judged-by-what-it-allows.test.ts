// An inline seccomp profile whose defaultAction refuses can still let through exactly what Docker's default
// profile keeps from a container: Docker's own default profile with `unshare` added to its allowed names is
// enough to create a user namespace, the first step of many kernel escapes. Directly, the engine runs such a
// container and `unshare -U` succeeds (with the default profile it fails); through the gateway (baseline)
// the profile is refused, naming the system call; Docker's default profile sent inline passes.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { assertCliRefused } from '../support/host-escape.js';
import { useTeardown } from '../support/teardown.js';

/** Docker's default profile, from Debian's golang-github-docker-docker-dev (the engine's own version). */
const DEFAULT_PROFILE = '/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json';

describe('a seccomp profile is judged by what it lets through', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: GatewayInFront;
  let permissive: string;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    gateway = await startGatewayInFront(engine, { profile: 'baseline' });
    teardown.add(() => gateway.stopRunning());
    const profile = JSON.parse(readFileSync(DEFAULT_PROFILE, 'utf8')) as { syscalls: unknown[] };
    profile.syscalls.push({ names: ['unshare'], action: 'SCMP_ACT_ALLOW' });
    permissive = join(engine.dir, 'default-plus-unshare.json');
    writeFileSync(permissive, JSON.stringify(profile));
  });

  const unshareUser = ['/bin/busybox', 'unshare', '-U', 'true'];

  test('directly, the default profile refuses unshare and the profile with unshare added lets it through', async () => {
    const confined = await docker(['run', '--rm', '--security-opt', `seccomp=${DEFAULT_PROFILE}`, BUSYBOX_IMAGE, ...unshareUser], engine.endpoint);
    assert.notEqual(confined.code, 0, `under the default profile unshare must fail: ${confined.stderr}`);
    const escaped = await docker(['run', '--rm', '--security-opt', `seccomp=${permissive}`, BUSYBOX_IMAGE, ...unshareUser], engine.endpoint);
    assert.equal(escaped.code, 0, `with unshare allowed the container creates a user namespace: ${escaped.stderr}`);
  });

  test('through the gateway the profile is refused, naming unshare, and nothing is created', async () => {
    const result = await docker(['run', '--name', 'sc-permissive', '--security-opt', `seccomp=${permissive}`, BUSYBOX_IMAGE, ...unshareUser], gateway.unix);
    assertCliRefused(
      result,
      'the default profile plus unshare',
      /denied by profile\.baseline: HostConfig\.SecurityOpt\[0\]: the seccomp profile lets through unshare, which Docker's default profile refuses/,
    );
    assert.doesNotMatch(await dockerOk(['ps', '-a', '--format', '{{.Names}}'], engine.endpoint), /sc-permissive/);
  });

  test("Docker's default profile sent inline passes, and confines as it does directly", async () => {
    const result = await docker(['run', '--rm', '--security-opt', `seccomp=${DEFAULT_PROFILE}`, BUSYBOX_IMAGE, ...unshareUser], gateway.unix);
    assert.notEqual(result.code, 0, 'unshare is refused inside, by the engine');
    assert.doesNotMatch(result.stderr, /dockgate/, `the gateway forwarded it: ${result.stderr}`);
    assert.equal(await dockerOk(['run', '--rm', '--security-opt', `seccomp=${DEFAULT_PROFILE}`, BUSYBOX_IMAGE, 'echo', 'confined'], gateway.unix), 'confined\n');
  });
});
