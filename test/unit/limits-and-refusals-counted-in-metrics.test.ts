// Where the limits and the connection refusals count into the metrics (dockgate_limit_refusals_total,
// dockgate_connection_refusals_total): a 429 or 503 of admission and of the body budgets under its rule,
// never a 413 (a body that can never fit is no limit that was hit), and every refused connection, also
// those the audit trail only sums up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admission } from '../../src/admit/admission.js';
import { BodyBudgets } from '../../src/admit/body-budgets.js';
import type { Identity } from '../../src/identify/identity.js';
import { ConnectionRefusals } from '../../src/listen/connection-refusals.js';
import { createLogger } from '../../src/log/logger.js';
import { Metrics } from '../../src/observe/metrics.js';
import { StderrAuditSink } from '../../src/record/stderr-audit-sink.js';

const alice: Identity = { kind: 'unix', listener: 'unix:///gw.sock', uid: 1000, gid: 1000, pid: 1 };

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('admission: a concurrency refusal and a rate refusal, each under its rule', async () => {
  const metrics = new Metrics();
  const admission = new Admission({ maxConcurrentRequests: 1, requestsPerSecond: 1, burst: 1 }, metrics);
  const slot = admission.admit(alice, 0);
  assert.throws(() => admission.admit(alice, 1), /limits\.concurrency/);
  admission.release(slot);
  assert.throws(() => admission.admit(alice, 2), /limits\.rate/);
  assert.throws(() => admission.admit(alice, 3), /limits\.rate/);
  const text = await metrics.text();
  assert.equal(sample(text, 'dockgate_limit_refusals_total{rule="limits.concurrency"}'), 1);
  assert.equal(sample(text, 'dockgate_limit_refusals_total{rule="limits.rate"}'), 2);
});

test('body budgets: the share (429) and the total (503) count, a body larger than the total (413) does not', async () => {
  const metrics = new Metrics();
  const budgets = new BodyBudgets({ bodyMemory: 1000, bodyMemoryPerIdentity: 400, spoolDisk: 1000, spoolDiskPerIdentity: 1000 }, metrics);
  const bob: Identity = { ...alice, uid: 1001 };
  const carol: Identity = { ...alice, uid: 1002 };
  const first = budgets.inMemory(alice);
  first.add(300);
  assert.throws(() => budgets.inMemory(alice).add(200), /limits\.body-memory-per-identity/);
  budgets.inMemory(bob).add(400);
  budgets.inMemory(carol).add(250);
  assert.throws(() => budgets.inMemory({ ...alice, uid: 1003 }).add(100), /limits\.body-memory:/);
  assert.throws(() => budgets.onDisk(alice).add(2000), /body\.size/);
  const text = await metrics.text();
  assert.equal(sample(text, 'dockgate_limit_refusals_total{rule="limits.body-memory-per-identity"}'), 1);
  assert.equal(sample(text, 'dockgate_limit_refusals_total{rule="limits.body-memory"}'), 1);
  assert.doesNotMatch(text, /rule="body\.size"/);
});

test('connection refusals: every one, also past the window the audit trail sums up', async () => {
  const metrics = new Metrics();
  const refusals = new ConnectionRefusals(new StderrAuditSink(() => undefined), createLogger('silent'), { windowMs: 60_000, perWindow: 2 }, metrics);
  try {
    for (let i = 0; i < 5; i++) refusals.refuse({ listener: 'tcp://0.0.0.0:2376', remote: `192.0.2.1:${5000 + i}`, cause: 'unknown-ca', reason: 'test' });
    refusals.refuse({ listener: 'unix:///gw.sock', remote: 'uid=1', cause: 'too-many-connections', reason: 'test' });
  } finally {
    refusals.close();
  }
  const text = await metrics.text();
  assert.equal(sample(text, 'dockgate_connection_refusals_total{listener="tcp://0.0.0.0:2376",cause="unknown-ca"}'), 5);
  assert.equal(sample(text, 'dockgate_connection_refusals_total{listener="unix:///gw.sock",cause="too-many-connections"}'), 1);
});
