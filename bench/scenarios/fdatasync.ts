// fdatasync: what one durable write costs on the disk the gateway's audit log is on, the floor under
// every request whose audit record must reach the disk before it is forwarded (create_delete's target is
// bounded by it). A scratch file beside the audit log; each time a line of about the size of an audit
// record is appended and fdatasync'ed, and the fdatasync alone is timed (the append only fills the page
// cache). Synchronous calls, one at a time: the disk's latency, not the thread pool's. p50 and p99.

import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { Samples } from '../support/stats.js';

/** About one audit record of a forwarded request. */
const LINE = Buffer.from(`${JSON.stringify({ bench: 'fdatasync', pad: 'x'.repeat(270) })}\n`);

export function runFdatasync(auditLog: string, settings: Settings['fdatasync'], results: Results, log: (line: string) => void): void {
  const scratch = join(dirname(auditLog), 'bench-fdatasync.jsonl');
  const samples = new Samples();
  const fd = openSync(scratch, 'a');
  try {
    for (let i = 0; i < settings.syncs; i++) {
      writeSync(fd, LINE);
      const started = performance.now();
      fdatasyncSync(fd);
      samples.add(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(scratch, { force: true });
  }
  results.add('fdatasync', 'disk', 'p50_ms', samples.percentile(50), 'ms');
  results.add('fdatasync', 'disk', 'p99_ms', samples.percentile(99), 'ms');
  log(`  fdatasync: ${samples.length} in ${dirname(auditLog)}, p50 ${samples.percentile(50).toFixed(3)} ms, p99 ${samples.percentile(99).toFixed(3)} ms`);
}
