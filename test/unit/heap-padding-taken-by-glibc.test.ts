// The heap padding serve sets at start (src/gateway/heap-padding.ts, native/heap_padding.c): glibc takes it,
// and the addon refuses what is not a size. Its effect (an upload's page faults) is measured by the
// benchmark's archive_put and image_load, not here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEAP_TOP_PAD_BYTES, loadHeapPadding } from '../../src/gateway/heap-padding.js';

test('glibc takes the padding serve asks for', () => {
  // Debian, the platform dockgate ships for, has glibc: a false here means the padding silently did nothing.
  assert.equal(loadHeapPadding().keepHeapTopPad(HEAP_TOP_PAD_BYTES), true);
});

test('a size that is not a byte count from 0 to 1 GiB is refused, not passed to the allocator', () => {
  const addon = loadHeapPadding();
  for (const bad of [-1, 2 ** 31, 'big', undefined] as number[]) {
    assert.throws(() => addon.keepHeapTopPad(bad), { name: 'TypeError', message: /bytes must be a number from 0 to 1 GiB/ });
  }
});
