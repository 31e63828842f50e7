// What the route table says a request does: which routes hijack or stream, which change state,
// which create objects, and which row wins where moby's templates overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgedForwardTarget, parseRequestTarget } from '../../src/route/request-target.js';
import { classifyRoute } from '../../src/route/route-table.js';
import { OPERATIONS } from '../../src/route/operations.js';
import { ROUTE_ROWS } from '../../src/route/routes.js';
import type { Route } from '../../src/route/route.js';

function classify(method: string, raw: string): Route {
  const route = classifyRoute(method, parseRequestTarget(raw, [1, 24]));
  assert.ok(route, `${method} ${raw} is classified`);
  return route;
}

test('attach, exec start, attach websocket, /session and /grpc hijack the connection', () => {
  assert.equal(classify('POST', '/v1.41/containers/c1/attach?stream=1&stdin=1').transport, 'hijack');
  assert.equal(classify('POST', '/v1.41/exec/e1/start').transport, 'hijack');
  assert.equal(classify('GET', '/v1.41/containers/c1/attach/ws').transport, 'hijack');
  assert.equal(classify('POST', '/v1.41/session').transport, 'hijack');
  assert.equal(classify('POST', '/grpc').transport, 'hijack');
});

test('events, logs, stats, wait, exports and progress streams are long-lived responses', () => {
  const streams: Array<[string, string, string]> = [
    ['GET', '/v1.41/events', 'system.events'],
    ['GET', '/v1.41/containers/c1/logs?follow=1', 'container.logs'],
    ['GET', '/v1.41/containers/c1/stats', 'container.stats'],
    ['POST', '/v1.41/containers/c1/wait', 'container.wait'],
    ['GET', '/v1.41/containers/c1/export', 'container.export'],
    ['GET', '/v1.41/containers/c1/archive?path=/etc', 'container.archive.get'],
    ['POST', '/v1.41/build', 'image.build'],
    ['POST', '/v1.41/images/create?fromImage=busybox', 'image.create'],
    ['POST', '/v1.41/images/busybox/push', 'image.push'],
    ['POST', '/v1.41/images/load', 'image.load'],
    ['GET', '/v1.41/images/get?names=busybox', 'image.get'],
    ['POST', '/v1.41/plugins/pull?remote=vieux/sshfs', 'plugin.pull'],
    ['GET', '/v1.41/services/s1/logs', 'service.logs'],
    ['GET', '/v1.41/tasks/t1/logs', 'task.logs'],
  ];
  for (const [method, raw, operation] of streams) {
    const route = classify(method, raw);
    assert.equal(route.operation, operation, raw);
    assert.equal(route.transport, 'stream', raw);
  }
  assert.equal(classify('GET', '/v1.41/containers/c1/json').transport, 'plain');
  assert.equal(classify('POST', '/v1.41/containers/create').transport, 'plain');
});

test('GET and HEAD routes do not mutate, except the attach websocket that writes to stdin', () => {
  for (const row of ROUTE_ROWS) {
    if (row.method !== 'GET' && row.method !== 'HEAD') continue;
    assert.equal(OPERATIONS[row.operation].access === 'write', row.operation === 'container.attach.ws', `${row.method} ${row.path}`);
  }
});

test('POST, PUT and DELETE routes mutate, except the pure reads /auth, wait and the legacy copy', () => {
  const pureReads = new Set(['system.auth', 'container.wait', 'container.copy']);
  for (const row of ROUTE_ROWS) {
    if (row.method === 'GET' || row.method === 'HEAD') continue;
    assert.equal(OPERATIONS[row.operation].access === 'write', !pureReads.has(row.operation), `${row.method} ${row.path}`);
  }
});

test('attach and exec start mutate: they feed a process its input', () => {
  assert.equal(classify('POST', '/containers/c1/attach').mutates, true);
  assert.equal(classify('POST', '/exec/e1/start').mutates, true);
});

test('create operations name the kind of object they create', () => {
  const creators: Array<[string, string, string]> = [
    ['POST', '/v1.41/containers/create?name=web', 'container'],
    ['POST', '/v1.41/containers/web/exec', 'exec'],
    ['POST', '/v1.41/commit?container=web', 'image'],
    ['POST', '/v1.41/build', 'image'],
    ['POST', '/v1.41/images/create?fromImage=busybox', 'image'],
    ['POST', '/v1.41/images/load', 'image'],
    ['POST', '/v1.41/volumes/create', 'volume'],
    ['POST', '/v1.41/networks/create', 'network'],
    ['POST', '/v1.41/services/create', 'service'],
    ['POST', '/v1.41/secrets/create', 'secret'],
    ['POST', '/v1.41/configs/create', 'config'],
    ['POST', '/v1.41/plugins/create?name=p', 'plugin'],
    ['POST', '/v1.41/plugins/pull?remote=p', 'plugin'],
  ];
  for (const [method, raw, kind] of creators) assert.equal(classify(method, raw).creates, kind, raw);
  assert.equal(classify('POST', '/v1.41/containers/web/start').creates, undefined);
  assert.equal(classify('GET', '/v1.41/containers/json').creates, undefined);
});

