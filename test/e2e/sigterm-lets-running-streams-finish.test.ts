// SIGTERM with --grace-period 5: the gateway stops accepting at once, lets what is running finish (an
// attached `docker run` keeps its whole output and its exit code, a `docker logs -f` reads to the end),
// and exits 0 as soon as they are done; a stream that would outlive the grace (`docker events`) keeps
// delivering during the grace, is cut at its end, and the gateway still exits.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk, followDocker } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';
import { connectResult } from '../support/unix-sockets.js';

const HOOK_TIMEOUT_MS = 120_000;
const GRACE_SECONDS = 5;

function numbered(prefix: string, count: number): string {
  return Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join('');
}

/** A shell loop printing `PREFIX 1` .. `PREFIX COUNT`, one line every 0.1 s. */
function printLoop(prefix: string, count: number): string {
  return `i=1; while [ $i -le ${count} ]; do echo ${prefix} $i; i=$((i+1)); sleep 0.1; done`;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe(`SIGTERM with --grace-period ${GRACE_SECONDS}: running streams finish, new connections are refused`, { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let direct: Endpoint;
  let dir: string;

  before(
    async () => {
      dir = teardown.tempDir('/tmp/dgs-');
      engine = await startEngine();
      teardown.add(() => engine.stop());
      direct = engine.endpoint;
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  async function gatewayAt(name: string): Promise<{ gateway: Gateway; endpoint: Endpoint; socketPath: string }> {
    const socketPath = join(dir, `${name}.sock`);
    const gateway = await startGateway({
      upstream: engine.socketPath,
      listen: [`unix://${socketPath}`],
      profile: 'audit',
      args: ['--grace-period', String(GRACE_SECONDS)],
    });
    teardown.add(() => gateway.stop());
    return { gateway, endpoint: gateway.unix!, socketPath };
  }

  test('an attached run and a logs -f finish with all their output; new connections are refused at once; exit 0 within the grace', async () => {
    const { gateway, endpoint, socketPath } = await gatewayAt('finish');

    // A container started on the engine directly, whose log is followed through the gateway (a plain response stream).
    await dockerOk(['run', '-d', '--name', 'talker', BUSYBOX_IMAGE, 'sh', '-c', `sleep 0.5; ${printLoop('log', 25)}`], direct);
    const logs = followDocker(['logs', '-f', 'talker'], endpoint);
    // A container run attached through the gateway (a hijacked stream), with an exit code of its own.
    const run = followDocker(['run', '--name', 'printer', BUSYBOX_IMAGE, 'sh', '-c', `${printLoop('line', 20)}; exit 3`], endpoint);
    await run.waitForOutput((out) => out.includes('line 1\n'), 30_000);
    await logs.waitForOutput((out) => out.includes('log 1\n'), 30_000);

    assert.ok(run.isRunning() && logs.isRunning(), 'both streams must still be running when SIGTERM arrives');
    const termAt = Date.now();
    gateway.signal('SIGTERM');

    // New connections: refused almost at once, and from then on.
    let firstRefusal: { at: number; index: number } | undefined;
    const attempts: string[] = [];
    while (Date.now() - termAt < 1_000 && (firstRefusal === undefined || attempts.length < firstRefusal.index + 10)) {
      const result = await connectResult(socketPath);
      attempts.push(result);
      if (result !== 'connected') firstRefusal ??= { at: Date.now(), index: attempts.length - 1 };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(firstRefusal !== undefined, `still accepting 1 s after SIGTERM: ${attempts.join(', ')}`);
    assert.ok(firstRefusal.at - termAt < 500, `the first refusal came ${firstRefusal.at - termAt} ms after SIGTERM`);
    const afterRefusal = attempts.slice(firstRefusal.index);
    assert.ok(
      afterRefusal.every((result) => result === 'ECONNREFUSED' || result === 'ENOENT'),
      `after SIGTERM: ${attempts.join(', ')}`,
    );
    const ps = await docker(['ps'], endpoint);
    assert.notEqual(ps.code, 0, `docker ps was served after SIGTERM: ${ps.stdout}`);
    assert.match(ps.stderr, /Cannot connect to the Docker daemon/);

    // What was running finishes, whole.
    assert.ok(await until(() => !run.isRunning() && !logs.isRunning(), GRACE_SECONDS * 1000 + 5_000), 'run or logs -f still running after the grace');
    const ran = await run.stop();
    const logged = await logs.stop();
    assert.equal(ran.stdout, numbered('line', 20), `docker run output cut short; stderr: ${ran.stderr}`);
    assert.equal(ran.code, 3, `docker run exit code; stderr: ${ran.stderr}`);
    assert.equal(logged.stdout, numbered('log', 25), `docker logs -f output cut short; stderr: ${logged.stderr}`);
    assert.equal(logged.code, 0, `docker logs -f; stderr: ${logged.stderr}`);

    const exit = await gateway.exited;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, gateway.output());
    assert.ok(exit.at - termAt < GRACE_SECONDS * 1000, `the gateway took ${exit.at - termAt} ms to exit, more than the grace, with nothing left running`);
    assert.doesNotMatch(gateway.output(), /grace period over/, 'the gateway cut connections although everything had finished');
  });

  test('a stream that outlives the grace (docker events) keeps delivering during it, is cut at its end, and the gateway exits 0', async () => {
    const { gateway, endpoint } = await gatewayAt('cut');
    const events = followDocker(['events', '--filter', 'type=container', '--filter', 'event=create', '--format', '{{.Actor.Attributes.name}}'], endpoint);
    // The stream is live once it shows an event that happened after it opened.
    let marker = 0;
    for (;;) {
      marker++;
      await dockerOk(['create', '--name', `before-${marker}`, BUSYBOX_IMAGE], direct);
      try {
        await events.waitForOutput((out) => out.includes(`before-${marker}\n`), 1_000);
        break;
      } catch (error) {
        if (!events.isRunning() || marker > 20) throw error;
      }
    }

    const termAt = Date.now();
    gateway.signal('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // During the grace the open stream is still served.
    await dockerOk(['create', '--name', 'during-grace', BUSYBOX_IMAGE], direct);
    await events.waitForOutput((out) => out.includes('during-grace\n'), (GRACE_SECONDS - 2) * 1000);

    const exit = await gateway.exited;
    const elapsed = exit.at - termAt;
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, gateway.output());
    assert.ok(elapsed >= GRACE_SECONDS * 1000 - 250, `the gateway exited after ${elapsed} ms, before the grace was over`);
    assert.ok(elapsed < GRACE_SECONDS * 1000 + 2_500, `the gateway exited after ${elapsed} ms, long after the grace`);
    assert.ok(await until(() => !events.isRunning(), 5_000), 'docker events still running after the gateway exited');
    const ended = await events.stop();
    assert.notEqual(ended.code, 0, `docker events should see its stream cut: ${JSON.stringify(ended)}`);
  });
});
