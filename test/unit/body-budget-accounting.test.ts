// What bodies make the gateway hold, as pure accounting: the byte budget with its per-identity share (a
// client's only hold may pass its share, never the total), holds that grow and give everything back once,
// the refusals beyond it (429 for the share, 503 for the total, 413 for a body that can never fit, with
// Retry-After and the option to raise), readBody taking a Content-Length before reading and a chunked body
// as it grows, and the reader's count of JSON values the memory charge is made of.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { BodyBudgets } from '../../src/admit/body-budgets.js';
import { BudgetHold, ByteBudget } from '../../src/admit/byte-budget.js';
import { GatewayError } from '../../src/errors/catalogue.js';
import { readBody } from '../../src/gateway/read-body.js';
import type { Identity } from '../../src/identify/identity.js';
import { readGoJson } from '../../src/inspect/go-json-reader.js';

const alice: Identity = { kind: 'unix', listener: 'unix:///gw.sock', uid: 1000, gid: 1000, pid: 1 };
const bob: Identity = { ...alice, uid: 1001 };
const MiB = 2 ** 20;

function refusalOf(fn: () => void): GatewayError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError, `a GatewayError, not ${String(err)}`);
    return err;
  }
  assert.fail('no refusal');
}

test('a budget gives within the total and each share, and says which one a request would pass', () => {
  const budget = new ByteBudget(100, 40);
  assert.equal(budget.take('a', 0, 30), undefined);
  assert.equal(budget.take('a', 0, 20), 'share', "a's second request would bring it to 50 of its 40");
  assert.equal(budget.take('b', 0, 40), undefined);
  assert.equal(budget.take('c', 0, 40), 'total', '110 of 100');
  assert.equal(budget.take('c', 0, 30), undefined);
  assert.deepEqual([budget.held, budget.heldBy('a'), budget.heldBy('b'), budget.heldBy('c')], [100, 30, 40, 30]);
  assert.equal(budget.take('d', 0, 101), 'alone', 'more than the total can never be given');
  budget.give('a', 30);
  budget.give('b', 40);
  budget.give('c', 30);
  assert.equal(budget.held, 0);
  assert.equal(budget.holders, 0, 'a client that holds nothing leaves no entry');
  assert.throws(() => budget.give('a', 1), /gives back 1 bytes but holds 0/);
});

test("a client's only hold may pass its share within the total; a second hold may not", () => {
  const budget = new ByteBudget(100, 40);
  const first = new BudgetHold(budget, 'a', (shortfall) => new Error(shortfall));
  first.add(30);
  first.add(30);
  assert.equal(first.bytes, 60, 'one request of 60 passes the share of 40: a share must not refuse the largest body forever');
  const second = new BudgetHold(budget, 'a', (shortfall) => new Error(shortfall));
  assert.throws(() => second.add(1), /^Error: share$/);
  assert.throws(() => first.add(41), /^Error: alone$/, '101 for one request is more than the total');
  assert.equal(first.bytes, 60, 'a refused add takes nothing');
  first.release();
  second.add(40);
  assert.equal(budget.heldBy('a'), 40);
});

test('a hold grows to a length, gives everything back once, and takes nothing after it is released', () => {
  const budget = new ByteBudget(1000, 1000);
  const hold = new BudgetHold(budget, 'k', () => new Error('refused'));
  hold.growTo(100);
  hold.growTo(50);
  assert.equal(hold.bytes, 100, 'growing to less than held takes nothing');
  hold.growTo(250);
  assert.equal(budget.held, 250);
  hold.release();
  hold.release();
  assert.equal(budget.held, 0);
  hold.add(10);
  assert.equal(budget.held, 0, 'what still arrives for an ended request is not held for it');
});

