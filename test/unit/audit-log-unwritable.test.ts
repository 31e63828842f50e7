// Proves the failure contract: when the disk is full, durable writes are refused with
// DG_AUDIT_UNAVAILABLE naming the errno and the file, the file keeps only whole records, the health
// change is reported once, and writing resumes by itself when space comes back.

import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isGatewayError } from '../../src/errors/catalogue.js';
import { AuditLog, type AuditLogStatus } from '../../src/record/audit-log.js';
import { forwardingRecord, writeToDisk } from '../support/audit-record-fixtures.js';

const isRoot = process.getuid?.() === 0;

/** Long enough that a few dozen records need more than one 4 KiB page of the tmpfs. */
const forwarding = (id: string) => forwardingRecord(id, { reason: 'a reason long enough that a few dozen records need more than one 4 KiB page of the tmpfs' });

/** Writes `count` durable records at once (one batch), each waited for until on disk; returns how each settled. */
function burst(log: AuditLog, prefix: string, count: number): Promise<PromiseSettledResult<void>[]> {
  return Promise.allSettled(Array.from({ length: count }, (_, i) => writeToDisk(log, forwarding(`${prefix}${i}`))));
}

async function idsInFile(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'no partial line at the end of the file');
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => (JSON.parse(line) as { id: string }).id);
}

test('a full disk refuses durable records with DG_AUDIT_UNAVAILABLE, then recovers by itself', { skip: !isRoot && 'mounting a tmpfs needs root' }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockgate-audit-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  try {
    const file = path.join(dir, 'audit.jsonl');
    const changes: AuditLogStatus[] = [];
    const log = await AuditLog.open(file, { onStatusChange: (status) => changes.push(status) });
    try {
      assert.ok((await burst(log, 'before', 5)).every((r) => r.status === 'fulfilled'));

      // Fill the filesystem: the write fails with ENOSPC once every page is taken.
      await assert.rejects(writeFile(path.join(dir, 'filler'), Buffer.alloc(1024 * 1024)), { code: 'ENOSPC' });

      // Enough records to need pages the disk no longer has; the first bytes still fit in the
      // file's last page, so this is a short write followed by ENOSPC.
      for (const attempt of ['full', 'still-full']) {
        const results = await burst(log, attempt, 40);
        for (const result of results) {
          assert.equal(result.status, 'rejected');
          const error = result.reason as unknown;
          assert.ok(isGatewayError(error));
          assert.equal(error.code, 'DG_AUDIT_UNAVAILABLE');
          assert.equal(error.status, 503);
          assert.equal(
            error.message,
            `dockgate: POST /v1.41/containers/create denied by audit.durable: the audit log ${file} cannot be written ` +
              "(ENOSPC: no space left on device, write). Free space on the audit log's filesystem or make the file writable; " +
              'dockgate retries with every request',
          );
        }
      }
      assert.equal(log.status.healthy, false);
      assert.equal(log.status.lastError, 'ENOSPC: no space left on device, write');
      assert.equal(log.status.dropped, 80);
      // The half-written batch was cut off: only acknowledged records are in the file.
      assert.deepEqual(await idsInFile(file), ['before0', 'before1', 'before2', 'before3', 'before4']);
      assert.deepEqual(
        changes.map((status) => status.healthy),
        [false],
        'the failure is reported once per episode',
      );

      await rm(path.join(dir, 'filler'));
      assert.ok((await burst(log, 'after', 40)).every((r) => r.status === 'fulfilled'));
      assert.equal(log.status.healthy, true);
      assert.deepEqual(
        changes.map((status) => status.healthy),
        [false, true],
      );
      const ids = await idsInFile(file);
      assert.equal(ids.length, 45);
      assert.deepEqual(
        ids.slice(5),
        Array.from({ length: 40 }, (_, i) => `after${i}`),
      );
    } finally {
      await log.close();
    }
  } finally {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
});

test('an audit log path that is a symlink (to /dev/full) or a device is refused at start, naming the fix', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dockgate-audit-devfull-'));
  try {
    const file = path.join(dir, 'audit.jsonl');
    await symlink('/dev/full', file);
    await assert.rejects(
      AuditLog.open(file),
      /cannot open the audit log .*audit\.jsonl: the audit log path is a symbolic link, which the gateway does not follow\. Point it at the file itself/,
    );
    await assert.rejects(AuditLog.open('/dev/full'), /cannot open the audit log \/dev\/full: the audit log is not a regular file \(a special file\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
