// The per-address limit on failed TLS handshakes (src/listen/failed-handshake-limit.ts), on a clock of the
// test's own: one second's worth of failures, then the address waits for the rate to refill it; a burst of
// simultaneous failures is paid back at the rate (at most a minute); addresses are counted apart, an IPv4
// client of a dual-stack socket as its IPv4 address; 0 turns it off. And --max-failed-handshakes-per-second
// as serve reads it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/admit/limits.js';
import { limitsFromOptions } from '../../src/cli/limit-options.js';
import { FailedHandshakeLimit } from '../../src/listen/failed-handshake-limit.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('an address may fail one second of handshakes at once, then one each 1/rate seconds', () => {
  const time = clock();
  const limit = new FailedHandshakeLimit(5, time.now);
  for (let i = 0; i < 5; i++) {
    assert.equal(limit.admits('192.0.2.7'), true, `failure ${i + 1} of the first second`);
    limit.failed('192.0.2.7');
  }
  assert.equal(limit.admits('192.0.2.7'), false, 'the sixth within the second is refused');
  assert.equal(limit.admits('192.0.2.8'), true, 'another address is not');
  time.advance(199);
  assert.equal(limit.admits('192.0.2.7'), false);
  time.advance(1);
  assert.equal(limit.admits('192.0.2.7'), true, 'one more after 1/5 s');
  limit.failed('192.0.2.7');
  assert.equal(limit.admits('192.0.2.7'), false);
});

test('a burst of simultaneous failures is paid back at the rate, for at most a minute', () => {
  const time = clock();
  const limit = new FailedHandshakeLimit(10, time.now);
  for (let i = 0; i < 40; i++) limit.failed('2001:db8::1'); // admitted together, failed together
  time.advance(3_000);
  assert.equal(limit.admits('2001:db8::1'), false, '30 failures beyond the bucket: still 0.1 s to wait after 3 s');
  time.advance(100);
  assert.equal(limit.admits('2001:db8::1'), true);

  for (let i = 0; i < 100_000; i++) limit.failed('2001:db8::2');
  time.advance(60_000);
  assert.equal(limit.admits('2001:db8::2'), false);
  time.advance(100);
  assert.equal(limit.admits('2001:db8::2'), true, 'never held back more than a minute');
});

test('an IPv4 client of a dual-stack socket is its IPv4 address', () => {
  const limit = new FailedHandshakeLimit(1, clock().now);
  limit.failed('::ffff:198.51.100.4');
  assert.equal(limit.admits('198.51.100.4'), false);
  assert.equal(limit.admits('::ffff:198.51.100.4'), false);
});

test('memory is bounded: past 10,000 addresses held back, the oldest is forgotten', () => {
  const limit = new FailedHandshakeLimit(1, clock().now);
  limit.failed('10.0.0.1');
  for (let i = 0; i < 10_000; i++) limit.failed(`10.1.${i >> 8}.${i & 255}`);
  assert.equal(limit.admits('10.0.0.1'), true, 'the oldest of 10,001 was forgotten');
  assert.equal(limit.admits('10.1.0.0'), false, 'the next oldest is still held back');
});

test('0 turns the limit off', () => {
  const limit = new FailedHandshakeLimit(0, clock().now);
  for (let i = 0; i < 1000; i++) limit.failed('192.0.2.9');
  assert.equal(limit.admits('192.0.2.9'), true);
});

test('--max-failed-handshakes-per-second: 10 by default, 0 for none, anything else refused with the option named', () => {
  const options = {
    maxConnections: '4096',
    maxConcurrentRequests: '2048',
    maxRequestsPerSecond: '0',
    headersTimeout: '10',
    bodyTimeout: '60',
    keepAliveTimeout: '5',
    bodyMemory: '64m',
    bodyMemoryPerIdentity: '16m',
    spoolDisk: '16g',
    spoolDiskPerIdentity: '8g',
    maxFailedHandshakesPerSecond: String(DEFAULT_LIMITS.failedHandshakesPerSecond),
  };
  assert.equal(limitsFromOptions(options).failedHandshakesPerSecond, 10);
  assert.equal(limitsFromOptions({ ...options, maxFailedHandshakesPerSecond: '0' }).failedHandshakesPerSecond, 0);
  assert.throws(
    () => limitsFromOptions({ ...options, maxFailedHandshakesPerSecond: '2.5' }),
    /^ConfigError: --max-failed-handshakes-per-second 2\.5: expected a whole number of at least 0$/,
  );
});
