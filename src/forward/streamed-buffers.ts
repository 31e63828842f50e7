// Bytes that stream through the gateway (an upload's body, a download's answer, a hijacked stream) arrive
// as one new Buffer per socket read: Node's HTTP parser copies each body piece, and each engine read is
// copied out of the shared read buffer. Those Buffers die young, but their memory lies outside V8's heap,
// and V8's collector, tuned for programs whose memory is JavaScript objects, handled them badly twice over
// (measured on 256 MiB archive uploads, docs/performance.md):
// - Its young generation is collected when JavaScript objects fill it, and a stream adds a few hundred
//   bytes of objects per 64 KiB read: tens of megabytes of dead Buffers piled up between collections, and
//   the heap that held them was handed back to the kernel and faulted in again for the next ones.
//   `noteStreamedBytes` collects the young generation (a scavenge, some 0.3 ms with the gateway's heap)
//   every STREAMED_BYTES_PER_SCAVENGE instead.
// - Its incremental marking, started by a heuristic that the old generation's slack trips while Buffers
//   stream, ran a full mark of the heap every 50 ms of an upload, freeing nothing: 30 to 60 full
//   collections per upload, a third of the gateway's CPU. `collectStreamedBuffersPromptly` turns incremental
//   marking off: the old generation is then collected whole when it reaches its limit, which under the
//   benchmark's request loads happened as rarely as before (a pause of 10 to 25 ms with the gateway's heap
//   of some 20 MB), and during an upload once instead of thirty times.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Well below the 32 MB of dead Buffers after which V8 itself would collect, and within the 16 MiB heap padding (gateway/heap-padding.ts) that keeps freed memory for reuse. */
const STREAMED_BYTES_PER_SCAVENGE = 16 * 1024 * 1024;

type CollectGarbage = (options: { type: 'minor' }) => void;

let streamedSinceScavenge = 0;
let collect: CollectGarbage | undefined;

/** Set once, by `serve` (gateway/running-gateway.ts): the V8 flags are the process's. */
export function collectStreamedBuffersPromptly(): void {
  setFlagsFromString('--no-incremental-marking');
}

/**
 * V8's `gc`, taken once and for this module only: the flag that exposes it is on just while a new, empty
 * context is made, so neither the gateway's own context nor any other sees a `gc` global.
 */
function collector(): CollectGarbage {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    try {
      collect = runInNewContext('gc') as CollectGarbage;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return collect;
}

/** Counts the bytes of a Buffer made for one read of a stream; every STREAMED_BYTES_PER_SCAVENGE of them, the young generation is collected. */
export function noteStreamedBytes(bytes: number): void {
  streamedSinceScavenge += bytes;
  if (streamedSinceScavenge < STREAMED_BYTES_PER_SCAVENGE) return;
  streamedSinceScavenge = 0;
  collector()({ type: 'minor' });
}
