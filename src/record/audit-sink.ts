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
  /**
   * Undefined while records can be written; otherwise why not, as the clause of a refusal (AuditLog: from a
   * failed batch until the next one succeeds; stderr never fails). Cheap: read per request under refuse-all.
   */
  outage(): string | undefined;
}

/**
 * What the gateway does while the audit log cannot be written (--audit-outage). State-changing requests are
 * refused either way (they wait for their record); `reads-continue` serves the rest, `refuse-all` nothing.
 */
export const AUDIT_OUTAGE_MODES = ['reads-continue', 'refuse-all'] as const;
export type AuditOutageMode = (typeof AUDIT_OUTAGE_MODES)[number];

/** The fix every audit-outage refusal gives. */
export const AUDIT_OUTAGE_FIX = "Free space on the audit log's filesystem or make the file writable; dockgate retries with every request";
