// Per-identity limits (issue 7): requests per second and requests in flight, each answered beyond its
// limit with a 429, a `Retry-After` and a Docker-style JSON message naming the rule and the fix, which the
// real docker CLI shows. Limits are per identity: while the unix peer (uid 0) is throttled, a TLS client
// with a certificate of its own is served. A refused request leaves no trace on the engine and is in the
// audit trail under its rule. Concurrency counts streams and hijacked connections, and a slot is given
// back when one ends, or when its client hangs up at any point: the next request is admitted.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { before, describe, test, type TestContext } from 'node:test';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { docker } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { EngineEvents } from '../support/engine-events.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { apiRequest, requestBytes, sendRaw, UPGRADE_HEADERS, type ApiResponse, type ReceivedBytes } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';
import { createTestPki, type TestPki } from '../support/test-certs.js';

const HOOK_TIMEOUT_MS = 120_000;
const RATE = 1;
const BURST = 5;
const CONCURRENT = 3;

function assertRefusal(response: ApiResponse, rule: string, what: string): number {
  assert.equal(response.status, 429, `${what}: ${response.status} ${response.body}`);
  assert.equal(response.headers['dockgate-decision'], 'deny');
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `${what}: Retry-After ${response.headers['retry-after']}`);
  const message = String((JSON.parse(response.body) as { message?: unknown }).message);
  assert.match(message, new RegExp(`^dockgate: a request of uid=0\\(root\\) .* denied by ${rule.replace('.', '\\.')}: `), what);
  return retryAfter;
}

/** Opens a stream that stays open (GET /events); resolves once its 200 head arrived. */
async function openEvents(endpoint: Endpoint): Promise<ReceivedBytes> {
  const received = sendRaw(endpoint, Buffer.from('GET /v1.41/events HTTP/1.1\r\nHost: docker\r\n\r\n', 'latin1'));
  const { head } = await received.head(10_000);
  assert.equal(head.status, 200, 'the events stream was admitted');
  return received;
}

