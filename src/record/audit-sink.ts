// Where audit records go. The gateway writes through this interface and does not care whether the
// records land in a durable file (AuditLog) or on stderr (StderrAuditSink, when no --audit-log is given).

import type { AuditRecord } from './audit-record.js';

export interface AuditSink {
  /**
   * Resolves once the record is as durable as this sink can make it (AuditLog: written and
   * fdatasync'ed). Rejects with GatewayError DG_AUDIT_UNAVAILABLE when it cannot be recorded:
   * the request it describes must then not be forwarded.
   */
  writeDurable(record: AuditRecord): Promise<void>;
  /** Records without waiting: written with the next batch, never waited on. Failures are counted, not thrown. */
  write(record: AuditRecord): void;
  /** Writes and syncs everything accepted so far, then releases the sink. */
  close(): Promise<void>;
}
