// The per-identity limits as pure logic: the token bucket (burst, refill, Retry-After, forgetting idle
// keys), the count of requests in flight (taken, refused at the limit, given back), the identity keys they
// count by, and Admission, which combines them into 429 refusals with their rule and Retry-After.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admission } from '../../src/admit/admission.js';
import { ConcurrencyLimiter } from '../../src/admit/concurrency-limiter.js';
import { identityKey } from '../../src/admit/identity-key.js';
import { RequestRateLimiter } from '../../src/admit/request-rate-limiter.js';
import { GatewayError } from '../../src/errors/catalogue.js';
import type { Identity } from '../../src/identify/identity.js';

const alice: Identity = { kind: 'unix', listener: 'unix:///gw.sock', uid: 1000, gid: 1000, pid: 1 };
const aliceOtherProcess: Identity = { ...alice, pid: 2, gid: 5 };
const bob: Identity = { ...alice, uid: 1001 };

test('a bucket admits the burst at once, then the rate; Retry-After is the whole seconds until a token', () => {
  const limiter = new RequestRateLimiter(2, 5);
  for (let i = 0; i < 5; i++) assert.equal(limiter.take('k', 1_000), 0, `request ${i + 1} of the burst`);
  assert.equal(limiter.take('k', 1_000), 1, 'the 6th waits: a token comes in 0.5 s, rounded up to 1 s');
  assert.equal(limiter.take('k', 1_499), 1, 'still under one token');
  assert.equal(limiter.take('k', 1_500), 0, 'one token after 0.5 s at 2/s');
  assert.equal(limiter.take('k', 1_500), 1);
  // A slow rate: the wait is the real one, not 1 s.
  const slow = new RequestRateLimiter(0.1, 1);
  assert.equal(slow.take('k', 0), 0);
  assert.equal(slow.take('k', 0), 10, 'at 0.1/s the next token comes in 10 s');
  assert.equal(slow.take('k', 5_000), 5);
});

test('a refill never goes above the burst, and keys have buckets of their own', () => {
  const limiter = new RequestRateLimiter(10, 3);
  for (let i = 0; i < 3; i++) assert.equal(limiter.take('a', 0), 0);
  assert.ok(limiter.take('a', 0) > 0);
  assert.equal(limiter.take('b', 0), 0, 'another key is not throttled');
  // An hour later the bucket holds the burst, not 36,000 tokens.
  for (let i = 0; i < 3; i++) assert.equal(limiter.take('a', 3_600_000), 0);
  assert.ok(limiter.take('a', 3_600_000) > 0);
});

test('buckets of keys that went quiet are forgotten: the map does not grow with every key ever seen', () => {
  const limiter = new RequestRateLimiter(100, 100);
  for (let i = 0; i < 10_000; i++) limiter.take(`key-${i}`, 0);
  assert.equal(limiter.size, 10_000);
  // Past the sweep period, and long past the one second a bucket needs to fill again.
  limiter.take('busy', 60_000);
  assert.equal(limiter.size, 1, 'only the key seen now is left');
  // A bucket that is still refilling is kept: forgetting it would hand its key a fresh burst.
  const slow = new RequestRateLimiter(1, 100);
  for (let i = 0; i < 100; i++) slow.take('drained', 0);
  slow.take('other', 20_000);
  assert.equal(slow.size, 2, 'the drained bucket needs 100 s to fill, it is kept at 20 s');
  assert.ok(slow.take('drained', 20_000) === 0 && slow.take('drained', 20_000) === 0, 'and it has its 20 refilled tokens');
});

