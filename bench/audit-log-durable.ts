// How many durable audit records per second the group-committing AuditLog sustains when N clients
// each wait for their record to be fdatasync'ed before sending the next (how the gateway uses it).
// Usage: node --import tsx bench/audit-log-durable.ts [clients=1,16,64,256,1024] [seconds=3] [dir=os.tmpdir()]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditLog } from '../src/record/audit-log.js';
import { forwardingRecord as record, writeToDisk } from '../test/support/audit-record-fixtures.js';

const clientCounts = (process.argv[2] ?? '1,16,64,256,1024').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 3);
const dir = await mkdtemp(path.join(process.argv[4] ?? tmpdir(), 'dockgate-bench-'));

try {
  for (const clients of clientCounts) {
    const log = await AuditLog.open(path.join(dir, `clients-${clients}.jsonl`));
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let i = 0; performance.now() < deadline; i += 1) await writeToDisk(log, record(`${client}-${i}`));
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const { records, syncs } = log.status;
    await log.close();
    console.log(
      `${String(clients).padStart(5)} clients: ${Math.round(records / elapsed)
        .toString()
        .padStart(7)} records/s, ` +
        `${Math.round(syncs / elapsed)
          .toString()
          .padStart(5)} fdatasync/s, ${(records / syncs).toFixed(1).padStart(6)} records per batch`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
