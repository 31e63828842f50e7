// The forward path's engine client against an engine that writes exact bytes (test/support/scripted-engine.ts):
// what a client of the gateway sees for each way an answer can be framed, well or badly, whole or in
// pieces, and whether the engine connection is used again. An answer whose framing is wrong fails: a 502
// when the client has seen nothing yet, a cut connection (an incomplete response, never a complete one)
// when it has; the bytes past the fault never reach the client; and a connection whose framing was in
// doubt never carries another request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isGatewayError } from '../../src/errors/catalogue.js';
import { requestThroughRig, startForwardingRig, type ForwardingRig, type ScriptedAnswer, type SeenByClient } from '../support/scripted-engine.js';

let rig: ForwardingRig;

before(async () => {
  rig = await startForwardingRig();
});

after(() => rig.close());

/** One request through the gateway, as a client sees it. */
function request(path: string): Promise<SeenByClient> {
  return requestThroughRig(rig, path);
}

/** Answers every request with these pieces, each in a read of its own. */
function engineAnswers(...pieces: string[]): void {
  rig.answer(() => ({ pieces }));
}

function engineAnswersThenCloses(...pieces: string[]): void {
  rig.answer((): ScriptedAnswer => ({ pieces, then: 'close' }));
}

/** The gateway's refusal: a Docker-style JSON message, from the exchange ending as DG_UPSTREAM_FAILED. */
function assertUpstreamFailure(seen: SeenByClient, why: RegExp): void {
  assert.equal(seen.status, 502);
  const outcome = rig.outcomes.at(-1);
  assert.ok(isGatewayError(outcome) && outcome.code === 'DG_UPSTREAM_FAILED', 'the exchange failed as the upstream failure it is');
  assert.match((JSON.parse(seen.body) as { message: string }).message, why);
}

/** Whether the next request goes out on a new engine connection (the last one was not reused). */
async function nextRequestOpensAConnection(): Promise<boolean> {
  const before = rig.connections();
  engineAnswers('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext');
  const seen = await request('/next');
  assert.equal(seen.body, 'next', 'the next answer is its own, nothing of the one before');
  return rig.connections() > before;
}

test('a Content-Length answer reaches the client whole, with its headers, and its connection carries the next request', async () => {
  engineAnswers('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}');
  const seen = await request('/v1.41/info');
  assert.deepEqual([seen.status, seen.body, seen.complete], [200, '{"ok":true}', true]);
  assert.equal(seen.headers['api-version'], '1.41');
  assert.equal(seen.headers['content-length'], '11');
  assert.equal(rig.received.at(-1)!.text, 'GET /v1.41/info HTTP/1.1\r\nHost: localhost\r\ncontent-length: 0\r\n\r\n', 'the engine gets the canonical head');
  assert.equal(await nextRequestOpensAConnection(), false);
});

