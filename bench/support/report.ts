// The table on stdout: one line per scenario and metric with each target's value, the ratios
// dockgate/direct and dockgate/haproxy, and for the metrics the issue sets a target on, whether it is met.

import type { TargetName } from './http.js';
import type { Results, Row } from './results.js';

export interface TargetCheck {
  /** Which of the targets (1-6). */
  number: number;
  scenario: string;
  metric: string;
  text: string;
  /** undefined when a value it needs is missing (its scenario failed or was left out). */
  met: boolean | undefined;
  /** The measured side of the comparison, for the line that says by how much. */
  detail: string;
}

function value(results: Results, scenario: string, target: TargetName, metric: string): number | undefined {
  return results.get(scenario, target, metric);
}

const x = (ratio: number): string => `${ratio.toFixed(2)}x`;

/**
 * One target: `measured` is the quantity it bounds (a ratio, a difference, a value), computed from the
 * rows it needs, or undefined when one of them is missing.
 */
function check(number: number, scenario: string, metric: string, text: string, measured: number | undefined, met: (m: number) => boolean, describe: (m: number) => string): TargetCheck {
  return { number, scenario, metric, text, met: measured === undefined ? undefined : met(measured), detail: measured === undefined ? 'not measured' : describe(measured) };
}

/** a/b, a-b: undefined when either side was not measured. */
const ratioOf = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a / b);
const excessOf = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a - b);

export function targetChecks(results: Results): TargetCheck[] {
  const dockgate = (scenario: string, metric: string): number | undefined => value(results, scenario, 'dockgate', metric);
  const checks: TargetCheck[] = [];
  for (const scenario of ['ping', 'containers_json']) {
    for (const metric of ['rps_c10', 'rps_c64']) {
      const own = dockgate(scenario, metric);
      checks.push(
        check(
          1,
          scenario,
          metric,
          '>= 1.0x haproxy',
          ratioOf(own, value(results, scenario, 'haproxy', metric)),
          (r) => r >= 1.0,
          (r) => `${x(r)} haproxy`,
        ),
        check(
          1,
          scenario,
          metric,
          '>= 0.8x direct',
          ratioOf(own, value(results, scenario, 'direct', metric)),
          (r) => r >= 0.8,
          (r) => `${x(r)} direct`,
        ),
      );
    }
  }
  checks.push(
    check(
      2,
      'denied',
      'rps_c10',
      ">= 2x dockgate's ping rps_c10",
      ratioOf(dockgate('denied', 'rps_c10'), dockgate('ping', 'rps_c10')),
      (r) => r >= 2,
      (r) => `${x(r)} dockgate ping`,
    ),
    check(
      3,
      'create_delete',
      'p50_ms',
      '<= direct + 1 ms',
      excessOf(dockgate('create_delete', 'p50_ms'), value(results, 'create_delete', 'direct', 'p50_ms')),
      (d) => d <= 1,
      (d) => `direct ${signed(d)} ms`,
    ),
    check(
      4,
      'archive_put',
      'mb_per_s',
      '>= 0.9x direct',
      ratioOf(dockgate('archive_put', 'mb_per_s'), value(results, 'archive_put', 'direct', 'mb_per_s')),
      (r) => r >= 0.9,
      (r) => `${x(r)} direct`,
    ),
    check(
      4,
      'archive_put',
      'peak_rss_mb',
      '<= 150 MB',
      dockgate('archive_put', 'peak_rss_mb'),
      (mb) => mb <= 150,
      (mb) => `${mb} MB`,
    ),
    check(
      5,
      'exec_echo',
      'p50_ms',
      '<= direct + 0.3 ms',
      excessOf(dockgate('exec_echo', 'p50_ms'), value(results, 'exec_echo', 'direct', 'p50_ms')),
      (d) => d <= 0.3,
      (d) => `direct ${signed(d)} ms`,
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
  return `${n >= 0 ? '+' : '-'} ${Math.abs(n).toFixed(2)}`;
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
    const cell = (target: TargetName): Row | undefined => results.rows.find((r) => r.scenario === key.scenario && r.metric === key.metric && r.target === target);
    const direct = cell('direct');
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

export function renderChecks(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `  ${c.met === undefined ? '?      ' : c.met ? 'met    ' : 'NOT met'}  ${c.number}. ${c.scenario} ${c.metric} ${c.text}: ${c.detail}`).join('\n');
}
