// Requests in flight per key: a request holds its slot from admission until its exchange ends (answered,
// refused, or cut with its connection), streams and hijacked connections included, since those are what
// hold the engine's and the gateway's resources. A key without requests in flight has no entry.

export class ConcurrencyLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `key`; false when it already has `max` requests in flight. */
  acquire(key: string): boolean {
    const count = this.inFlight.get(key) ?? 0;
    if (count >= this.max) return false;
    this.inFlight.set(key, count + 1);
    return true;
  }

  /** Gives back a slot taken by acquire (the caller makes sure it does so once per slot). */
  release(key: string): void {
    const count = this.inFlight.get(key);
    if (count === undefined) throw new Error(`ConcurrencyLimiter: release of ${key} without a slot`);
    if (count <= 1) this.inFlight.delete(key);
    else this.inFlight.set(key, count - 1);
  }

  /** Requests in flight for `key`. */
  count(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }

  /** How many keys have requests in flight. */
  get size(): number {
    return this.inFlight.size;
  }
}
