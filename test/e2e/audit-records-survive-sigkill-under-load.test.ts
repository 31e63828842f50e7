// Acceptance 5: with --audit-log, a state-changing request reaches the engine only after its `forwarding`
// record is on disk. Sixteen clients create and delete volumes and containers through the gateway as fast
// as it lets them; the gateway is SIGKILLed in the middle of that, three times, restarted each time on the
// same audit file. The engine's own event stream is the ground truth: every create and destroy it saw
// must have a `forwarding` record in the file, and the file must still parse.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { Client } from 'undici';
import { readAuditTrail, waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import type { Endpoint } from '../support/endpoint.js';
import { EngineEvents, type EngineEvent } from '../support/engine-events.js';
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

interface RoundLoad {
  /** Requests answered with a 2xx before the kill. */
  answered: number;
  /** Requests whose connection was cut by the kill: they were in flight. */
  cutByKill: number;
  /** Anything else: a non-2xx answer, or a failure before the kill. Must stay empty. */
  unexpected: string[];
}

/**
 * CLIENTS clients, one connection each, creating and deleting named volumes and containers in a loop
 * until `killed()` says the gateway is gone. Names are numbered from `nextName`, unique across rounds.
 */
function startLoad(socketPath: string, nextName: () => number, killed: () => boolean): { load: RoundLoad; finished: Promise<void> } {
  const load: RoundLoad = { answered: 0, cutByKill: 0, unexpected: [] };
  const worker = async (): Promise<void> => {
    const client = new Client('http://localhost', { socketPath, pipelining: 1, connect: { timeout: 5_000 } });
    const send = async (method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<boolean> => {
      try {
        const response = await client.request({
          method,
          path,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await response.body.text();
        if (response.statusCode < 200 || response.statusCode > 299) {
          load.unexpected.push(`${method} ${path} answered ${response.statusCode}: ${text.trim()}`);
          return false;
        }
        load.answered += 1;
        return true;
      } catch (error) {
        if (killed()) load.cutByKill += 1;
        else load.unexpected.push(`${method} ${path} failed before the kill: ${(error as Error).message}`);
        return false;
      }
    };
    try {
      while (!killed()) {
        const n = nextName();
        if (!(await send('POST', '/v1.41/volumes/create', { Name: `sk-${n}` }))) break;
        if (!(await send('POST', `/v1.41/containers/create?name=sk-c-${n}`, { Image: 'busybox:test', Cmd: ['true'] }))) break;
        if (!(await send('DELETE', `/v1.41/containers/sk-c-${n}?force=1`))) break;
        if (!(await send('DELETE', `/v1.41/volumes/sk-${n}`))) break;
      }
    } finally {
      await client.destroy().catch(() => undefined);
    }
  };
  const finished = Promise.all(Array.from({ length: CLIENTS }, worker)).then(() => undefined);
  return { load, finished };
}

/** The operation the gateway names for an engine event, and the names the event gives the object. */
function eventOperation(event: EngineEvent): { operation: string; name: string; id: string } | undefined {
  const kind = event.Type === 'volume' ? 'volume' : event.Type === 'container' ? 'container' : undefined;
  const verb = event.Action === 'create' ? 'create' : event.Action === 'destroy' ? 'delete' : undefined;
  if (kind === undefined || verb === undefined) return undefined;
  const name = kind === 'volume' ? event.Actor.ID : (event.Actor.Attributes?.['name'] ?? '');
  if (!name.startsWith('sk-')) return undefined; // markers and the engine's own objects
  return { operation: `${kind}.${verb}`, name, id: event.Actor.ID };
}

interface Coverage {
  /** Events matched to a forwarding record naming the object (target.ref). */
  byName: number;
  /** Events matched through the done record of the same request, which names the created object. */
  byDoneRecord: number;
  /** Events matched to a forwarding record of the same operation whose request never got a done record. */
  byOrphan: number;
  unmatched: string[];
}

/**
 * Pairs every engine event with a distinct forwarding record that was written before the engine acted:
 * by the object's name where the record names it, else through the request's done record (`created`),
 * else with a forwarding record of the same operation whose request the kill cut short.
 */
function matchEventsToRecords(events: EngineEvent[], records: AuditLine[], lineOf: Map<AuditLine, number>): Map<string, Coverage> {
  const forwarding = records.filter((r) => r.phase === 'forwarding');
  const doneById = new Map(records.filter((r) => r.phase === 'done').map((r) => [r.id, r]));
  const forwardingById = new Map(forwarding.map((r) => [r.id, r]));
  const used = new Set<AuditLine>();
  const coverage = new Map<string, Coverage>();
  const coverageOf = (operation: string): Coverage => {
    let c = coverage.get(operation);
    if (c === undefined) coverage.set(operation, (c = { byName: 0, byDoneRecord: 0, byOrphan: 0, unmatched: [] }));
    return c;
  };
  const recordedBefore = (record: AuditLine, event: EngineEvent): boolean => Date.parse(record.time) <= event.timeNano / 1e6 + 1;

  const leftover: { event: EngineEvent; operation: string; name: string }[] = [];
  for (const event of [...events].sort((a, b) => a.timeNano - b.timeNano)) {
    const what = eventOperation(event);
    if (what === undefined) continue;
    const { operation, name, id } = what;
    const byName = forwarding.find(
      (r) => !used.has(r) && r.operation === operation && (r.target?.ref === name || r.target?.ref === id) && recordedBefore(r, event),
    );
    if (byName !== undefined) {
      used.add(byName);
      coverageOf(operation).byName += 1;
      continue;
    }
    const done = [...doneById.values()].find((r) => r.operation === operation && (r.created ?? []).some((c) => c === id || c === name));
    const viaDone = done === undefined ? undefined : forwardingById.get(done.id);
    if (viaDone !== undefined && done !== undefined && !used.has(viaDone) && recordedBefore(viaDone, event)) {
      assert.ok(lineOf.get(viaDone)! < lineOf.get(done)!, `the forwarding record of ${done.id} precedes its done record`);
      used.add(viaDone);
      coverageOf(operation).byDoneRecord += 1;
      continue;
    }
    leftover.push({ event, operation, name });
  }
  // What is left can only be requests the kill cut short: their forwarding record has no done record.
  for (const { event, operation, name } of leftover) {
    const orphan = forwarding.find((r) => !used.has(r) && r.operation === operation && !doneById.has(r.id) && recordedBefore(r, event));
    if (orphan !== undefined) {
      used.add(orphan);
      coverageOf(operation).byOrphan += 1;
    } else {
      coverageOf(operation).unmatched.push(`${operation} ${name} (engine event at ${new Date(event.timeNano / 1e6).toISOString()})`);
    }
  }
  return coverage;
}

describe('audit records survive SIGKILL under load', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let engine: Engine;
  let gateway: Gateway | undefined;
  let socketPath: string;
  let viaGateway: Endpoint;
  let auditLog: string;

  const start = (): Promise<Gateway> => startGateway({ upstream: engine.socketPath, listen: [`unix://${socketPath}`], profile: 'audit', auditLog });

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    teardown.add(() => gateway?.kill());
    const dir = mkdtempSync(join(engine.dir, 'sk-'));
    socketPath = join(dir, 'gateway.sock');
    viaGateway = { name: 'gateway-unix', host: `unix://${socketPath}` };
    auditLog = join(dir, 'audit.jsonl');
  }, { timeout: 90_000 });

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
        const { load, finished } = startLoad(socketPath, () => ++counter, () => killed);
        await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
        killed = true;
        const exit = await gateway.kill();
        const stderr = gateway.output();
        assert.equal(exit.signal, 'SIGKILL', `round ${round}: the gateway was still running when killed (exit ${JSON.stringify(exit)})\n${stderr}`);
        await finished;
        assert.deepEqual(load.unexpected, [], `round ${round}: every request before the kill was answered with a 2xx\n--- gateway stderr ---\n${stderr}`);
        assert.ok(load.cutByKill > 0, `round ${round}: requests were in flight when the gateway was killed`);

        // Everything the engine did for this round is in the stream once a later marker event is.
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const marker = `marker-${round}`;
        assert.equal(await statusOf(engine.endpoint, 'POST', '/v1.41/volumes/create', { Name: marker }), 201);
        await engineEvents.waitFor(`the create event of volume ${marker}`, (e) => e.Type === 'volume' && e.Action === 'create' && e.Actor.ID === marker);
        assert.equal(await statusOf(engine.endpoint, 'DELETE', `/v1.41/volumes/${marker}`), 204);

        const creates = engineEvents.events
          .slice(firstEvent)
          .filter((e) => eventOperation(e)?.operation.endsWith('.create') === true).length;
        t.diagnostic(`round ${round}: ${load.answered} requests answered, ${load.cutByKill} cut by the kill, ${creates} creates seen by the engine`);
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

    const coverage = matchEventsToRecords(engineEvents.events, trail.records, lineOf);
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
    const glued = readFileSync(auditLog).subarray(tornEnd, tornEnd + 200).toString('utf8');
    assert.ok(glued.startsWith('\n'), `the restarted gateway wrote its first record onto the torn line: ...${glued.slice(0, 120)}`);
    const tail = readAuditTrail(auditLog, tornStart);
    assert.deepEqual(
      tail.badLines.map((bad) => bad.line),
      [1],
      `only the torn fragment fails to parse; a record glued onto it would be lost to every reader:\n${JSON.stringify(tail.badLines, null, 1)}`,
    );
    assert.ok(tail.records.some((r) => r.phase === 'forwarding' && r.operation === 'volume.create'), 'the forwarding record written after the restart parses');
    assert.ok(isDone(tail.records), 'the done record written after the restart parses');
  });
});
