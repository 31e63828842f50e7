// The audit sink without a file: JSON lines on stderr (or any line writer), for gateways started
// without --audit-log. Nothing is durable, so nothing is waited for.

import { formatAuditRecord, type AuditRecord } from './audit-record.js';
import { SYNCED, type AuditSink, type DurableRecord } from './audit-sink.js';

export class StderrAuditSink implements AuditSink {
  /** Nothing here is waited for, so nothing ever fails to be recorded in time. */
  readonly healthy = true;
  private readonly writeLine: (line: string) => void;

  /** `writeLine` receives each record as one JSON line ending in `\n`. */
  constructor(writeLine: (line: string) => void = (line) => void process.stderr.write(line)) {
    this.writeLine = writeLine;
  }

  writeDurable(record: AuditRecord): Promise<DurableRecord> {
    this.write(record);
    return Promise.resolve(SYNCED);
  }

  write(record: AuditRecord): void {
    this.writeLine(formatAuditRecord(record));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
