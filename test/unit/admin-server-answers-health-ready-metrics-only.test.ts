// The admin server (src/observe/admin-server.ts) over a real socket: /health, /ready and /metrics with GET
// and HEAD, a JSON 404 for any other path, a 405 for any other method; /ready's reasons when the engine
// does not answer its ping or the audit log fails, and the engine pinged at most once a second however
// often /ready is asked.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createAdminServer } from '../../src/observe/admin-server.js';
import { Metrics } from '../../src/observe/metrics.js';
import { Readiness } from '../../src/observe/readiness.js';
import type { Endpoint } from '../support/endpoint.js';
import { apiRequest } from '../support/raw-http.js';

const dir = mkdtempSync('/tmp/dg-admin-');
const endpoint: Endpoint = { name: 'admin', host: `unix://${join(dir, 'admin.sock')}` };
let engineFailure: string | undefined;
let auditHealthy = true;
let pings = 0;
let clock = 0;
let server: Server;

before(async () => {
  const readiness = new Readiness(
    {
      pingEngine: () => {
        pings += 1;
        return engineFailure === undefined ? Promise.resolve() : Promise.reject(new Error(engineFailure));
      },
      auditHealthy: () => auditHealthy,
    },
    () => clock,
  );
  server = createAdminServer({ metrics: new Metrics(), readiness }, (err) => assert.fail(`admin server error: ${String(err)}`));
  await new Promise<void>((resolve) => server.listen(join(dir, 'admin.sock'), resolve));
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('GET /health is 200 while the process serves; HEAD answers the same without a body', async () => {
  const health = await apiRequest(endpoint, 'GET', '/health');
  assert.equal(health.status, 200);
  assert.deepEqual(JSON.parse(health.body), { status: 'serving' });
  const head = await apiRequest(endpoint, 'HEAD', '/health');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(head.headers['content-type'], 'application/json');
});

test('GET /metrics is the Prometheus text format, a query string ignored', async () => {
  const metrics = await apiRequest(endpoint, 'GET', '/metrics?name[]=dockgate_requests_total');
  assert.equal(metrics.status, 200);
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(metrics.body, /^# HELP dockgate_requests_total /m);
});

test('any other path is a JSON 404 naming the three endpoints', async () => {
  for (const path of ['/', '/_ping', '/v1.41/containers/json', '/metrics/', '/healthz', '//health', 'http://x/health']) {
    const answer = await apiRequest(endpoint, 'GET', path);
    assert.equal(answer.status, 404, path);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.match((JSON.parse(answer.body) as { message: string }).message, /no such endpoint; the admin listener serves \/health, \/ready, \/metrics/, path);
  }
});

test('any method other than GET and HEAD is a 405 with Allow, on any path', async () => {
  for (const [method, path] of [
    ['POST', '/metrics'],
    ['PUT', '/ready'],
    ['DELETE', '/health'],
    ['OPTIONS', '/metrics'],
    ['POST', '/v1.41/containers/create'],
  ] as const) {
    const answer = await apiRequest(endpoint, method, path, method === 'POST' ? {} : undefined);
    assert.equal(answer.status, 405, `${method} ${path}`);
    assert.equal(answer.headers['allow'], 'GET, HEAD');
    assert.match((JSON.parse(answer.body) as { message: string }).message, new RegExp(`${method} is not served; the admin listener answers GET and HEAD only`));
  }
});

test('/ready: 200 while the engine answers and the audit log writes; 503 with each reason otherwise', async () => {
  clock += 10_000;
  let ready = await apiRequest(endpoint, 'GET', '/ready');
  assert.equal(ready.status, 200);
  assert.deepEqual(JSON.parse(ready.body), { ready: true });

  engineFailure = 'the engine at unix:///run/docker.sock is unreachable (ECONNREFUSED)';
  auditHealthy = false;
  clock += 10_000;
  ready = await apiRequest(endpoint, 'GET', '/ready');
  assert.equal(ready.status, 503);
  assert.deepEqual(JSON.parse(ready.body), {
    ready: false,
    reasons: ['engine: the engine at unix:///run/docker.sock is unreachable (ECONNREFUSED)', 'audit log: records cannot be written (the gateway log says why)'],
  });

  // The audit log's health is read at every call; the engine's answer stands for a second.
  auditHealthy = true;
  engineFailure = undefined;
  ready = await apiRequest(endpoint, 'GET', '/ready');
  assert.deepEqual(JSON.parse(ready.body).reasons, ['engine: the engine at unix:///run/docker.sock is unreachable (ECONNREFUSED)']);
  clock += 1_000;
  ready = await apiRequest(endpoint, 'GET', '/ready');
  assert.equal(ready.status, 200);
});

test('/ready asks the engine at most once a second, and once at a time, however often it is scraped', async () => {
  clock += 10_000;
  const before = pings;
  await Promise.all(Array.from({ length: 20 }, () => apiRequest(endpoint, 'GET', '/ready')));
  for (let i = 0; i < 20; i++) await apiRequest(endpoint, 'GET', '/ready');
  assert.equal(pings - before, 1);
  clock += 1_000;
  await apiRequest(endpoint, 'HEAD', '/ready');
  assert.equal(pings - before, 2);
});

test('/ready does not wait for an engine that never answers its ping (not ready after 2 s), nor pings it again meanwhile', async () => {
  let sent = 0;
  let now = 0;
  const readiness = new Readiness(
    {
      pingEngine: () => {
        sent += 1;
        return new Promise<void>(() => undefined);
      },
      auditHealthy: () => true,
    },
    () => now,
  );
  const started = Date.now();
  assert.deepEqual(await readiness.check(), { ready: false, reasons: ['engine: it did not answer a ping within 2 s'] });
  assert.ok(Date.now() - started < 3_000);
  // Past the cache time, the ping still unanswered is waited on again: a frozen engine holds one connection, not one per probe.
  now += 5_000;
  assert.equal((await readiness.check()).ready, false);
  assert.equal(sent, 1);
});
