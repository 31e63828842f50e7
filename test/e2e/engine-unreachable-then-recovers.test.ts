// The engine's socket is not always there: not yet created, left behind by a dead dockerd (a stale socket
// file nobody answers on), or served by a new dockerd after a restart. Through all of it the same gateway
// process answers every request with a Docker-style 502 that says the engine is unreachable, keeps
// running, and serves again as soon as an engine answers on the path, without being restarted.

import assert from 'node:assert/strict';
import { lstatSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk, followDocker } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { exchangeRaw } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';
import { leaveStaleSocket } from '../support/unix-sockets.js';

const HOOK_TIMEOUT_MS = 120_000;

describe('engine unreachable, then back: the gateway says so and recovers by itself', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  /** The path the gateway forwards to; engines are moved onto it. */
  let upstreamPath: string;
  let gateway: Gateway;
  let viaGateway: Endpoint;
  let engine: Engine | undefined;

  before(
    async () => {
      const dir = teardown.tempDir('/tmp/dgu-');
      teardown.add(() => engine?.stop());
      upstreamPath = join(dir, 'engine.sock');
      // Nothing exists at the upstream path yet: the gateway must start anyway and answer 502s.
      gateway = await startGateway({ upstream: upstreamPath, listen: [`unix://${join(dir, 'gw.sock')}`], profile: 'audit', readiness: 'answering' });
      teardown.add(() => gateway.stop());
      viaGateway = gateway.unix!;
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  /** Starts a private engine and moves its socket onto the upstream path (a rename keeps the bound socket). */
  async function engineOnUpstreamPath(): Promise<Engine> {
    const started = await startEngine();
    renameSync(started.socketPath, upstreamPath);
    return started;
  }

  async function assertUnreachableAnswers(cause: RegExp): Promise<void> {
    const ps = await docker(['ps'], viaGateway);
    assert.notEqual(ps.code, 0, `docker ps succeeded without an engine: ${ps.stdout}`);
    assert.match(ps.stderr, /^Error response from daemon: dockgate: .*unreachable/m, `docker ps stderr: ${ps.stderr}`);
    assert.match(ps.stderr, cause, `docker ps stderr: ${ps.stderr}`);

    // The same, seen on the wire: 502, the decision header, a Docker-style body.
    for (const target of ['/v1.41/containers/json', '/_ping']) {
      const answer = await exchangeRaw(viaGateway, `GET ${target} HTTP/1.1\r\nHost: docker\r\nConnection: close`);
      assert.equal(answer.status, 502, `${target}: ${answer.status} ${answer.body}`);
      assert.equal(answer.headers.get('dockgate-decision'), 'error', `${target}: headers ${JSON.stringify(Object.fromEntries(answer.headers))}`);
      const message = (JSON.parse(answer.body) as { message: string }).message;
      assert.match(message, /^dockgate: .*unreachable/, message);
      assert.ok(message.includes(upstreamPath), `the message should name the engine socket: ${message}`);
    }
    gateway.assertRunning();
  }

  async function assertServes(): Promise<void> {
    // Twice: the second request may reuse a pooled connection to the new engine.
    for (let round = 0; round < 2; round++) {
      const ps = await docker(['ps', '-a', '--format', '{{.Names}}'], viaGateway);
      assert.equal(ps.code, 0, `docker ps through the gateway failed: ${ps.stderr}\n--- gateway output ---\n${gateway.output()}`);
    }
    gateway.assertRunning();
  }

  test('no socket at the upstream path yet: 502 "unreachable" (ENOENT), the gateway keeps running', async () => {
    await assertUnreachableAnswers(/ENOENT/);
  });

  test('a stale socket file nobody answers on: 502 "unreachable" (ECONNREFUSED)', async () => {
    // A bound socket whose process died: the file stays, connecting is refused.
    await leaveStaleSocket(upstreamPath);
    assert.ok(lstatSync(upstreamPath).isSocket());
    await assertUnreachableAnswers(/ECONNREFUSED/);
    rmSync(upstreamPath);
  });

  test('an engine appears on the path: docker ps and docker run work through the same gateway', async () => {
    engine = await engineOnUpstreamPath();
    await assertServes();
    const run = await dockerOk(['run', '--rm', BUSYBOX_IMAGE, 'echo', 'first engine'], viaGateway);
    assert.equal(run, 'first engine\n');
    gateway.assertRunning();
  });

  test('the engine stops under open streams (events, an attached run): they end, 502 "unreachable" again, the gateway keeps running', async () => {
    // Streams open through the gateway when the engine goes: a response stream and a hijacked one.
    const events = followDocker(['events', '--format', '{{.Type}} {{.Action}}'], viaGateway);
    const attached = followDocker(['run', '--name', 'outlived', BUSYBOX_IMAGE, 'sh', '-c', 'echo started; sleep 120'], viaGateway);
    await attached.waitForOutput((out) => out.includes('started\n'), 30_000);
    await events.waitForOutput((out) => out.includes('container start'), 30_000);

    const stopping = engine!;
    engine = undefined;
    await stopping.stop();
    const deadline = Date.now() + 20_000;
    while ((events.isRunning() || attached.isRunning()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const stillOpen = [events.isRunning() ? 'docker events' : '', attached.isRunning() ? 'docker run' : ''].filter(Boolean);
    const [eventsEnd, attachedEnd] = [await events.stop(), await attached.stop()];
    assert.deepEqual(stillOpen, [], `still open 20 s after the engine stopped: events ${JSON.stringify(eventsEnd)}, run ${JSON.stringify(attachedEnd)}`);
    assert.notEqual(attachedEnd.code, 0, `the attached run cannot have succeeded: ${JSON.stringify(attachedEnd)}`);
    gateway.assertRunning();
    // dockerd unlinks only the path it bound; after the rename the file at the upstream path stays, dead.
    let leftover: string;
    try {
      leftover = lstatSync(upstreamPath).isSocket() ? 'stale socket' : 'other file';
    } catch {
      leftover = 'nothing';
    }
    await assertUnreachableAnswers(leftover === 'stale socket' ? /ECONNREFUSED/ : /ENOENT|ECONNREFUSED/);
  });

  test('a fresh engine on the same path: the same gateway serves again, without a restart', async () => {
    rmSync(upstreamPath, { force: true });
    engine = await engineOnUpstreamPath();
    await assertServes();
    const run = await dockerOk(['run', '--rm', BUSYBOX_IMAGE, 'echo', 'second engine'], viaGateway);
    assert.equal(run, 'second engine\n');
    const version = await dockerOk(['version', '--format', '{{.Server.APIVersion}}'], viaGateway);
    assert.equal(version.trim(), '1.41');
    gateway.assertRunning();
  });
});
