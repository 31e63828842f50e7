// Every 16 MiB of Buffers read for streams (src/forward/streamed-buffers.ts), the gateway collects V8's
// young generation itself, so the dead Buffers of an upload or a download are freed long before V8's own
// heuristics would get to them; and the `gc` it calls for that is seen by no other code.
import assert from 'node:assert/strict';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { test } from 'node:test';
import { noteStreamedBytes } from '../../src/forward/streamed-buffers.js';

const MIB = 1024 * 1024;

/** The young-generation collections asked for by a `gc()` call (forced) while `run` runs. */
async function forcedScavenges(run: () => void): Promise<number> {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  run();
  // GC entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return entries.filter((entry) => {
    const detail = (entry as PerformanceEntry & { detail: { kind: number; flags: number } }).detail;
    return detail.kind === constants.NODE_PERFORMANCE_GC_MINOR && (detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;
  }).length;
}

test('the young generation is collected once 16 MiB of streamed Buffers have been read, and not before', async () => {
  // Bring the count back to zero whatever ran before: the first collection comes at most 16 MiB later.
  await forcedScavenges(() => noteStreamedBytes(16 * MIB));
  assert.equal(await forcedScavenges(() => noteStreamedBytes(16 * MIB - 1)), 0, 'a byte short of 16 MiB collects nothing');
  assert.equal(await forcedScavenges(() => noteStreamedBytes(1)), 1, 'the 16 MiB-th byte collects the young generation');
  assert.equal(
    await forcedScavenges(() => {
      for (let read = 0; read < 1024; read++) noteStreamedBytes(64 * 1024);
    }),
    4,
    '64 MiB read 64 KiB at a time: four collections',
  );
});

test('the gc it calls is exposed to no other code', async () => {
  await forcedScavenges(() => noteStreamedBytes(16 * MIB));
  assert.equal((globalThis as { gc?: unknown }).gc, undefined);
  const { runInNewContext } = await import('node:vm');
  assert.equal(runInNewContext('typeof gc'), 'undefined', 'a context made afterwards has no gc either');
});
