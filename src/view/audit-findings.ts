// The latest `dockgate audit` findings for the live view: the audit run in-process on the engine the gateway
// serves (src/audit/run-audit.ts), its result kept and shown to every page. A page view never runs it: the
// first page to ask starts the first run, then it runs again on the refresh button or every interval, never
// more than one at a time, and not again within MIN_GAP_MS of the last one's end (a page that keeps asking
// cannot keep the host busy with audits).
import type { AuditReport } from '../audit/report.js';

/** What a page is shown: the last report's summary and findings, or why there is none yet. */
export interface AuditFindingsState {
  state: 'not-run' | 'running' | 'done' | 'failed';
  /** When the shown report finished (ISO 8601). */
  finishedAt?: string;
  summary?: AuditReport['summary'];
  findings?: { host: string; id: string; severity: string; title: string; subject?: string; remediation: string }[];
  notChecked?: number;
  /** Why the last run failed. */
  error?: string;
}

export const AUDIT_INTERVAL_MS = 15 * 60_000;
/** How soon after a run ends another may start. */
export const MIN_GAP_MS = 3_000;

export class AuditFindings {
  private shown: AuditFindingsState = { state: 'not-run' };
  private running = false;
  private lastEnd = 0;
  private interval: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: () => Promise<AuditReport>,
    /** Told each time the state changes (a run starts or ends), to push it to open pages. */
    private readonly onChange: (state: AuditFindingsState) => void,
    private readonly intervalMs = AUDIT_INTERVAL_MS,
  ) {}

  /** The state to show; `running` while a run is under way, with the previous report if there is one. */
  get state(): AuditFindingsState {
    return this.running ? { ...this.shown, state: 'running' } : this.shown;
  }

  /**
   * Starts a run unless one is running or one ended less than MIN_GAP_MS ago (false then); from the first,
   * runs every interval too.
   */
  refresh(): boolean {
    if (this.running) return true;
    if (Date.now() - this.lastEnd < MIN_GAP_MS) return false;
    this.interval ??= setInterval(() => this.refresh(), this.intervalMs).unref();
    this.running = true;
    this.onChange(this.state);
    this.run().then(
      (report) => this.settle(shownReport(report)),
      (err: unknown) => this.settle({ ...this.shown, state: 'failed', error: err instanceof Error ? err.message : String(err) }),
    );
    return true;
  }

  stop(): void {
    clearInterval(this.interval);
  }

  private settle(next: AuditFindingsState): void {
    this.running = false;
    this.lastEnd = Date.now();
    this.shown = next;
    this.onChange(this.state);
  }
}

function shownReport(report: AuditReport): AuditFindingsState {
  return {
    state: 'done',
    finishedAt: report.finishedAt,
    summary: report.summary,
    findings: report.targets.flatMap((target) =>
      target.findings.map((f) => ({
        host: target.host,
        id: f.id,
        severity: f.severity,
        title: f.title,
        ...(f.subject !== undefined && { subject: f.subject }),
        remediation: f.remediation,
      })),
    ),
    notChecked: report.summary.notChecked,
  };
}