test('a chunked answer arriving chunk by chunk reaches the client as its data, and its connection is reused', async () => {
  engineAnswers('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '5\r\nhello\r\n', '6;ext=1\r\n world\r\n', '0\r\n\r\n');
  const seen = await request('/v1.41/events');
  assert.deepEqual([seen.status, seen.body, seen.complete], [200, 'hello world', true]);
  assert.equal(await nextRequestOpensAConnection(), false);
});

test('headers split across writes, even inside a line and between CR and LF, are read as one head', async () => {
  engineAnswers('HTTP/1.1 200 OK\r\nConte', 'nt-Length: 5\r\nApi-Ver', 'sion: 1.41\r\n\r', '\nhel', 'lo');
  const seen = await request('/v1.41/version');
  assert.deepEqual([seen.status, seen.body, seen.complete, seen.headers['api-version']], [200, 'hello', true, '1.41']);
  assert.equal(await nextRequestOpensAConnection(), false);
});

test('an answer with both Content-Length and Transfer-Encoding is a 502: none of its bytes reach the client', async () => {
  engineAnswers('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nsmugg\r\n0\r\n\r\n');
  const seen = await request('/v1.41/info');
  assertUpstreamFailure(seen, /Transfer-Encoding chunked with a Content-Length/);
  assert.doesNotMatch(seen.body, /smugg/);
  assert.equal(await nextRequestOpensAConnection(), true);
});

for (const [what, chunk] of [
  ['a chunk size that is not hex', 'zz\r\nhello\r\n0\r\n\r\n'],
  ['a negative chunk size', '-5\r\nhello\r\n0\r\n\r\n'],
  ['a chunk size spelled 0x', '0x5\r\nhello\r\n0\r\n\r\n'],
  ['an oversized chunk size', 'fffffffffffff\r\nhello\r\n0\r\n\r\n'],
  ['a chunk size line ended by a bare LF', '5\nhello\r\n0\r\n\r\n'],
] as const) {
  test(`${what} cuts the client's response short: nothing of it reaches the client as data, and the connection is not reused`, async () => {
    engineAnswers('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', chunk);
    const seen = await request('/v1.41/events');
    assert.equal(seen.status, 200, 'a streamed answer has its headers sent at once');
    assert.equal(seen.complete, false, 'the client never sees the end of the response');
    assert.equal(seen.body, '');
    assert.equal(await nextRequestOpensAConnection(), true);
  });
}

test('a chunk longer than its size: nothing of the read that holds it reaches the client, and the response is cut short', async () => {
  engineAnswers('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '3\r\nhello\r\n0\r\n\r\n');
  const seen = await request('/v1.41/events');
  assert.equal(seen.complete, false);
  assert.equal(seen.body, '', 'the data of the read the fault is found in is held back');
  assert.equal(await nextRequestOpensAConnection(), true);
});

test('a bad chunk in the same read as the head: the response is cut short before any data', async () => {
  engineAnswers('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n');
  const seen = await request('/v1.41/events');
  assert.deepEqual([seen.complete, seen.body], [false, '']);
});

test('a body shorter than its Content-Length when the engine closes: the client gets an incomplete response, never a complete one', async () => {
  engineAnswersThenCloses('HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n', 'short');
  const seen = await request('/v1.41/containers/json');
  assert.equal(seen.status, 200);
  assert.equal(seen.complete, false);
  assert.equal(seen.body, 'short');
  assert.equal(await nextRequestOpensAConnection(), true);
});

test('a chunked body cut off before its last chunk when the engine closes: an incomplete response', async () => {
  engineAnswersThenCloses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', '5\r\nhello\r\n');
  const seen = await request('/v1.41/events');
  assert.deepEqual([seen.complete, seen.body], [false, 'hello']);
});

test('the engine closing in the middle of the head is a 502, and nothing of the head reaches the client', async () => {
  engineAnswersThenCloses('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Le');
  const seen = await request('/v1.41/info');
  assertUpstreamFailure(seen, /closed the connection before answering/);
  assert.equal(seen.headers['api-version'], undefined);
});

test('a body that ends with the connection (no length, not chunked) reaches the client whole, and the connection is gone', async () => {
  engineAnswersThenCloses('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n', 'until ', 'close');
  const seen = await request('/v1.41/info');
  assert.deepEqual([seen.status, seen.body, seen.complete], [200, 'until close', true]);
  assert.equal(await nextRequestOpensAConnection(), true);
});

test('bytes after a complete response in the same read: the client gets its answer, and the connection does not carry another request', async () => {
  engineAnswers('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOKHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!');
  const seen = await request('/v1.41/info');
  assert.deepEqual([seen.status, seen.body, seen.complete], [200, 'OK', true]);
  assert.equal(await nextRequestOpensAConnection(), true, 'the extra answer is never taken for the next request’s');
});

test('bytes after a complete response in a later read: the idle connection is dropped, and the next request is answered on another', async () => {
  engineAnswers('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!');
  const seen = await request('/v1.41/info');
  assert.deepEqual([seen.status, seen.body], [200, 'OK']);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the stray answer arrives while the connection is idle
  assert.equal(await nextRequestOpensAConnection(), true);
});

test('a 101 to a request that asked for no upgrade is a 502, and the connection is dropped', async () => {
  engineAnswers('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nraw stream');
  const seen = await request('/v1.41/containers/x/json');
  assertUpstreamFailure(seen, /answered 101 to a request that does not switch protocols/);
  assert.doesNotMatch(seen.body, /raw stream/);
  assert.equal(await nextRequestOpensAConnection(), true);
});

test('a malformed status line or header is a 502, and none of the answer reaches the client', async () => {
  for (const answer of [
    'HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 4\r\n\r\nbody',
    'HTTP/1.1 2000 OK\r\nContent-Length: 4\r\n\r\nbody',
    'HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nbody',
  ]) {
    engineAnswers(answer);
    const seen = await request('/v1.41/info');
    assertUpstreamFailure(seen, /the engine sent|the engine answered/);
    assert.doesNotMatch(seen.body, /body/, JSON.stringify(answer));
  }
});
