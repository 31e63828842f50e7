// Admission: the per-identity limits a request passes right after it is identified, before any parsing.
// Concurrency is checked first (a refusal there costs no token), then the rate; an admitted request holds
// a concurrency slot until `release`, which the Gateway calls once, when its exchange ends.
import { CATALOGUE, GatewayError } from '../errors/catalogue.js';
import { describeIdentity, type Identity } from '../identify/identity.js';
import type { Metrics } from '../observe/metrics.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { identityKey } from './identity-key.js';
import type { Limits } from './limits.js';
import { RequestRateLimiter } from './request-rate-limiter.js';

/** A slot a concurrency refusal says to retry after: no one knows when a running request will end. */
const CONCURRENCY_RETRY_SECONDS = 1;

export class Admission {
  private readonly concurrency: ConcurrencyLimiter;
  private readonly rate: RequestRateLimiter | undefined;

  constructor(
    limits: Pick<Limits, 'maxConcurrentRequests' | 'requestsPerSecond' | 'burst'>,
    /** Counts the refusals, when the admin listener serves metrics. */
    private readonly metrics?: Metrics,
  ) {
    this.concurrency = new ConcurrencyLimiter(limits.maxConcurrentRequests);
    this.rate = limits.requestsPerSecond > 0 ? new RequestRateLimiter(limits.requestsPerSecond, limits.burst) : undefined;
  }

  /** Returns the key whose slot the request now holds; throws the 429 refusal otherwise. `now` in ms (performance.now()). */
  admit(identity: Identity, now: number): string {
    const key = identityKey(identity);
    if (!this.concurrency.acquire(key)) {
      this.metrics?.limitHit(CATALOGUE.DG_TOO_MANY_CONCURRENT.rule);
      throw new GatewayError(
        'DG_TOO_MANY_CONCURRENT',
        {
          what: `a request of ${describeIdentity(identity)}`,
          why: `this client already has ${this.concurrency.max} requests running (streams such as events, logs -f and attach count)`,
          fix: 'Wait for some of them to finish, or ask the operator to raise dockgate serve --max-concurrent-requests',
        },
        CONCURRENCY_RETRY_SECONDS,
      );
    }
    const wait = this.rate?.take(key, now) ?? 0;
    if (wait > 0) {
      this.concurrency.release(key);
      this.metrics?.limitHit(CATALOGUE.DG_RATE_LIMITED.rule);
      const rate = this.rate!;
      throw new GatewayError(
        'DG_RATE_LIMITED',
        {
          what: `a request of ${describeIdentity(identity)}`,
          why: `this client sent more than ${rate.ratePerSecond} requests per second (burst ${rate.burst})`,
          fix: `Retry after ${wait} s (Retry-After) and send fewer requests, or ask the operator to raise dockgate serve --max-requests-per-second and --burst`,
        },
        wait,
      );
    }
    return key;
  }

  release(key: string): void {
    this.concurrency.release(key);
  }
}
