// Chooses the audit sink from the command line: the durable file given by --audit-log, or stderr.

import type { Metrics } from '../observe/metrics.js';
import { AuditLog } from './audit-log.js';
import type { AuditOutageMode, AuditSink, AuditSyncPoint } from './audit-sink.js';
import { StderrAuditSink } from './stderr-audit-sink.js';

/** The part of the operational logger (pino) this needs. */
export interface AuditHealthLogger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface AuditSinkOptions {
  /** --audit-outage (default `reads-continue`). */
  outage?: AuditOutageMode;
  /** --audit-sync (default `before-answer`). */
  sync?: AuditSyncPoint;
  /** Read at every scrape of /metrics. */
  metrics?: Metrics | undefined;
}

/**
 * Without a file, records go to stderr and nothing is durable. With one, the health of the file is
 * logged once when it starts failing (mutating requests, or under refuse-all every request, are then
 * refused) and once when it recovers. With `metrics`, its counters are read at every scrape of /metrics.
 */
export async function openAuditSink(file: string | undefined, logger: AuditHealthLogger, { outage = 'reads-continue', sync, metrics }: AuditSinkOptions = {}): Promise<AuditSink> {
  if (file === undefined) return new StderrAuditSink();
  // Under refuse-all reads wait for their record too while the file fails (src/gateway/gateway.ts).
  const which = outage === 'refuse-all' ? 'all requests (--audit-outage refuse-all)' : 'mutating requests';
  const log = await AuditLog.open(file, {
    ...(sync !== undefined && { syncPoint: sync }),
    warn: (message) => logger.warn({ auditLog: file }, message),
    onStatusChange: (status) => {
      if (status.healthy) {
        logger.info({ auditLog: file }, `audit log writable again; ${which} are forwarded again`);
      } else {
        logger.error({ auditLog: file, error: status.lastError }, `audit log cannot be written; ${which} are refused until it can`);
      }
    },
  });
  metrics?.watchAuditLog(() => log.status);
  return log;
}
