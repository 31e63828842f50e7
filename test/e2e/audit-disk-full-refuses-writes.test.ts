// The audit log's disk fills up (issue 7, faults). The audit log lives on a tiny tmpfs of its own; filler
// files take the rest of it. What must hold:
// - while nothing can be written, every state-changing request is refused with a clear message
//   (503, DG_AUDIT_UNAVAILABLE, `Dockgate-Decision: deny`, naming the file and the fix) and the engine
//   never sees it; reads go on (the default, --audit-outage reads-continue; refuse-all is shown by
//   audit-outage-refuse-all-refuses-reads-until-recovery.test.ts);
// - once space is freed the gateway forwards again, by itself, and says so in its log;
// - under load across a fill-up, partial frees and a recovery, no record is lost for a request that was
//   forwarded: every create and destroy the engine performed has its forwarding record, and the file still
//   parses line by line (a batch that did not fit is cut off, not left half-written).

import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test, type TestContext } from 'node:test';
import { matchEventsToRecords, startMutatingLoad } from '../support/audit-coverage.js';
import { readAuditTrail, waitForAuditTrail } from '../support/audit-log-reader.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { EngineEvents, eventContainerName } from '../support/engine-events.js';
import { fill, freeAll, mountTinyFilesystem } from '../support/full-disk.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

