// What the gateway counts for the admin listener's /metrics (Prometheus text format, prom-client): one
// Registry per gateway, never prom-client's global one, so two gateways in one process (tests, the library)
// count apart.
//
// Requests are counted on the hot path, so that path touches plain numbers only: a cell per (operation,
// decision, rule), found through nested maps (no label string is built or hashed per request), and copied
// into prom-client's counters when /metrics is scraped (a labelled prom-client increment hashes its labels
// every time: about 0.3 µs, where the cell costs a tenth of that). The two latency histograms are
// prom-client's own, observed per request (about 0.1 µs each). What other parts already count (the audit
// log's batches, open connections and streams) is read at scrape time and costs the requests nothing.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A request's decision as its `done` audit record says it. */
export type RequestDecision = 'allow' | 'would_deny' | 'deny' | 'error';

/** The operation label of a request refused before its route was known (an unknown endpoint, a malformed path). */
export const UNROUTED = 'unrouted';

/** What the audit log has counted since it opened (record/audit-log.ts AuditLogStatus), read at scrape time. */
export interface AuditCounts {
  healthy: boolean;
  /** Records written. */
  records: number;
  /** Write calls (one per batch). */
  batches: number;
  syncs: number;
  /** Batches that failed. */
  failures: number;
  /** Records lost: refused, failed or over the backlog bound. */
  dropped: number;
}

/** When an exchange reached each step: performance.now() readings, in ms (gateway/exchange.ts Exchange has them). */
export interface ExchangeTimes {
  readonly started: number;
  /** When the decision was made; absent when the request was refused before one. */
  judgedAt?: number;
  /** When the request went to the engine, and when its answer's head came back; absent when it did not. */
  forwardedAt?: number;
  answeredAt?: number;
}

interface Cell {
  count: number;
}

/** Judging: microseconds (a ping) to tens of milliseconds (a build's Dockerfile, engine look-ups). */
const JUDGING_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** The engine: a ping answers in a tenth of a millisecond, a create in tens, a pull's first byte in seconds. */
const ENGINE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 10];

export class Metrics {
  private readonly registry = new Registry();

  /** operation → decision → rule → count: three Map look-ups per request, no string built. */
  private readonly requests = new Map<string, Map<RequestDecision, Map<string, Cell>>>();
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly connections = new Map<string, Cell>();
  /** listener → cause → count. */
  private readonly refusals = new Map<string, Map<string, Cell>>();
  private readonly limits = new Map<string, Cell>();
  private reloads = 0;
  private reloadFailures = 0;
  private openConnections: () => number = () => 0;
  private openStreams: () => number = () => 0;
  private audit: (() => AuditCounts) | undefined;