test('the exec object, not its container, is the target of exec routes', () => {
  assert.deepEqual(classify('POST', '/exec/e1/start').target, { kind: 'exec', ref: 'e1', segments: [1, 2] });
  assert.deepEqual(classify('GET', '/exec/e1/json').target, { kind: 'exec', ref: 'e1', segments: [1, 2] });
  assert.deepEqual(classify('POST', '/containers/c1/exec').target, { kind: 'container', ref: 'c1', segments: [1, 2] });
});

test('HEAD is routed only where the engine registers it: /_ping and the archive stat', () => {
  assert.equal(classify('HEAD', '/_ping').operation, 'system.ping');
  assert.equal(classify('HEAD', '/v1.41/_ping').operation, 'system.ping');
  assert.equal(classify('HEAD', '/v1.41/containers/c1/archive?path=/').operation, 'container.archive.head');
  assert.equal(classify('GET', '/v1.41/containers/c1/archive?path=/').operation, 'container.archive.get');
  assert.equal(classify('PUT', '/v1.41/containers/c1/archive?path=/').operation, 'container.archive.put');
});

test('the first matching row wins, in moby registration order (checkpoint DELETE before container DELETE)', () => {
  assert.deepEqual(classify('DELETE', '/containers/c1/checkpoints/cp1'), {
    operation: 'container.checkpoint.delete',
    target: { kind: 'container', ref: 'c1', segments: [1, 2] },
    mutates: true,
    transport: 'plain',
  });
  assert.deepEqual(classify('DELETE', '/containers/a/b/checkpoints/cp1').target, { kind: 'container', ref: 'a/b/checkpoints/cp1', segments: [1, 5] });
  assert.equal(classify('GET', '/debug/pprof/profile').transport, 'stream');
  assert.equal(classify('GET', '/debug/pprof/heap').operation, 'debug.pprof');
});

test('spanning variables take every segment between the literals, as {name:.*} does', () => {
  assert.deepEqual(classify('GET', '/containers/json/json').target, { kind: 'container', ref: 'json', segments: [1, 2] });
  assert.deepEqual(classify('GET', '/containers/a/logs/json').target, { kind: 'container', ref: 'a/logs', segments: [1, 3] });
  assert.deepEqual(classify('DELETE', '/images/sha256:abc').target, { kind: 'image', ref: 'sha256:abc', segments: [1, 2] });
  assert.deepEqual(classify('GET', '/volumes/create').target, { kind: 'volume', ref: 'create', segments: [1, 2] });
  assert.deepEqual(classify('POST', '/networks/create/connect').target, { kind: 'network', ref: 'create', segments: [1, 2] });
  assert.deepEqual(classify('GET', '/images/a%2Fb/get').target, { kind: 'image', ref: 'a/b', segments: [1, 3] });
  assert.equal(classify('GET', '/images/get').target, undefined);
});

test("the target's segments are where a judged full id takes the reference's place in the forwarded target", () => {
  const id = 'f'.repeat(64);
  for (const [method, path, expected] of [
    ['POST', '/v1.41/containers/web/exec', `/v1.41/containers/${id}/exec`],
    ['GET', '/v1.41/containers/a%2Fb/archive?path=%2Fetc', `/v1.41/containers/${id}/archive?path=%2Fetc`],
    ['POST', '/exec/e1/start', `/exec/${id}/start`],
    ['DELETE', '/v1.41/containers/a/b/checkpoints/cp1', `/v1.41/containers/${id}`],
  ] as const) {
    const target = parseRequestTarget(path, [1, 24]);
    const route = classifyRoute(method, target)!;
    assert.equal(judgedForwardTarget(target, route, id), expected, path);
    assert.equal(judgedForwardTarget(target, route, undefined), target.forwardTarget(), path);
  }
});

test('operation names are lower-case dotted kind.verb names', () => {
  for (const row of ROUTE_ROWS) assert.match(row.operation, /^[a-z]+(\.[a-z]+)*$/, row.operation);
});
