// `dockgate check` as SARIF 2.1.0 for code scanning: a result per finding, at the file, line and column of
// the key, flag or field that asked for it, its rule the judge's check (`reach.privileges`) so that a
// dashboard groups them, its message the gateway's why and fix; the log itself is the audit's (shared:
// src/audit/format/sarif.ts). Docker commands not checked are tool notifications, never passed results.
import { fileUri, ruleDescriptor, sarifLog, SARIF_LEVEL, SECURITY_SEVERITY } from '../../audit/format/sarif.js';
import type { Severity } from '../../audit/finding.js';
import { CHECK_SEVERITY, REFUSED, type CheckFinding, type CheckReport } from '../check-report.js';
import type { SourceLocation } from '../checked-request.js';

/** What each rule id of `check` is about, for the rule descriptors. */
const TITLES: Record<string, string> = {
  'reach.privileges': 'The container would get privileges beyond the policy (privileged mode, capabilities, devices)',
  'reach.mounts': 'The container would mount host paths or volumes the policy does not allow',
  'reach.namespaces': "The container would join the host's or another container's namespaces",
  'reach.host-access': 'The container would reach the host through a side door (cgroups, sysctls, runtimes)',
  'reach.security-options': 'The container would run with confinement turned off (seccomp, AppArmor, SELinux, masked paths)',
  [REFUSED]: 'The gateway would refuse the request before judging its fields (operation not granted, body without a single reading)',
};

function title(id: string): string {
  return TITLES[id] ?? `The gateway would refuse a field (${id.replace(/^reach\./, '')} check)`;
}

function uri(path: string): string {
  return path.startsWith('/') ? fileUri(path) : path.split('/').map(encodeURIComponent).join('/');
}

function region(location: SourceLocation): Record<string, unknown> {
  return { physicalLocation: { artifactLocation: { uri: uri(location.file) }, region: { startLine: location.line, startColumn: location.column } } };
}

export function renderCheckSarif(report: CheckReport): string {
  const findings: Array<{ finding: CheckFinding; subject: string; message?: string }> = report.requests.flatMap((r) =>
    r.findings.map((finding) => ({ finding, subject: r.subject, ...(r.message !== undefined && { message: r.message }) })),
  );
  const ids = [...new Set(findings.map((f) => f.finding.id))].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const severityOf = (id: string): Severity => (id.startsWith('reach.') ? (CHECK_SEVERITY[id.slice(6) as keyof typeof CHECK_SEVERITY] ?? 'high') : 'high');
  const results = findings.map(({ finding: f, subject, message }) => ({
    ruleId: f.id,
    ruleIndex: index.get(f.id)!,
    level: SARIF_LEVEL[f.severity],
    message: { text: `${subject}: ${f.field !== undefined ? `${f.field}: ` : ''}${f.why} (${f.rule}${f.mode === 'warn' ? ', warn mode' : ''}). Fix: ${f.fix}` },
    locations: [{ ...region(f.location), logicalLocations: [{ name: subject, kind: 'object' }] }],
    properties: {
      severity: f.severity,
      'security-severity': SECURITY_SEVERITY[f.severity],
      rule: f.rule,
      mode: f.mode,
      ...(f.field !== undefined && { field: f.field }),
      ...(message !== undefined && { gatewayMessage: message }),
    },
  }));
  return sarifLog({
    version: report.tool.version,
    rules: ids.map((id) =>
      ruleDescriptor({ id, title: title(id), help: 'Change the request as the fix of each result says, or judge it under a policy that allows it', severity: severityOf(id) }),
    ),
    invocation: {
      executionSuccessful: true,
      exitCode: report.exitCode,
      toolExecutionNotifications: report.notChecked.map((n) => ({
        level: 'note',
        message: { text: `not checked: ${n.command} (only docker run and create are)` },
        locations: [region(n.location)],
      })),
    },
    results,
    properties: { policy: report.policy, engine: report.engine },
  });
}