test('refusals: 429 over the share, 503 over the total, 413 for what never fits; each names its option', () => {
  const budgets = new BodyBudgets({ bodyMemory: 4 * MiB, bodyMemoryPerIdentity: 2 * MiB, spoolDisk: 8 * MiB, spoolDiskPerIdentity: 4 * MiB });
  const aliceFirst = budgets.inMemory(alice);
  aliceFirst.add(2 * MiB);
  const share = refusalOf(() => budgets.inMemory(alice).add(1));
  assert.deepEqual([share.code, share.status, share.rule, share.retryAfterSeconds], ['DG_BODY_BUDGET_SHARE', 429, 'limits.body-memory-per-identity', 1]);
  assert.match(
    share.message,
    /^dockgate: a request of uid=1000 .*denied by limits\.body-memory-per-identity: this client's requests already hold 2 MiB in memory while requests are judged .*, and each client may hold 2 MiB\. Retry after 1 s \(Retry-After\).*--body-memory-per-identity$/,
  );
  budgets.inMemory(bob).add(2 * MiB);
  const total = refusalOf(() => budgets.inMemory({ ...alice, uid: 1002 }).add(1));
  assert.deepEqual([total.code, total.status, total.rule, total.retryAfterSeconds], ['DG_BODY_BUDGET', 503, 'limits.body-memory', 1]);
  assert.match(total.message, /requests of all clients already hold 4 MiB .*, and the gateway allows 4 MiB\. .*dockgate serve --body-memory$/);
  const alone = refusalOf(() => budgets.inMemory({ ...alice, uid: 1003 }).add(5 * MiB));
  assert.deepEqual([alone.code, alone.status, alone.retryAfterSeconds], ['DG_BODY_TOO_LARGE', 413, undefined]);
  assert.match(alone.message, /it needs 5 MiB in memory .*more than the 4 MiB the gateway allows/);
  const disk = budgets.onDisk(alice);
  disk.add(4 * MiB);
  const diskShare = refusalOf(() => budgets.onDisk(alice).add(1));
  assert.deepEqual([diskShare.code, diskShare.status, diskShare.rule, diskShare.retryAfterSeconds], ['DG_SPOOL_BUDGET_SHARE', 429, 'limits.spool-disk-per-identity', 10]);
  assert.match(diskShare.message, /^dockgate: a build context of uid=1000 .*on disk while build contexts are judged/);
  aliceFirst.release();
  disk.release();
  assert.equal(budgets.memory.heldBy('uid:1000'), 0);
  assert.equal(budgets.disk.held, 0);
});

/** A request whose body the test writes: the stream readBody reads, with the headers it looks at. */
function request(headers: Record<string, string>): IncomingMessage & PassThrough {
  return Object.assign(new PassThrough(), { headers }) as unknown as IncomingMessage & PassThrough;
}

test('readBody takes a Content-Length before reading a byte, and refuses over the budget unread', async () => {
  const budget = new ByteBudget(1000, 1000);
  const taken = new BudgetHold(budget, 'other', () => new Error('refused'));
  taken.add(600);
  const req = request({ 'content-length': '500' });
  const hold = new BudgetHold(budget, 'k', (shortfall) => new Error(`over the ${shortfall}`));
  await assert.rejects(readBody(req, 4096, 'POST /x', hold), /over the total/);
  assert.equal(req.readableFlowing, null, 'nothing of the body was read');
  taken.release();
  const fits = request({ 'content-length': '5' });
  const reading = readBody(fits, 4096, 'POST /x', hold);
  assert.equal(hold.bytes, 5, 'taken before the body arrives');
  fits.end('hello');
  assert.equal((await reading).toString(), 'hello');
});

test('readBody takes a chunked body as its buffer grows, and refuses when it passes the budget', async () => {
  const budget = new ByteBudget(64 * 1024, 64 * 1024);
  const hold = new BudgetHold(budget, 'k', (shortfall) => new Error(shortfall));
  const req = request({ 'transfer-encoding': 'chunked' });
  const reading = readBody(req, MiB, 'POST /x', hold);
  assert.equal(hold.bytes, 16 * 1024, 'a chunked body starts with a small buffer');
  req.write(Buffer.alloc(20 * 1024, 0x61));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(hold.bytes, 32 * 1024, 'grown by doubling');
  req.write(Buffer.alloc(50 * 1024, 0x62));
  await assert.rejects(reading, /^Error: alone$/, '70 KiB would be more than the whole budget of 64 KiB');
  assert.equal(hold.bytes, 32 * 1024, 'the refused growth took nothing');
  const small = new BudgetHold(budget, 'j', () => new Error('refused'));
  const byteAtATime = request({ 'transfer-encoding': 'chunked' });
  const whole = readBody(byteAtATime, MiB, 'POST /x', small);
  for (const c of 'one byte at a time') byteAtATime.write(c);
  byteAtATime.end();
  assert.equal((await whole).toString(), 'one byte at a time');
  assert.equal(small.bytes, 16 * 1024, 'one buffer, however the body is cut');
});

test('the reader counts every value of a body: what its reading holds, which its length does not tell', () => {
  assert.equal(readGoJson(Buffer.from('{"a":[1,2,{"b":null}],"c":"x"}')).values, 7);
  const dense = readGoJson(Buffer.from(`[${Array.from({ length: 1000 }, () => '{}').join(',')}]`));
  const sparse = readGoJson(Buffer.from(JSON.stringify(['x'.repeat(2999)])));
  assert.equal(dense.values, 1001);
  assert.equal(sparse.values, 2, 'a body of the same length with one long string holds two values');
});
