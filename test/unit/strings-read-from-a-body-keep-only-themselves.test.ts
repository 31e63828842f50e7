// A string read from a body (src/inspect/go-json-reader.ts) holds only its own characters: a value kept
// after the request (a reason in the audit feed, a record text cached) must not keep the whole body's
// text alive with it, as a V8 slice of a string made of the whole body would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readJudgedBody } from '../../src/inspect/inspect-body.js';

/** V8's collector, for a heap measured without garbage in it. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

test('strings kept from 64 bodies of half a MiB keep their own bytes, not the bodies', () => {
  const gc = collector();
  // Half a MiB: Node makes a string of a larger Buffer outside V8's heap, where heapUsed would not see it.
  const padding = 'x'.repeat(1 << 19);
  const kept: unknown[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 64; i++) {
    const body = Buffer.from(`{"Image":"registry.example/team/app:${i}","WorkingDir":"/w","Labels":{"pad":"${padding}"}}`);
    const { value } = readJudgedBody('container.create', body, 'application/json') as { value: { Image: string; WorkingDir: string } };
    assert.equal(value.Image, `registry.example/team/app:${i}`);
    kept.push(value.Image, value.WorkingDir);
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  // Slices of the bodies' text would hold 32 MiB here; the strings themselves are some 40 bytes each.
  assert.ok(grown < 8 * 1024 * 1024, `the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MiB for ${kept.length} short strings`);
});
