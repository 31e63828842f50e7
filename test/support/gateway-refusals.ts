// What a gateway refused during one step of a test, read from its audit trail: for suites that run a real
// client through the gateway and must name every refusal when a step differs from the direct run.
import assert from 'node:assert/strict';
import { readAuditTrail } from './audit-log-reader.js';

/**
 * The `done` records written since `fromByte`, as lines `METHOD PATH -> STATUS: reason` for those not
 * allowed. Fails when there are no records at all: the client went around the gateway.
 */
export function refusalsSince(auditLog: string, fromByte: number, what: string): string[] {
  const done = readAuditTrail(auditLog, fromByte).records.filter((record) => record.phase === 'done');
  assert.ok(done.length > 0, `the gateway recorded no request of ${what}: did the client go around it?`);
  return done.filter((record) => record.decision !== 'allow').map((record) => `  ${record.method} ${record.path} -> ${record.status}: ${record.reason}`);
}
