// What `dockgate audit` reports: findings (a stable rule id, a severity, what was seen and how to fix
// it), and the things it could not examine, which are reported as not checked and never as passed.

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse: critical 4 ... info 0. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(severity);
}

export interface Finding {
  /** The rule's stable id (`api.tcp-plaintext`), listed in src/audit/catalogue.ts. */
  id: string;
  severity: Severity;
  title: string;
  /** What the finding is about when a rule can fire more than once: a container, a listener, a file, a program. */
  subject?: string;
  /** What was seen, one fact a line, each naming where it was read. */
  evidence: string[];
  remediation: string;
  /** The CIS Docker Benchmark v1.6.0 item, when one exists. */
  cis?: string;
  /** A file the finding is about, for SARIF locations. */
  file?: string;
}

/** Something the audit could not examine, and why. */
export interface NotChecked {
  /** The area (`socket.acl`, `host.processes`), stable like finding ids. */
  area: string;
  /** What was not examined, and why. */
  reason: string;
}

/** Findings and not-checked items of one target, collected while its checks run. */
export class Collector {
  readonly findings: Finding[] = [];
  readonly notChecked: NotChecked[] = [];

  add(finding: Finding): void {
    this.findings.push(finding);
  }

  skip(area: string, reason: string): void {
    if (!this.notChecked.some((n) => n.area === area && n.reason === reason)) this.notChecked.push({ area, reason });
  }
}
