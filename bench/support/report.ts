// The table on stdout: one line per scenario and metric with each target's value, the ratios
// dockgate/direct and dockgate/haproxy, and for the metrics issue 19's acceptance bounds, whether the
// bound is met. The checks compare figures of one run only: ratios, never absolute numbers from elsewhere.

import type { Results, Row, RowTarget } from './results.js';

export interface TargetCheck {
  /** Which item of issue 19's acceptance (1-6). */
  number: number;
  scenario: string;
  metric: string;
  text: string;
  /** undefined when a value it needs is missing (its scenario failed or was left out). */
  met: boolean | undefined;
  /** The measured side of the comparison, for the line that says by how much. */
  detail: string;
}

const x = (ratio: number): string => `${ratio.toFixed(2)}x`;
const ms = (n: number): string => n.toFixed(2);

/**
 * One bound: `measured` is what it bounds (a ratio, a difference, a pair of values), computed from the rows
 * it needs, or undefined when one of them is missing.
 */
function check<T>(number: number, scenario: string, metric: string, text: string, measured: T | undefined, met: (m: T) => boolean, describe: (m: T) => string): TargetCheck {
  return { number, scenario, metric, text, met: measured === undefined ? undefined : met(measured), detail: measured === undefined ? 'not measured' : describe(measured) };
}

/** Both values, or undefined when either was not measured. */
function both(a: number | undefined, b: number | undefined): [number, number] | undefined {
  return a === undefined || b === undefined ? undefined : [a, b];
}

const ratioOf = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a / b);

/** The HTTP scenarios acceptance 1 holds dockgate to 1.2x HAProxy's requests/s on. */
const THROUGHPUT_SCENARIOS = ['ping', 'containers_json', 'containers_json_100'] as const;
/** What a create and delete through dockgate may take beyond the engine's own and its two fdatasyncs (acceptance 5). */
const CREATE_DELETE_MARGIN_MS = 0.6;
/** The uploads acceptance 3 holds to 0.9x direct and 150 MB of peak RSS. */
const UPLOAD_SCENARIOS = ['archive_put', 'image_load'] as const;

