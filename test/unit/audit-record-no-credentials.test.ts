// Proves that an audit line carries only the record's named fields: headers, bodies, query strings
// and any other property a caller attaches at runtime never reach the log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NormalisationLog } from '../../src/route/normalisation.js';
import { formatAuditRecord, type DoneRecord } from '../../src/record/audit-record.js';
import { StderrAuditSink } from '../../src/record/stderr-audit-sink.js';

const SECRET = 'hunter2-registry-password';

function recordWithSmuggledFields(): DoneRecord {
  const identity = {
    kind: 'tls' as const,
    listener: 'tcp://0.0.0.0:2376',
    address: '10.0.0.5:51000',
    cn: 'ci',
    o: ['acme'],
    ou: [],
    san: ['DNS:ci'],
    fingerprint: 'AB:CD',
    serial: '01',
    privateKey: SECRET,
  };
  const record = {
    time: '2026-11-28T14:00:00.000Z',
    id: 'req-1',
    phase: 'done' as const,
    listener: 'tcp://0.0.0.0:2376',
    identity,
    method: 'POST',
    path: `/v1.41/build?remote=https://${SECRET}@github.com/acme/app.git&t=app`,
    apiVersion: '1.41',
    operation: 'image.build',
    target: { kind: 'image' as const, ref: 'app', auth: SECRET },
    decision: 'allow' as const,
    rule: 'ci-builds',
    reason: 'allowed by rule ci-builds',
    owner: 'ci',
    status: 200,
    bytesIn: 1024,
    bytesOut: 2048,
    durationMs: 12.5,
    created: ['sha256:abc'],
    ownerFiltered: true as const,
    changes: [{ field: 'HostConfig.ReadonlyRootfs', value: true, note: SECRET }],
    normalised: smuggledNormalisations(),
    headers: { 'x-registry-auth': SECRET },
    body: `{"password":"${SECRET}"}`,
  };
  return record; // TypeScript accepts the extra properties: structural typing, hence the runtime copy.
}

/** Normalisations, one of them carrying a value it must not (a body's secret). */
function smuggledNormalisations(): NormalisationLog {
  const log = new NormalisationLog();
  log.add('field-name', 'hostconfig', 'HostConfig');
  const withValue = { kind: 'unknown-field' as const, path: 'Password', value: SECRET };
  log.entries.push(withValue);
  log.omitted = 3;
  return log;
}

test('extra properties, query strings and nested extras never reach the line', () => {
  const line = formatAuditRecord(recordWithSmuggledFields());
  assert.ok(line.endsWith('\n'));
  assert.equal(line.indexOf('\n'), line.length - 1, 'exactly one line');
  assert.ok(!line.includes(SECRET), line);
  assert.deepEqual(JSON.parse(line), {
    time: '2026-11-28T14:00:00.000Z',
    id: 'req-1',
    phase: 'done',
    listener: 'tcp://0.0.0.0:2376',
    identity: { kind: 'tls', listener: 'tcp://0.0.0.0:2376', address: '10.0.0.5:51000', cn: 'ci', o: ['acme'], ou: [], san: ['DNS:ci'], fingerprint: 'AB:CD', serial: '01' },
    method: 'POST',
    path: '/v1.41/build',
    apiVersion: '1.41',
    operation: 'image.build',
    target: { kind: 'image', ref: 'app' },
    decision: 'allow',
    rule: 'ci-builds',
    reason: 'allowed by rule ci-builds',
    owner: 'ci',
    status: 200,
    bytesIn: 1024,
    bytesOut: 2048,
    durationMs: 12.5,
    created: ['sha256:abc'],
    ownerFiltered: true,
    changes: [{ field: 'HostConfig.ReadonlyRootfs', value: true }],
    normalised: [
      { kind: 'field-name', path: 'hostconfig', to: 'HostConfig' },
      { kind: 'unknown-field', path: 'Password' },
    ],
    normalisedOmitted: 3,
  });
});

test('keys come in a fixed order, the same for every record', () => {
  const keys = Object.keys(JSON.parse(formatAuditRecord(recordWithSmuggledFields())) as object);
  assert.deepEqual(keys, [
    'time',
    'id',
    'phase',
    'listener',
    'identity',
    'method',
    'path',
    'apiVersion',
    'operation',
    'target',
    'decision',
    'rule',
    'reason',
    'owner',
    'status',
    'bytesIn',
    'bytesOut',
    'durationMs',
    'created',
    'ownerFiltered',
    'changes',
    'normalised',
    'normalisedOmitted',
  ]);
});

test('without a file, records go to the writer as JSON lines and durable writes resolve at once', async () => {
  const lines: string[] = [];
  const sink = new StderrAuditSink((line) => lines.push(line));
  const record = recordWithSmuggledFields();
  await sink.writeDurable(record);
  sink.write(record);
  await sink.close();
  assert.deepEqual(lines, [formatAuditRecord(record), formatAuditRecord(record)]);
});

test("a refusal's done record says how to fix it, after the reason and owner, in the gateway's words", () => {
  const refused: DoneRecord = { ...recordWithSmuggledFields(), decision: 'deny', status: 403, fix: 'Drop --privileged' };
  const parsed = JSON.parse(formatAuditRecord(refused)) as Record<string, unknown>;
  assert.equal(parsed['fix'], 'Drop --privileged');
  const keys = Object.keys(parsed);
  assert.deepEqual(keys.slice(keys.indexOf('reason'), keys.indexOf('status') + 1), ['reason', 'owner', 'fix', 'status']);
});