  private readonly judging: Histogram;
  private readonly engine: Histogram;
  private readonly certificateExpiry: Gauge<'certificate'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], collect: (c: Counter<L>) => void): void => {
      new Counter<L>({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          collect(this);
        },
      });
    };
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };

    counter('dockgate_requests_total', 'Requests finished, by operation (the route table), decision and rule', ['operation', 'decision', 'rule'], (c) => {
      for (const [operation, decisions] of this.requests) {
        for (const [decision, rules] of decisions) for (const [rule, cell] of rules) c.inc({ operation, decision, rule }, cell.count);
      }
    });
    this.judging = new Histogram({
      name: 'dockgate_judging_seconds',
      help: 'From a request head to its decision: understanding, body reading, engine look-ups, judging',
      buckets: JUDGING_BUCKETS,
      registers,
    });
    this.engine = new Histogram({
      name: 'dockgate_engine_seconds',
      help: "From forwarding a request to the engine's response head (a request body streamed to the engine included)",
      buckets: ENGINE_BUCKETS,
      registers,
    });
    counter('dockgate_received_bytes_total', 'Request body bytes received from clients and forwarded (stream bytes of hijacked connections included)', [], (c) => c.inc(this.bytesIn));
    counter('dockgate_sent_bytes_total', 'Response bytes from the engine sent to clients (stream bytes of hijacked connections included)', [], (c) => c.inc(this.bytesOut));
    gauge('dockgate_hijacked_streams', 'Hijacked connections (attach, exec, BuildKit sessions) open now', () => this.openStreams());
    gauge('dockgate_open_connections', 'Client connections open now across the Engine API listeners (--max-connections bounds them)', () => this.openConnections());
    counter('dockgate_connections_total', 'Client connections accepted, by listener', ['listener'], (c) => {
      for (const [listener, cell] of this.connections) c.inc({ listener }, cell.count);
    });
    counter('dockgate_connection_refusals_total', 'Connections refused before a request could be read, by listener and cause', ['listener', 'cause'], (c) => {
      for (const [listener, causes] of this.refusals) for (const [cause, cell] of causes) c.inc({ listener, cause }, cell.count);
    });
    counter('dockgate_limit_refusals_total', 'Requests and connections refused by a limit (429 or 503), by rule', ['rule'], (c) => {
      for (const [rule, cell] of this.limits) c.inc({ rule }, cell.count);
    });
    const auditCounter = (name: string, help: string, read: (counts: AuditCounts) => number): void =>
      counter(name, help, [], (c) => {
        if (this.audit !== undefined) c.inc(read(this.audit()));
      });
    auditCounter('dockgate_audit_records_written_total', 'Audit records written to the audit log', (a) => a.records);
    auditCounter('dockgate_audit_writes_total', 'Writes to the audit log (one per batch of records)', (a) => a.batches);
    auditCounter('dockgate_audit_syncs_total', 'fdatasync calls on the audit log (batches that carried a record a request waited for)', (a) => a.syncs);
    auditCounter('dockgate_audit_write_failures_total', 'Batches of audit records that could not be written', (a) => a.failures);
    auditCounter('dockgate_audit_records_dropped_total', 'Audit records lost while the audit log could not be written', (a) => a.dropped);
    gauge('dockgate_audit_log_healthy', '1 while audit records can be written, 0 while the audit log fails (records on stderr never fail)', () =>
      this.audit === undefined || this.audit().healthy ? 1 : 0,
    );
    counter('dockgate_policy_reloads_total', 'Policy file reloads that took effect', [], (c) => c.inc(this.reloads));
    counter('dockgate_policy_reload_failures_total', 'Policy file reloads that did not load (the previous policy stayed in force)', [], (c) => c.inc(this.reloadFailures));
    this.certificateExpiry = new Gauge({
      name: 'dockgate_certificate_expiry_timestamp_seconds',
      help: 'When a certificate of the TLS listeners expires (notAfter), in seconds since the epoch',
      labelNames: ['certificate'],
      registers,
    });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Counts one finished exchange (its `done` audit record): the request, its bytes and its latencies. The
   * gateway passes what it holds anyway (the outcome, the exchange): nothing is allocated per request.
   */
  exchange(operation: string, decision: RequestDecision, rule: string, bytes: { bytesIn: number; bytesOut: number }, times: ExchangeTimes): void {
    let decisions = this.requests.get(operation);
    if (decisions === undefined) this.requests.set(operation, (decisions = new Map<RequestDecision, Map<string, Cell>>()));
    let rules = decisions.get(decision);
    if (rules === undefined) decisions.set(decision, (rules = new Map<string, Cell>()));
    count(rules, rule);
    this.bytesIn += bytes.bytesIn;
    this.bytesOut += bytes.bytesOut;
    if (times.judgedAt !== undefined) this.judging.observe((times.judgedAt - times.started) / 1000);
    if (times.forwardedAt !== undefined && times.answeredAt !== undefined) this.engine.observe((times.answeredAt - times.forwardedAt) / 1000);
  }

  /** Counts a connection a listener accepted. */
  connection(listener: string): void {
    count(this.connections, listener);
  }

  /** Counts a connection refused before a request could be read (listen/connection-refusals.ts). */
  connectionRefused(listener: string, cause: string): void {
    let causes = this.refusals.get(listener);
    if (causes === undefined) this.refusals.set(listener, (causes = new Map<string, Cell>()));
    count(causes, cause);
  }

  /** Counts a refusal by a limit (a 429 or 503 of src/admit/, or the connection total). */
  limitHit(rule: string): void {
    count(this.limits, rule);
  }

  policyReloaded(): void {
    this.reloads += 1;
  }

  policyReloadFailed(): void {
    this.reloadFailures += 1;
  }

  /** When a TLS certificate expires (`validTo` as node:crypto writes it). */
  certificateExpires(certificate: 'server' | 'ca', validTo: string): void {
    this.certificateExpiry.set({ certificate }, Date.parse(validTo) / 1000);
  }

  /** Where the gauges of open connections and streams read their values, at scrape time. */
  watchOpen(counts: { connections: () => number; streams: () => number }): void {
    this.openConnections = counts.connections;
    this.openStreams = counts.streams;
  }

  /** Where the audit log's counters are read, at scrape time. */
  watchAuditLog(counts: () => AuditCounts): void {
    this.audit = counts;
  }
}

function count(cells: Map<string, Cell>, key: string): void {
  const cell = cells.get(key);
  if (cell === undefined) cells.set(key, { count: 1 });
  else cell.count += 1;
}
