// Bytes that stream through the gateway (an upload's body, a download's answer, a hijacked stream) arrive
// as one new Buffer per socket read: Node's HTTP parser copies each body piece, and each engine read is
// copied out of the shared read buffer. Those Buffers die young, but their memory lies outside V8's heap,
// and V8's collector, tuned for programs whose memory is JavaScript objects, handled them badly twice over
// (measured on 256 MiB archive uploads, docs/performance.md):
// - Its young generation is collected when JavaScript objects fill it, and a stream adds a few hundred
//   bytes of objects per 64 KiB read: tens of megabytes of dead Buffers piled up between collections, and
//   the heap that held them was handed back to the kernel and faulted in again for the next ones. The
//   young generation is collected here instead (a scavenge, some 0.3 ms with the gateway's heap) every
//   STREAMED_BYTES_PER_SCAVENGE.
// - Its incremental marking, started by a heuristic that the old generation's slack trips while Buffers
//   stream, ran a full mark of the heap every 50 ms of an upload, freeing nothing: 30 to 60 full
//   collections per upload, a third of the gateway's CPU. While streams flow (a scavenge here within the
//   last MARKING_RESUMES_AFTER_MS) incremental marking is off, and the old generation, which a stream
//   hardly grows, is collected whole if it reaches its limit. It is on otherwise: under request loads it
//   keeps the heap smaller than collecting at the limit does (some 15 MB after the 100-container lists).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Well below the 32 MB of dead Buffers after which V8 itself would collect, and within the 16 MiB heap padding (gateway/heap-padding.ts) that keeps freed memory for reuse. */
const STREAMED_BYTES_PER_SCAVENGE = 16 * 1024 * 1024;

/** How long after the last scavenge here incremental marking stays off: streams at 8 MB/s or more keep it off. */
const MARKING_RESUMES_AFTER_MS = 2_000;

type CollectGarbage = (options: { type: 'minor' }) => void;

let streamedSinceScavenge = 0;
let collect: CollectGarbage | undefined;
let markingResumes: NodeJS.Timeout | undefined;

/**
 * V8's `gc`, taken once and for this module only: the flag that exposes it is on just while a new, empty
 * context is made, so neither the gateway's own context nor any other sees a `gc` global. A Node whose V8
 * no longer takes the flag once running gives none: streams then go on at the cost they had before.
 */
function collector(): CollectGarbage {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    try {
      const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
      collect = typeof gc === 'function' ? (gc as CollectGarbage) : () => {};
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return collect;
}

/** Incremental marking off for MARKING_RESUMES_AFTER_MS more (V8 reads its flag each time it would start marking). */
function holdIncrementalMarking(): void {
  if (markingResumes !== undefined) {
    markingResumes.refresh();
    return;
  }
  setFlagsFromString('--no-incremental-marking');
  markingResumes = setTimeout(() => {
    markingResumes = undefined;
    setFlagsFromString('--incremental-marking');
  }, MARKING_RESUMES_AFTER_MS).unref();
}

/**
 * Counts the bytes of a Buffer made for one read of a stream; every STREAMED_BYTES_PER_SCAVENGE of them,
 * the young generation is collected and incremental marking held off a while longer.
 */
export function noteStreamedBytes(bytes: number): void {
  streamedSinceScavenge += bytes;
  if (streamedSinceScavenge < STREAMED_BYTES_PER_SCAVENGE) return;
  streamedSinceScavenge = 0;
  holdIncrementalMarking();
  collector()({ type: 'minor' });
}
