// Summaries of measurements: medians of per-slice rates, percentiles of pooled latency samples.

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The p-th percentile (0 < p <= 100) by the nearest-rank method. */
export function percentile(values: readonly number[] | Float64Array, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** A growable list of samples (latencies in ms), cheap to append to at tens of thousands per second. */
export class Samples {
  private values = new Float64Array(1024);
  private count = 0;

  add(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }

  get length(): number {
    return this.count;
  }

  percentile(p: number): number {
    return percentile(this.values.subarray(0, this.count), p);
  }
}

/** Visits `targets` starting at a different one each round, so that none always runs first or last. */
export function rotated<T>(targets: readonly T[], round: number): T[] {
  const start = round % targets.length;
  return [...targets.slice(start), ...targets.slice(0, start)];
}
