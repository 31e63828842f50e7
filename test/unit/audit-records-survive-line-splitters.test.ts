// A record is one line for every tool that splits lines, not only for JSON.parse: U+2028, U+2029 and
// U+0085 (which JSON.stringify leaves raw, and Python's splitlines and many log shippers break on) are
// written as escapes wherever they come from (a certificate's subject, an object reference, a reason).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { formatAuditRecord } from '../../src/record/audit-record.js';
import { doneRecord } from '../support/audit-record-fixtures.js';

const BREAKS = 'a\u2028b\u2029c\u0085d';

test('line-breaking characters are escaped in request and connection records, and read back exactly', () => {
  const lines = [
    formatAuditRecord(doneRecord('r1', { target: { kind: 'container', ref: BREAKS }, reason: `refused ${BREAKS}` })),
    formatAuditRecord({
      time: new Date().toISOString(),
      id: 'c1',
      phase: 'connection',
      listener: 'tcp://127.0.0.1:2376',
      remote: '127.0.0.1:5000',
      decision: 'deny',
      rule: 'tls.client-certificate',
      cause: 'certificate-revoked',
      reason: BREAKS,
      certificate: { cn: BREAKS, o: [BREAKS], ou: [], serial: '01', fingerprint: 'AA' },
    }),
  ];
  for (const line of lines) {
    assert.doesNotMatch(line, /[\u2028\u2029\u0085]/);
    assert.ok(line.endsWith('}\n'));
    assert.ok(JSON.stringify(JSON.parse(line)).includes(JSON.stringify(BREAKS).slice(1, -1)));
  }
  // What a line-based reader sees: Python's splitlines, which breaks on all three.
  const split = spawnSync('python3', ['-c', 'import sys; print(len(sys.stdin.read().splitlines()))'], { input: lines.join('') });
  assert.equal(split.stdout.toString().trim(), String(lines.length));
});