describe('a full audit disk refuses state changes until it has room again', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;
  let auditDir: string;
  let auditLog: string;
  let socketPath: string;
  let viaGateway: Endpoint;
  let events: EngineEvents;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const dir = teardown.tempDir('/tmp/dgd-');
      auditDir = join(dir, 'audit');
      mountTinyFilesystem(auditDir, teardown);
      auditLog = join(auditDir, 'audit.jsonl');
      socketPath = join(dir, 'gw.sock');
      gateway = await startGateway({ upstream: engine.socketPath, listen: [`unix://${socketPath}`], profile: 'audit', auditLog });
      teardown.add(() => gateway.stopRunning());
      viaGateway = gateway.unix!;
      events = await EngineEvents.subscribe(engine.socketPath);
      teardown.add(() => events.close());
    },
    { timeout: 120_000 },
  );

  test('disk full: writes refused with a clear 503, reads go on, the engine sees nothing; freed: forwarded again', async (t: TestContext) => {
    assert.equal((await apiRequest(viaGateway, 'POST', '/v1.41/volumes/create', { Name: 'df-before' })).status, 201);
    const fillers = fill(auditDir);
    // The audit log's last page may still hold a few records: those go through (they are written), and
    // once it is full every change is refused.
    let slack = 0;
    for (; slack < 40; slack++) {
      const probe = await apiRequest(viaGateway, 'POST', '/v1.41/volumes/create', { Name: `df-slack-${slack}` });
      if (probe.status === 503) break;
      assert.equal(probe.status, 201, `a change before the log's last page is full: ${probe.status} ${probe.body}`);
    }
    assert.ok(slack < 40, 'the disk never filled up for the audit log');
    t.diagnostic(`${fillers.length} filler files; ${slack} more records fitted in the log's last page`);

    for (const [method, path, body] of [
      ['POST', '/v1.41/volumes/create', { Name: 'df-refused-volume' }],
      ['POST', '/v1.41/containers/create?name=df-refused-container', { Image: 'busybox:test' }],
      ['DELETE', '/v1.41/volumes/df-before', undefined],
    ] as const) {
      const answer = await apiRequest(viaGateway, method, path, body);
      assert.equal(answer.status, 503, `${method} ${path} on a full disk: ${answer.status} ${answer.body}`);
      assert.equal(answer.headers['dockgate-decision'], 'deny');
      const message = (JSON.parse(answer.body) as { message: string }).message;
      assert.match(message, /^dockgate: .+ denied by audit\.durable: the audit log .+audit\.jsonl cannot be written \(ENOSPC/, message);
      assert.match(message, /Free space on the audit log's filesystem/, message);
    }
    // The CLI shows the same message.
    const cli = await docker(['volume', 'create', 'df-refused-cli'], viaGateway);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /Error response from daemon: dockgate: .*audit log .* cannot be written/);
    // Many at once: all refused, none forwarded.
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => apiRequest(viaGateway, 'POST', '/v1.41/volumes/create', { Name: `df-burst-${i}` })));
    assert.deepEqual([...new Set(burst.map((a) => a.status))], [503]);

    // Reads go on.
    for (let i = 0; i < 20; i++) assert.equal((await apiRequest(viaGateway, 'GET', '/v1.41/containers/json?all=1')).status, 200);
    assert.match(await dockerOk(['volume', 'ls', '--format', '{{.Name}}'], viaGateway), /df-before/);
    assert.match(gateway.output(), /audit log cannot be written; mutating requests are refused until it can/);

    // The engine performed the changes that fitted and none of the refused ones. Events reach the
    // subscriber asynchronously, so they are told apart by name, not by where they fall in the stream.
    if (slack > 0) await events.waitFor('the last change that fitted', (e) => e.Action === 'create' && e.Actor.ID === `df-slack-${slack - 1}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const slackCreates = events.matching((e) => e.Type === 'volume' && e.Action === 'create' && e.Actor.ID.startsWith('df-slack-'));
    assert.deepEqual(
      slackCreates.map((e) => e.Actor.ID).sort(),
      Array.from({ length: slack }, (_, i) => `df-slack-${i}`).sort(),
      'the changes that fitted in the last page, and not the first one refused, are the ones the engine performed',
    );
    const refused = events.matching(
      (e) => (e.Action === 'create' && /^df-(refused|burst)-/.test(e.Type === 'container' ? eventContainerName(e) : e.Actor.ID)) || (e.Action === 'destroy' && e.Actor.ID === 'df-before'),
    );
    assert.deepEqual(
      refused.map((e) => `${e.Type} ${e.Action} ${e.Actor.ID}`),
      [],
      'refused requests reached the engine',
    );

    // Room again: the next state change is forwarded, recorded, and the recovery is logged.
    freeAll(auditDir);
    const after = await apiRequest(viaGateway, 'POST', '/v1.41/volumes/create', { Name: 'df-after' });
    assert.equal(after.status, 201, `after freeing space: ${after.status} ${after.body}`);
    assert.match(gateway.output(), /audit log writable again; mutating requests are forwarded again/);
    // Done records are written after the response: wait for the one of df-after.
    const { trail } = await waitForAuditTrail(auditLog, 0, (records) => records.some((r) => r.phase === 'done' && (r.created ?? []).includes('df-after')), 5_000);
    assert.deepEqual(trail.badLines, []);
    // A forwarding record for each create the engine performed (df-before, the ones that fitted, df-after),
    // and none for the refused ones.
    const forwardedCreates = trail.records.filter((r) => r.phase === 'forwarding' && /\.create$/.test(r.operation ?? '')).length;
    await events.waitFor('the create of df-after', (e) => e.Action === 'create' && e.Actor.ID === 'df-after');
    const engineCreates = events.events.filter((e) => e.Action === 'create').length;
    assert.equal(forwardedCreates, engineCreates, `${forwardedCreates} create requests were recorded as forwarded, the engine performed ${engineCreates}`);
    const createdAfter = trail.records.find((r) => r.phase === 'done' && (r.created ?? []).includes('df-after'));
    assert.ok(createdAfter !== undefined && trail.records.some((r) => r.phase === 'forwarding' && r.id === createdAfter.id), 'the create after recovery has its forwarding record');
    const slackNames = Array.from({ length: slack }, (_, i) => `df-slack-${i}`);
    await dockerOk(['volume', 'rm', 'df-before', 'df-after', ...slackNames], viaGateway);
  });

  test('under load across fill-ups, partial frees and recovery, every forwarded change has its record', async (t: TestContext) => {
    let stop = false;
    let counter = 0;
    const { load, finished } = startMutatingLoad({
      socketPath,
      clients: 8,
      prefix: 'dl-',
      nextName: () => ++counter,
      stopped: () => stop,
      isExpectedRefusal: (status, body) => status === 503 && body.includes('audit.durable'),
    });
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      for (let cycle = 0; cycle < 3; cycle++) {
        await pause(400);
        const fillers = fill(auditDir);
        await pause(400);
        // A little room at a time: some batches fit, the next ones do not.
        for (const file of fillers.slice(0, 3)) {
          rmSync(file);
          await pause(150);
        }
        freeAll(auditDir);
      }
      await pause(400);
    } finally {
      stop = true;
      await finished;
      freeAll(auditDir);
    }
    t.diagnostic(`${load.answered} changes answered, ${load.refused} refused (503), ${load.unexpected.length} unexpected`);
    assert.deepEqual(load.unexpected, [], 'only 2xx answers and 503 refusals while the disk filled and emptied');
    assert.ok(load.refused > 0, 'some changes met a full disk');
    assert.ok(load.answered > 50, 'and many went through');
    gateway.assertRunning();

    const marker = 'dl-marker';
    assert.equal((await apiRequest(engine.endpoint, 'POST', '/v1.41/volumes/create', { Name: marker })).status, 201);
    await events.waitFor('the marker volume', (e) => e.Type === 'volume' && e.Actor.ID === marker);
    const trail = readAuditTrail(auditLog);
    assert.deepEqual(trail.badLines, [], 'no half-written line: a batch that did not fit was cut off');
    assert.equal(trail.tornTail, undefined, 'the file ends with a whole line');
    const relevant = events.events.filter((e) => (e.Type === 'volume' ? e.Actor.ID : (e.Actor.Attributes?.['name'] ?? '')) !== marker);
    const coverage = matchEventsToRecords(relevant, trail.records, 'dl-');
    for (const [operation, c] of [...coverage].sort())
      t.diagnostic(`${operation}: ${c.byName} by name, ${c.byDoneRecord} through the done record, ${c.byOrphan} to a forwarding record without done, ${c.unmatched.length} unmatched`);
    assert.deepEqual(
      [...coverage.values()].flatMap((c) => c.unmatched),
      [],
      'every create and destroy the engine performed has its forwarding record',
    );
    assert.ok(existsSync(auditLog));
  });
});
