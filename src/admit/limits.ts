// The limits `dockgate serve` enforces, with their defaults. Defaults are set so that they never bother
// the Docker CLI, compose or automation that a gateway is put in front of, and only stop floods and
// resource exhaustion: see README.md, "Limits and timeouts".

export interface Limits {
  /** Open connections across all listeners (hijacked streams included). */
  maxConnections: number;
  /** Requests in flight per identity (streams included). */
  maxConcurrentRequests: number;
  /** Requests per second per identity; 0: no rate limit. */
  requestsPerSecond: number;
  /** Requests an identity may send at once on top of the rate. */
  burst: number;
  /** From accept (on a kept-alive connection: from the next request's first byte) to a complete request head; also the TLS handshake's bound. */
  headersTimeoutMs: number;
  /** No request-body bytes for this long while a body is being received. */
  bodyTimeoutMs: number;
  /** An idle connection between requests. */
  keepAliveTimeoutMs: number;
  /** Failed TLS handshakes per second per client address, on each TLS listener; 0: no limit (src/listen/failed-handshake-limit.ts). */
  failedHandshakesPerSecond: number;
  /** Bytes held in memory for requests being judged (bodies, their parsed form, engine answers), across all clients. */
  bodyMemory: number;
  /** The same, per identity (a client's only request may pass it, within bodyMemory). */
  bodyMemoryPerIdentity: number;
  /** Bytes of build contexts spooled to disk while judged, across all clients. */
  spoolDisk: number;
  /** The same, per identity. */
  spoolDiskPerIdentity: number;
}

export const DEFAULT_LIMITS: Limits = {
  // A thousand idle `docker events` streams (bench/) and their engine connections fit in well under 20,000 fds.
  maxConnections: 4096,
  // One identity may hold most of the connections (compose following the logs of hundreds of containers).
  maxConcurrentRequests: 2048,
  // Off: any fixed rate would cap legitimate automation and the benchmarks below what the gateway serves.
  requestsPerSecond: 0,
  burst: 0,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  // A client with a wrong certificate fails once or retries a few times; ten a second, sustained, is a loop
  // or an attack, and bounds what one address costs (ten signatures a second) whatever the server's key.
  failedHandshakesPerSecond: 10,
  // Real judged bodies are a few KiB (with their parsed form and look-ups, some tens of KiB): a 16 MiB share
  // lets one client have hundreds in judgement at once, and four clients at their full share fit in 64 MiB.
  // The bound is what judging holds; with V8's slack the gateway stays within a few hundred MB under any flood.
  bodyMemory: 64 * 2 ** 20,
  bodyMemoryPerIdentity: 16 * 2 ** 20,
  // One client may spool one build context of the largest size judged (8 GiB), or many smaller ones; two
  // such clients at once fill the total.
  spoolDisk: 16 * 2 ** 30,
  spoolDiskPerIdentity: 8 * 2 ** 30,
};
