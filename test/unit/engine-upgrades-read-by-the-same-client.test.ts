// Hijacks (attach, exec start, BuildKit's session) ask the engine through the same client as every other
// request (src/forward/forward-hijack.ts): the canonical head on a dedicated connection, the answer read by
// the strict reader. Against an engine that writes exact bytes (test/support/scripted-engine.ts): a 101
// joins the client to the stream with whatever the engine sent after its head; bytes the client sent after
// its request reach the engine only after the 101; any other answer reaches the client whole and read
// strictly, or as a 502 when it cannot be read, never as a stream.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, test } from 'node:test';
import { isGatewayError } from '../../src/errors/catalogue.js';
import { exchangeRaw, startForwardingRig, type ForwardingRig, type ScriptedAnswer } from '../support/scripted-engine.js';

let rig: ForwardingRig;

before(async () => {
  rig = await startForwardingRig();
});

after(() => rig.close());

const BODY = '{"Detach":false,"Tty":false}';
const EXEC_START = `POST /v1.41/exec/abc/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`;
const UPGRADED = 'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

/** An engine that switches with these pieces, then echoes what it reads back as `echo:<bytes>`; `rest` gets what it had read past the request by then. */
function engineSwitches(pieces: string[], rest: (bytes: string) => void = () => undefined): void {
  rig.answer((): ScriptedAnswer => ({
    pieces,
    then: 'stream',
    onStream: (socket: net.Socket, after: Buffer) => {
      rest(after.toString('latin1'));
      socket.on('data', (chunk: Buffer) => socket.write(`echo:${chunk.toString('latin1')}`));
      socket.on('end', () => socket.end());
    },
  }));
}

function lastOutcomeCode(): string | undefined {
  const outcome = rig.outcomes.at(-1);
  return isGatewayError(outcome) ? outcome.code : undefined;
}

test('the engine is asked with the canonical head and the judged body, on a connection of its own', async () => {
  engineSwitches([UPGRADED]);
  const before = rig.connections();
  const { socket } = await exchangeRaw(rig.gatewayPath, EXEC_START, (text) => text.includes('\r\n\r\n'));
  socket.destroy();
  assert.equal(rig.received.at(-1)!.text, `POST /v1.41/exec/abc/start HTTP/1.1\r\nHost: localhost\r\nconnection: Upgrade\r\nupgrade: tcp\r\ncontent-length: ${BODY.length}\r\n\r\n${BODY}`);
  assert.equal(rig.connections(), before + 1);
});

test('a 101 with stream bytes in the same read: the client gets the 101, then those bytes, then the stream both ways', async () => {
  engineSwitches([`${UPGRADED}\x01\x00\x00\x00\x00\x00\x00\x05early`]);
  const { text, socket } = await exchangeRaw(rig.gatewayPath, EXEC_START, (seen) => seen.endsWith('early'));
  assert.match(text, /^HTTP\/1\.1 101 UPGRADED\r\n/);
  assert.match(text, /\r\nContent-Type: application\/vnd\.docker\.raw-stream\r\n/);
  assert.ok(text.endsWith('\r\n\r\n\x01\x00\x00\x00\x00\x00\x00\x05early'), 'the bytes after the head reach the client first, unchanged');
  const echoed = new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
  socket.write('stdin');
  assert.equal(await echoed, 'echo:stdin');
  socket.destroy();
});

test('a 101 split across writes, its stream bytes in a later one: read as one head, the bytes passed on', async () => {
  engineSwitches(['HTTP/1.1 101 UPGR', 'ADED\r\nConnection: Upgrade\r', '\nUpgrade: tcp\r\n\r\n', 'later']);
  const { text, socket } = await exchangeRaw(rig.gatewayPath, EXEC_START, (seen) => seen.endsWith('later'));
  assert.match(text, /^HTTP\/1\.1 101 UPGRADED\r\n[^]*\r\n\r\nlater$/);
  socket.destroy();
});

test('bytes the client sent behind its request reach the engine only after the 101, as stream data', async () => {
  let readPastRequest: string | undefined;
  engineSwitches([UPGRADED], (bytes) => (readPastRequest = bytes));
  const { text, socket } = await exchangeRaw(rig.gatewayPath, `${EXEC_START}GET /v1.41/secrets HTTP/1.1\r\n\r\n`, (seen) => seen.includes('echo:'));
  assert.equal(readPastRequest, '', 'nothing behind the request was sent before the engine switched');
  assert.equal(rig.received.at(-1)!.text.includes('/secrets'), false);
  assert.ok(text.endsWith('echo:GET /v1.41/secrets HTTP/1.1\r\n\r\n'), 'they arrive as stream data after the switch');
  socket.destroy();
});

