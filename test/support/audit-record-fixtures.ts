// Audit records for tests and benchmarks of the audit log: realistic, and varied only where a test needs it.
import type { AuditRecord, DoneRecord, ForwardingRecord } from '../../src/record/audit-record.js';
import type { AuditSink } from '../../src/record/audit-sink.js';

export function forwardingRecord(id: string, overrides: Partial<ForwardingRecord> = {}): ForwardingRecord {
  return {
    time: new Date().toISOString(),
    id,
    phase: 'forwarding',
    listener: 'unix:///run/dockgate.sock',
    identity: { kind: 'unix', listener: 'unix:///run/dockgate.sock', uid: 1000, gid: 1000, pid: 4242, user: 'alice', group: 'alice' },
    method: 'POST',
    path: '/v1.41/containers/create',
    apiVersion: '1.41',
    operation: 'container.create',
    decision: 'allow',
    rule: 'profile.audit',
    reason: 'the audit profile forwards every understood request',
    ...overrides,
  };
}

export function doneRecord(id: string, overrides: Partial<DoneRecord> = {}): DoneRecord {
  return { ...forwardingRecord(id), phase: 'done', status: 201, bytesIn: 120, bytesOut: 88, durationMs: 3.5, created: ['c0ffee'], ...overrides };
}

/** Writes a durable record and waits until it is on disk, as the answer to the request it describes waits. */
export async function writeToDisk(log: AuditSink, record: AuditRecord): Promise<void> {
  await (
    await log.writeDurable(record)
  ).synced;
}
