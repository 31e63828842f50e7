// `npm run bench` prints issue 19's acceptance under its table (bench/support/report.ts): each item read
// from the rows of the one run, met when its bound holds, not met when it is missed, and unknown ("?")
// when a row it needs is missing, never met by default. The retired targets (0.8x direct, +1 ms) are gone. Beside
// them, the Node floor's ping figures (support/node-floor.ts), which the table has no column for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeFloorNote, targetChecks, type TargetCheck } from '../../bench/support/report.js';
import { Results, type RowTarget } from '../../bench/support/results.js';

type Figures = [scenario: string, target: RowTarget, metric: string, value: number][];

/** A run in which every bound holds, by a margin. */
const PASSING: Figures = [
  ...['ping', 'containers_json', 'containers_json_100'].flatMap((scenario): Figures => [
    [scenario, 'direct', 'rps_c10', 5000],
    [scenario, 'dockgate', 'rps_c10', 1300],
    [scenario, 'haproxy', 'rps_c10', 1000],
    [scenario, 'direct', 'rps_c64', 5000],
    [scenario, 'dockgate', 'rps_c64', 1300],
    [scenario, 'haproxy', 'rps_c64', 1000],
  ]),
  ['ping', 'dockgate', 'cpu_us_per_req', 40],
  ['ping', 'haproxy', 'cpu_us_per_req', 50],
  ...['archive_put', 'image_load'].flatMap((scenario): Figures => [
    [scenario, 'direct', 'mb_per_s', 400],
    [scenario, 'dockgate', 'mb_per_s', 380],
    [scenario, 'dockgate', 'peak_rss_mb', 120],
  ]),
  ['denied_bodiless', 'dockgate', 'rps_c10', 2700],
  ['denied', 'dockgate', 'rps_c10', 1400],
  ['fdatasync', 'disk', 'p50_ms', 0.4],
  ['create_delete', 'direct', 'p50_ms', 10],
  ['create_delete', 'dockgate', 'p50_ms', 11.3],
  ['exec_echo', 'direct', 'p50_ms', 0.2],
  ['exec_echo', 'dockgate', 'p50_ms', 0.4],
  ['idle_events', 'dockgate', 'rss_mb', 120],
  ['idle_events', 'dockgate', 'cpu_pct', 0.2],
];

function checksOf(figures: Figures, change: (scenario: string, target: RowTarget, metric: string) => number | undefined = () => undefined): TargetCheck[] {
  const results = new Results();
  for (const [scenario, target, metric, value] of figures) {
    const changed = change(scenario, target, metric);
    results.add(scenario, target, metric, changed ?? value, '');
  }
  return targetChecks(results);
}

function only(checks: TargetCheck[], scenario: string, metric: string): TargetCheck {
  const found = checks.filter((c) => c.scenario === scenario && c.metric === metric);
  assert.equal(found.length, 1, `one check on ${scenario} ${metric}`);
  return found[0]!;
}

test('the checks are issue 19 acceptance 1-6, and a run within every bound meets them all', () => {
  const checks = checksOf(PASSING);
  assert.deepEqual(
    checks.map((c) => `${c.number}. ${c.scenario} ${c.metric}`),
    [
      '1. ping rps_c10',
      '1. ping rps_c64',
      '1. containers_json rps_c10',
      '1. containers_json rps_c64',
      '1. containers_json_100 rps_c10',
      '1. containers_json_100 rps_c64',
      '2. ping cpu_us_per_req',
      '3. archive_put mb_per_s',
      '3. archive_put peak_rss_mb',
      '3. image_load mb_per_s',
      '3. image_load peak_rss_mb',
      '4. denied_bodiless rps_c10',
      '4. denied rps_c10',
      '5. create_delete p50_ms',
      '6. exec_echo p50_ms',
      '6. idle_events rss_mb',
      '6. idle_events cpu_pct',
    ],
  );
  for (const c of checks) assert.equal(c.met, true, `${c.scenario} ${c.metric}: ${c.detail}`);
  assert.ok(!checks.some((c) => /direct \+ 1 ms|0\.8x direct/.test(c.text)), 'the retired targets are gone');
});

test('each line says the measured side of its comparison', () => {
  const checks = checksOf(PASSING);
  assert.equal(only(checks, 'ping', 'rps_c10').detail, '1.30x haproxy');
  assert.equal(only(checks, 'ping', 'cpu_us_per_req').detail, '40 us vs haproxy 50 us');
  assert.equal(only(checks, 'image_load', 'mb_per_s').detail, '0.95x direct');
  assert.equal(only(checks, 'denied_bodiless', 'rps_c10').detail, '2.08x dockgate ping');
  assert.equal(only(checks, 'create_delete', 'p50_ms').detail, 'direct +1.30 ms (bound 2 x 0.4 + 0.6 = 1.40 ms)');
});

