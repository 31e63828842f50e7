// Records waiting for a disk that does not answer are bounded. The stall is made as a hung disk makes it:
// every thread of libuv's pool is blocked (here, each opening a FIFO for reading that no one writes), so the
// log's write is accepted but never done, and every request's record waits behind it. Past the bound,
// buffered records are dropped (counted, the log reported failing once) and durable ones refused with
// DG_AUDIT_UNAVAILABLE, so state changes stop; once the pool runs again, the log is healthy again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isGatewayError } from '../../src/errors/catalogue.js';
import { AuditLog, type AuditLogStatus } from '../../src/record/audit-log.js';
import { formatAuditRecord } from '../../src/record/audit-record.js';
import { doneRecord, forwardingRecord } from '../support/audit-record-fixtures.js';

const BOUND = 100_000;
/** libuv's thread pool: 4 threads unless the environment says otherwise. */
const POOL_THREADS = Number(process.env['UV_THREADPOOL_SIZE'] ?? 4);

/** Blocks every thread of the pool until the returned function is called. */
async function stallThreadPool(dir: string): Promise<() => Promise<void>> {
  const fifos = Array.from({ length: POOL_THREADS }, (_, i) => path.join(dir, `stall-${i}`));
  for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
  // Each open waits in a pool thread for a writer.
  const blocked = fifos.map((fifo) => open(fifo, 'r'));
  await new Promise((resolve) => setTimeout(resolve, 100));
  return async () => {
    // A writer that does not wait lets each blocked open return.
    const writers = fifos.map((fifo) => openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    for (const handle of await Promise.all(blocked)) await handle.close();
    for (const fd of writers) closeSync(fd);
  };
}

test('records waiting for a stalled write are bounded; past the bound the log fails until the write completes', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockgate-audit-stall-'));
  const file = path.join(dir, 'audit.jsonl');
  let resume: (() => Promise<void>) | undefined;
  try {
    const changes: AuditLogStatus[] = [];
    const log = await AuditLog.open(file, { onStatusChange: (status) => changes.push(status), maxWaitingChars: BOUND });
    resume = await stallThreadPool(dir);
    const record = doneRecord('stall', { reason: 'x'.repeat(1000) });
    // Ten records every 10 ms: a disk that answers writes each handful long before the next.
    let accepted = 0;
    for (let i = 0; i < 1000; i++) {
      log.write({ ...record, id: `r-${i}` });
      if (log.healthy) accepted++;
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(log.status.records, 0, 'nothing was written: the write is stalled');
    const perRecord = formatAuditRecord(record).length;
    // The first handful went into the write that stalled (ten, unless a timer ran late); behind it, the bound.
    const behind = Math.floor(BOUND / perRecord);
    assert.ok(accepted >= behind + 10 && accepted <= behind + 30, `${BOUND} characters of records (${behind}) wait behind the stalled write: ${accepted} of 1000 accepted`);
    assert.equal(log.status.dropped, 1000 - accepted, 'the rest are dropped and counted');
    assert.deepEqual(
      changes.map((c) => c.healthy),
      [false],
      'reported once',
    );
    assert.match(changes[0]!.lastError!, /characters of records wait for a write that has not finished/);
    const refused = await log.writeDurable(forwardingRecord('a-state-change', { reason: 'y'.repeat(2000) })).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(isGatewayError(refused) && refused.code === 'DG_AUDIT_UNAVAILABLE', 'a state change cannot be recorded, so it is refused');
    assert.match(refused.message, /is behind: \d+ characters of records wait for a write that has not finished/);
    // The disk answers again: the write completes, and the log takes records again.
    await resume();
    resume = undefined;
    const deadline = Date.now() + 10_000;
    while ((!log.healthy || log.status.records < accepted) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(
      changes.map((c) => c.healthy),
      [false, true],
      'the recovery is reported',
    );
    await log.writeDurable(forwardingRecord('after'));
    await log.close();
    const ids = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    assert.deepEqual(ids, [...Array.from({ length: accepted }, (_, i) => `r-${i}`), 'after'], 'the records accepted are all written, in order');
  } finally {
    // A failed assertion must not leave the pool stalled: nothing after it would run.
    await resume?.();
    await rm(dir, { recursive: true, force: true });
  }
});
