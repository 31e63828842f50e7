// The forward path and the look-ups read the engine's responses themselves (src/forward/engine-response-*.ts,
// chunked-decoder.ts): where a body ends decides whether an engine connection can carry the next
// request, so a misread length would hand one client's bytes to another's response.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkedDecoder } from '../../src/forward/chunked-decoder.js';
import { EngineResponseError, findHeadEnd, parseResponseHead } from '../../src/forward/engine-response-head.js';
import { EngineResponseReader } from '../../src/forward/engine-response-reader.js';

function head(text: string, bodiless = false): ReturnType<typeof parseResponseHead> {
  const buffer = Buffer.from(text, 'latin1');
  const end = findHeadEnd(buffer);
  assert.notEqual(end, -1, 'the head is complete');
  return parseResponseHead(buffer, end, bodiless);
}

test('a Content-Length answer keeps its headers in order and spelling, and its connection is reusable', () => {
  const h = head('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nOK');
  assert.equal(h.status, 200);
  assert.equal(h.reason, 'OK');
  assert.deepEqual(h.rawHeaders, ['Api-Version', '1.41', 'Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '2']);
  assert.deepEqual(h.framing, { kind: 'length', length: 2 });
  assert.equal(h.reusable, true);
});

test('chunked, bodiless and close-delimited answers are framed as the engine meant them', () => {
  assert.deepEqual(head('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n').framing, { kind: 'chunked' });
  assert.deepEqual(head('HTTP/1.1 204 No Content\r\n\r\n').framing, { kind: 'none' });
  assert.deepEqual(head('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n').framing, { kind: 'none' });
  assert.deepEqual(head('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', true).framing, { kind: 'none' }, 'an answer to HEAD has no body');
  const untilClose = head('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n');
  assert.deepEqual(untilClose.framing, { kind: 'until-close' });
  assert.equal(untilClose.reusable, false, 'a body that ends with the connection leaves nothing to reuse');
});

test('Connection: close and HTTP/1.0 answers are not reused', () => {
  assert.equal(head('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').reusable, false);
  assert.equal(head('HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n').reusable, false);
  assert.equal(head('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').reusable, false);
  assert.equal(head('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').reusable, true);
});

test('a head that is not complete is not parsed', () => {
  assert.equal(findHeadEnd(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n')), -1);
});

test('framing the engine never sends is refused, not guessed at', () => {
  const refused = [
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n',
    'HTTP/1.1 200 OK\r\n folded: value\r\n\r\n',
    'HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n',
    'HTTP/1.1 2000 OK\r\n\r\n',
    'HTTP/2 200 OK\r\n\r\n',
    'ICY 200 OK\r\n\r\n',
  ];
  for (const text of refused) assert.throws(() => head(text), EngineResponseError, JSON.stringify(text));
  // Two equal Content-Length headers say the same thing (Go would not send them, but they are not ambiguous).
  assert.deepEqual(head('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n').framing, { kind: 'length', length: 2 });
});

/** How these tests have the decoder fail: as the engine reader does. */
function framingFailure(why: string): never {
  throw new EngineResponseError(`the engine sent ${why}`);
}

const BODY = '4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n';
const DECODED = 'Wikipedia in \r\n\r\nchunks.';

function decode(pieces: Buffer[]): { data: string; used: number[]; done: boolean } {
  const decoder = new ChunkedDecoder(framingFailure);
  let data = '';
  const used: number[] = [];
  for (const piece of pieces) {
    if (decoder.done) break;
    used.push(decoder.push(piece, (d) => (data += d.toString('latin1'))));
  }
  return { data, used, done: decoder.done };
}

test('a chunked body decodes the same however the reads split it, and ends exactly at its last CRLF', () => {
  const bytes = Buffer.from(BODY + 'NEXT', 'latin1');
  const bodyEnd = BODY.length;
  const whole = decode([bytes]);
  assert.equal(whole.data, DECODED);
  assert.equal(whole.done, true);
  assert.deepEqual(whole.used, [bodyEnd], 'the bytes after the body are not part of it');
  for (let cut = 1; cut < bytes.length; cut++) {
    const split = decode([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.equal(split.data, DECODED, `split at ${cut}`);
    assert.equal(split.done, true, `split at ${cut}`);
    assert.equal(
      split.used.reduce((a, b) => a + b, 0),
      bodyEnd,
      `split at ${cut}`,
    );
  }
  const byteByByte = decode([...bytes].map((b) => Buffer.from([b])));
  assert.equal(byteByByte.data, DECODED);
  assert.equal(byteByByte.used.length, bodyEnd, 'one byte at a time, it stops at the end of the body');
});

test('malformed chunked bodies are refused', () => {
  const refused = [
    'z\r\nabc\r\n0\r\n\r\n',
    '3\r\nabcd\r\n0\r\n\r\n',
    '3\nabc\r\n0\r\n\r\n',
    '-3\r\nabc\r\n0\r\n\r\n',
    ' 3\r\nabc\r\n0\r\n\r\n',
    '1000000000000\r\n',
    `${'0'.repeat(5000)}\r\n`,
  ];
  for (const text of refused) {
    assert.throws(() => new ChunkedDecoder(framingFailure).push(Buffer.from(text, 'latin1'), () => undefined), EngineResponseError, JSON.stringify(text));
  }
});

interface Read {
  status: number;
  body: string;
  completions: { excess: boolean }[];
}

/** Feeds `pieces` to a reader as reads off the connection; what the sink saw. */
function readResponse(pieces: readonly Buffer[], close = false): Read {
  const read: Read = { status: 0, body: '', completions: [] };
  const reader = new EngineResponseReader(false, {
    onHead: (h) => (read.status = h.status),
    onData: (d) => (read.body += d.toString('latin1')),
    onComplete: (tail, excess) => {
      if (tail !== undefined) read.body += tail.toString('latin1');
      read.completions.push({ excess });
    },
  });
  for (const piece of pieces) if (!reader.done) reader.push(piece);
  if (close) reader.endsWithClose();
  return read;
}

function splitAt(bytes: Buffer, cut: number): Buffer[] {
  return [bytes.subarray(0, cut), bytes.subarray(cut)];
}

test('the response reader delivers every body byte once, whatever the reads, and completes once at the framing end', () => {
  const responses = [
    { text: `HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world`, body: 'hello world' },
    { text: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${BODY}`, body: DECODED },
    { text: 'HTTP/1.1 204 No Content\r\n\r\n', body: '' },
    { text: 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', body: '' },
  ];
  for (const { text, body } of responses) {
    const bytes = Buffer.from(text, 'latin1');
    for (let cut = 1; cut < bytes.length; cut++) {
      const read = readResponse(splitAt(bytes, cut));
      assert.equal(read.body, body, `${JSON.stringify(text.slice(0, 40))} split at ${cut}`);
      assert.deepEqual(read.completions, [{ excess: false }], `${JSON.stringify(text.slice(0, 40))} split at ${cut}`);
    }
  }
});

test('bytes past the end of a response are reported, so the connection is not reused', () => {
  const read = readResponse([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOKHTTP/1.1 200 OK\r\n\r\n')]);
  assert.equal(read.body, 'OK');
  assert.deepEqual(read.completions, [{ excess: true }]);
  const bodiless = readResponse([Buffer.from('HTTP/1.1 204 No Content\r\n\r\nX')]);
  assert.deepEqual(bodiless.completions, [{ excess: true }]);
});

test('a body without length or chunks ends only with the connection', () => {
  const open = readResponse([Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, '), Buffer.from('part two')]);
  assert.equal(open.body, 'part one, part two');
  assert.deepEqual(open.completions, [], 'not complete while the connection is open');
  const closed = readResponse([Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, '), Buffer.from('part two')], true);
  assert.deepEqual(closed.completions, [{ excess: false }]);
  assert.equal(closed.body, 'part one, part two');
});

test('an interim or unreadable answer is refused by the reader', () => {
  assert.throws(() => readResponse([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')]), EngineResponseError);
  assert.throws(() => readResponse([Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: tcp\r\n\r\n')]), EngineResponseError);
  assert.throws(() => readResponse([Buffer.from('HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n')]), EngineResponseError);
  assert.throws(() => readResponse([Buffer.alloc(70 * 1024, 0x41)]), EngineResponseError, 'a head that never ends is bounded');
});