describe('per-identity rate and concurrency limits answer 429 with Retry-After', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let pki: TestPki;
  let events: EngineEvents;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      pki = createTestPki(engine.dir);
      events = await EngineEvents.subscribe(engine.socketPath, ['container', 'volume']);
      teardown.add(() => events.close());
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test(`--max-requests-per-second ${RATE} --burst ${BURST}: the burst passes, then 429 until Retry-After, per identity`, async (t: TestContext) => {
    const gateway: GatewayInFront = await startGatewayInFront(engine, { tls: pki, profile: 'baseline', args: ['--max-requests-per-second', String(RATE), '--burst', String(BURST)] });
    teardown.add(() => gateway.stopRunning());
    const bob: Endpoint = { ...gateway.tls!, name: 'gateway-tls-bob', tlsDir: pki.issueClient({ cn: 'bob' }) };
    // The readiness check spent tokens: start from a full bucket.
    await new Promise((resolve) => setTimeout(resolve, (BURST / RATE) * 1000));
    const auditFrom = statSync(gateway.auditLog).size;

    for (let i = 0; i < BURST; i++) assert.equal((await apiRequest(gateway.unix, 'GET', '/v1.41/_ping')).status, 200, `request ${i + 1} of the burst`);
    const refused = await apiRequest(gateway.unix, 'POST', '/v1.41/volumes/create', { Name: 'rate-refused' });
    const retryAfter = assertRefusal(refused, 'limits.rate', 'past the burst');
    assert.match(refused.body, /more than 1 requests per second \(burst 5\)\. Retry after \d+ s .*--max-requests-per-second/);

    // The docker CLI shows the message (its version negotiation ping is refused too, and ignored).
    const cli = await docker(['volume', 'create', 'rate-refused-cli'], { ...gateway.unix, timeoutMs: 20_000 });
    t.diagnostic(`docker volume create while throttled: exit ${cli.code}: ${cli.stderr.trim()}`);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /Error response from daemon: dockgate: a request of uid=0\(root\) .* denied by limits\.rate: this client sent more than 1 requests per second/);

    // Another identity is not throttled.
    assert.equal((await apiRequest(bob, 'GET', '/v1.41/_ping')).status, 200, 'a TLS client is served while uid 0 is throttled');

    // After Retry-After seconds (counted from the last refusal), the throttled client is served again.
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 100));
    assert.equal((await apiRequest(gateway.unix, 'GET', '/v1.41/_ping')).status, 200, `served again ${retryAfter} s later`);

    // Refused requests are recorded under the rule; the engine saw none of them.
    const { trail } = await waitForAuditTrail(gateway.auditLog, auditFrom, (r) => r.filter((x) => x.rule === 'limits.rate').length >= 3);
    const rateRecords = trail.records.filter((r) => r.rule === 'limits.rate');
    assert.ok(rateRecords.length >= 3, `records: ${JSON.stringify(trail.records.map((r) => [r.method, r.path, r.decision, r.rule]))}`);
    assert.ok(rateRecords.every((r) => r.phase === 'done' && r.decision === 'deny' && r.status === 429));
    assert.ok(rateRecords.some((r) => r.method === 'POST' && r.path === '/v1.41/volumes/create'));
    assert.equal((await apiRequest(engine.endpoint, 'GET', '/v1.41/volumes/rate-refused')).status, 404);
    assert.equal((await apiRequest(engine.endpoint, 'GET', '/v1.41/volumes/rate-refused-cli')).status, 404);
    assert.deepEqual(
      events.matching((e) => e.Type === 'volume' && e.Action === 'create'),
      [],
      'no volume was created',
    );
  });

  test(`--max-concurrent-requests ${CONCURRENT}: streams and hijacked connections hold slots; the next is 429 until one ends`, async (t: TestContext) => {
    const gateway: GatewayInFront = await startGatewayInFront(engine, { tls: pki, profile: 'baseline', args: ['--max-concurrent-requests', String(CONCURRENT)] });
    teardown.add(() => gateway.stopRunning());
    const bob: Endpoint = { ...gateway.tls!, name: 'gateway-tls-bob', tlsDir: pki.issueClient({ cn: 'bob-2' }) };
    const auditFrom = statSync(gateway.auditLog).size;

    // Two event streams and one exec of `cat`, hijacked: three requests in flight for uid 0.
    const created = await apiRequest(engine.endpoint, 'POST', '/v1.41/containers/create?name=limit-exec', { Image: 'busybox:test', Cmd: ['sleep', '3600'] });
    assert.equal(created.status, 201, created.body);
    assert.equal((await apiRequest(engine.endpoint, 'POST', '/v1.41/containers/limit-exec/start')).status, 204);
    const exec = await apiRequest(engine.endpoint, 'POST', '/v1.41/containers/limit-exec/exec', { Cmd: ['cat'], AttachStdin: true, AttachStdout: true });
    const execId = (JSON.parse(exec.body) as { Id: string }).Id;
    const streams = [await openEvents(gateway.unix), await openEvents(gateway.unix)];
    const hijacked = sendRaw(gateway.unix, requestBytes('POST', `/v1.41/exec/${execId}/start`, { Detach: false, Tty: false }, [...UPGRADE_HEADERS]));
    assert.equal((await hijacked.head(10_000)).head.status, 101, 'the exec was hijacked');

    const refused = await apiRequest(gateway.unix, 'POST', '/v1.41/volumes/create', { Name: 'concurrency-refused' });
    assertRefusal(refused, 'limits.concurrency', 'a fourth request');
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(refused.body, /this client already has 3 requests running \(streams such as events, logs -f and attach count\)\. .*--max-concurrent-requests/);
    const cli = await docker(['volume', 'create', 'concurrency-refused-cli'], { ...gateway.unix, timeoutMs: 20_000 });
    t.diagnostic(`docker volume create with 3 requests in flight: exit ${cli.code}: ${cli.stderr.trim()}`);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /Error response from daemon: dockgate: .* denied by limits\.concurrency/);
    assert.equal((await apiRequest(bob, 'GET', '/v1.41/_ping')).status, 200, 'another identity is admitted');

    // An event stream ends: its slot is given back.
    streams[0]!.socket.destroy();
    await admittedAgain(gateway.unix, 'after an events stream ended');
    // The admitted ping gave its slot back too; a third stream takes the free slot, then the hijacked exec ends.
    streams.push(await openEvents(gateway.unix));
    assert.equal((await apiRequest(gateway.unix, 'GET', '/v1.41/_ping')).status, 429, 'full again');
    hijacked.socket.end(); // stdin EOF: cat exits, the engine ends the stream
    await hijacked.end(10_000);
    await admittedAgain(gateway.unix, 'after the hijacked exec ended');

    const { trail } = await waitForAuditTrail(gateway.auditLog, auditFrom, (r) => r.filter((x) => x.rule === 'limits.concurrency').length >= 3);
    const refusals = trail.records.filter((r) => r.rule === 'limits.concurrency');
    assert.ok(refusals.length >= 3 && refusals.every((r) => r.phase === 'done' && r.decision === 'deny' && r.status === 429), JSON.stringify(refusals));
    assert.equal((await apiRequest(engine.endpoint, 'GET', '/v1.41/volumes/concurrency-refused')).status, 404);
    assert.equal((await apiRequest(engine.endpoint, 'GET', '/v1.41/volumes/concurrency-refused-cli')).status, 404);
    for (const stream of streams) stream.socket.destroy();
  });

  test('clients that hang up at any point of a request give their slot back', async () => {
    const gateway: GatewayInFront = await startGatewayInFront(engine, { profile: 'baseline', args: ['--max-concurrent-requests', '1'] });
    teardown.add(() => gateway.stopRunning());
    // State changes are cut while their body is judged, their record written durably, or they are forwarded.
    for (let i = 0; i < 100; i++) {
      const cut = sendRaw(gateway.unix, requestBytes('POST', '/v1.41/volumes/create', { Name: `hang-up-${i}` }));
      setImmediate(() => cut.socket.destroy());
      await new Promise((resolve) => setTimeout(resolve, 5 + (i % 7)));
    }
    await admittedAgain(gateway.unix, 'after 100 requests cut short');
  });
});

/** A slot is given back when an exchange ends, which the gateway learns a moment after the client does. */
async function admittedAgain(endpoint: Endpoint, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const status = (await apiRequest(endpoint, 'GET', '/v1.41/_ping')).status;
    if (status === 200) return;
    assert.equal(status, 429);
    if (Date.now() > deadline) assert.fail(`not admitted again ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
