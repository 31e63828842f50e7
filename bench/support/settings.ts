// How long each scenario runs: the full run (about ten minutes on a 2-core machine) and `--quick` (about a
// minute, build and engine start included), the same scenarios with fewer and shorter slices.

export interface Settings {
  quick: boolean;
  /** ping, containers_json: per concurrency, a warm-up slice per target, then rounds of one slice per target. */
  http: { rounds: number; sliceSeconds: number; warmupSeconds: number };
  /**
   * containers_json_100, as http. An answer takes the engine tens of milliseconds, so 64 connections wait up to
   * a second for their first ones: longer slices, so that neither that start nor the answers still in flight
   * when a slice ends (which it does not count) weigh much in requests/s, and no warm-up ends with no answer.
   */
  containersJson100: { rounds: number; sliceSeconds: number; warmupSeconds: number };
  /** denied, denied_bodiless (their warm-up is http's). */
  denied: { rounds: number; sliceSeconds: number };
  /** Pairs per target per round, bounded by a time per slice as well. */
  createDelete: { rounds: number; pairs: number; sliceSeconds: number };
  exec: { rounds: number; echoes: number; sliceSeconds: number };
  archive: { rounds: number; bytes: number };
  /** bytes: the size of the layer's one file (the tarball is a few KiB more). */
  imageLoad: { rounds: number; bytes: number };
  fdatasync: { syncs: number };
  idleEvents: { streams: number; settleSeconds: number; windowSeconds: number };
  tls: { rounds: number; sliceSeconds: number; concurrency: number };
  policy: { rounds: number; sliceSeconds: number };
}

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

export const FULL: Settings = {
  quick: false,
  http: { rounds: 6, sliceSeconds: 2.5, warmupSeconds: 1 },
  containersJson100: { rounds: 4, sliceSeconds: 5, warmupSeconds: 2 },
  denied: { rounds: 6, sliceSeconds: 2.5 },
  createDelete: { rounds: 5, pairs: 20, sliceSeconds: 20 },
  exec: { rounds: 5, echoes: 400, sliceSeconds: 10 },
  archive: { rounds: 3, bytes: GIB },
  imageLoad: { rounds: 3, bytes: 256 * MIB },
  fdatasync: { syncs: 200 },
  idleEvents: { streams: 1000, settleSeconds: 2, windowSeconds: 10 },
  tls: { rounds: 5, sliceSeconds: 3, concurrency: 8 },
  policy: { rounds: 5, sliceSeconds: 1 },
};

export const QUICK: Settings = {
  quick: true,
  http: { rounds: 2, sliceSeconds: 0.5, warmupSeconds: 0.2 },
  containersJson100: { rounds: 2, sliceSeconds: 1.5, warmupSeconds: 1 },
  denied: { rounds: 2, sliceSeconds: 0.5 },
  createDelete: { rounds: 2, pairs: 4, sliceSeconds: 2 },
  exec: { rounds: 2, echoes: 100, sliceSeconds: 2 },
  archive: { rounds: 1, bytes: GIB / 4 },
  imageLoad: { rounds: 1, bytes: 64 * MIB },
  fdatasync: { syncs: 200 },
  idleEvents: { streams: 1000, settleSeconds: 0.5, windowSeconds: 2 },
  tls: { rounds: 2, sliceSeconds: 0.6, concurrency: 8 },
  policy: { rounds: 2, sliceSeconds: 0.4 },
};
