// A state change's `forwarding` record is in the audit log before the engine receives the request, and on
// disk before the client hears the answer (--audit-sync before-answer, the default): the fdatasync runs
// while the engine works. Under --audit-sync before-forward the engine receives nothing until the
// fdatasync has returned. A failed fdatasync refuses the request under before-forward; under
// before-answer the engine has acted already, so its answer goes and the log is reported failing.
// The gateway as serve starts it (startGateway), in front of a small engine that notes what reaches it;
// the fdatasync of the log is held or failed by replacing FileHandle's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import http from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/admit/limits.js';
import { startGateway, type RunningGateway } from '../../src/gateway/running-gateway.js';
import { parseListenerSpec } from '../../src/listen/listener-spec.js';
import { createLogger } from '../../src/log/logger.js';
import { builtinPolicy } from '../../src/policy/builtin-policies.js';
import type { AuditSink, AuditSyncPoint } from '../../src/record/audit-sink.js';
import { openAuditSink } from '../../src/record/open-audit-sink.js';
import type { Endpoint } from '../support/endpoint.js';
import { apiRequest, sendRaw, UPGRADE_HEADERS, type ApiResponse } from '../support/raw-http.js';

const WEB_ID = 'a'.repeat(64);
/** What the engine answers with a body; everything else is a 204. */
const ANSWERS: Record<string, { status: number; body: unknown }> = {
  '/v1.41/volumes/create': {
    status: 201,
    body: { Name: 'data', Driver: 'local', Mountpoint: '/var/lib/docker/volumes/data/_data', Labels: null, Options: null, Scope: 'local' },
  },
  // The attach's look-up (its judge reads the container).
  '/containers/web/json': { status: 200, body: { Id: WEB_ID, Name: '/web', Config: { Labels: {} }, HostConfig: {}, State: { Running: true } } },
};

const dir = mkdtempSync(join(tmpdir(), 'dg-audit-sync-'));
const engineSocket = join(dir, 'engine.sock');
/** `METHOD path` of every request that reached the engine, in order. */
const reached: string[] = [];
let engine: http.Server;

