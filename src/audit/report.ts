// The audit report every format is rendered from (its JSON form is documented by
// docs/audit-report.schema.json), its summary and the exit code.
import { SEVERITIES, severityRank, type Finding, type NotChecked, type Severity } from './finding.js';

export type FailOn = Severity | 'none';

export interface EngineSummary {
  version: string | null;
  apiVersion: string | null;
  os: string | null;
  /** How this audit reached the API: unix, http, https (no client certificate) or https-client-cert. */
  transport: string;
  rootless: boolean;
  userNamespaceRemap: boolean;
  /** The dockerd process examined, for local targets where it was found. */
  daemonPid: number | null;
}

export interface TargetReport {
  host: string;
  scope: 'local' | 'remote';
  reachable: boolean;
  engine: EngineSummary | null;
  findings: Finding[];
  notChecked: NotChecked[];
}

export interface ReportSummary {
  critical: number;
  high: number;
  medium: number;
  low: number;
  info: number;
  notChecked: number;
  unreachable: number;
}

export interface AuditReport {
  schemaVersion: 1;
  tool: { name: 'dockgate'; version: string };
  startedAt: string;
  finishedAt: string;
  failOn: FailOn;
  exitCode: number;
  summary: ReportSummary;
  targets: TargetReport[];
}

/** Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 3 an engine could not be audited at all. */
export const EXIT_FINDINGS = 1;
export const EXIT_UNREACHABLE = 3;

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id) || (a.subject ?? '').localeCompare(b.subject ?? ''));
}

export function summarise(targets: readonly TargetReport[]): ReportSummary {
  const summary: ReportSummary = { critical: 0, high: 0, medium: 0, low: 0, info: 0, notChecked: 0, unreachable: 0 };
  for (const target of targets) {
    for (const f of target.findings) summary[f.severity]++;
    summary.notChecked += target.notChecked.length;
    if (!target.reachable) summary.unreachable++;
  }
  return summary;
}

export function exitCode(targets: readonly TargetReport[], failOn: FailOn): number {
  if (failOn !== 'none') {
    const threshold = severityRank(failOn);
    if (targets.some((t) => t.findings.some((f) => severityRank(f.severity) >= threshold))) return EXIT_FINDINGS;
  }
  return targets.some((t) => !t.reachable) ? EXIT_UNREACHABLE : 0;
}

export function buildReport(targets: TargetReport[], failOn: FailOn, startedAt: Date, version: string): AuditReport {
  const sorted = targets.map((t) => ({ ...t, findings: sortFindings(t.findings) }));
  return {
    schemaVersion: 1,
    tool: { name: 'dockgate', version },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    failOn,
    exitCode: exitCode(sorted, failOn),
    summary: summarise(sorted),
    targets: sorted,
  };
}

export { SEVERITIES };
