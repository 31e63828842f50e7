// The live view of the admin listener (serve --admin-listen): at `/` a page of the gateway's decisions as
// they happen, over server-sent events at `/events`, with per-client counters, the would_deny list and the
// policy change that would allow each, and the latest `dockgate audit` findings (`/audit`, run again by
// POST `/audit/refresh`). Read-only: nothing here changes the policy.
//
// Every answer here passes page-request-guard.ts first (other sites and DNS rebinding refused) and carries a
// Content-Security-Policy that lets the page run its own script and nothing else: records hold client-chosen
// text (names, paths), which the page writes as text, and which could not run as script even if it did not.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRefusal } from '../answer/refusal-response.js';
import type { AuditReport } from '../audit/report.js';
import { isGatewayError } from '../errors/catalogue.js';
import type { HostNames } from '../listen/host-names.js';
import type { AdminPages } from '../observe/admin-server.js';
import type { AuditFeed, FedRecord } from '../record/audit-feed.js';
import { formatAuditRecord, type DoneRecord } from '../record/audit-record.js';
import { AuditFindings, MIN_GAP_MS, type AuditFindingsState } from './audit-findings.js';
import { ClientCounters } from './client-counters.js';
import { clientLabel } from './client-label.js';
import { DEFAULT_EVENT_STREAM_LIMITS, EventStreams, serverSentEvent, type EventStreamLimits } from './event-stream.js';
import { pageRequestGuard } from './page-request-guard.js';

export interface LiveViewOptions {
  feed: AuditFeed;
  /** The Host names the admin listener answers the page on (listen/host-names.ts `loopbackHostNames`). */
  hosts: HostNames;
  /** One run of `dockgate audit` on the engine the gateway serves. */
  runAudit: () => Promise<AuditReport>;
  /** The policy change (YAML) that would allow what a refused or would_deny record describes (learn/rule-change.ts `ruleChangeFor`). */
  ruleChange: (record: DoneRecord) => string;
  /** Told of a failure that must not stop the feed (a rule change that could not be made). */
  onError: (err: unknown) => void;
  limits?: EventStreamLimits;
  auditIntervalMs?: number;
}

/** Only its own script and style, from itself; no frames, no forms sent anywhere, no other connections. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

/** The page's files, read once at start (src/view/page/, copied beside the compiled module by `npm run build`). */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/live-view.js': { file: 'live-view.js', type: 'text/javascript; charset=utf-8' },
  '/live-view.css': { file: 'live-view.css', type: 'text/css; charset=utf-8' },
};

/** How often open pages are sent the counters, when they changed. */
const COUNTERS_EVERY_MS = 1000;

export class LiveView implements AdminPages {
  readonly paths = ['/', '/events', '/audit', '/audit/refresh'];
  private readonly guard;
  private readonly assets = new Map<string, { body: Buffer; type: string }>();
  private readonly streams: EventStreams;
  private readonly counters = new ClientCounters();
  private readonly audit: AuditFindings;
  private unwatch: (() => void) | undefined;
  private countersTimer: NodeJS.Timeout | undefined;
  private countersSent = -1;

  constructor(private readonly options: LiveViewOptions) {
    this.guard = pageRequestGuard(options.hosts);
    for (const [path, { file, type }] of Object.entries(ASSETS)) this.assets.set(path, { body: readFileSync(new URL(`./page/${file}`, import.meta.url)), type });
    this.streams = new EventStreams(options.limits ?? DEFAULT_EVENT_STREAM_LIMITS, (watched) => this.watched(watched));
    this.audit = new AuditFindings(options.runAudit, (state) => this.streams.send(auditEvent(state)), options.auditIntervalMs);
    // Counted whether or not a page is open: the counters say what happened since start.
    options.feed.watch((fed) => this.counters.count(fed.record));
  }

  /** Answers the request when it is the view's; false leaves it to the admin server. */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '').split('?')[0]!;
    const asset = this.assets.get(path);
    const known = asset !== undefined || this.paths.includes(path);
    if (!known) return false;
    try {
      this.guard(req);
    } catch (err) {
      if (!isGatewayError(err)) throw err;
      sendRefusal(res, err, false);
      return true;
    }
    const method = req.method ?? 'GET';
    if (path === '/audit/refresh') {
      if (method !== 'POST') return this.methodNotAllowed(res, 'POST');
      if (this.audit.refresh()) this.json(res, 202, this.audit.state);
      else this.json(res, 429, { message: `dockgate admin: the audit ran less than ${MIN_GAP_MS / 1000} s ago; ask again in a moment` }, { 'Retry-After': String(MIN_GAP_MS / 1000) });
      return true;
    }
    if (method !== 'GET' && method !== 'HEAD') return this.methodNotAllowed(res, 'GET, HEAD');
    if (asset !== undefined) {
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length });
      res.end(asset.body);
    } else if (path === '/audit') {
      // The first page to ask starts the first run; later ones see its result.
      if (this.audit.state.state === 'not-run') this.audit.refresh();
      this.json(res, 200, this.audit.state);
    } else {
      this.openStream(req, res);
    }
    return true;
  }

  close(): void {
    this.streams.closeAll();
    this.audit.stop();
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    const lastSeen = Number(req.headers['last-event-id'] ?? 0);
    const backlog = this.options.feed
      .since(Number.isSafeInteger(lastSeen) && lastSeen > 0 ? lastSeen : 0)
      .map((fed) => this.recordEvent(fed))
      .join('');
    const opening = `${backlog}${serverSentEvent('counters', JSON.stringify(this.counters.snapshot()))}${auditEvent(this.audit.state)}`;
    if (!this.streams.accept(req, res, SECURITY_HEADERS, opening)) {
      this.json(res, 503, { message: 'dockgate admin: too many live views are open; close one and reload' });
    }
  }

  /** The feed is watched only while a page is open: with none, a record costs the view its counters only. */
  private watched(watched: boolean): void {
    if (!watched) {
      this.unwatch?.();
      this.unwatch = undefined;
      clearInterval(this.countersTimer);
      return;
    }
    this.unwatch = this.options.feed.watch((fed) => this.streams.send(this.recordEvent(fed)));
    this.countersSent = this.counters.version;
    this.countersTimer = setInterval(() => {
      if (this.counters.version === this.countersSent) return;
      this.countersSent = this.counters.version;
      this.streams.send(serverSentEvent('counters', JSON.stringify(this.counters.snapshot())));
    }, COUNTERS_EVERY_MS).unref();
  }

  /**
   * One record as the page gets it: the audit line itself (formatAuditRecord: the record's named fields
   * only), the client it is counted under, and for a refusal the policy change that would allow it.
   */
  private recordEvent({ seq, record }: FedRecord): string {
    let change: string | undefined;
    if ((record.decision === 'would_deny' || record.decision === 'deny') && record.operation !== undefined) {
      try {
        change = this.options.ruleChange(record);
      } catch (err) {
        this.options.onError(err);
      }
    }
    const data = `{"seq":${seq},"client":${JSON.stringify(clientLabel(record.identity))}${change !== undefined ? `,"ruleChange":${JSON.stringify(change)}` : ''},"record":${formatAuditRecord(record).trimEnd()}}`;
    return serverSentEvent('record', data, seq);
  }

  private json(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private methodNotAllowed(res: ServerResponse, allow: string): true {
    res.setHeader('Allow', allow);
    this.json(res, 405, { message: `dockgate admin: this path answers ${allow} only` });
    return true;
  }
}

function auditEvent(state: AuditFindingsState): string {
  return serverSentEvent('audit', JSON.stringify(state));
}
