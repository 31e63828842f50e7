// An audit sink that also hands every `done` record to the in-process feed (audit-feed.ts), after the sink
// it wraps has it: the trail stays the record of truth, the feed a view of it. `forwarding` records are not
// fed (their `done` record follows), nor connection records (no request, no decision to show).

import type { AuditRecord } from './audit-record.js';
import type { AuditFeed } from './audit-feed.js';
import type { AuditSink } from './audit-sink.js';

export function fedAuditSink(sink: AuditSink, feed: AuditFeed): AuditSink {
  return {
    writeDurable: (record: AuditRecord) => sink.writeDurable(record),
    write(record: AuditRecord): void {
      sink.write(record);
      if (record.phase === 'done') feed.publish(record);
    },
    close: () => sink.close(),
    get healthy() {
      return sink.healthy;
    },
  };
}
