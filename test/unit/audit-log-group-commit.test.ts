// Proves group commit: thousands of concurrent durable records all resolve, all land as valid JSON
// lines, and they share a small number of fdatasync calls instead of one each.

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../src/record/audit-log.js';
import { doneRecord as done, forwardingRecord as forwarding, writeToDisk } from '../support/audit-record-fixtures.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dockgate-audit-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readLines(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a complete line');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('10000 concurrent durable records resolve, land once each, and share few fdatasyncs', async () => {
  const file = path.join(dir, 'burst.jsonl');
  const log = await AuditLog.open(file);
  const count = 10_000;
  await Promise.all(Array.from({ length: count }, (_, i) => writeToDisk(log, forwarding(`r${i}`))));
  const { syncs, records, batches } = log.status;
  await log.close();

  const lines = await readLines(file);
  assert.equal(lines.length, count);
  assert.deepEqual(new Set(lines.map((line) => line.id)), new Set(Array.from({ length: count }, (_, i) => `r${i}`)));
  assert.equal(records, count);
  assert.ok(syncs <= 3, `a synchronous burst needs about one sync, saw ${syncs} syncs in ${batches} batches`);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});

test('clients that each wait for their record before the next one share syncs too', async () => {
  const file = path.join(dir, 'clients.jsonl');
  const log = await AuditLog.open(file);
  const clients = 64;
  const perClient = 50;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; i < perClient; i += 1) await writeToDisk(log, forwarding(`c${client}-${i}`));
    }),
  );
  const { syncs, records } = log.status;
  await log.close();

  assert.equal(records, clients * perClient);
  assert.equal((await readLines(file)).length, clients * perClient);
  // Each sync carries the records of every client that was waiting: at least clients/2 per sync.
  assert.ok(syncs <= (clients * perClient) / (clients / 2), `${records} records took ${syncs} syncs`);
});

test('buffered records go out in the same batches without a sync of their own, and close() syncs them', async () => {
  const file = path.join(dir, 'buffered.jsonl');
  const log = await AuditLog.open(file);
  for (let i = 0; i < 1000; i += 1) log.write(done(`d${i}`));
  await writeToDisk(log, forwarding('last'));
  for (let i = 1000; i < 1100; i += 1) log.write(done(`d${i}`));
  const { syncs } = log.status;
  await log.close();

  const lines = await readLines(file);
  assert.equal(lines.length, 1101);
  assert.equal(syncs, 1);
  assert.deepEqual(lines[0], { ...done('d0'), time: lines[0]!.time });
});

test('a steady trickle of buffered records is written in batches at most every 5 ms, not one write per write', async () => {
  const file = path.join(dir, 'trickle.jsonl');
  const log = await AuditLog.open(file);
  // One record per event-loop turn for 200 ms, as a gateway under load makes them: a write is always in
  // flight, and writing whatever arrived during the last one would make a batch of every few records.
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < 200) {
    log.write(done(`t${count}`));
    count += 1;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const elapsed = performance.now() - started;
  await log.close();
  const { batches, records } = log.status;

  assert.equal(records, count);
  assert.equal((await readLines(file)).length, count);
  // Each batch waits 5 ms for company after the one before: at most one per 5 ms (and the one close() writes).
  assert.ok(count > 200, `only ${count} records were made in ${elapsed.toFixed(0)} ms`);
  assert.ok(batches <= elapsed / 5 + 2, `${count} records in ${elapsed.toFixed(0)} ms took ${batches} batches`);
});

test('after close, durable writes are refused with DG_AUDIT_UNAVAILABLE', async () => {
  const file = path.join(dir, 'closed.jsonl');
  const log = await AuditLog.open(file);
  await log.close();
  await assert.rejects(log.writeDurable(forwarding('late')), {
    code: 'DG_AUDIT_UNAVAILABLE',
    message: `dockgate: POST /v1.41/containers/create denied by audit.durable: the audit log ${file} is closed (the gateway is shutting down). Retry once the gateway has restarted`,
  });
});

test('a missing directory is an error at open, naming the file', async () => {
  const file = path.join(dir, 'no-such-dir', 'audit.jsonl');
  await assert.rejects(AuditLog.open(file), { message: `cannot open the audit log ${file}: ENOENT: no such file or directory, open '${file}'` });
});