before(async () => {
  engine = http.createServer((req, res) => {
    reached.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      const answer = ANSWERS[req.url!];
      if (answer !== undefined) {
        const body = JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': body.length, 'Api-Version': '1.41' });
        res.end(body);
        return;
      }
      res.writeHead(204, { 'Api-Version': '1.41' });
      res.end();
    });
  });
  // An attach, switched to the raw stream as dockerd does.
  engine.on('upgrade', (req: http.IncomingMessage, socket: Socket) => {
    reached.push(`${req.method} ${req.url}`);
    socket.end('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  });
  await new Promise<void>((resolve) => engine.listen(engineSocket, resolve));
});

after(async () => {
  engine.closeAllConnections();
  await new Promise((resolve) => engine.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function gatewayWith(sync: AuditSyncPoint, name: string): Promise<{ running: RunningGateway; endpoint: Endpoint; auditLog: string; audit: AuditSink }> {
  const logger = createLogger('silent');
  const endpoint: Endpoint = { name, host: `unix://${join(dir, `${name}.sock`)}` };
  const auditLog = join(dir, `${name}.jsonl`);
  const audit = await openAuditSink(auditLog, logger, { sync });
  const running = await startGateway({
    upstream: `unix://${engineSocket}`,
    listeners: [parseListenerSpec(endpoint.host)],
    policy: () => builtinPolicy('baseline'),
    audit,
    minApiVersion: [1, 24],
    logger,
    limits: DEFAULT_LIMITS,
    spoolDirectory: dir,
  });
  return { running, endpoint, auditLog, audit };
}

interface HeldSyncs {
  /** Resolves once an fdatasync has been asked for (and is being held). */
  started: () => Promise<void>;
  /** Lets the held fdatasyncs (and later ones) run, or fail them all with EIO. */
  release: (outcome: 'run' | 'fail') => void;
}

/** Holds every fdatasync of any FileHandle from now on, for this test. */
async function holdSyncs(t: TestContext): Promise<HeldSyncs> {
  const probe = await open(join(dir, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
  await probe.close();
  const realDatasync = prototype.datasync;
  let release!: (outcome: 'run' | 'fail') => void;
  const released = new Promise<'run' | 'fail'>((resolve) => (release = resolve));
  let asked!: () => void;
  const askedFor = new Promise<void>((resolve) => (asked = resolve));
  // A test that fails before releasing them must not leave its gateway's stop waiting on them.
  t.after(() => release('run'));
  t.mock.method(prototype, 'datasync', async function (this: unknown) {
    asked();
    if ((await released) === 'fail') throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    return realDatasync.call(this);
  });
  return { started: () => askedFor, release };
}

/** Whether a promise is still pending after the engine has had time to answer and the gateway to pass it on. */
async function stillPending(answer: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([answer, new Promise((resolve) => setTimeout(() => resolve(pending), 150))])) === pending;
}

function recordIds(auditLog: string, phase: string, path: string): string[] {
  return readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { id: string; phase: string; path: string })
    .filter((r) => r.phase === phase && r.path === path)
    .map((r) => r.id);
}

test('before-answer: the engine has the request while its record syncs; the client hears the answer only after', async (t) => {
  const { running, endpoint, auditLog } = await gatewayWith('before-answer', 'answer');
  t.after(() => running.stop(0));
  for (const [method, path, body] of [
    ['POST', '/v1.41/containers/web/stop', undefined],
    ['POST', '/v1.41/volumes/create', { Name: 'data' }],
  ] as const) {
    await t.test(`${method} ${path}`, async (st) => {
      const syncs = await holdSyncs(st);
      reached.length = 0;
      const answer = apiRequest(endpoint, method, path, body);
      await syncs.started();
      assert.equal(await stillPending(answer), true, 'no answer while the record is not on disk');
      assert.deepEqual(reached, [`${method} ${path}`], 'the engine has the request meanwhile');
      assert.equal(recordIds(auditLog, 'forwarding', path).length, 1, 'its record is in the file already');
      syncs.release('run');
      assert.equal((await answer).status, body === undefined ? 204 : 201);
    });
  }
  await t.test('an attach switched to the raw stream', async (st) => {
    const syncs = await holdSyncs(st);
    reached.length = 0;
    const path = '/v1.41/containers/web/attach?stream=1&stdout=1';
    const received = sendRaw(endpoint, Buffer.from(`POST ${path} HTTP/1.1\r\nHost: docker\r\n${UPGRADE_HEADERS.join('\r\n')}\r\n\r\n`));
    await syncs.started();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.deepEqual(reached, ['GET /containers/web/json', `POST ${path.replace('web', WEB_ID)}`], 'the engine has the request meanwhile');
    assert.equal(received.all().length, 0, 'no 101 while the record is not on disk');
    syncs.release('run');
    assert.equal((await received.head()).head.status, 101);
  });
});

test('before-forward: the engine receives nothing until the record is on disk', async (t) => {
  const { running, endpoint, auditLog } = await gatewayWith('before-forward', 'forward');
  t.after(() => running.stop(0));
  const syncs = await holdSyncs(t);
  reached.length = 0;
  const answer = apiRequest(endpoint, 'POST', '/v1.41/volumes/create', { Name: 'data' });
  await syncs.started();
  assert.equal(await stillPending(answer), true);
  assert.deepEqual(reached, [], 'not forwarded while the fdatasync runs');
  syncs.release('run');
  assert.equal((await answer).status, 201);
  assert.deepEqual(reached, ['POST /v1.41/volumes/create']);
  assert.equal(recordIds(auditLog, 'forwarding', '/v1.41/volumes/create').length, 1);
});

test('a failed fdatasync: before-forward refuses the request; before-answer passes on what the engine did', async (t) => {
  const forward = await gatewayWith('before-forward', 'forward-fails');
  const answer = await gatewayWith('before-answer', 'answer-fails');
  t.after(() => Promise.all([forward.running.stop(0), answer.running.stop(0)]));
  const syncs = await holdSyncs(t);
  syncs.release('fail');
  reached.length = 0;

  const refused: ApiResponse = await apiRequest(forward.endpoint, 'POST', '/v1.41/containers/web/stop');
  assert.equal(refused.status, 503);
  assert.match(JSON.parse(refused.body).message, /audit log .*forward-fails\.jsonl cannot be written \(EIO: i\/o error, fdatasync\)/);
  assert.deepEqual(reached, [], 'a record that is not on disk lets nothing through under before-forward');
  assert.deepEqual(recordIds(forward.auditLog, 'forwarding', '/v1.41/containers/web/stop'), [], 'and its record is cut off the file');

  const passed = await apiRequest(answer.endpoint, 'POST', '/v1.41/containers/web/stop');
  assert.equal(passed.status, 204, "the engine's answer: it stopped the container");
  assert.deepEqual(reached, ['POST /v1.41/containers/web/stop']);
  assert.equal(recordIds(answer.auditLog, 'forwarding', '/v1.41/containers/web/stop').length, 1, 'its record stays in the file');
  assert.equal(answer.audit.healthy, false, 'the log counts as failing');
  // The gateways close their logs with an fdatasync of their own, which may run again.
  t.mock.restoreAll();
});
