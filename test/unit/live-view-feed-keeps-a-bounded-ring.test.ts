// The in-process feed of done records the live view reads (src/record/audit-feed.ts, fed by
// fed-audit-sink.ts): a ring of the most recent records, numbered, whatever the traffic; watchers told of
// each new one until they stop; only done records fed, after the trail has them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuditFeed } from '../../src/record/audit-feed.js';
import type { AuditRecord } from '../../src/record/audit-record.js';
import { fedAuditSink } from '../../src/record/fed-audit-sink.js';
import { StderrAuditSink } from '../../src/record/stderr-audit-sink.js';
import { doneRecord, forwardingRecord } from '../support/audit-record-fixtures.js';

test('the ring keeps the last `size` records, numbered, however many were published', () => {
  const feed = new AuditFeed(5);
  assert.deepEqual(feed.since(), []);
  for (let i = 1; i <= 3; i++) feed.publish(doneRecord(`r${i}`));
  assert.deepEqual(
    feed.since().map((f) => [f.seq, f.record.id]),
    [
      [1, 'r1'],
      [2, 'r2'],
      [3, 'r3'],
    ],
  );
  for (let i = 4; i <= 10_000; i++) feed.publish(doneRecord(`r${i}`));
  const kept = feed.since();
  assert.equal(kept.length, 5, 'never more than the ring holds');
  assert.deepEqual(
    kept.map((f) => f.seq),
    [9996, 9997, 9998, 9999, 10000],
  );
  assert.deepEqual(
    feed.since(9998).map((f) => f.record.id),
    ['r9999', 'r10000'],
    'a reconnecting page gets what came after the last it saw',
  );
  assert.equal(feed.since(3).length, 5, 'what fell out of the ring is gone, the rest is given');
  assert.deepEqual(feed.since(10_000), []);
});

test('watchers get each record as it is published, until they stop watching', () => {
  const feed = new AuditFeed(3);
  const seen: number[] = [];
  const stop = feed.watch((fed) => seen.push(fed.seq));
  feed.publish(doneRecord('a'));
  feed.publish(doneRecord('b'));
  stop();
  feed.publish(doneRecord('c'));
  assert.deepEqual(seen, [1, 2]);
});

test('the fed sink writes every record to the trail first and feeds only done records', async () => {
  const lines: string[] = [];
  const feed = new AuditFeed();
  const order: string[] = [];
  const sink = fedAuditSink(
    new StderrAuditSink((line) => {
      lines.push(line);
      order.push('trail');
    }),
    feed,
  );
  feed.watch(() => order.push('feed'));
  const records: AuditRecord[] = [
    forwardingRecord('f'),
    doneRecord('d'),
    { time: new Date().toISOString(), id: 'c', phase: 'connection', listener: 'l', decision: 'deny', rule: 'listener.network', cause: 'network-not-allowed', reason: 'r' },
  ];
  await sink.writeDurable(records[0]!);
  for (const record of records.slice(1)) sink.write(record);
  assert.equal(lines.length, 3);
  assert.deepEqual(
    feed.since().map((f) => f.record.id),
    ['d'],
  );
  assert.deepEqual(order, ['trail', 'trail', 'feed', 'trail']);
  assert.equal(sink.healthy, true);
  await sink.close();
});
