// The limit and timeout options of `dockgate serve`, their defaults (src/admit/limits.ts) and their checks.
import type { Command } from 'commander';
import { ConfigError } from '../errors/config-error.js';
import { DEFAULT_LIMITS, type Limits } from '../admit/limits.js';
import { parseSize } from '../policy/policy-units.js';

export interface LimitOptions {
  maxConnections: string;
  maxConcurrentRequests: string;
  maxRequestsPerSecond: string;
  burst?: string;
  headersTimeout: string;
  bodyTimeout: string;
  keepAliveTimeout: string;
  maxFailedHandshakesPerSecond: string;
  bodyMemory: string;
  bodyMemoryPerIdentity: string;
  spoolDisk: string;
  spoolDiskPerIdentity: string;
}

/** Longer timeouts than a day are a mistake (and past what Node's timers hold). */
const MAX_TIMEOUT_SECONDS = 86_400;

export function addLimitOptions(command: Command): Command {
  const d = DEFAULT_LIMITS;
  return command
    .option('--max-connections <n>', 'open connections across all listeners; more are closed at once (a 503 on plain listeners)', String(d.maxConnections))
    .option('--max-concurrent-requests <n>', 'requests in flight per identity, streams included; more are answered 429', String(d.maxConcurrentRequests))
    .option('--max-requests-per-second <n>', 'requests per second per identity, answered 429 with Retry-After beyond it; 0: no limit', String(d.requestsPerSecond))
    .option('--burst <n>', 'requests an identity may send at once on top of --max-requests-per-second (default: one second of it)')
    .option('--headers-timeout <seconds>', 'time to send a request head (and to finish a TLS handshake); slower clients get a 408', String(d.headersTimeoutMs / 1000))
    .option('--body-timeout <seconds>', 'longest pause while sending a request body; a 408 then (streams answered by the engine are never cut)', String(d.bodyTimeoutMs / 1000))
    .option('--keep-alive-timeout <seconds>', 'how long an idle connection is kept between requests', String(d.keepAliveTimeoutMs / 1000))
    .option(
      '--max-failed-handshakes-per-second <n>',
      'failed TLS handshakes per second per client address; beyond it, connections from that address are closed at accept until the rate falls; 0: no limit',
      String(d.failedHandshakesPerSecond),
    )
    .option('--body-memory <size>', 'memory for requests being judged (bodies, their parsed form, engine look-ups), all clients together; more is answered 503', sizeText(d.bodyMemory))
    .option('--body-memory-per-identity <size>', "one client's share of --body-memory; more is answered 429", sizeText(d.bodyMemoryPerIdentity))
    .option('--spool-disk <size>', 'disk for build contexts held in --spool-dir while judged, all clients together; more is answered 503', sizeText(d.spoolDisk))
    .option('--spool-disk-per-identity <size>', "one client's share of --spool-disk; more is answered 429", sizeText(d.spoolDiskPerIdentity));
}

/** A default as the options are written (`64m`, `16g`). */
function sizeText(bytes: number): string {
  return bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30}g` : `${bytes / 2 ** 20}m`;
}

function count(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) throw new ConfigError(`${flag} ${text}: expected a whole number of at least ${min}`);
  return value;
}

function bytes(flag: string, text: string): number {
  const value = parseSize(text);
  if (value === undefined) throw new ConfigError(`${flag} ${text}: expected a size such as 64m or 16g (k, m, g, t: KiB, MiB, GiB, TiB)`);
  return value;
}

/** A budget and its per-identity share: a share above the total would never be reached. */
function budget(totalFlag: string, totalText: string, shareFlag: string, shareText: string): [number, number] {
  const total = bytes(totalFlag, totalText);
  const share = bytes(shareFlag, shareText);
  if (share > total) throw new ConfigError(`${shareFlag} ${shareText} is more than ${totalFlag} ${totalText}: a client's share is part of the total`);
  return [total, share];
}

function milliseconds(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0 || value > MAX_TIMEOUT_SECONDS) {
    throw new ConfigError(`${flag} ${text}: expected a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}`);
  }
  return Math.round(value * 1000);
}

export function limitsFromOptions(opts: LimitOptions): Limits {
  const requestsPerSecond = count('--max-requests-per-second', opts.maxRequestsPerSecond, 0);
  if (opts.burst !== undefined && requestsPerSecond === 0) throw new ConfigError('--burst goes with --max-requests-per-second (it is the burst above that rate)');
  const [bodyMemory, bodyMemoryPerIdentity] = budget('--body-memory', opts.bodyMemory, '--body-memory-per-identity', opts.bodyMemoryPerIdentity);
  const [spoolDisk, spoolDiskPerIdentity] = budget('--spool-disk', opts.spoolDisk, '--spool-disk-per-identity', opts.spoolDiskPerIdentity);
  return {
    maxConnections: count('--max-connections', opts.maxConnections, 1),
    maxConcurrentRequests: count('--max-concurrent-requests', opts.maxConcurrentRequests, 1),
    requestsPerSecond,
    burst: opts.burst !== undefined ? count('--burst', opts.burst, 1) : requestsPerSecond,
    headersTimeoutMs: milliseconds('--headers-timeout', opts.headersTimeout),
    bodyTimeoutMs: milliseconds('--body-timeout', opts.bodyTimeout),
    keepAliveTimeoutMs: milliseconds('--keep-alive-timeout', opts.keepAliveTimeout),
    failedHandshakesPerSecond: count('--max-failed-handshakes-per-second', opts.maxFailedHandshakesPerSecond, 0),
    bodyMemory,
    bodyMemoryPerIdentity,
    spoolDisk,
    spoolDiskPerIdentity,
  };
}
