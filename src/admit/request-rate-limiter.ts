// Requests per second per key, as a token bucket: a key may send `burst` requests at once, then `rate`
// per second. Each admission refills the key's bucket by the time elapsed and takes a token: a Map
// lookup and some arithmetic, no timer. A bucket that would be full again is the same as no bucket, so
// buckets of keys that went quiet are dropped by a sweep that runs at most once per SWEEP_MS, from
// admissions: the map holds only keys seen within the last burst/rate seconds (plus one sweep period).

interface Bucket {
  tokens: number;
  /** The `now` (ms) the tokens were counted at. */
  at: number;
}

const SWEEP_MS = 10_000;

export class RequestRateLimiter {
  private readonly perMs: number;
  private readonly buckets = new Map<string, Bucket>();
  private sweptAt = 0;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {
    this.perMs = ratePerSecond / 1000;
  }

  /** Takes a token for `key` at `now` (ms, monotonic). Returns 0 when admitted, else whole seconds until a token is there (at least 1). */
  take(key: string, now: number): number {
    if (now - this.sweptAt >= SWEEP_MS) this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000));
  }

  /** How many keys have a bucket (for tests: idle keys must not accumulate). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.burst) this.buckets.delete(key);
    }
  }
}
