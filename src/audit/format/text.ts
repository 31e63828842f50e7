// The terminal report: per engine, findings grouped by severity (worst first), each with its id, CIS
// item, evidence and fix; then what was not checked, and one summary line. Colour only when asked
// (a TTY without NO_COLOR).
import { SEVERITIES, type Severity } from '../finding.js';
import type { AuditReport, TargetReport } from '../report.js';

const COLOURS: Record<Severity | 'dim' | 'bold', string> = {
  critical: '\x1b[1;31m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[37m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
};
const RESET = '\x1b[0m';

export function renderText(report: AuditReport, colour: boolean): string {
  const paint = (style: keyof typeof COLOURS, text: string): string => (colour ? `${COLOURS[style]}${text}${RESET}` : text);
  const out: string[] = [];
  for (const target of report.targets) renderTarget(target, out, paint);
  const s = report.summary;
  const counts = SEVERITIES.map((sev) => paint(s[sev] > 0 ? sev : 'dim', `${s[sev]} ${sev}`)).join(', ');
  const unreachable = s.unreachable > 0 ? `, ${s.unreachable} engine${s.unreachable === 1 ? '' : 's'} unreachable` : '';
  const verdict = report.failOn === 'none' ? '' : report.exitCode === 1 ? ` — failing: findings at or above ${report.failOn}` : report.exitCode === 0 ? ` — passing: nothing at or above ${report.failOn}` : '';
  out.push(`${paint('bold', 'Summary:')} ${counts}; ${s.notChecked} not checked${unreachable}${verdict}`);
  return `${out.join('\n')}\n`;
}

function renderTarget(target: TargetReport, out: string[], paint: (style: keyof typeof COLOURS, text: string) => string): void {
  const engine = target.engine;
  const about = engine
    ? `Docker Engine ${engine.version ?? '?'} (API ${engine.apiVersion ?? '?'}, via ${engine.transport}${engine.rootless ? ', rootless' : ''}${engine.userNamespaceRemap ? ', userns-remap' : ''}${engine.daemonPid !== null ? `, dockerd pid ${engine.daemonPid}` : ''})`
    : 'engine not reachable';
  out.push(paint('bold', `dockgate audit: ${target.host} [${target.scope}] — ${about}`));
  out.push('');
  for (const severity of SEVERITIES) {
    const findings = target.findings.filter((f) => f.severity === severity);
    if (findings.length === 0) continue;
    out.push(paint(severity, `${severity.toUpperCase()} (${findings.length})`));
    for (const f of findings) {
      out.push(`  ${paint(severity, f.id)}${f.cis !== undefined ? paint('dim', ` [CIS ${f.cis}]`) : ''} ${f.title}${f.subject !== undefined ? `: ${f.subject}` : ''}`);
      for (const line of f.evidence) out.push(`      - ${line}`);
      out.push(`      ${paint('dim', 'fix:')} ${f.remediation}`);
    }
    out.push('');
  }
  if (target.findings.length === 0) out.push('  no findings', '');
  if (target.notChecked.length > 0) {
    out.push(paint('dim', `NOT CHECKED (${target.notChecked.length})`));
    for (const n of target.notChecked) out.push(`  ${n.area}: ${n.reason}`);
    out.push('');
  }
}
