// Where audit records go. The gateway writes through this interface and does not care whether the
// records land in a durable file (AuditLog) or on stderr (StderrAuditSink, when no --audit-log is given).

import type { AuditRecord } from './audit-record.js';

/** A record written before its request is forwarded. */
export interface DurableRecord {
  /**
   * Settles once the record is on disk (AuditLog: fdatasync'ed): resolved, or rejected with GatewayError
   * DG_AUDIT_UNAVAILABLE when the sync failed. The client's answer waits for it (src/gateway/gateway.ts).
   * Never an unhandled rejection: a handler is attached.
   */
  readonly synced: Promise<void>;
}

export interface AuditSink {
  /**
   * Resolves once the request the record describes may be forwarded: the record is in the file, where a
   * gateway that dies next cannot take it back, and, under `--audit-sync before-forward`, on disk too
   * (see AUDIT_SYNC_POINTS). Rejects with GatewayError DG_AUDIT_UNAVAILABLE when it cannot be recorded:
   * the request must then not be forwarded.
   */
  writeDurable(record: AuditRecord): Promise<DurableRecord>;
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

/** A record that is as durable as its sink makes anything once written (stderr). */
export const SYNCED: DurableRecord = { synced: Promise.resolve() };

/**
 * What the gateway does while the audit log cannot be written (--audit-outage). State-changing requests are
 * refused either way: they are forwarded only once their record is written. `reads-continue` serves the
 * rest as usual; under `refuse-all` every request waits for its record while the log is failing, so
 * nothing is served until a record can be written again, and the first one that can be is served.
 */
export const AUDIT_OUTAGE_MODES = ['reads-continue', 'refuse-all'] as const;
export type AuditOutageMode = (typeof AUDIT_OUTAGE_MODES)[number];

/**
 * When a state change's record must be on disk (--audit-sync). Either way it is written to the file before
 * the engine receives a byte of the request, so a gateway killed at any moment leaves it behind (the kernel
 * has it), and the client hears the engine's answer only once it is on disk.
 * - `before-answer` (the default): the fdatasync runs while the engine does the work, off the request's
 *   path. What a power loss can take is a record whose fdatasync had not returned, of a change the engine
 *   was making that same millisecond and no client had been told of; a failed fdatasync leaves the record
 *   in the file, the log reported failing.
 * - `before-forward`: the engine receives the request only after the fdatasync, which the request then
 *   waits for (0.2-2 ms on a local disk, more on a busy or networked one); a failed one refuses the request.
 */
export const AUDIT_SYNC_POINTS = ['before-answer', 'before-forward'] as const;
export type AuditSyncPoint = (typeof AUDIT_SYNC_POINTS)[number];
