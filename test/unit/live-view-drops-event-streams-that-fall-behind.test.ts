// The live view's event streams (src/view/event-stream.ts) on a real HTTP server and real sockets: a client
// that stops reading is dropped once what waits for it passes the bound, while one that reads keeps every
// event; streams past the limit are refused; the feed is watched only while a stream is open.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { EventStreams, serverSentEvent } from '../../src/view/event-stream.js';

const LIMITS = { maxStreams: 2, maxWaitingBytes: 256 * 1024, keepAliveMs: 60_000 };

async function serve(streams: EventStreams): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (!streams.accept(req, res, {}, serverSentEvent('hello', '{}'))) {
      res.writeHead(503);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: async () => {
      streams.closeAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw client: its socket and what it read. */
function openStream(port: number, reading: boolean): { socket: net.Socket; received: () => string } {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  let text = '';
  if (reading) socket.on('data', (chunk: string) => (text += chunk));
  else socket.once('data', (chunk: string) => ((text += chunk), socket.pause()));
  socket.on('error', () => undefined);
  return { socket, received: () => text };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a stream that stops reading is dropped past the bound; a reading one gets every event; the feed is watched only while one is open', { timeout: 60_000 }, async () => {
  const watched: boolean[] = [];
  const streams = new EventStreams(LIMITS, (on) => watched.push(on));
  const server = await serve(streams);
  try {
    const slow = openStream(server.port, false);
    const fast = openStream(server.port, true);
    await until(() => streams.size === 2 && slow.received().includes('event: hello') && fast.received().includes('event: hello'), 'both streams to open');
    assert.deepEqual(watched, [true], 'watched from the first stream on');

    const third = await new Promise<number>((resolve) => http.get({ host: '127.0.0.1', port: server.port, path: '/events' }, (res) => resolve(res.statusCode!)));
    assert.equal(third, 503, 'past maxStreams, a stream is refused');

    // Events until the slow client's socket buffers (some MB on loopback) and the bound are full: it must be
    // cut then, not buffered on. The server's side tells: the paused client would see the close only once it read.
    const event = serverSentEvent('record', JSON.stringify({ pad: 'x'.repeat(1000) }));
    let events = 0;
    while (streams.dropped === 0 && events < 100_000) {
      streams.send(event);
      if (++events % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.equal(streams.dropped, 1, `the slow stream was dropped (after ${events} events of 1 KB)`);
    assert.ok(slow.received().length < (events * event.length) / 10, 'the slow client read little of it');
    await until(() => fast.received().split('event: record').length - 1 === events, 'the reading stream to get every event');
    assert.equal(streams.size, 1);

    slow.socket.destroy();
    fast.socket.destroy();
    await until(() => streams.size === 0, 'the last stream to close');
    assert.deepEqual(watched, [true, false], 'not watched once no stream is open');
  } finally {
    await server.close();
  }
});
