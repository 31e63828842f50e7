// The padding glibc's allocator keeps at the top of the gateway's heap (native/heap_padding.c): without it,
// the 64 KiB buffers Node gives every socket read and body piece are faulted in afresh after the heap's top
// was handed back to the kernel, and an upload costs as much in page faults as in copying. Set once, at
// start, by `serve` (running-gateway.ts); the measurements behind the size are in docs/performance.md.
import { addonLoader } from '../addons/load-addon.js';
import type { Logger } from '../log/logger.js';

/** What the allocator keeps at the top of the heap: 16 MiB did better than 1, 4 and 64 on the 1 GiB upload. */
export const HEAP_TOP_PAD_BYTES = 16 * 1024 * 1024;

/** What build/Release/heap_padding.node exports: true when the allocator took the padding, false on a C library without M_TOP_PAD. */
export interface HeapPaddingAddon {
  keepHeapTopPad(bytes: number): boolean;
}

export const loadHeapPadding = addonLoader<HeapPaddingAddon>('heap_padding', 'heap-padding');

/** Pads the heap; a gateway whose allocator cannot be padded runs as before, slower on uploads, and says so. */
export function padHeap(logger: Logger): void {
  try {
    if (!loadHeapPadding().keepHeapTopPad(HEAP_TOP_PAD_BYTES)) {
      logger.info('the C library has no M_TOP_PAD (not glibc): uploads cost more CPU in page faults');
    }
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'the heap padding could not be set: uploads cost more CPU in page faults');
  }
}
