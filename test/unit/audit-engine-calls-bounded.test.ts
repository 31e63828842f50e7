// Every call to the engine being audited ends: an answer trickled a byte at a time fails at the call's
// deadline (not an idle timeout, which a trickle never trips), an answer over the size limit fails as soon
// as it is, and once the audit's time for an engine has run out its calls fail at once. A listing is read
// as it streams, element by element, wherever the chunks happen to break.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { EngineApi, parseEngineAddress, rawGet } from '../../src/audit/engine-api.js';
import { JsonArrayElements, type ArrayElement } from '../../src/forward/json-array-elements.js';

describe('engine calls are bounded in time and size', () => {
  let server: Server;
  let url: string;
  const timers = new Set<NodeJS.Timeout>();

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/_ping') return res.end('OK');
      if (req.url === '/trickle') {
        // Declares 1000 bytes, sends one every 20 ms: a byte always arrives well inside any idle timeout.
        res.writeHead(200, { 'content-length': 1000 });
        const timer = setInterval(() => res.write('x'), 20);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/huge-declared') {
        res.writeHead(200, { 'content-length': 64 * 1024 * 1024 });
        return res.write('{');
      }
      if (req.url === '/huge') {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 64 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const timer of timers) clearInterval(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('a trickled answer fails at the deadline of the whole call', async () => {
    const started = Date.now();
    await assert.rejects(rawGet({ address: parseEngineAddress(url), path: '/trickle', tls: false, deadlineMs: 500 }), /no complete answer within 0\.5 s/);
    const took = Date.now() - started;
    assert.ok(took >= 450 && took < 2_000, `took ${took} ms`);
  });

  test('an answer over the limit fails, whether it says so up front or not', async () => {
    const address = parseEngineAddress(url);
    await assert.rejects(rawGet({ address, path: '/huge-declared', tls: false, deadlineMs: 5_000 }), /larger than 4 MiB \(Content-Length 67108864\)/);
    const started = Date.now();
    await assert.rejects(rawGet({ address, path: '/huge', tls: false, deadlineMs: 10_000, maxBytes: 1024 * 1024 }), /larger than 1 MiB$/);
    assert.ok(Date.now() - started < 5_000);
  });

  test("once the audit's time for an engine is spent, its calls fail at once and say how to wait longer", async () => {
    const api = await EngineApi.connect(parseEngineAddress(url), { callMs: 2_000, totalMs: 600 });
    try {
      assert.deepEqual(await api.get('/doc'), { ok: true });
      // The call's own deadline is cut to what is left of the engine's time.
      const started = Date.now();
      await assert.rejects(api.get('/trickle'), /^Error: no complete answer before the audit's time for this engine ran out \(--timeout 0\.6 s; raise it to wait longer\)$/);
      assert.ok(Date.now() - started < 1_000);
      await assert.rejects(api.get('/doc'), /the audit's time for this engine ran out \(--timeout 0\.6 s; raise it to wait longer\)/);
    } finally {
      api.close();
    }
  });
});

describe('a JSON array is split into its elements as it streams', () => {
  const text = '[ {"Id":"a","Names":["/x,]"],"Labels":{"q":"\\"]}","b":[1,[2]]}} , "s\\\\" ,7,{"Id":"b"}]';

  function split(chunks: Buffer[], max = 1024): ArrayElement[] {
    const out: ArrayElement[] = [];
    const elements = new JsonArrayElements(max, (e) => out.push(e));
    for (const chunk of chunks) elements.push(chunk);
    elements.end();
    return out;
  }

  test('the same elements wherever the chunks break, strings and nesting followed', () => {
    const bytes = Buffer.from(text);
    const whole = split([bytes]).map((e) => JSON.parse(e.toString()) as unknown);
    assert.deepEqual(whole, JSON.parse(text));
    for (let cut = 1; cut < bytes.length; cut++) {
      const parts = split([bytes.subarray(0, cut), bytes.subarray(cut)]).map((e) => JSON.parse(e.toString()) as unknown);
      assert.deepEqual(parts, whole, `cut at ${cut}`);
    }
    const byteByByte = split([...bytes].map((b) => Buffer.from([b]))).map((e) => JSON.parse(e.toString()) as unknown);
    assert.deepEqual(byteByByte, whole);
    assert.deepEqual(split([Buffer.from(' [ ] ')]), []);
  });

  test('an element over the limit is not held, only reported', () => {
    const big = `[{"Id":"${'x'.repeat(5000)}"},{"Id":"small"}]`;
    const out = split([Buffer.from(big.slice(0, 100)), Buffer.from(big.slice(100))], 1000);
    assert.equal(out[0], 'too-large');
    assert.deepEqual(JSON.parse(out[1]!.toString()), { Id: 'small' });
  });

  test('what is not an array, or ends early, is refused', () => {
    assert.throws(() => split([Buffer.from('{"Id":"a"}')]), /not a JSON array: unexpected "\{" at byte 0/);
    assert.throws(() => split([Buffer.from('[1,]')]), /unexpected "\]" at byte 3/);
    assert.throws(() => split([Buffer.from('[1] 2')]), /unexpected "2" at byte 4/);
    assert.throws(() => split([Buffer.from('[{"Id":"a"}')]), /ended early, at byte 11/);
  });
});
