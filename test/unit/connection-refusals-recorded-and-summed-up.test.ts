// Refused connections: each becomes one `phase: "connection"` audit line with a fixed set of keys (no
// request, no identity, the presented certificate's public fields only) and one log line with the
// running count of its listener and cause; past the per-window limit they are counted, and summed up in
// one record with a `count`, so that a flood of connections is not a flood of lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger } from '../../src/log/logger.js';
import { ConnectionRefusals } from '../../src/listen/connection-refusals.js';
import { formatAuditRecord, recordRequestLine, type AuditRecord, type ConnectionRecord } from '../../src/record/audit-record.js';
import { SYNCED, type AuditSink, type DurableRecord } from '../../src/record/audit-sink.js';

class MemorySink implements AuditSink {
  readonly healthy = true;
  readonly records: AuditRecord[] = [];
  writeDurable(record: AuditRecord): Promise<DurableRecord> {
    this.records.push(record);
    return Promise.resolve(SYNCED);
  }
  write(record: AuditRecord): void {
    this.records.push(record);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function memoryLogger(): { logger: Logger; lines: { level: string; fields: Record<string, unknown>; message: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message });
  return { logger: { warn: at('warn'), info: at('info'), error: at('error'), debug: at('debug') } as unknown as Logger, lines };
}

const LISTENER = 'tcp://0.0.0.0:2376?allow=10.0.0.0/8';

test('a connection record is one line of fixed keys; extras a caller attaches never reach it', () => {
  const record = {
    time: '2026-11-28T14:00:00.000Z',
    id: 'c-1',
    phase: 'connection' as const,
    listener: LISTENER,
    remote: '203.0.113.9:51000',
    decision: 'deny' as const,
    rule: 'tls.handshake',
    cause: 'certificate-revoked' as const,
    reason: 'the certificate of CN "ci" (serial 0A) is revoked by the CRL of --tls-crl',
    certificate: {
      cn: 'ci',
      o: ['ci'],
      ou: ['ci'],
      issuer: 'dockgate CA',
      serial: '0A',
      fingerprint: 'AB:CD',
      notBefore: '2026-01-01T00:00:00.000Z',
      notAfter: '2027-01-01T00:00:00.000Z',
      privateKey: 'SECRET',
    },
    method: 'GET',
    headers: { authorization: 'SECRET' },
  };
  const line = formatAuditRecord(record);
  assert.equal(line.indexOf('\n'), line.length - 1, 'exactly one line');
  assert.ok(!line.includes('SECRET'), line);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ['time', 'id', 'phase', 'listener', 'remote', 'decision', 'rule', 'cause', 'reason', 'certificate']);
  assert.deepEqual(Object.keys(parsed['certificate'] as object), ['cn', 'o', 'ou', 'issuer', 'serial', 'fingerprint', 'notBefore', 'notAfter']);
  assert.equal(recordRequestLine(record as ConnectionRecord), 'connection from 203.0.113.9:51000');
});

test('each refusal is recorded and logged with the running count of its listener and cause', () => {
  const sink = new MemorySink();
  const { logger, lines } = memoryLogger();
  const refusals = new ConnectionRefusals(sink, logger, { windowMs: 60_000, perWindow: 10 });
  refusals.refuse({ listener: LISTENER, remote: '192.0.2.1:1000', cause: 'network-not-allowed', reason: '192.0.2.1 is not in the allowed networks' });
  refusals.refuse({ listener: LISTENER, remote: '192.0.2.2:1000', cause: 'network-not-allowed', reason: '192.0.2.2 is not in the allowed networks' });
  refusals.refuse({ listener: LISTENER, remote: '10.0.0.7:1000', cause: 'no-client-certificate', reason: 'the client presented no certificate' });
  refusals.refuse({ listener: 'tcp://127.0.0.1:2377', remote: '127.0.0.1:1000', cause: 'network-not-allowed', reason: 'x' });
  assert.deepEqual(
    lines.map((l) => [l.fields['listener'], l.fields['cause'], l.fields['rule'], l.fields['refused']]),
    [
      [LISTENER, 'network-not-allowed', 'listener.network', 1],
      [LISTENER, 'network-not-allowed', 'listener.network', 2],
      [LISTENER, 'no-client-certificate', 'tls.handshake', 1],
      ['tcp://127.0.0.1:2377', 'network-not-allowed', 'listener.network', 1],
    ],
  );
  assert.match(String(lines[0]!.fields['fix']), /allow= list/, 'the log line says how to fix it');
  assert.equal(sink.records.length, 4);
  const first = sink.records[0] as ConnectionRecord;
  assert.equal(first.phase, 'connection');
  assert.equal(first.rule, 'listener.network');
  assert.equal(first.remote, '192.0.2.1:1000');
  assert.equal(new Set(sink.records.map((r) => r.id)).size, 4, 'every record has its own id');
  refusals.close();
  const summary = lines.at(-1)!;
  assert.equal(summary.level, 'info');
  assert.deepEqual(summary.fields['refusedConnections'], [
    { listener: LISTENER, rule: 'listener.network', cause: 'network-not-allowed', count: 2 },
    { listener: LISTENER, rule: 'tls.handshake', cause: 'no-client-certificate', count: 1 },
    { listener: 'tcp://127.0.0.1:2377', rule: 'listener.network', cause: 'network-not-allowed', count: 1 },
  ]);
});

test('past the per-window limit refusals are counted, and summed up in one record and one log line', () => {
  const sink = new MemorySink();
  const { logger, lines } = memoryLogger();
  const refusals = new ConnectionRefusals(sink, logger, { windowMs: 60_000, perWindow: 3 });
  for (let i = 0; i < 10; i++) refusals.refuse({ listener: LISTENER, remote: `198.51.100.${i}:4000`, cause: 'network-not-allowed', reason: 'outside' });
  assert.equal(sink.records.length, 3, 'the first three are recorded one by one');
  assert.equal(lines.length, 3);
  refusals.close();
  const summary = sink.records[3] as ConnectionRecord;
  assert.equal(summary.count, 7);
  assert.equal(summary.remote, undefined, 'a summary stands for several peers');
  assert.equal(summary.rule, 'listener.network');
  assert.match(summary.reason, /^7 further connections refused for the same cause within 60 s/);
  const line = JSON.parse(formatAuditRecord(summary)) as Record<string, unknown>;
  assert.equal(line['count'], 7);
  assert.equal('remote' in line, false);
  assert.ok(lines.some((l) => l.fields['count'] === 7 && l.fields['refused'] === 10));
  assert.deepEqual(refusals.counts(), [{ listener: LISTENER, rule: 'listener.network', cause: 'network-not-allowed', count: 10 }]);
});
