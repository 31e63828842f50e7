// Acceptance 5: with --audit-log, a state-changing request reaches the engine only after its `forwarding`
// record is on disk. Sixteen clients create and delete volumes and containers through the gateway as fast
// as it lets them; the gateway is SIGKILLed in the middle of that, three times, restarted each time on the
// same audit file. The engine's own event stream is the ground truth: every create and destroy it saw
// must have a `forwarding` record in the file, and the file must still parse.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { eventOperation, matchEventsToRecords, startMutatingLoad } from '../support/audit-coverage.js';
import { readAuditTrail, waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import type { Endpoint } from '../support/endpoint.js';
import { EngineEvents } from '../support/engine-events.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const CLIENTS = 16;
const ROUNDS = 3;
const LOAD_MS = 2_000;
/** After the kill: time for requests the engine had already received to finish and emit their events. */
const SETTLE_MS = 500;
/** Fewer creates than this and the test proves little: the load did not happen. */
const MIN_CREATES_PER_ROUND = 20;
const MIN_CREATES_TOTAL = 60;

/** The status of one request on a fresh connection: to the engine (markers) or through the gateway. */
async function statusOf(endpoint: Endpoint, method: string, path: string, body?: unknown): Promise<number> {
  return (await apiRequest(endpoint, method, path, body)).status;
}

describe('audit records survive SIGKILL under load', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let engine: Engine;
  let gateway: Gateway | undefined;
  let socketPath: string;
  let viaGateway: Endpoint;
  let auditLog: string;

  const start = (): Promise<Gateway> => startGateway({ upstream: engine.socketPath, listen: [`unix://${socketPath}`], profile: 'audit', auditLog });

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      teardown.add(() => gateway?.kill());
      const dir = mkdtempSync(join(engine.dir, 'sk-'));
      socketPath = join(dir, 'gateway.sock');
      viaGateway = { name: 'gateway-unix', host: `unix://${socketPath}` };
      auditLog = join(dir, 'audit.jsonl');
    },
    { timeout: 90_000 },
  );

  it('every create and destroy the engine saw has its forwarding record, across three SIGKILLs', async (t: TestContext) => {
    const engineEvents = await EngineEvents.subscribe(engine.socketPath);
    let counter = 0;
    const tornTails: string[] = [];
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        // Restarted on the same file, and on the socket the killed gateway left behind.
        gateway = await start();
        const firstEvent = engineEvents.events.length;
        let killed = false;
        const { load, finished } = startMutatingLoad({ socketPath, clients: CLIENTS, prefix: 'sk-', nextName: () => ++counter, stopped: () => killed });
        await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
        killed = true;
        const exit = await gateway.kill();
        const stderr = gateway.output();
        assert.equal(exit.signal, 'SIGKILL', `round ${round}: the gateway was still running when killed (exit ${JSON.stringify(exit)})\n${stderr}`);
        await finished;
        assert.deepEqual(load.unexpected, [], `round ${round}: every request before the kill was answered with a 2xx\n--- gateway stderr ---\n${stderr}`);
        assert.ok(load.cutByStop > 0, `round ${round}: requests were in flight when the gateway was killed`);

        // Everything the engine did for this round is in the stream once a later marker event is.
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const marker = `marker-${round}`;
        assert.equal(await statusOf(engine.endpoint, 'POST', '/v1.41/volumes/create', { Name: marker }), 201);
        await engineEvents.waitFor(`the create event of volume ${marker}`, (e) => e.Type === 'volume' && e.Action === 'create' && e.Actor.ID === marker);
        assert.equal(await statusOf(engine.endpoint, 'DELETE', `/v1.41/volumes/${marker}`), 204);

        const creates = engineEvents.events.slice(firstEvent).filter((e) => eventOperation(e, 'sk-')?.operation.endsWith('.create') === true).length;
        t.diagnostic(`round ${round}: ${load.answered} requests answered, ${load.cutByStop} cut by the kill, ${creates} creates seen by the engine`);
        assert.ok(creates >= MIN_CREATES_PER_ROUND, `round ${round}: the engine saw ${creates} creates, fewer than ${MIN_CREATES_PER_ROUND}: no real load`);

        // The file as the killed gateway left it: complete lines parse; a last line cut mid-write is counted.
        const trail = readAuditTrail(auditLog);
        assert.deepEqual(trail.badLines, [], `round ${round}: every complete line of the audit trail is JSON`);
        if (trail.tornTail !== undefined) tornTails.push(`round ${round}: ${trail.tornTail.slice(0, 120)}`);
      }
    } finally {
      engineEvents.close();
    }

    const trail = readAuditTrail(auditLog);
    assert.deepEqual(trail.badLines, [], 'every complete line of the audit trail is JSON');
    assert.ok(tornTails.length <= ROUNDS, 'at most one torn line per kill');
    if (tornTails.length > 0) t.diagnostic(`torn last lines (tolerated): ${tornTails.join(' | ')}`);
    const lineOf = new Map(trail.records.map((r, index) => [r, index]));

    // Two-phase invariant: ids are unique per phase, and a forwarded mutating request's done record follows its forwarding record.
    const seen = new Set<string>();
    for (const record of trail.records) {
      const key = `${record.phase} ${record.id}`;
      assert.ok(!seen.has(key), `request id ${record.id} has one ${record.phase} record`);
      seen.add(key);
    }
    const forwardingIds = new Map(trail.records.filter((r) => r.phase === 'forwarding').map((r) => [r.id, r]));
    for (const done of trail.records.filter((r) => r.phase === 'done' && r.decision === 'allow' && r.operation !== undefined && /\.(create|delete)$/.test(r.operation))) {
      const forwarding = forwardingIds.get(done.id);
      assert.ok(forwarding !== undefined, `${done.operation} ${done.id} (status ${done.status}) was forwarded without a forwarding record`);
      assert.ok(lineOf.get(forwarding)! < lineOf.get(done)!, `the forwarding record of ${done.id} comes before its done record`);
    }

    const coverage = matchEventsToRecords(engineEvents.events, trail.records, 'sk-');
    for (const [operation, c] of [...coverage].sort()) {
      t.diagnostic(`${operation}: ${c.byName} matched by name, ${c.byDoneRecord} through the done record, ${c.byOrphan} to a cut-short forwarding record, ${c.unmatched.length} unmatched`);
    }
    const unmatched = [...coverage.values()].flatMap((c) => c.unmatched);
    assert.deepEqual(unmatched, [], 'every create and destroy the engine saw has a forwarding record written before it');
    const creates = ['volume.create', 'container.create'].reduce((sum, op) => {
      const c = coverage.get(op);
      return sum + (c === undefined ? 0 : c.byName + c.byDoneRecord + c.byOrphan);
    }, 0);
    assert.ok(creates >= MIN_CREATES_TOTAL, `the engine saw ${creates} creates in all, fewer than ${MIN_CREATES_TOTAL}`);
    assert.ok((coverage.get('volume.delete')?.byName ?? 0) > 0 && (coverage.get('container.delete')?.byName ?? 0) > 0, 'destroys were seen and matched');
  });

  it('a gateway restarted after a kill mid-write starts a fresh line: the torn record does not swallow the next', async () => {
    gateway = await start();
    assert.equal(await statusOf(viaGateway, 'POST', '/v1.41/volumes/create', { Name: 'sk-torn-before' }), 201);
    assert.equal((await gateway.kill()).signal, 'SIGKILL');
    // What a kill in the middle of write(2) leaves: the last record cut short, no newline.
    const bytes = readFileSync(auditLog);
    assert.equal(bytes.at(-1), 0x0a, 'the killed gateway left complete lines');
    const tornStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
    const tornEnd = tornStart + Math.floor((bytes.length - tornStart) / 2);
    truncateSync(auditLog, tornEnd);
    assert.notEqual(readAuditTrail(auditLog).tornTail, undefined);

    gateway = await start();
    assert.equal(await statusOf(viaGateway, 'POST', '/v1.41/volumes/create', { Name: 'sk-torn-after' }), 201);
    const isDone = (records: AuditLine[]): boolean => records.some((r) => r.phase === 'done' && (r.created ?? []).includes('sk-torn-after'));
    await waitForAuditTrail(auditLog, tornStart, isDone, 5_000);
    await gateway.stop();
    gateway = undefined;

    // From the torn line on: the fragment alone on its line, then the restarted gateway's records, all parsing.
    const glued = readFileSync(auditLog)
      .subarray(tornEnd, tornEnd + 200)
      .toString('utf8');
    assert.ok(glued.startsWith('\n'), `the restarted gateway wrote its first record onto the torn line: ...${glued.slice(0, 120)}`);
    const tail = readAuditTrail(auditLog, tornStart);
    assert.deepEqual(
      tail.badLines.map((bad) => bad.line),
      [1],
      `only the torn fragment fails to parse; a record glued onto it would be lost to every reader:\n${JSON.stringify(tail.badLines, null, 1)}`,
    );
    assert.ok(
      tail.records.some((r) => r.phase === 'forwarding' && r.operation === 'volume.create'),
      'the forwarding record written after the restart parses',
    );
    assert.ok(isDone(tail.records), 'the done record written after the restart parses');
  });
});
