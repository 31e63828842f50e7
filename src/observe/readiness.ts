// Whether the gateway can serve requests now, for the admin listener's /ready: the engine answers a ping
// and the audit log can be written. The engine is asked at most once per CACHE_MS however often /ready is
// scraped (several probes and a Prometheus scrape each second must not turn into a load on the engine),
// and one ping at a time: callers that come while it runs share its answer, and a ping the engine has not
// answered (a frozen engine) is waited on again rather than sent again, so it never holds more than one
// connection however long it stays frozen.

export interface ReadinessChecks {
  /** Resolves when the engine answers its ping; rejects with an Error saying why not. */
  pingEngine(): Promise<void>;
  /** The audit sink's `healthy` (record/audit-sink.ts). */
  auditHealthy(): boolean;
}

export interface ReadinessAnswer {
  ready: boolean;
  /** Why not, one clause each; empty when ready. */
  reasons: string[];
}

/** How long an engine answer stands for the next /ready. */
const CACHE_MS = 1_000;
/** A ping the engine does not answer within this is an engine that does not serve (frozen, overloaded). */
const PING_TIMEOUT_MS = 2_000;

export class Readiness {
  private engine: { at: number; failure: string | undefined } | undefined;
  /** The ping sent and not yet answered: why it failed, or undefined once it is answered. */
  private inFlight: Promise<string | undefined> | undefined;

  constructor(
    private readonly checks: ReadinessChecks,
    private readonly now: () => number = Date.now,
  ) {}

  async check(): Promise<ReadinessAnswer> {
    const engineFailure = await this.engineFailure();
    const reasons: string[] = [];
    if (engineFailure !== undefined) reasons.push(`engine: ${engineFailure}`);
    // Read at every call: it is a field, and the outage it reports begins and ends with a write.
    if (!this.checks.auditHealthy()) reasons.push('audit log: records cannot be written (the gateway log says why)');
    return { ready: reasons.length === 0, reasons };
  }

  /** Why the engine does not serve, or undefined when it answered its ping within the cache time. */
  private async engineFailure(): Promise<string | undefined> {
    if (this.engine !== undefined && this.now() - this.engine.at < CACHE_MS) return this.engine.failure;
    this.inFlight ??= this.checks
      .pingEngine()
      .then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      )
      .finally(() => (this.inFlight = undefined));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`it did not answer a ping within ${PING_TIMEOUT_MS / 1000} s`), PING_TIMEOUT_MS);
    });
    const failure = await Promise.race([this.inFlight, timeout]);
    clearTimeout(timer);
    this.engine = { at: this.now(), failure };
    return failure;
  }
}
