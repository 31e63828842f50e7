// A per-address limit on failed TLS handshakes (`--max-failed-handshakes-per-second`). A handshake costs
// the gateway a key exchange and a signature (milliseconds with an RSA key) before it can tell that the
// client has no certificate it accepts; one address failing handshakes in a loop would take the CPU every
// other client needs. So each address has a bucket of failures, refilled at the limit per second and
// holding one second's worth: while it is empty, new connections from that address are closed at accept,
// before a TLS byte is read. A failure is a connection that did not become an admitted client (a handshake
// error, a client that left or stalled mid-handshake, a certificate refused after it); handshakes that
// succeed cost nothing here, so clients sharing an address (NAT) are limited only by their failures.
//
// Failures are counted as they end, so a burst of simultaneous ones can take the bucket below empty: the
// address then waits until the debt is paid back, as long as its failures take at the limit, and at most
// a minute. An IPv4 client of a dual-stack socket counts as its IPv4 address. An address is forgotten once
// its bucket is full again, and at most MAX_TRACKED are tracked at once (past that the oldest are
// forgotten: an attacker with that many addresses gains one more burst from each, no more).

import { unmapAddress } from './network-allow-list.js';

const MAX_TRACKED = 10_000;
const MAX_DEBT_SECONDS = 60;

interface Bucket {
  tokens: number;
  at: number;
}

export class FailedHandshakeLimit {
  readonly perSecond: number;
  private readonly now: () => number;
  /** In the order of their last failure, oldest first. */
  private readonly buckets = new Map<string, Bucket>();

  /** `perSecond` 0: no limit. */
  constructor(perSecond: number, now: () => number = Date.now) {
    this.perSecond = perSecond;
    this.now = now;
  }

  /** Whether a new connection from `address` may start a handshake. */
  admits(address: string): boolean {
    const bucket = this.buckets.get(unmapAddress(address));
    return bucket === undefined || this.refilled(bucket, this.now()) >= 1;
  }

  /** Counts one failed handshake of `address`. */
  failed(peer: string): void {
    if (this.perSecond === 0) return;
    const address = unmapAddress(peer);
    const now = this.now();
    this.forgetFull(now);
    const previous = this.buckets.get(address);
    const tokens = previous === undefined ? this.perSecond : this.refilled(previous, now);
    this.buckets.delete(address);
    this.buckets.set(address, { tokens: Math.max(tokens - 1, -MAX_DEBT_SECONDS * this.perSecond), at: now });
    if (this.buckets.size > MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value!);
  }

  private refilled(bucket: Bucket, now: number): number {
    return Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
  }

  /** Forgets, oldest first, the addresses whose bucket is full again. */
  private forgetFull(now: number): void {
    for (const [address, bucket] of this.buckets) {
      if (this.refilled(bucket, now) < this.perSecond) return;
      this.buckets.delete(address);
    }
  }
}
