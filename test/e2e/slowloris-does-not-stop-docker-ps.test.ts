// Slow and idle clients (issue 7, limits). A thousand connections to the gateway's unix listener, and more
// to its mutual-TLS listener (some never finishing the handshake, some finishing it and then sending half
// a request head), each send a partial request and then nothing. While they are held, the real `docker ps`
// through the gateway still succeeds within seconds. After --headers-timeout the gateway closes every one
// of them, with a Docker-style JSON 408 where an HTTP answer is possible, records them as connection
// refusals, and its open descriptors go back to where they were.
//
// The same file pins the other bounds on what a client may hold: a body that stops arriving is refused
// with a 408 after --body-timeout (the request recorded under its rule, nothing reaching the engine), and
// over --max-connections a new connection is answered 503 and closed, until connections close again.

import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { before, describe, test, type TestContext } from 'node:test';
import { waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import { waitForConnectionRecords, type ConnectionLine } from '../support/connection-attempts.js';
import { dockerOk } from '../support/docker-cli.js';
import { openSocket, type Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { EngineEvents } from '../support/engine-events.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { apiRequest, parseWholeResponse, pingStatus } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';
import { createTestPki, type TestPki } from '../support/test-certs.js';

const HOOK_TIMEOUT_MS = 120_000;
const UNIX_SLOW = 1_000;
const TLS_NO_HANDSHAKE = 20;
const TLS_HALF_HEAD = 20;
/** Long enough that `docker ps` surely runs while every slow connection is still held. */
const HEADERS_TIMEOUT_S = 5;
const BODY_TIMEOUT_S = 2;
/** Node checks the headers deadline once a second (src/listen/listeners.ts); then the answer and the close. */
const CLOSE_SLACK_MS = 2_500;
const HALF_HEAD = 'GET /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nUser-Agent: slowloris\r\n';

interface SlowConnection {
  socket: Socket;
  openedAt: number;
  closedAt: number | undefined;
  received: Buffer[];
}

function track(socket: Socket): SlowConnection {
  const slow: SlowConnection = { socket, openedAt: Date.now(), closedAt: undefined, received: [] };
  socket.on('data', (chunk: Buffer) => slow.received.push(chunk));
  socket.on('error', () => {});
  // The gateway's end of the connection, seen as 'end' (a half-open-capable socket does not close by itself) or 'close'.
  const closed = (): void => {
    slow.closedAt ??= Date.now();
  };
  socket.on('end', closed);
  socket.on('close', closed);
  return slow;
}

/** Opens a connection, waits until it is established (TLS: handshake done, unless `raw`), writes `bytes`. */
function openSlow(endpoint: Endpoint, bytes: string, raw = false): Promise<SlowConnection> {
  return new Promise((resolve, reject) => {
    const url = new URL(endpoint.host);
    const socket = raw ? connectTcp({ host: url.hostname, port: Number(url.port) }) : openSocket(endpoint);
    const slow = track(socket);
    const ready = raw || endpoint.tlsDir === undefined ? 'connect' : 'secureConnect';
    socket.once(ready, () => {
      slow.openedAt = Date.now();
      if (bytes !== '') socket.write(bytes);
      resolve(slow);
    });
    socket.once('error', reject);
  });
}

/** Opens `count` slow connections, a batch at a time (a unix listener's backlog is 511). */
async function openMany(count: number, open: () => Promise<SlowConnection>): Promise<SlowConnection[]> {
  const all: SlowConnection[] = [];
  while (all.length < count) all.push(...(await Promise.all(Array.from({ length: Math.min(100, count - all.length) }, open))));
  return all;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

async function until(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The one JSON refusal a closed connection received. */
function refusalOf(slow: SlowConnection): { status: number; decision: string | undefined; message: string } {
  const response = parseWholeResponse(Buffer.concat(slow.received));
  return { status: response.status, decision: response.headers.get('dockgate-decision'), message: String((JSON.parse(response.body) as { message?: unknown }).message) };
}

function connectionLines(records: readonly { phase: string }[]): ConnectionLine[] {
  return records.filter((r) => r.phase === 'connection') as unknown as ConnectionLine[];
}

/** How many refused connections the records stand for (a flood is summed up with a count). */
function refusedCount(records: ConnectionLine[], cause: string): number {
  return records.filter((r) => r.cause === cause).reduce((sum, r) => sum + (r.count ?? 1), 0);
}

describe('slow and idle clients are bounded; docker ps is served meanwhile', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let pki: TestPki;
  let gateway: GatewayInFront;

  before(
    async () => {
      engine = await startEngine({ image: false });
      teardown.add(() => engine.stop());
      pki = createTestPki(engine.dir);
      gateway = await startGatewayInFront(engine, { tls: pki, profile: 'baseline', args: ['--headers-timeout', String(HEADERS_TIMEOUT_S), '--body-timeout', String(BODY_TIMEOUT_S)] });
      teardown.add(() => gateway.stopRunning());
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test(`${UNIX_SLOW} + ${TLS_NO_HANDSHAKE + TLS_HALF_HEAD} slowloris connections: docker ps is served, then each is closed after --headers-timeout`, async (t: TestContext) => {
    const tls = gateway.tls!;
    await dockerOk(['ps'], gateway.unix); // a warm gateway: its own descriptors (engine pool, audit log) are open
    const fdsBefore = openFds(gateway.pid);
    const auditFrom = statSync(gateway.auditLog).size;

    const started = Date.now();
    const unixSlow = await openMany(UNIX_SLOW, () => openSlow(gateway.unix, HALF_HEAD));
    const noHandshake = await openMany(TLS_NO_HANDSHAKE, () => openSlow(tls, '', true));
    const halfHead = await openMany(TLS_HALF_HEAD, () => openSlow(tls, HALF_HEAD));
    const slow = [...unixSlow, ...noHandshake, ...halfHead];
    t.diagnostic(`${slow.length} slow connections opened in ${Date.now() - started} ms; gateway fds ${fdsBefore} -> ${openFds(gateway.pid)}`);

    const psStarted = Date.now();
    const psOutput = await dockerOk(['ps'], { ...gateway.unix, timeoutMs: 10_000 });
    const psMs = Date.now() - psStarted;
    t.diagnostic(`docker ps through the gateway took ${psMs} ms while ${slow.filter((s) => s.closedAt === undefined).length} slow connections were held`);
    assert.match(psOutput, /^CONTAINER ID/, 'docker ps printed its table');
    assert.ok(psMs < 5_000, `docker ps took ${psMs} ms`);
    assert.ok(
      slow.every((s) => s.closedAt === undefined),
      'docker ps ran while every slow connection was still held (else this proves nothing)',
    );
    assert.ok(openFds(gateway.pid) >= fdsBefore + UNIX_SLOW, 'the gateway really holds the slow connections');

    await until('every slow connection closed by the gateway', () => slow.every((s) => s.closedAt !== undefined), HEADERS_TIMEOUT_S * 1000 + CLOSE_SLACK_MS + 10_000);
    const heldMs = slow.map((s) => s.closedAt! - s.openedAt);
    t.diagnostic(`held for ${Math.min(...heldMs)}..${Math.max(...heldMs)} ms`);
    for (const ms of heldMs) {
      assert.ok(ms >= HEADERS_TIMEOUT_S * 1000 - 100, `a slow connection was closed after ${ms} ms, before the timeout`);
      assert.ok(ms <= HEADERS_TIMEOUT_S * 1000 + CLOSE_SLACK_MS + 3_000, `a slow connection was held ${ms} ms, well past the timeout`);
    }
    // Every connection that sent a partial head got the JSON 408 (a handshake never finished gets no HTTP answer).
    for (const connection of [...unixSlow, ...halfHead]) {
      const refusal = refusalOf(connection);
      assert.equal(refusal.status, 408);
      assert.equal(refusal.decision, 'deny');
      assert.match(refusal.message, /^dockgate: the HTTP request head denied by limits\.headers-timeout: the request head was not complete within 5 s\. .*--headers-timeout/);
    }
    for (const connection of noHandshake) assert.equal(Buffer.concat(connection.received).length, 0, 'no HTTP answer without a handshake');

    // Recorded as connection refusals, a flood summed up (the sum is written when its 10 s window is over).
    const { trail } = await waitForAuditTrail(
      gateway.auditLog,
      auditFrom,
      (r) => refusedCount(connectionLines(r), 'headers-timeout') >= UNIX_SLOW + TLS_HALF_HEAD && refusedCount(connectionLines(r), 'tls-handshake-timeout') >= TLS_NO_HANDSHAKE,
      25_000,
    );
    const records = connectionLines(trail.records);
    assert.equal(refusedCount(records, 'headers-timeout'), UNIX_SLOW + TLS_HALF_HEAD);
    assert.equal(refusedCount(records, 'tls-handshake-timeout'), TLS_NO_HANDSHAKE);
    assert.ok(
      records.every((r) => r.rule === 'limits.headers-timeout' && r.decision === 'deny'),
      JSON.stringify(records.slice(0, 3)),
    );
    // Who held them: a unix peer by its credentials (this test runs as root), a TLS peer by its address
    // (records that sum up a flood name no single peer).
    const remotes = new Set(records.flatMap((r) => (r.remote === undefined ? [] : [r.remote])).map((remote) => remote.replace(/pid=\d+$/, 'pid=N').replace(/:\d+$/, ':PORT')));
    assert.deepEqual([...remotes].sort(), ['127.0.0.1:PORT', 'uid=0(root) gid=0(root) pid=N'], JSON.stringify(records.slice(0, 3)));

    // The gateway let go of them all.
    await until(`the gateway's descriptors back near ${fdsBefore}`, () => openFds(gateway.pid) <= fdsBefore + 5, 5_000);
    assert.equal(await pingStatus(gateway.unix, 5_000), 200);
  });

  test('a body that stops arriving: 408 after --body-timeout, recorded under limits.body-timeout, nothing reaches the engine', async () => {
    const events = await EngineEvents.subscribe(engine.socketPath, ['volume']);
    try {
      const auditFrom = statSync(gateway.auditLog).size;
      const body = JSON.stringify({ Name: 'slow-body', Labels: { pad: 'x'.repeat(100) } });
      // Half the body, then nothing: an ordinary request whose body the gateway reads to judge it.
      const slow = await openSlow(
        gateway.unix,
        `POST /v1.41/volumes/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 50)}`,
      );
      await until('the slow body closed', () => slow.closedAt !== undefined, BODY_TIMEOUT_S * 1000 + 5_000);
      const heldMs = slow.closedAt! - slow.openedAt;
      assert.ok(heldMs >= BODY_TIMEOUT_S * 1000 - 100 && heldMs <= BODY_TIMEOUT_S * 1000 + 2_000, `closed after ${heldMs} ms`);
      const refusal = refusalOf(slow);
      assert.equal(refusal.status, 408);
      assert.match(refusal.message, /^dockgate: POST request body denied by limits\.body-timeout: no body bytes arrived for 2 s\. .*--body-timeout/);

      // The body of an upgrade request (exec start), read off the raw socket, is bounded the same way.
      const upgrade = await openSlow(
        gateway.unix,
        'POST /v1.41/exec/0123456789ab/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{"Detach"',
      );
      await until('the slow upgrade body closed', () => upgrade.closedAt !== undefined, BODY_TIMEOUT_S * 1000 + 5_000);
      assert.equal(refusalOf(upgrade).status, 408);
      assert.match(refusalOf(upgrade).message, /^dockgate: POST \/exec\/0123456789ab\/start request body denied by limits\.body-timeout/);
      // Only POSTs: the done record of the previous test's last ping may be written after auditFrom was taken.
      const posts = (records: AuditLine[]) => records.filter((r) => r.phase === 'done' && r.method === 'POST');
      const upgraded = await waitForAuditTrail(gateway.auditLog, auditFrom, (r) => posts(r).length >= 2);
      assert.deepEqual(
        posts(upgraded.trail.records).map((r) => [r.method, r.path, r.decision, r.rule, r.status]),
        [
          ['POST', '/v1.41/volumes/create', 'deny', 'limits.body-timeout', 408],
          ['POST', '/v1.41/exec/0123456789ab/start', 'deny', 'limits.body-timeout', 408],
        ],
      );

      assert.equal((await apiRequest(engine.endpoint, 'GET', '/v1.41/volumes/slow-body')).status, 404, 'the volume was not created');
      assert.deepEqual(
        events.matching((e) => e.Action === 'create'),
        [],
        'the engine saw no create',
      );
    } finally {
      events.close();
    }
  });

  test('over --max-connections a new connection gets a 503 and is closed; once connections close, new ones are served', async (t: TestContext) => {
    const limited = await startGatewayInFront(engine, { profile: 'baseline', args: ['--max-connections', '20'] });
    teardown.add(() => limited.stopRunning());
    const auditFrom = statSync(limited.auditLog).size;
    const held = await openMany(20, () => openSlow(limited.unix, HALF_HEAD));
    const extra = await openSlow(limited.unix, '');
    await until('the 21st connection closed', () => extra.closedAt !== undefined, 5_000);
    const refusal = refusalOf(extra);
    t.diagnostic(refusal.message);
    assert.equal(refusal.status, 503);
    assert.equal(refusal.decision, 'deny');
    assert.match(refusal.message, /^dockgate: a new connection denied by limits\.connections: 20 connections are open across all listeners \(--max-connections\)\. .*--max-connections/);
    assert.notEqual(await pingStatus(limited.unix, 2_000), 200, 'no request is served while the limit is reached');
    const records = await waitForConnectionRecords(limited.auditLog, auditFrom, (r) => refusedCount(r, 'too-many-connections') >= 2, 'too-many-connections records');
    assert.ok(records.every((r) => r.rule === 'limits.connections'));
    assert.ok(
      held.every((s) => s.closedAt === undefined),
      'the 20 held connections are untouched',
    );

    for (const connection of held) connection.socket.destroy();
    await until('the held connections closed', () => held.every((s) => s.closedAt !== undefined), 2_000);
    assert.equal(await pingStatus(limited.unix, 5_000), 200, 'served again once connections closed');
    await dockerOk(['ps'], limited.unix);
  });
});
