// What /metrics says (src/observe/metrics.ts): every family the README lists, with the counts the gateway
// gave it, labelled by operation, decision and rule; values read at scrape time (audit log, open
// connections and streams) as they are then; and a registry per gateway, none of it in prom-client's global one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { register as globalRegister } from 'prom-client';
import { Metrics, UNROUTED, type AuditCounts } from '../../src/observe/metrics.js';

const FAMILIES = [
  'dockgate_requests_total counter',
  'dockgate_judging_seconds histogram',
  'dockgate_engine_seconds histogram',
  'dockgate_received_bytes_total counter',
  'dockgate_sent_bytes_total counter',
  'dockgate_hijacked_streams gauge',
  'dockgate_open_connections gauge',
  'dockgate_connections_total counter',
  'dockgate_connection_refusals_total counter',
  'dockgate_limit_refusals_total counter',
  'dockgate_audit_records_written_total counter',
  'dockgate_audit_writes_total counter',
  'dockgate_audit_syncs_total counter',
  'dockgate_audit_write_failures_total counter',
  'dockgate_audit_records_dropped_total counter',
  'dockgate_audit_log_healthy gauge',
  'dockgate_policy_reloads_total counter',
  'dockgate_policy_reload_failures_total counter',
  'dockgate_certificate_expiry_timestamp_seconds gauge',
];

/** The value of one sample line, `name{labels} value`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('every family is there, with its type, before anything was counted', async () => {
  const text = await new Metrics().text();
  for (const family of FAMILIES) assert.match(text, new RegExp(`^# TYPE ${family}$`, 'm'), family);
  assert.equal(sample(text, 'dockgate_received_bytes_total'), 0);
  assert.equal(sample(text, 'dockgate_audit_log_healthy'), 1);
});

test('requests by operation, decision and rule; bytes; the latencies of judging and of the engine', async () => {
  const metrics = new Metrics();
  const times = { started: 100, judgedAt: 100.5, forwardedAt: 101, answeredAt: 103 };
  for (let i = 0; i < 3; i++) metrics.exchange('container.list', 'allow', 'profile.baseline', { bytesIn: 0, bytesOut: 1000 }, times);
  metrics.exchange('container.create', 'deny', 'profile.baseline', { bytesIn: 0, bytesOut: 0 }, { started: 100, judgedAt: 100.2 });
  metrics.exchange(UNROUTED, 'deny', 'route.known', { bytesIn: 0, bytesOut: 0 }, { started: 100 });
  metrics.exchange('container.create', 'would_deny', 'ci', { bytesIn: 512, bytesOut: 88 }, times);
  const text = await metrics.text();
  assert.equal(sample(text, 'dockgate_requests_total{operation="container.list",decision="allow",rule="profile.baseline"}'), 3);
  assert.equal(sample(text, 'dockgate_requests_total{operation="container.create",decision="deny",rule="profile.baseline"}'), 1);
  assert.equal(sample(text, 'dockgate_requests_total{operation="unrouted",decision="deny",rule="route.known"}'), 1);
  assert.equal(sample(text, 'dockgate_requests_total{operation="container.create",decision="would_deny",rule="ci"}'), 1);
  assert.equal(sample(text, 'dockgate_received_bytes_total'), 512);
  assert.equal(sample(text, 'dockgate_sent_bytes_total'), 3088);
  // Judged: 5 of the 6 (the unrouted refusal had no decision); at the engine: the 4 forwarded.
  assert.equal(sample(text, 'dockgate_judging_seconds_count'), 5);
  assert.equal(sample(text, 'dockgate_judging_seconds_bucket{le="0.00025"}'), 1);
  assert.equal(sample(text, 'dockgate_judging_seconds_bucket{le="0.0005"}'), 5);
  assert.equal(sample(text, 'dockgate_engine_seconds_count'), 4);
  assert.equal(sample(text, 'dockgate_engine_seconds_sum'), 0.008);
  // Scraped twice, counted once: the copy into prom-client's counters replaces what the last scrape put there.
  assert.equal(sample(await metrics.text(), 'dockgate_requests_total{operation="container.list",decision="allow",rule="profile.baseline"}'), 3);
});

test('connections, refusals and limits by their labels; policy reloads; certificate expiry', async () => {
  const metrics = new Metrics();
  metrics.connection('unix:///run/dockgate.sock');
  metrics.connection('unix:///run/dockgate.sock');
  metrics.connectionRefused('tcp://0.0.0.0:2376', 'unknown-ca');
  metrics.limitHit('limits.rate');
  metrics.limitHit('limits.rate');
  metrics.limitHit('limits.body-memory');
  metrics.policyReloaded();
  metrics.policyReloadFailed();
  metrics.policyReloadFailed();
  metrics.certificateExpires('server', 'Dec  5 12:00:00 2027 GMT');
  const text = await metrics.text();
  assert.equal(sample(text, 'dockgate_connections_total{listener="unix:///run/dockgate.sock"}'), 2);
  assert.equal(sample(text, 'dockgate_connection_refusals_total{listener="tcp://0.0.0.0:2376",cause="unknown-ca"}'), 1);
  assert.equal(sample(text, 'dockgate_limit_refusals_total{rule="limits.rate"}'), 2);
  assert.equal(sample(text, 'dockgate_limit_refusals_total{rule="limits.body-memory"}'), 1);
  assert.equal(sample(text, 'dockgate_policy_reloads_total'), 1);
  assert.equal(sample(text, 'dockgate_policy_reload_failures_total'), 2);
  assert.equal(sample(text, 'dockgate_certificate_expiry_timestamp_seconds{certificate="server"}'), Date.UTC(2027, 11, 5, 12) / 1000);
});

test('what others count is read at scrape time: the audit log, open connections and hijacked streams', async () => {
  const metrics = new Metrics();
  const audit: AuditCounts = { healthy: true, records: 10, batches: 4, syncs: 2, failures: 0, dropped: 0 };
  let open = 3;
  metrics.watchAuditLog(() => audit);
  metrics.watchOpen({ connections: () => open, streams: () => 1 });
  let text = await metrics.text();
  assert.equal(sample(text, 'dockgate_audit_records_written_total'), 10);
  assert.equal(sample(text, 'dockgate_audit_writes_total'), 4);
  assert.equal(sample(text, 'dockgate_audit_syncs_total'), 2);
  assert.equal(sample(text, 'dockgate_open_connections'), 3);
  assert.equal(sample(text, 'dockgate_hijacked_streams'), 1);
  Object.assign(audit, { healthy: false, failures: 1, dropped: 7 });
  open = 0;
  text = await metrics.text();
  assert.equal(sample(text, 'dockgate_audit_write_failures_total'), 1);
  assert.equal(sample(text, 'dockgate_audit_records_dropped_total'), 7);
  assert.equal(sample(text, 'dockgate_audit_log_healthy'), 0);
  assert.equal(sample(text, 'dockgate_open_connections'), 0);
});

test('each gateway has a registry of its own; the process metrics only where asked; nothing in the global registry', async () => {
  const one = new Metrics();
  const two = new Metrics({ processMetrics: true });
  one.limitHit('limits.rate');
  assert.equal(sample(await two.text(), 'dockgate_limit_refusals_total{rule="limits.rate"}'), undefined);
  assert.match(await two.text(), /^process_resident_memory_bytes /m);
  assert.doesNotMatch(await one.text(), /^process_/m);
  assert.deepEqual(await globalRegister.getMetricsAsJSON(), []);
});
