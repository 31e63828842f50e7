// Streams are exempt from the idle timeouts (issue 7). With the headers, body and keep-alive timeouts all
// at 1 s, streams left silent for several times that still deliver afterwards: `docker events`, `docker
// logs -f` of a quiet container, `docker wait`, and the hijacked streams of `docker exec -i ... cat` and
// `docker attach`, all with the real docker CLI through the gateway's unix listener.

import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { before, describe, test } from 'node:test';
import { followDocker, spawnDocker } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;
const TIMEOUT_S = 1;
/** Silence on every stream: three times every timeout the gateway has. */
const IDLE_MS = 3 * TIMEOUT_S * 1000 + 1_000;

/** Collects a piped CLI's output as it runs. */
class Typed {
  stdout = '';
  stderr = '';
  code: number | null | undefined;

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly what: string,
  ) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    child.on('close', (code) => (this.code = code));
  }

  async waitFor(text: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stdout.includes(text)) {
      if (this.code !== undefined) assert.fail(`${this.what} exited ${this.code} before printing ${JSON.stringify(text)}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      if (Date.now() > deadline) assert.fail(`${this.what} did not print ${JSON.stringify(text)} within ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function engineCall(engine: Engine, method: string, path: string, body?: unknown): Promise<string> {
  const response = await apiRequest(engine.endpoint, method, path, body);
  assert.ok(response.status < 300, `${method} ${path} on the engine: ${response.status} ${response.body}`);
  return response.body;
}

describe('streams are exempt from the idle timeouts', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let gateway: GatewayInFront;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const timeout = String(TIMEOUT_S);
      gateway = await startGatewayInFront(engine, { profile: 'baseline', args: ['--headers-timeout', timeout, '--body-timeout', timeout, '--keep-alive-timeout', timeout] });
      teardown.add(() => gateway.stopRunning());
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test(`events, logs -f, wait, exec -i and attach deliver after ${IDLE_MS / 1000} s of silence with 1 s timeouts`, async () => {
    // A quiet container that prints once more when told to (a file appears), then exits 7.
    await engineCall(engine, 'POST', '/v1.41/containers/create?name=quiet', {
      Image: 'busybox:test',
      Cmd: ['sh', '-c', 'echo first; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo late; exit 7'],
    });
    await engineCall(engine, 'POST', '/v1.41/containers/quiet/start');
    // A container whose main process is `cat` on an open stdin, to attach to.
    await engineCall(engine, 'POST', '/v1.41/containers/create?name=echoer', { Image: 'busybox:test', Cmd: ['cat'], OpenStdin: true, AttachStdin: true, AttachStdout: true });
    await engineCall(engine, 'POST', '/v1.41/containers/echoer/start');

    const since = String(Math.floor(Date.now() / 1000) - 1);
    const events = followDocker(['events', '--since', since, '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}}'], gateway.unix);
    const logs = followDocker(['logs', '-f', 'quiet'], gateway.unix);
    const wait = followDocker(['wait', 'quiet'], gateway.unix);
    const exec = new Typed(spawnDocker(['exec', '-i', 'quiet', 'cat'], gateway.unix), 'docker exec -i quiet cat');
    const attach = new Typed(spawnDocker(['attach', 'echoer'], gateway.unix), 'docker attach echoer');
    try {
      // Every stream is established and has delivered once.
      await engineCall(engine, 'POST', '/v1.41/volumes/create', { Name: 'before-idle' });
      await events.waitForOutput((out) => out.includes('create before-idle\n'));
      await logs.waitForOutput((out) => out.includes('first\n'));
      exec.child.stdin.write('exec-before\n');
      await exec.waitFor('exec-before\n');
      attach.child.stdin.write('attach-before\n');
      await attach.waitFor('attach-before\n');

      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));

      for (const [what, running] of [
        ['events', events.isRunning()],
        ['logs -f', logs.isRunning()],
        ['wait', wait.isRunning()],
        ['exec', exec.code === undefined],
        ['attach', attach.code === undefined],
      ] as const) {
        assert.ok(running, `docker ${what} ended during the silence`);
      }
      exec.child.stdin.write('exec-after\n');
      await exec.waitFor('exec-after\n');
      attach.child.stdin.write('attach-after\n');
      await attach.waitFor('attach-after\n');
      await engineCall(engine, 'POST', '/v1.41/volumes/create', { Name: 'after-idle' });
      await events.waitForOutput((out) => out.includes('create after-idle\n'));
      exec.child.stdin.end();
      const trigger = JSON.parse(await engineCall(engine, 'POST', '/v1.41/containers/quiet/exec', { Cmd: ['sh', '-c', 'echo > /tmp/go'] })) as { Id: string };
      await engineCall(engine, 'POST', `/v1.41/exec/${trigger.Id}/start`, { Detach: true });
      await logs.waitForOutput((out) => out.includes('late\n'));
      assert.equal((await wait.waitForOutput((out) => out.includes('\n'))).trim(), '7', 'docker wait printed the exit code');
    } finally {
      await events.stop();
      await logs.stop();
      await wait.stop();
      exec.child.kill('SIGKILL');
      attach.child.kill('SIGKILL');
    }
    gateway.assertRunning();
  });
});
