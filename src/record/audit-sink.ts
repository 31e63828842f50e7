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
   * False while records cannot be written (AuditLog: from a failed batch until the next one succeeds;
   * stderr never fails). A plain read: --audit-outage refuse-all looks at it for every request.
   */
  readonly healthy: boolean;
}

/**
 * What the gateway does while the audit log cannot be written (--audit-outage). State-changing requests are
 * refused either way: they are forwarded only once their record is on disk. `reads-continue` serves the
 * rest as usual; under `refuse-all` every request waits for its record while the log is failing, so
 * nothing is served until a record can be written again, and the first one that can be is served.
 */
export const AUDIT_OUTAGE_MODES = ['reads-continue', 'refuse-all'] as const;
export type AuditOutageMode = (typeof AUDIT_OUTAGE_MODES)[number];
