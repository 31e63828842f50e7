// The gateway as serve starts it (startGateway), with --admin-listen, in front of a small HTTP engine: what
// the gateway serves moves its /metrics (requests by operation, decision and rule; an unknown endpoint under
// route.known; judging and engine latencies; connections), /ready follows the engine, the admin listener
// serves nothing before the gateway does, and it goes away with the gateway; with TLS listeners, when the
// server certificate and the CA expire, on a loopback TCP admin listener.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/admit/limits.js';
import { startGateway, type RunningGateway } from '../../src/gateway/running-gateway.js';
import { parseAdminListenSpec, parseListenerSpec } from '../../src/listen/listener-spec.js';
import { createLogger } from '../../src/log/logger.js';
import { Metrics } from '../../src/observe/metrics.js';
import { builtinPolicy } from '../../src/policy/builtin-policies.js';
import { openAuditSink } from '../../src/record/open-audit-sink.js';
import type { Endpoint } from '../support/endpoint.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { createTestPki } from '../support/test-certs.js';
import { apiRequest } from '../support/raw-http.js';

const dir = mkdtempSync(join(tmpdir(), 'dg-metrics-'));
const engineSocket = join(dir, 'engine.sock');
const gateway: Endpoint = { name: 'gateway', host: `unix://${join(dir, 'gw.sock')}` };
const admin: Endpoint = { name: 'admin', host: `unix://${join(dir, 'admin.sock')}` };
let engine: http.Server | undefined;
let running: RunningGateway;

/** The little of an engine these requests need. */
function startEngine(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const body = req.url === '/_ping' ? 'OK' : '[]';
    res.writeHead(200, { 'Content-Type': req.url === '/_ping' ? 'text/plain' : 'application/json', 'Content-Length': body.length, 'Api-Version': '1.41' });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(engineSocket, () => resolve(server)));
}

function stopEngine(): Promise<void> {
  const server = engine;
  engine = undefined;
  if (server === undefined) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function scrape(): Promise<string> {
  const answer = await apiRequest(admin, 'GET', '/metrics');
  assert.equal(answer.status, 200);
  return answer.body;
}

before(async () => {
  engine = await startEngine();
  const logger = createLogger('silent');
  const metrics = new Metrics();
  running = await startGateway({
    upstream: `unix://${engineSocket}`,
    listeners: [parseListenerSpec(gateway.host)],
    policy: () => builtinPolicy('baseline'),
    audit: await openAuditSink(join(dir, 'audit.jsonl'), logger, { metrics }),
    minApiVersion: [1, 24],
    logger,
    limits: DEFAULT_LIMITS,
    spoolDirectory: dir,
    admin: { listen: parseAdminListenSpec(admin.host), metrics },
  });
});

after(async () => {
  await stopEngine();
  rmSync(dir, { recursive: true, force: true });
});

test('what the gateway serves and refuses moves its metrics', async () => {
  const before = await scrape();
  for (let i = 0; i < 3; i++) assert.equal((await apiRequest(gateway, 'GET', '/v1.41/containers/json')).status, 200);
  assert.equal((await apiRequest(gateway, 'GET', '/_ping')).status, 200);
  assert.equal((await apiRequest(gateway, 'GET', '/metrics')).status, 403, 'the Engine API listener does not serve /metrics');
  assert.equal((await apiRequest(gateway, 'POST', '/v1.41/containers/create', { Image: 'x', HostConfig: { Privileged: true } })).status, 403);
  const after = await scrape();
  const moved = (series: string): number => sample(after, series) - sample(before, series);
  assert.equal(moved('dockgate_requests_total{operation="container.list",decision="allow",rule="profile.baseline"}'), 3, after);
  assert.equal(moved('dockgate_requests_total{operation="system.ping",decision="allow",rule="profile.baseline"}'), 1, after);
  assert.equal(moved('dockgate_requests_total{operation="unrouted",decision="deny",rule="route.known"}'), 1, after);
  assert.equal(moved('dockgate_requests_total{operation="container.create",decision="deny",rule="profile.baseline"}'), 1, after);
  assert.equal(moved('dockgate_judging_seconds_count'), 5, 'judged: all but the unknown endpoint');
  assert.equal(moved('dockgate_engine_seconds_count'), 4, 'forwarded: the lists and the ping');
  assert.equal(moved('dockgate_sent_bytes_total'), 3 * 2 + 2);
  assert.equal(moved(`dockgate_connections_total{listener="${gateway.host}"}`), 6);
  assert.ok(sample(after, 'dockgate_audit_records_written_total') >= 1, after);
  assert.equal(sample(after, 'dockgate_audit_log_healthy'), 1);
});

test('/ready follows the engine', async () => {
  assert.equal((await apiRequest(admin, 'GET', '/ready')).status, 200);
  await stopEngine();
  // The answer before stands for a second.
  await new Promise((wait) => setTimeout(wait, 1_100));
  const down = await apiRequest(admin, 'GET', '/ready');
  assert.equal(down.status, 503);
  assert.match(JSON.parse(down.body).reasons[0], /^engine: the engine at unix:\/\/.*engine\.sock is unreachable \((ENOENT|ECONNREFUSED)\)$/);
  engine = await startEngine();
  await new Promise((wait) => setTimeout(wait, 1_100));
  assert.equal((await apiRequest(admin, 'GET', '/ready')).status, 200);
});

test('the admin listener stops with the gateway, its socket removed', async () => {
  await running.stop(0);
  assert.equal(existsSync(join(dir, 'admin.sock')), false);
  await assert.rejects(apiRequest(admin, 'GET', '/health'));
});

test('with TLS listeners: when the server certificate and the CA expire, on a loopback TCP admin listener', async () => {
  const pki = createTestPki(dir);
  const logger = createLogger('silent');
  const adminTcp = `tcp://127.0.0.1:${await freeLoopbackPort()}`;
  const tlsGateway = await startGateway({
    upstream: `unix://${engineSocket}`,
    listeners: [parseListenerSpec(`tcp://127.0.0.1:${await freeLoopbackPort()}`)],
    tls: pki.server,
    policy: () => builtinPolicy('baseline'),
    audit: await openAuditSink(undefined, logger),
    minApiVersion: [1, 24],
    logger,
    limits: DEFAULT_LIMITS,
    spoolDirectory: dir,
    admin: { listen: parseAdminListenSpec(adminTcp), metrics: new Metrics() },
  });
  try {
    const text = await (await fetch(`${adminTcp.replace('tcp:', 'http:')}/metrics`)).text();
    const notAfter = (file: string): number => Date.parse(new X509Certificate(readFileSync(file)).validTo) / 1000;
    assert.equal(sample(text, 'dockgate_certificate_expiry_timestamp_seconds{certificate="server"}'), notAfter(pki.server.cert));
    assert.equal(sample(text, 'dockgate_certificate_expiry_timestamp_seconds{certificate="ca"}'), notAfter(pki.server.ca));
    assert.ok(notAfter(pki.server.cert) > Date.now() / 1000);
    // Records on stderr never fail.
    assert.equal(sample(text, 'dockgate_audit_log_healthy'), 1);
  } finally {
    await tlsGateway.stop(0);
  }
});
