// The rows every scenario adds, as bench/results.json carries them.

import type { TargetName } from './http.js';

/**
 * Whom a row measures: one of the three targets, or `disk`, the machine's own (the fdatasync latency
 * create_delete's target is bounded by), which no request goes through.
 */
export type RowTarget = TargetName | 'disk';

export interface Row {
  scenario: string;
  target: RowTarget;
  metric: string;
  value: number;
  unit: string;
}

export class Results {
  readonly rows: Row[] = [];
  /** Lines printed under the table: how a scenario was measured, what it saw besides its metrics. */
  readonly notes: string[] = [];
  /** Scenarios that failed, with why; the run exits non-zero when there are any. */
  readonly failures: { scenario: string; error: string }[] = [];

  add(scenario: string, target: RowTarget, metric: string, value: number, unit: string): void {
    this.rows.push({ scenario, target, metric, value: round(value), unit });
  }

  get(scenario: string, target: RowTarget, metric: string): number | undefined {
    return this.rows.find((row) => row.scenario === scenario && row.target === target && row.metric === metric)?.value;
  }
}

/** Three significant digits below 100, whole numbers above: enough for any ratio the targets ask for. */
function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}
