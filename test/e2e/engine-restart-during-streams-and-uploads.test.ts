// The engine restarts under the gateway (issue 7, faults): dockerd is stopped the way a service manager
// stops it and started again on the same socket and data root, while clients follow `logs -f`, `events` and
// an `attach` through the gateway, and while one uploads an archive. What must hold:
// - every client ends, none hangs, and each ends the way the same client ends on the engine's own socket
//   (the reference, run side by side): the gateway turns no cut stream into a clean end, and no clean end
//   into an error;
// - an upload cut by the restart gets a clean error: a Docker-style 502 from the gateway, or its connection
//   closed, within a bound; it is recorded;
// - while the engine is down the gateway answers at once with a 502 saying so;
// - once the engine is back the gateway serves it, by itself: no stale pooled connection fails a request,
//   and new streams work.

import assert from 'node:assert/strict';
import { before, describe, test, type TestContext } from 'node:test';
import { statSync } from 'node:fs';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk, followDocker, type FollowedDocker } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type RestartableEngine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { tarHeader } from '../support/tar-archive.js';
import { apiRequest, exchangeRaw, sendRaw } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;
/** Every client must have ended this long after dockerd was told to stop (it stops in about 2 s). */
const CLIENTS_END_WITHIN_MS = 30_000;

const TALKER = `i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done`;

