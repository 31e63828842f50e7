// A budget of bytes the gateway holds for requests (bodies in memory while they are read and judged,
// build contexts on disk): a total across all clients and a share per client, so that one client cannot
// take it all. A request takes bytes through its Hold as it learns it needs them (a Content-Length up
// front, a chunked body as it grows, its parsed form once read) and gives them all back when it ends.
// Counting only: two numbers per client that holds something, no entry for one that holds nothing.

/** Why bytes were not given: the total, the client's share, or more than the total for one request alone. */
export type Shortfall = 'total' | 'share' | 'alone';

export class ByteBudget {
  private inUse = 0;
  private readonly byKey = new Map<string, number>();

  constructor(
    readonly total: number,
    readonly share: number,
  ) {}

  /**
   * Takes `bytes` for `key`, whose hold already has `own`; returns the shortfall instead (taking nothing).
   * A client's only hold may pass its share (within the total): a share smaller than the largest body
   * would otherwise refuse that body forever, however idle the gateway.
   */
  take(key: string, own: number, bytes: number): Shortfall | undefined {
    if (own + bytes > this.total) return 'alone';
    const mine = this.byKey.get(key) ?? 0;
    if (mine > own && mine + bytes > this.share) return 'share';
    if (this.inUse + bytes > this.total) return 'total';
    this.byKey.set(key, mine + bytes);
    this.inUse += bytes;
    return undefined;
  }

  /** Gives back bytes taken for `key` (the caller gives back no more than it took). */
  give(key: string, bytes: number): void {
    const mine = this.byKey.get(key);
    if (mine === undefined || mine < bytes) throw new Error(`ByteBudget: ${key} gives back ${bytes} bytes but holds ${mine ?? 0}`);
    if (mine === bytes) this.byKey.delete(key);
    else this.byKey.set(key, mine - bytes);
    this.inUse -= bytes;
  }

  /** Bytes held across all clients. */
  get held(): number {
    return this.inUse;
  }

  heldBy(key: string): number {
    return this.byKey.get(key) ?? 0;
  }

  /** How many clients hold something (for tests: clients that hold nothing leave no entry). */
  get holders(): number {
    return this.byKey.size;
  }
}

/** What one request holds of a budget; its refusal is thrown when more does not fit. */
export class BudgetHold {
  private taken = 0;
  private released = false;

  constructor(
    private readonly budget: ByteBudget,
    readonly key: string,
    private readonly refusal: (shortfall: Shortfall, wanted: number) => Error,
  ) {}

  get bytes(): number {
    return this.taken;
  }

  /** Takes `bytes` more; throws the refusal (holding what it held) when they do not fit. */
  add(bytes: number): void {
    // After release the request has ended: whatever still arrives for it is garbage, not a holding.
    if (this.released || bytes <= 0) return;
    const shortfall = this.budget.take(this.key, this.taken, bytes);
    if (shortfall !== undefined) throw this.refusal(shortfall, this.taken + bytes);
    this.taken += bytes;
  }

  /** Grows the hold to `bytes` (a body's length so far); nothing when it already holds as many. */
  growTo(bytes: number): void {
    if (bytes > this.taken) this.add(bytes - this.taken);
  }

  /** Gives everything back, once; later calls and later adds do nothing. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.taken > 0) this.budget.give(this.key, this.taken);
    this.taken = 0;
  }
}
