// The records of this process as they happen, for whoever watches in-process (the live view of the admin
// listener, src/view/): a ring of the most recent `done` records, each numbered, and the watchers told of
// each new one. Bounded by construction: the ring holds a fixed number of records, and a watcher that
// cannot keep up is the watcher's to drop (src/view/event-stream.ts), never buffered here.
//
// On the request path this costs one store in the ring and a loop over the watchers: no copy, no
// serialisation. Whatever a watcher makes of a record (JSON, a rule change) it makes only while it watches.

import type { DoneRecord } from './audit-record.js';

/** A record and its place in the feed: numbers only grow, so a watcher that reconnects asks for what came after the last it saw. */
export interface FedRecord {
  seq: number;
  record: DoneRecord;
}

export type FeedWatcher = (fed: FedRecord) => void;

/** Recent records kept for a page that opens: enough to fill a screen many times over, few enough to weigh little (some hundreds of KB). */
export const DEFAULT_RING_SIZE = 500;

export class AuditFeed {
  private readonly ring: (FedRecord | undefined)[];
  private next = 1;
  private readonly watchers = new Set<FeedWatcher>();

  constructor(readonly size = DEFAULT_RING_SIZE) {
    this.ring = new Array<FedRecord | undefined>(size);
  }

  publish(record: DoneRecord): void {
    const fed = { seq: this.next++, record };
    this.ring[fed.seq % this.size] = fed;
    for (const watch of this.watchers) watch(fed);
  }

  /** The records kept whose number is above `after`, oldest first. */
  since(after = 0): FedRecord[] {
    const first = Math.max(after + 1, this.next - this.size);
    const kept: FedRecord[] = [];
    for (let seq = first; seq < this.next; seq++) kept.push(this.ring[seq % this.size]!);
    return kept;
  }

  /** Calls `watcher` with every record published from now on, until the returned function is called. */
  watch(watcher: FeedWatcher): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }
}