test('in-flight requests per key: refused at the limit, admitted again after a release, forgotten at zero', () => {
  const limiter = new ConcurrencyLimiter(2);
  assert.equal(limiter.acquire('a'), true);
  assert.equal(limiter.acquire('a'), true);
  assert.equal(limiter.acquire('a'), false, 'the third is over the limit');
  assert.equal(limiter.acquire('b'), true, 'another key has slots of its own');
  assert.equal(limiter.count('a'), 2, 'a refused acquire takes no slot');
  limiter.release('a');
  assert.equal(limiter.acquire('a'), true, 'a released slot is taken again');
  limiter.release('a');
  limiter.release('a');
  limiter.release('b');
  assert.equal(limiter.size, 0, 'keys without requests in flight have no entry');
  assert.throws(() => limiter.release('a'), /without a slot/, 'a release without a slot is a bug, not silently ignored');
});

test('identity keys: a unix peer is its uid, a TLS peer its certificate, a tcp peer its address without the port', () => {
  assert.equal(identityKey(alice), identityKey(aliceOtherProcess));
  assert.notEqual(identityKey(alice), identityKey(bob));
  const cert = (fingerprint: string, address: string): Identity => ({ kind: 'tls', listener: 'tcp://127.0.0.1:2376', address, o: [], ou: [], san: [], fingerprint, serial: '01' });
  assert.equal(identityKey(cert('AA:BB', '127.0.0.1:4000')), identityKey(cert('AA:BB', '127.0.0.2:5000')));
  assert.notEqual(identityKey(cert('AA:BB', '127.0.0.1:4000')), identityKey(cert('AA:BC', '127.0.0.1:4000')));
  const tcp = (address: string): Identity => ({ kind: 'tcp', listener: 'tcp://127.0.0.1:2375', address });
  assert.equal(identityKey(tcp('127.0.0.1:4000')), identityKey(tcp('127.0.0.1:4001')));
  assert.equal(identityKey(tcp('::1:4000')), identityKey(tcp('::1:4001')));
  assert.notEqual(identityKey(tcp('127.0.0.1:4000')), identityKey(tcp('127.0.0.2:4000')));
  // A uid and a certificate fingerprint can never be read as each other's key.
  assert.notEqual(identityKey({ ...alice, uid: 0 }), identityKey(tcp('0:1')));
});

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return error;
  }
  assert.fail('expected a refusal');
}

test('Admission: a 429 naming the rule and the fix, with Retry-After; a refused request holds no slot', () => {
  const admission = new Admission({ maxConcurrentRequests: 2, requestsPerSecond: 1, burst: 3 });
  const first = admission.admit(alice, 0);
  admission.admit(aliceOtherProcess, 0);
  const concurrent = refusal(() => admission.admit(alice, 0));
  assert.equal(concurrent.code, 'DG_TOO_MANY_CONCURRENT');
  assert.equal(concurrent.status, 429);
  assert.equal(concurrent.rule, 'limits.concurrency');
  assert.equal(concurrent.retryAfterSeconds, 1);
  assert.match(concurrent.message, /^dockgate: a request of uid=1000 .* denied by limits\.concurrency: this client already has 2 requests running.*--max-concurrent-requests/);
  assert.deepEqual(concurrent.toJSON(), { message: concurrent.message });

  admission.release(first);
  admission.admit(alice, 0); // the third token of the burst
  admission.release(first);
  const rated = refusal(() => admission.admit(alice, 0));
  assert.equal(rated.code, 'DG_RATE_LIMITED');
  assert.equal(rated.status, 429);
  assert.equal(rated.rule, 'limits.rate');
  assert.equal(rated.retryAfterSeconds, 1);
  assert.match(rated.message, /denied by limits\.rate: this client sent more than 1 requests per second \(burst 3\)\. Retry after 1 s/);
  // The rate refusal gave its slot back: one slot is still held, so one more (with a token) is admitted.
  admission.admit(alice, 1_000);
  assert.equal(refusal(() => admission.admit(alice, 2_000)).code, 'DG_TOO_MANY_CONCURRENT');
  // Bob is not throttled by Alice.
  admission.admit(bob, 0);
});

test('Admission without a rate limit takes no token at all', () => {
  const admission = new Admission({ maxConcurrentRequests: 1_000_000, requestsPerSecond: 0, burst: 0 });
  for (let i = 0; i < 100_000; i++) admission.release(admission.admit(alice, 0));
});
