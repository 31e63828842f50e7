// The body of an upgrade request (attach, exec start, BuildKit's session) is left on the socket by
// Node's HTTP server: it is read exactly to its end, by Content-Length or to the last chunk, split at
// any byte across reads; whatever follows it (read already, or still on the socket) is held back for
// after the engine's 101, never taken as body.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { GatewayError } from '../../src/errors/catalogue.js';
import { readUpgradeBody, type UpgradeBodyFraming } from '../../src/forward/upgrade-body.js';

/**
 * Feeds `bytes` in two reads split at `at`: the first as `head`, the rest on the socket. What follows the
 * body is in `held` (read already) and `unread` (left on the socket for the stream), together all of it.
 */
async function readSplit(bytes: string, at: number, framing: UpgradeBodyFraming): Promise<{ body: string; after: string }> {
  const socket = new PassThrough();
  const all = Buffer.from(bytes, 'latin1');
  const reading = readUpgradeBody(socket, all.subarray(0, at), framing, 'POST /session');
  if (at < all.length) socket.write(all.subarray(at));
  const { body, held } = await reading;
  const unread = (socket.read() as Buffer | null) ?? Buffer.alloc(0);
  return { body: body.toString('latin1'), after: held.toString('latin1') + unread.toString('latin1') };
}

test('a chunked body is read to its last chunk, split anywhere, and what follows is held back', async () => {
  const wire = '4\r\n{"a"\r\n3\r\n:1}\r\n0\r\n\r\nSTREAM';
  for (let at = 0; at <= wire.length; at++) {
    assert.deepEqual(await readSplit(wire, at, { kind: 'chunked', limit: 64 }), { body: '{"a":1}', after: 'STREAM' }, `split at ${at}`);
  }
  assert.deepEqual(await readSplit('0\r\n\r\n', 5, { kind: 'chunked', limit: 64 }), { body: '', after: '' });
});

test('a Content-Length body is exactly that many bytes, split anywhere', async () => {
  const wire = '{"Detach":false}held';
  for (let at = 0; at <= wire.length; at++) {
    assert.deepEqual(await readSplit(wire, at, { kind: 'length', length: 16 }), { body: '{"Detach":false}', after: 'held' }, `split at ${at}`);
  }
});

test('bad chunk framing, a body over the limit and a connection that ends early are refused, naming why', async () => {
  const refused = async (wire: string, framing: UpgradeBodyFraming, code: string, why: RegExp, end = false): Promise<void> => {
    const socket = new PassThrough();
    const reading = readUpgradeBody(socket, Buffer.from(wire, 'latin1'), framing, 'POST /session');
    if (end) socket.end();
    await assert.rejects(reading, (err: unknown) => err instanceof GatewayError && err.code === code && why.test(err.message));
  };
  await refused('zz\r\n', { kind: 'chunked', limit: 64 }, 'DG_BODY_MALFORMED', /chunked body holds a malformed chunk size/);
  await refused('2\r\nabc\r\n', { kind: 'chunked', limit: 64 }, 'DG_BODY_MALFORMED', /chunk data longer than its size/);
  await refused('41\r\n' + 'x'.repeat(65), { kind: 'chunked', limit: 64 }, 'DG_BODY_TOO_LARGE', /more than the 64 bytes/);
  await refused('3\r\nab', { kind: 'chunked', limit: 64 }, 'DG_BODY_MALFORMED', /ended before the last chunk/, true);
  await refused('{"De', { kind: 'length', length: 16 }, 'DG_BODY_MALFORMED', /after 4 of the 16 body bytes/, true);
});