export function targetChecks(results: Results): TargetCheck[] {
  const get = (scenario: string, target: RowTarget, metric: string): number | undefined => results.get(scenario, target, metric);
  const dockgate = (scenario: string, metric: string): number | undefined => get(scenario, 'dockgate', metric);
  const checks: TargetCheck[] = [];
  // 1. Requests/s through dockgate against the same requests through HAProxy, at both concurrencies.
  for (const scenario of THROUGHPUT_SCENARIOS) {
    for (const metric of ['rps_c10', 'rps_c64']) {
      checks.push(
        check(
          1,
          scenario,
          metric,
          '>= 1.2x haproxy',
          ratioOf(dockgate(scenario, metric), get(scenario, 'haproxy', metric)),
          (r) => r >= 1.2,
          (r) => `${x(r)} haproxy`,
        ),
      );
    }
  }
  // 2. The gateway's CPU per forwarded ping against HAProxy's per request.
  checks.push(
    check(
      2,
      'ping',
      'cpu_us_per_req',
      "<= haproxy's",
      both(dockgate('ping', 'cpu_us_per_req'), get('ping', 'haproxy', 'cpu_us_per_req')),
      ([own, haproxy]) => own <= haproxy,
      ([own, haproxy]) => `${own} us vs haproxy ${haproxy} us`,
    ),
  );
  // 3. Big uploads: throughput against the engine's own socket, and the memory streaming them costs.
  for (const scenario of UPLOAD_SCENARIOS) {
    checks.push(
      check(
        3,
        scenario,
        'mb_per_s',
        '>= 0.9x direct',
        ratioOf(dockgate(scenario, 'mb_per_s'), get(scenario, 'direct', 'mb_per_s')),
        (r) => r >= 0.9,
        (r) => `${x(r)} direct`,
      ),
      check(
        3,
        scenario,
        'peak_rss_mb',
        '<= 150 MB',
        dockgate(scenario, 'peak_rss_mb'),
        (mb) => mb <= 150,
        (mb) => `${mb} MB`,
      ),
    );
  }
  // 4. Refusals against dockgate's own ping at the same concurrency: one judged on the path alone, one on the body.
  const ping = dockgate('ping', 'rps_c10');
  checks.push(
    check(
      4,
      'denied_bodiless',
      'rps_c10',
      ">= 2x dockgate's ping rps_c10",
      ratioOf(dockgate('denied_bodiless', 'rps_c10'), ping),
      (r) => r >= 2,
      (r) => `${x(r)} dockgate ping`,
    ),
    check(
      4,
      'denied',
      'rps_c10',
      ">= 1x dockgate's ping rps_c10",
      ratioOf(dockgate('denied', 'rps_c10'), ping),
      (r) => r >= 1,
      (r) => `${x(r)} dockgate ping`,
    ),
  );
  // 5. A create and delete pays at most its two durable audit records (one fdatasync each) and 0.6 ms more.
  const createDelete = both(dockgate('create_delete', 'p50_ms'), get('create_delete', 'direct', 'p50_ms'));
  const fdatasync = get('fdatasync', 'disk', 'p50_ms');
  checks.push(
    check(
      5,
      'create_delete',
      'p50_ms',
      `<= direct + 2 x fdatasync p50 + ${CREATE_DELETE_MARGIN_MS} ms`,
      createDelete === undefined || fdatasync === undefined ? undefined : { excess: createDelete[0] - createDelete[1], fdatasync, bound: 2 * fdatasync + CREATE_DELETE_MARGIN_MS },
      (m) => m.excess <= m.bound,
      (m) => `direct ${signed(m.excess)} ms (bound 2 x ${m.fdatasync} + ${CREATE_DELETE_MARGIN_MS} = ${ms(m.bound)} ms)`,
    ),
  );
  // 6. Nothing slower elsewhere: the bounds these scenarios had before issue 19.
  checks.push(
    check(
      6,
      'exec_echo',
      'p50_ms',
      '<= direct + 0.3 ms',
      both(dockgate('exec_echo', 'p50_ms'), get('exec_echo', 'direct', 'p50_ms')),
      ([own, direct]) => own - direct <= 0.3,
      ([own, direct]) => `direct ${signed(own - direct)} ms`,
    ),
    check(
      6,
      'idle_events',
      'rss_mb',
      '<= 200 MB',
      dockgate('idle_events', 'rss_mb'),
      (mb) => mb <= 200,
      (mb) => `${mb} MB`,
    ),
    check(
      6,
      'idle_events',
      'cpu_pct',
      'near zero (<= 1 % of a core)',
      dockgate('idle_events', 'cpu_pct'),
      (pct) => pct <= 1,
      (pct) => `${pct} %`,
    ),
  );
  return checks;
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : '-'}${ms(Math.abs(n))}`;
}

function formatValue(row: Row | undefined): string {
  if (row === undefined) return '-';
  const v = row.value;
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(v);
}

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export function renderTable(results: Results, checks: readonly TargetCheck[]): string {
  const keys: { scenario: string; metric: string; unit: string }[] = [];
  for (const row of results.rows) {
    if (!keys.some((k) => k.scenario === row.scenario && k.metric === row.metric)) keys.push({ scenario: row.scenario, metric: row.metric, unit: row.unit });
  }
  const header = ['scenario', 'metric', 'unit', 'direct', 'dockgate', 'haproxy', 'dg/direct', 'dg/haproxy', 'target'];
  const lines: string[][] = [header];
  for (const key of keys) {
    const cell = (target: RowTarget): Row | undefined => results.rows.find((r) => r.scenario === key.scenario && r.metric === key.metric && r.target === target);
    // The machine's own figures (fdatasync's `disk`) sit in the direct column: what no gateway or proxy is in front of.
    const direct = cell('direct') ?? cell('disk');
    const dockgate = cell('dockgate');
    const haproxy = cell('haproxy');
    const ratio = (other: Row | undefined): string => (dockgate === undefined || other === undefined || other.value === 0 ? '' : x(dockgate.value / other.value));
    const own = checks.filter((c) => c.scenario === key.scenario && c.metric === key.metric);
    const status = own.length === 0 ? '' : own.map((c) => `${c.met === undefined ? '?' : c.met ? 'met' : 'NOT met'} (${c.text})`).join('; ');
    lines.push([key.scenario, key.metric, key.unit, formatValue(direct), formatValue(dockgate), formatValue(haproxy), ratio(direct), ratio(haproxy), status]);
  }
  const widths = header.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  const numeric = new Set([3, 4, 5, 6, 7]);
  const render = (line: string[]): string =>
    line
      .map((text, column) => pad(text, widths[column]!, numeric.has(column)))
      .join('  ')
      .trimEnd();
  return [render(lines[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(render)].join('\n');
}

/**
 * The ping figures of the Node floor (support/node-floor.ts), which the table has no column for: its rate
 * against HAProxy's, and its CPU per ping beside dockgate's and HAProxy's, the part of acceptances 1 and 2
 * that any proxy written in Node pays before it judges anything.
 */
export function nodeFloorNote(results: Results): string {
  const get = (target: RowTarget, metric: string): number | undefined => results.get('ping', target, metric);
  const rate = (metric: string): string => {
    const ratio = ratioOf(get('node_floor', metric), get('haproxy', metric));
    const floor = get('node_floor', metric);
    return `${floor === undefined ? '-' : Math.round(floor).toLocaleString('en-US')} req/s at ${metric.slice('rps_c'.length)} connections (${ratio === undefined ? '?' : x(ratio)} haproxy)`;
  };
  const cpu = (target: RowTarget): string => `${get(target, 'cpu_us_per_req') ?? '?'} us`;
  return `ping, the Node floor (a Node HTTP server forwarding on kept-alive engine connections, nothing judged or recorded): ${rate('rps_c10')}, ${rate('rps_c64')}; CPU per ping ${cpu('node_floor')}, against dockgate's ${cpu('dockgate')} and HAProxy's ${cpu('haproxy')}.`;
}

export function renderChecks(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `  ${c.met === undefined ? '?      ' : c.met ? 'met    ' : 'NOT met'}  ${c.number}. ${c.scenario} ${c.metric} ${c.text}: ${c.detail}`).join('\n');
}
