// Pins "on disk before forwarding": a durable record's promise resolves only after its write and its
// fdatasync returned, so whatever the gateway forwarded is in the file even if it is killed at once.
// (SIGKILL keeps the page cache; a power cut is what fdatasync guards against, and the second test
// pins that the promise waits for it.)

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../src/record/audit-log.js';
import { AUDIT_SYNC_POINTS } from '../../src/record/audit-sink.js';
import { forwardingRecord } from '../support/audit-record-fixtures.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const auditLogModule = new URL('../../src/record/audit-log.ts', import.meta.url).href;

let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dockgate-audit-kill-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('every id the child printed after its durable write is in the file after SIGKILL', async () => {
  const file = path.join(dir, 'audit.jsonl');
  // 32 writers, each printing an id once its record is durable, then writing the next, until killed.
  // process.stdout is synchronous on a pipe, so a printed id has left the child before the next step.
  // Each write is delayed by 2 ms, like a busy disk: a log that acknowledged records before writing
  // them would print ids whose bytes are still in memory when the kill lands.
  const childSource = `
    const { open } = await import('node:fs/promises');
    const probe = await open('/dev/null');
    const fileHandle = Object.getPrototypeOf(probe);
    await probe.close();
    const realWrite = fileHandle.write;
    fileHandle.write = async function (...args) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return realWrite.apply(this, args);
    };
    const { AuditLog } = await import(${JSON.stringify(auditLogModule)});
    const log = await AuditLog.open(${JSON.stringify(file)});
    const record = (id) => ({ time: new Date().toISOString(), id, phase: 'forwarding', listener: 'l',
      identity: { kind: 'tcp', listener: 'l', address: '127.0.0.1:1' }, method: 'POST', path: '/containers/create',
      decision: 'allow', rule: 'test', reason: 'test' });
    await Promise.all(Array.from({ length: 32 }, async (_, writer) => {
      for (let i = 0; ; i += 1) {
        const id = writer + '-' + i;
        await log.writeDurable(record(id));
        process.stdout.write(id + '\\n');
      }
    }));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childSource], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (output.length > 20_000 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
  });
  // 'close' comes after 'exit' and after stdout has been read to its end.
  const [code, signal] = await once(child, 'close');
  assert.equal(code, null, 'the child never stops on its own');
  assert.equal(signal, 'SIGKILL');

  const printed = output.split('\n').slice(0, -1);
  assert.ok(printed.length > 1500, `the child was killed mid-way, after ${printed.length} records`);

  // Only complete lines count: the kill may land between the pieces of a short write.
  const text = await readFile(file, 'utf8');
  const inFile = new Set(
    text
      .split('\n')
      .slice(0, -1)
      .map((line) => (JSON.parse(line) as { id: string }).id),
  );
  const missing = printed.filter((id) => !inFile.has(id));
  assert.deepEqual(missing, [], 'every acknowledged record survived the kill');
});

for (const syncPoint of AUDIT_SYNC_POINTS) {
  test(`${syncPoint}: a durable record lets its request be forwarded ${syncPoint === 'before-forward' ? 'only after its fdatasync' : 'once written'}, and is synced after the fdatasync`, async (t) => {
    const file = path.join(dir, `gated-${syncPoint}.jsonl`);
    const log = await AuditLog.open(file, { syncPoint });
    // Hold the next fdatasync of any FileHandle until released.
    const probe = await open(path.join(dir, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const realDatasync = prototype.datasync;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let syncStarted = false;
    t.mock.method(prototype, 'datasync', async function (this: unknown) {
      syncStarted = true;
      await released;
      return realDatasync.call(this);
    });

    let forwardable = false;
    let synced = false;
    const durable = log.writeDurable(forwardingRecord('gated')).then(async (record) => {
      forwardable = true;
      await record.synced;
      synced = true;
    });
    while (!syncStarted) await new Promise((resolve) => setTimeout(resolve, 1));
    // The bytes are already written; the sync is pending.
    assert.match(await readFile(file, 'utf8'), /"id":"gated"/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(forwardable, syncPoint === 'before-answer');
    assert.equal(synced, false);
    release();
    await durable;
    assert.equal(synced, true);
    await log.close();
  });
}