test('a check is not met when its bound is missed', () => {
  const missed: [scenario: string, target: RowTarget, metric: string, value: number][] = [
    ['containers_json_100', 'dockgate', 'rps_c64', 1190], // 1.19x haproxy
    ['ping', 'dockgate', 'rps_c10', 1100],
    ['ping', 'dockgate', 'cpu_us_per_req', 50.1],
    ['image_load', 'dockgate', 'mb_per_s', 359], // 0.8975x direct
    ['image_load', 'dockgate', 'peak_rss_mb', 151],
    ['archive_put', 'dockgate', 'mb_per_s', 300],
    ['denied_bodiless', 'dockgate', 'rps_c10', 2500], // 1.92x ping
    ['denied', 'dockgate', 'rps_c10', 1200], // 0.92x ping
    ['create_delete', 'dockgate', 'p50_ms', 11.5], // +1.5 ms against 2 x 0.4 + 0.6 = 1.4
    ['exec_echo', 'dockgate', 'p50_ms', 0.6],
    ['idle_events', 'dockgate', 'rss_mb', 201],
    ['idle_events', 'dockgate', 'cpu_pct', 1.5],
  ];
  for (const [scenario, target, metric, value] of missed) {
    const checks = checksOf(PASSING, (s, t, m) => (s === scenario && t === target && m === metric ? value : undefined));
    const own = only(checks, scenario, metric);
    assert.equal(own.met, false, `${scenario} ${metric} = ${value}: ${own.detail}`);
    assert.deepEqual(
      checks.filter((c) => c !== own && c.met !== true).map((c) => `${c.scenario} ${c.metric}`),
      [],
      'the others still met',
    );
  }
});

test("create_delete's bound follows the measured fdatasync: a slower disk allows more", () => {
  const slowDisk = checksOf(PASSING, (s, t, m) => (s === 'fdatasync' && t === 'disk' && m === 'p50_ms' ? 2 : s === 'create_delete' && t === 'dockgate' ? 14 : undefined));
  const own = only(slowDisk, 'create_delete', 'p50_ms');
  assert.equal(own.met, true, own.detail);
  assert.equal(own.detail, 'direct +4.00 ms (bound 2 x 2 + 0.6 = 4.60 ms)');
});

test('a check whose rows are missing is unknown, not met', () => {
  const withoutFdatasync = checksOf(PASSING.filter(([scenario]) => scenario !== 'fdatasync'));
  assert.equal(only(withoutFdatasync, 'create_delete', 'p50_ms').met, undefined);
  const withoutHaproxyCpu = checksOf(PASSING.filter(([scenario, target, metric]) => !(scenario === 'ping' && target === 'haproxy' && metric === 'cpu_us_per_req')));
  const cpu = only(withoutHaproxyCpu, 'ping', 'cpu_us_per_req');
  assert.equal(cpu.met, undefined);
  assert.equal(cpu.detail, 'not measured');
});

test("the Node floor's note gives its rates against HAProxy's and its CPU per ping beside the two proxies'", () => {
  const results = new Results();
  const figures: Figures = [
    ['ping', 'haproxy', 'rps_c10', 9006],
    ['ping', 'node_floor', 'rps_c10', 10412],
    ['ping', 'haproxy', 'rps_c64', 13087],
    ['ping', 'node_floor', 'rps_c64', 15128],
    ['ping', 'node_floor', 'cpu_us_per_req', 57.6],
    ['ping', 'dockgate', 'cpu_us_per_req', 85.2],
    ['ping', 'haproxy', 'cpu_us_per_req', 55.3],
  ];
  for (const [scenario, target, metric, value] of figures) results.add(scenario, target, metric, value, '');
  assert.equal(
    nodeFloorNote(results),
    "ping, the Node floor (a Node HTTP server forwarding on kept-alive engine connections, nothing judged or recorded): 10,412 req/s at 10 connections (1.16x haproxy), 15,128 req/s at 64 connections (1.16x haproxy); CPU per ping 57.6 us, against dockgate's 85.2 us and HAProxy's 55.3 us.",
  );
  const withoutFloor = new Results();
  for (const [scenario, target, metric, value] of figures) if (target !== 'node_floor') withoutFloor.add(scenario, target, metric, value, '');
  assert.match(nodeFloorNote(withoutFloor), /: - req\/s at 10 connections \(\? haproxy\), - req\/s at 64 connections \(\? haproxy\); CPU per ping \? us,/);
});