async function waitUntilEnded(followers: Map<string, FollowedDocker>, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = [...followers].filter(([, f]) => f.isRunning()).map(([name]) => name);
    if (running.length === 0 || Date.now() > deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the engine restarts during streams and uploads', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: RestartableEngine;
  let gateway: GatewayInFront;
  let viaGateway: Endpoint;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      gateway = await startGatewayInFront(engine, { profile: 'audit' });
      teardown.add(() => gateway.stopRunning());
      viaGateway = gateway.unix;
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  /** While the engine is down: an immediate Docker-style 502 saying the engine is unreachable. */
  async function assertAnswersUnreachable(): Promise<void> {
    const started = Date.now();
    const answer = await exchangeRaw(viaGateway, 'GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nConnection: close');
    assert.equal(answer.status, 502, `while the engine is down: ${answer.status} ${answer.body}`);
    assert.equal(answer.headers.get('dockgate-decision'), 'error');
    assert.match((JSON.parse(answer.body) as { message: string }).message, /^dockgate: .*unreachable/);
    assert.ok(Date.now() - started < 5_000, 'the 502 came at once');
  }

  /** Once the engine is back: sequential and concurrent requests all succeed, first try. */
  async function assertServesAgain(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const answer = await apiRequest(viaGateway, 'GET', '/v1.41/containers/json?all=1');
      assert.equal(answer.status, 200, `request ${i} after the restart: ${answer.status} ${answer.body}\n--- gateway ---\n${gateway.output()}`);
    }
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => apiRequest(viaGateway, 'GET', '/v1.41/info')));
    assert.deepEqual(
      concurrent.map((a) => a.status),
      Array(10).fill(200),
      'concurrent requests after the restart',
    );
    gateway.assertRunning();
  }

  test('logs -f, events and attach end as they do on the engine socket, and the gateway serves the new engine', async (t: TestContext) => {
    await dockerOk(['run', '-d', '--name', 'er-talker', BUSYBOX_IMAGE, 'sh', '-c', TALKER], engine.endpoint);
    const followers = new Map<string, FollowedDocker>();
    for (const endpoint of [engine.endpoint, viaGateway]) {
      followers.set(`logs -f on ${endpoint.name}`, followDocker(['logs', '-f', 'er-talker'], endpoint));
      followers.set(`attach on ${endpoint.name}`, followDocker(['attach', '--no-stdin', '--sig-proxy=false', 'er-talker'], endpoint));
      followers.set(`events on ${endpoint.name}`, followDocker(['events', '--filter', 'type=container', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], endpoint));
    }
    const outcomes = new Map<string, { code: number | null; stderr: string }>();
    const probes: string[] = [];
    /**
     * An events stream shows only what happens after its CLI has subscribed, a moment after it starts
     * (longer through the gateway): probe containers are created until every stream has shown one.
     */
    const untilSubscribed = async (streams: FollowedDocker[]): Promise<void> => {
      const seen = (f: FollowedDocker): boolean => probes.some((probe) => f.output().includes(`create ${probe}\n`));
      for (let i = 0; !streams.every(seen); i++) {
        assert.ok(i < 40, 'the events streams never showed a probe container being created');
        probes.push(`er-probe-${probes.length}`);
        await dockerOk(['create', '--name', probes.at(-1)!, BUSYBOX_IMAGE], engine.endpoint);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    };
    try {
      // Every stream is established: output arrives on each.
      await untilSubscribed([...followers].filter(([name]) => name.startsWith('events')).map(([, f]) => f));
      for (const [name, follower] of followers) {
        if (!name.startsWith('events')) await follower.waitForOutput((out) => /tick \d+\n/.test(out), 20_000);
      }

      await engine.stopDaemon();
      const hanging = await waitUntilEnded(followers, CLIENTS_END_WITHIN_MS);
      assert.deepEqual(hanging, [], `still running ${CLIENTS_END_WITHIN_MS / 1000} s after dockerd stopped`);
      await assertAnswersUnreachable();
    } finally {
      for (const [name, follower] of followers) {
        const { code, stderr } = await follower.stop();
        outcomes.set(name, { code, stderr: stderr.trim() });
      }
    }
    for (const [name, { code, stderr }] of outcomes) t.diagnostic(`${name}: exit ${code} ${JSON.stringify(stderr.slice(0, 200))}`);
    for (const stream of ['logs -f', 'attach', 'events']) {
      const direct = outcomes.get(`${stream} on direct`)!;
      const through = outcomes.get(`${stream} on gateway-unix`)!;
      assert.equal(
        through.code,
        direct.code,
        `${stream}: the CLI exits ${through.code} through the gateway, ${direct.code} on the engine socket (${JSON.stringify(through.stderr)} vs ${JSON.stringify(direct.stderr)})`,
      );
      assert.doesNotMatch(through.stderr, /goroutine|panic/, `${stream}: a clean error`);
    }

    await engine.startDaemon();
    await assertServesAgain();
    // New streams work, and the records of the cut ones are written.
    const events = followDocker(['events', '--filter', 'type=container', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], viaGateway);
    try {
      await untilSubscribed([events]);
      await dockerOk(['start', 'er-talker'], viaGateway);
      await events.waitForOutput((out) => out.includes('start er-talker'), 20_000);
      const logs = await dockerOk(['logs', '--tail', '1', 'er-talker'], viaGateway);
      assert.match(logs, /tick \d+/);
    } finally {
      await events.stop();
    }
    const { trail, complete } = await waitForAuditTrail(
      gateway.auditLog,
      0,
      (records) => records.filter((r) => r.phase === 'done' && /\/(logs|attach)$|\/events$/.test(r.path)).length >= 3,
      10_000,
    );
    assert.ok(complete, `the cut streams have their done records: ${JSON.stringify(trail.records.filter((r) => r.phase === 'done').map((r) => r.path))}`);
    await dockerOk(['rm', '-f', 'er-talker', ...probes], viaGateway);
  });

  test('an archive upload cut by the restart gets a clean error, and uploads work again after', async (t: TestContext) => {
    await dockerOk(['create', '--name', 'er-target', BUSYBOX_IMAGE], engine.endpoint);
    const fileSize = 256 * 1024 * 1024;
    const total = 512 + fileSize + 1024; // header, data, two zero blocks
    const auditFrom = statSync(gateway.auditLog).size;
    const received = sendRaw(
      viaGateway,
      Buffer.from(`PUT /v1.41/containers/er-target/archive?path=/tmp HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\nContent-Length: ${total}\r\n\r\n`, 'latin1'),
    );
    const socket = received.socket;
    let writeFailed: string | undefined;
    socket.on('error', (error) => (writeFailed ??= error.message));
    socket.write(tarHeader('big.bin', fileSize));
    const block = Buffer.alloc(256 * 1024);
    let sent = 0;
    let stopping: Promise<void> | undefined;
    let stoppedAt = 0;
    // Written at a bounded pace so the upload is still running when the engine stops.
    while (sent < fileSize && writeFailed === undefined && !socket.destroyed && received.all().length === 0) {
      if (!socket.write(block)) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
      sent += block.length;
      if (stopping === undefined && sent >= 8 * 1024 * 1024) {
        stoppedAt = Date.now();
        stopping = engine.stopDaemon();
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (stoppedAt > 0 && Date.now() - stoppedAt > CLIENTS_END_WITHIN_MS) break;
    }
    assert.ok(stopping !== undefined, `the upload ended before the engine was stopped (${sent} bytes sent): ${received.all().toString('latin1').slice(0, 300)}`);
    await stopping;
    // The client is answered, or its connection closed, within the bound; never left waiting.
    await received.settle(CLIENTS_END_WITHIN_MS);
    const answer = received.all().toString('latin1');
    t.diagnostic(`upload: ${sent} of ${fileSize} bytes sent; write error: ${writeFailed ?? 'none'}; answer: ${JSON.stringify(answer.slice(0, 300))}`);
    socket.destroy();
    if (answer.length > 0) {
      assert.match(answer, /^HTTP\/1\.1 502 /, `a cut upload is answered with a 502: ${answer.slice(0, 300)}`);
      assert.match(answer, /\r\nDockgate-Decision: error\r\n/i);
      assert.match(answer, /"message":"dockgate: PUT \/v1\.41\/containers\/er-target\/archive/);
    } else {
      assert.ok(writeFailed !== undefined || received.all().length === 0, 'the connection was closed');
    }
    await assertAnswersUnreachable();
    const { trail, complete } = await waitForAuditTrail(gateway.auditLog, auditFrom, (records) => records.some((r) => r.phase === 'done' && r.path.endsWith('/archive')), 10_000);
    assert.ok(complete, `the cut upload has its done record: ${JSON.stringify(trail.records)}`);
    assert.ok(
      trail.records.some((r) => r.phase === 'forwarding' && r.path.endsWith('/archive')),
      'and its forwarding record',
    );

    await engine.startDaemon();
    await assertServesAgain();
    const copied = await dockerOk(['cp', '-', 'er-target:/tmp'], {
      ...viaGateway,
      input: Buffer.concat([tarHeader('small.txt', 5), Buffer.from('hello'), Buffer.alloc(512 - 5), Buffer.alloc(1024)]),
    });
    assert.equal(copied.trim(), '');
    const listed = await apiRequest(viaGateway, 'HEAD', '/v1.41/containers/er-target/archive?path=/tmp/small.txt');
    assert.equal(listed.status, 200, 'the upload after the restart arrived');
  });
});
