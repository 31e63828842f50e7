// The terminal report of `dockgate check`: per request, its verdict at its place, then each finding as
// `file:line:column: severity id (rule): field: why` (the form editors and CI logs link to), its fix, what
// the client would see, and what the verdict asked of the engine; then the docker commands not checked and
// the summary. Paths, names and values in it were written by whoever wrote the checked files: shown inert
// (src/log/inert-text.ts) and folded to the terminal (src/audit/format/fold-line.ts), as the audit's are.
import { SEVERITIES } from '../../audit/finding.js';
import { foldLine } from '../../audit/format/fold-line.js';
import { inertText } from '../../log/inert-text.js';
import type { CheckReport } from '../check-report.js';
import type { SourceLocation } from '../checked-request.js';

const RULE = '='.repeat(40);

function shown(text: string): string {
  return inertText(text).replace(/\t/g, '\\t');
}

function place(location: SourceLocation): string {
  return `${shown(location.file)}:${location.line}:${location.column}`;
}

export function renderCheckText(report: CheckReport, width?: number): string {
  const engine = report.engine === 'none' ? 'no engine: what the gateway would look up is taken as missing' : `engine ${shown(report.engine)}`;
  const out: string[] = [`dockgate check under ${shown(report.policy)} (${engine})`, ''];
  for (const request of report.requests) {
    const verdict =
      request.verdict === 'allow'
        ? 'allowed'
        : request.mode === 'warn'
          ? `would be refused by ${shown(request.rule)} (warn mode: forwarded, recorded as would_deny)`
          : `refused by ${shown(request.rule)}`;
    out.push(`${place(request.location)}: ${shown(request.subject)}: ${verdict}`);
    for (const f of request.findings) {
      out.push(`  ${place(f.location)}: ${f.severity} ${f.id}: ${f.field !== undefined ? `${shown(f.field)}: ` : ''}${shown(f.why)}`);
      if (f.fix !== '') out.push(`      fix: ${shown(f.fix)}`);
    }
    if (request.message !== undefined) out.push(`  client sees: Error response from daemon: ${shown(request.message)}`);
    if (request.engineAsked.length > 0 && report.engine === 'none') out.push(`  depends on the engine (not asked): ${request.engineAsked.map(shown).join(', ')}`);
  }
  if (report.requests.length === 0) out.push('no container creates found');
  if (report.notChecked.length > 0) {
    out.push('', `NOT CHECKED (${report.notChecked.length}): docker commands other than run and create`);
    for (const n of report.notChecked) out.push(`  ${place(n.location)}: ${shown(n.command)}`);
  }
  const s = report.summary;
  const counts = SEVERITIES.map((sev) => `${s[sev]} ${sev}`).join(', ');
  const verdict = report.failOn === 'none' ? '' : report.exitCode === 0 ? ` — passing: nothing at or above ${report.failOn}` : ` — failing: findings at or above ${report.failOn}`;
  out.push('', RULE, `Summary: ${s.requests} request${s.requests === 1 ? '' : 's'}, ${s.refused} refused; ${counts}; ${s.notChecked} not checked${verdict}`);
  const lines = width === undefined ? out : out.flatMap((line) => foldLine(line, width));
  return `${lines.join('\n')}\n`;
}
