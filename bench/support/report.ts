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

export function targetChecks(results: Results): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const scenario of ['ping', 'containers_json']) {
    for (const metric of ['rps_c10', 'rps_c64']) {
      const dockgate = value(results, scenario, 'dockgate', metric);
      const haproxy = value(results, scenario, 'haproxy', metric);
      const direct = value(results, scenario, 'direct', metric);
      const vsHaproxy = dockgate !== undefined && haproxy !== undefined ? dockgate / haproxy : undefined;
      const vsDirect = dockgate !== undefined && direct !== undefined ? dockgate / direct : undefined;
      checks.push({
        number: 1, scenario, metric,
        text: '>= 1.0x haproxy',
        met: vsHaproxy === undefined ? undefined : vsHaproxy >= 1.0,
        detail: vsHaproxy === undefined ? 'not measured' : `${x(vsHaproxy)} haproxy`,
      });
      checks.push({
        number: 1, scenario, metric,
        text: '>= 0.8x direct',
        met: vsDirect === undefined ? undefined : vsDirect >= 0.8,
        detail: vsDirect === undefined ? 'not measured' : `${x(vsDirect)} direct`,
      });
    }
  }
  const denied = value(results, 'denied', 'dockgate', 'rps_c10');
  const ping = value(results, 'ping', 'dockgate', 'rps_c10');
  checks.push({
    number: 2, scenario: 'denied', metric: 'rps_c10',
    text: ">= 2x dockgate's ping rps_c10",
    met: denied === undefined || ping === undefined ? undefined : denied >= 2 * ping,
    detail: denied === undefined || ping === undefined ? 'not measured' : `${x(denied / ping)} dockgate ping`,
  });
  const createDockgate = value(results, 'create_delete', 'dockgate', 'p50_ms');
  const createDirect = value(results, 'create_delete', 'direct', 'p50_ms');
  checks.push({
    number: 3, scenario: 'create_delete', metric: 'p50_ms',
    text: '<= direct + 1 ms',
    met: createDockgate === undefined || createDirect === undefined ? undefined : createDockgate - createDirect <= 1,
    detail: createDockgate === undefined || createDirect === undefined ? 'not measured' : `direct ${signed(createDockgate - createDirect)} ms`,
  });
  const archiveDockgate = value(results, 'archive_put', 'dockgate', 'mb_per_s');
  const archiveDirect = value(results, 'archive_put', 'direct', 'mb_per_s');
  checks.push({
    number: 4, scenario: 'archive_put', metric: 'mb_per_s',
    text: '>= 0.9x direct',
    met: archiveDockgate === undefined || archiveDirect === undefined ? undefined : archiveDockgate >= 0.9 * archiveDirect,
    detail: archiveDockgate === undefined || archiveDirect === undefined ? 'not measured' : `${x(archiveDockgate / archiveDirect)} direct`,
  });
  const peak = value(results, 'archive_put', 'dockgate', 'peak_rss_mb');
  checks.push({
    number: 4, scenario: 'archive_put', metric: 'peak_rss_mb',
    text: '<= 150 MB',
    met: peak === undefined ? undefined : peak <= 150,
    detail: peak === undefined ? 'not measured' : `${peak} MB`,
  });
  const execDockgate = value(results, 'exec_echo', 'dockgate', 'p50_ms');
  const execDirect = value(results, 'exec_echo', 'direct', 'p50_ms');
  checks.push({
    number: 5, scenario: 'exec_echo', metric: 'p50_ms',
    text: '<= direct + 0.3 ms',
    met: execDockgate === undefined || execDirect === undefined ? undefined : execDockgate - execDirect <= 0.3,
    detail: execDockgate === undefined || execDirect === undefined ? 'not measured' : `direct ${signed(execDockgate - execDirect)} ms`,
  });
  const idleRss = value(results, 'idle_events', 'dockgate', 'rss_mb');
  checks.push({
    number: 6, scenario: 'idle_events', metric: 'rss_mb',
    text: '<= 200 MB',
    met: idleRss === undefined ? undefined : idleRss <= 200,
    detail: idleRss === undefined ? 'not measured' : `${idleRss} MB`,
  });
  const idleCpu = value(results, 'idle_events', 'dockgate', 'cpu_pct');
  checks.push({
    number: 6, scenario: 'idle_events', metric: 'cpu_pct',
    text: 'near zero (<= 1 % of a core)',
    met: idleCpu === undefined ? undefined : idleCpu <= 1,
    detail: idleCpu === undefined ? 'not measured' : `${idleCpu} %`,
  });
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
    const cell = (target: TargetName): Row | undefined =>
      results.rows.find((r) => r.scenario === key.scenario && r.metric === key.metric && r.target === target);
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
  const render = (line: string[]): string => line.map((text, column) => pad(text, widths[column]!, numeric.has(column))).join('  ').trimEnd();
  return [render(lines[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(render)].join('\n');
}

export function renderChecks(checks: readonly TargetCheck[]): string {
  return checks
    .map((c) => `  ${c.met === undefined ? '?      ' : c.met ? 'met    ' : 'NOT met'}  ${c.number}. ${c.scenario} ${c.metric} ${c.text}: ${c.detail}`)
    .join('\n');
}
