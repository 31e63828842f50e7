// The terminal report: per engine, findings grouped by severity (worst first), each with its id, CIS
// item, evidence and fix; then what was not checked; and last, below a rule, the summary line. Colour
// only when asked (a TTY without NO_COLOR).
//
// Much of what it prints was written by others: container names, bind paths, sysctl keys and the like by
// whoever can create containers, version strings, warnings and error answers by the engine. None of it
// can act on the terminal (inertText: escapes, control and bidi characters and line separators are shown,
// not obeyed), and none of it can pass for the report's own lines: only the report's headings, the rule
// and the summary start at the left margin, taken text never starts a line (it cannot hold a line break
// and always follows the report's own words), and on a terminal every line is folded before the terminal
// would wrap it (fold-line.ts), so that no taken text reaches the margin on the screen either. Tabs, which
// inertText leaves alone, are escaped here too: a run of them takes the cursor to the terminal's last
// column whatever its width, and the next character would start a screen line.
import { inertText } from '../../log/inert-text.js';
import { SEVERITIES, type Severity } from '../finding.js';
import type { AuditReport, TargetReport } from '../report.js';
import { foldLine } from './fold-line.js';

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

/** Text from the engine or a container as the report shows it. */
function shown(text: string): string {
  return inertText(text).replace(/\t/g, '\\t');
}
const RULE = '='.repeat(40);

type Paint = (style: keyof typeof COLOURS, text: string) => string;

export interface TextOptions {
  colour: boolean;
  /** The width of the terminal the report is read on, when it goes to one: lines are folded to it. */
  width?: number;
}

export function renderText(report: AuditReport, options: TextOptions): string {
  const paint: Paint = (style, text) => (options.colour ? `${COLOURS[style]}${text}${RESET}` : text);
  const out: string[] = [];
  for (const target of report.targets) renderTarget(target, out, paint);
  const s = report.summary;
  const counts = SEVERITIES.map((sev) => paint(s[sev] > 0 ? sev : 'dim', `${s[sev]} ${sev}`)).join(', ');
  const unreachable = s.unreachable > 0 ? `, ${s.unreachable} engine${s.unreachable === 1 ? '' : 's'} unreachable` : '';
  const verdict =
    report.failOn === 'none'
      ? ''
      : report.exitCode === 1
        ? ` — failing: findings at or above ${report.failOn}`
        : report.exitCode === 0
          ? ` — passing: nothing at or above ${report.failOn}`
          : '';
  out.push(paint('dim', RULE), `${paint('bold', 'Summary:')} ${counts}; ${s.notChecked} not checked${unreachable}${verdict}`);
  const width = options.width;
  const lines = width === undefined ? out : out.flatMap((line) => foldLine(line, width));
  return `${lines.join('\n')}\n`;
}

function renderTarget(target: TargetReport, out: string[], paint: Paint): void {
  const engine = target.engine;
  const about = engine
    ? `Docker Engine ${shown(engine.version ?? '?')} (API ${shown(engine.apiVersion ?? '?')}, via ${engine.transport}${engine.rootless ? ', rootless' : ''}${engine.userNamespaceRemap ? ', userns-remap' : ''}${engine.daemonPid !== null ? `, dockerd pid ${engine.daemonPid}` : ''})`
    : 'engine not reachable';
  out.push(paint('bold', `dockgate audit: ${shown(target.host)} [${target.scope}] — ${about}`));
  out.push('');
  for (const severity of SEVERITIES) {
    const findings = target.findings.filter((f) => f.severity === severity);
    if (findings.length === 0) continue;
    out.push(paint(severity, `${severity.toUpperCase()} (${findings.length})`));
    for (const f of findings) {
      const subject = f.subject !== undefined ? `: ${shown(f.subject)}` : '';
      out.push(`  ${paint(severity, f.id)}${f.cis !== undefined ? paint('dim', ` [CIS ${f.cis}]`) : ''} ${shown(f.title)}${subject}`);
      for (const line of f.evidence) out.push(`      - ${shown(line)}`);
      out.push(`      ${paint('dim', 'fix:')} ${shown(f.remediation)}`);
    }
    out.push('');
  }
  if (target.findings.length === 0) out.push('  no findings', '');
  if (target.notChecked.length > 0) {
    out.push(paint('dim', `NOT CHECKED (${target.notChecked.length})`));
    for (const n of target.notChecked) out.push(`  ${n.area}: ${shown(n.reason)}`);
    out.push('');
  }
}