test("BuildKit's session asks for h2c and carries the session's headers, each line as it came", async () => {
  engineSwitches(['HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n']);
  const session =
    'POST /session HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nX-Docker-Expose-Session-Uuid: u1\r\nX-Docker-Expose-Session-Grpc-Method: /a\r\nX-Docker-Expose-Session-Grpc-Method: /b\r\nX-Other: dropped\r\nContent-Length: 0\r\n\r\n';
  const { socket } = await exchangeRaw(rig.gatewayPath, session, (text) => text.includes('\r\n\r\n'));
  socket.destroy();
  assert.equal(
    rig.received.at(-1)!.text,
    'POST /session HTTP/1.1\r\nHost: localhost\r\nx-docker-expose-session-uuid: u1\r\nx-docker-expose-session-grpc-method: /a\r\nx-docker-expose-session-grpc-method: /b\r\nconnection: Upgrade\r\nupgrade: h2c\r\ncontent-length: 0\r\n\r\n',
  );
});

test('an answer other than 101 reaches the client whole, with its own length, and the connection closes', async () => {
  const message = '{"message":"No such exec instance: abc"}';
  rig.answer(() => ({
    pieces: [`HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: ${message.length}\r\n\r\n`, message.slice(0, 10), message.slice(10)],
  }));
  const { text, closed } = await exchangeRaw(rig.gatewayPath, EXEC_START);
  assert.equal(closed, true);
  assert.match(text, /^HTTP\/1\.1 404 Not Found\r\n/);
  assert.match(text, /\r\nApi-Version: 1\.41\r\n/);
  assert.match(text, new RegExp(`\\r\\nContent-Length: ${message.length}\\r\\nConnection: close\\r\\n\\r\\n`));
  assert.ok(text.endsWith(`\r\n\r\n${message}`));
});

test('a chunked answer other than 101 is read to its last chunk and reaches the client with a length', async () => {
  rig.answer(() => ({ pieces: ['HTTP/1.1 409 Conflict\r\nTransfer-Encoding: chunked\r\n\r\n', '9\r\n{"message\r\n', '10\r\n":"not running"}\r\n0\r\n\r\n'] }));
  const { text } = await exchangeRaw(rig.gatewayPath, EXEC_START);
  assert.match(text, /^HTTP\/1\.1 409 Conflict\r\n/);
  assert.doesNotMatch(text, /Transfer-Encoding/i);
  assert.ok(text.endsWith('\r\nContent-Length: 25\r\nConnection: close\r\n\r\n{"message":"not running"}'));
});

for (const [what, pieces, why] of [
  [
    'both Content-Length and Transfer-Encoding',
    ['HTTP/1.1 404 Not Found\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsmuggl\r\n0\r\n\r\n'],
    /Transfer-Encoding chunked with a Content-Length/,
  ],
  ['a bad chunk size', ['HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n', 'zz\r\nsmuggl\r\n0\r\n\r\n'], /malformed chunk size/],
  ['an interim answer other than 101', ['HTTP/1.1 100 Continue\r\n\r\nsmuggl'], /answered 100 to a request that does not switch protocols/],
  ['a malformed header in the 101', ['HTTP/1.1 101 UPGRADED\r\nUpgrade : tcp\r\n\r\nsmuggl'], /malformed header line/],
] as const) {
  test(`an answer to an upgrade with ${what} is a 502: nothing of it reaches the client, and no stream is joined`, async () => {
    rig.answer(() => ({ pieces: [...pieces] }));
    const { text, closed } = await exchangeRaw(rig.gatewayPath, EXEC_START);
    assert.equal(closed, true);
    assert.match(text, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.doesNotMatch(text, /smuggl/);
    assert.match(text, why);
    assert.equal(lastOutcomeCode(), 'DG_UPSTREAM_FAILED');
  });
}

test('an answer to an upgrade cut off before its Content-Length is a 502, not a short answer', async () => {
  rig.answer(() => ({ pieces: ['HTTP/1.1 404 Not Found\r\nContent-Length: 40\r\n\r\n', '{"message":"No such'], then: 'close' }));
  const { text } = await exchangeRaw(rig.gatewayPath, EXEC_START);
  assert.match(text, /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*closed the connection before the end of its answer/);
  assert.doesNotMatch(text, /No such/);
});

test('the engine closing in the middle of the head of its answer to an upgrade is a 502', async () => {
  rig.answer(() => ({ pieces: ['HTTP/1.1 101 UPGRADED\r\nConnection: Upg'], then: 'close' }));
  const { text } = await exchangeRaw(rig.gatewayPath, EXEC_START);
  assert.match(text, /^HTTP\/1\.1 502 Bad Gateway\r\n[^]*closed the connection before answering/);
  assert.equal(lastOutcomeCode(), 'DG_UPSTREAM_FAILED');
});
