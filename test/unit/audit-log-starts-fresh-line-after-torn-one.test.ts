// A gateway killed mid-write leaves a torn last line; the next gateway's first record must not be glued to it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '../../src/record/audit-log.js';

test('reopening a log that ends mid-line starts the next record on a line of its own', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockgate-torn-'));
  try {
    const file = path.join(dir, 'audit.jsonl');
    await writeFile(file, '{"id":"whole"}\n{"time":"2026-11-28T', { mode: 0o600 });
    const log = await AuditLog.open(file);
    await log.writeDurable({
      time: new Date().toISOString(),
      id: 'after-restart',
      phase: 'forwarding',
      listener: 'unix:///run/dockgate.sock',
      identity: { kind: 'unix', listener: 'unix:///run/dockgate.sock', uid: 0, gid: 0, pid: 1 },
      method: 'POST',
      path: '/v1.41/volumes/create',
      decision: 'allow',
      rule: 'profile.audit',
      reason: 'test',
    });
    await log.close();
    const lines = (await readFile(file, 'utf8')).split('\n');
    assert.equal(lines[1], '{"time":"2026-11-28T', 'the torn line stays as it was');
    assert.equal(JSON.parse(lines[2]!).id, 'after-restart', 'the new record is a whole line of its own');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
