// SARIF 2.1.0: one run of the dockgate tool, a reporting descriptor per rule (with its CIS item and a
// security-severity for code-scanning dashboards), a result per finding located at the file it is
// about when there is one and at the engine and subject (logical locations) otherwise, and what
// was not checked as tool execution notifications, never as passed results. The log's envelope, levels,
// security severities and rule descriptors are shared with `dockgate check` (src/check/format/sarif.ts).
import { allRules } from '../catalogue.js';
import type { Severity } from '../finding.js';
import type { AuditReport } from '../report.js';

export const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
export const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

export function fileUri(path: string): string {
  return `file://${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** A reporting descriptor: `id` (`reach.privileges`), a PascalCase name from it, its title and help, its level and severity. */
export function ruleDescriptor(rule: { id: string; title: string; help: string; severity: Severity; properties?: Record<string, unknown> }): Record<string, unknown> {
  return {
    id: rule.id,
    name: rule.id.replace(/[.-](\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase()),
    shortDescription: { text: rule.title },
    help: { text: rule.help },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: { severity: rule.severity, 'security-severity': SECURITY_SEVERITY[rule.severity], tags: ['security', 'docker'], ...rule.properties },
  };
}

/** The SARIF 2.1.0 log of one run of dockgate, as the text that is written out. */
export function sarifLog(run: {
  version: string;
  rules: readonly unknown[];
  invocation: Record<string, unknown>;
  results: readonly unknown[];
  properties?: Record<string, unknown>;
}): string {
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'dockgate', version: run.version, rules: run.rules } },
        invocations: [run.invocation],
        results: run.results,
        ...(run.properties !== undefined && { properties: run.properties }),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

export function renderSarif(report: AuditReport): string {
  const rules = allRules();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.targets.flatMap((target) =>
    target.findings.map((f) => {
      const logical = [{ name: target.host, kind: 'resource' }, ...(f.subject !== undefined ? [{ name: f.subject, fullyQualifiedName: `${target.host} ${f.subject}`, kind: 'object' }] : [])];
      return {
        ruleId: f.id,
        ruleIndex: index.get(f.id) ?? -1,
        level: SARIF_LEVEL[f.severity],
        message: { text: `${f.title}${f.subject !== undefined ? `: ${f.subject}` : ''}. ${f.evidence.join('; ')}. Fix: ${f.remediation}` },
        locations: [
          {
            ...(f.file !== undefined && { physicalLocation: { artifactLocation: { uri: fileUri(f.file) } } }),
            logicalLocations: logical,
          },
        ],
        properties: {
          severity: f.severity,
          'security-severity': SECURITY_SEVERITY[f.severity],
          target: target.host,
          evidence: f.evidence,
          ...(f.cis !== undefined && { cis: f.cis }),
        },
      };
    }),
  );
  const notifications = report.targets.flatMap((target) => [
    ...(target.reachable ? [] : [{ level: 'error', message: { text: `${target.host}: the engine could not be reached; nothing about it was checked` } }]),
    ...target.notChecked.map((n) => ({ level: 'warning', message: { text: `${target.host}: not checked: ${n.area}: ${n.reason}` }, descriptor: { id: n.area } })),
  ]);
  return sarifLog({
    version: report.tool.version,
    rules: rules.map((r) =>
      ruleDescriptor({ id: r.id, title: r.title, help: r.remediation, severity: r.severity, ...(r.cis !== undefined && { properties: { cis: `CIS Docker Benchmark v1.6.0 ${r.cis}` } }) }),
    ),
    invocation: {
      executionSuccessful: report.summary.unreachable === 0,
      startTimeUtc: report.startedAt,
      endTimeUtc: report.finishedAt,
      exitCode: report.exitCode,
      toolExecutionNotifications: notifications,
    },
    results,
    properties: { targets: report.targets.map((t) => ({ host: t.host, scope: t.scope, reachable: t.reachable })) },
  });
}
