// An events stream may stay silent for hours. One left idle longer than every keep-alive, headers or
// socket timeout the gateway has (5 s keep-alive at most, today) must still deliver the next event,
// through the gateway's unix and mutual-TLS listeners as on the engine's own socket.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dockerOk, followDocker } from '../support/docker-cli.js';
import { useEngineBehindGateway } from '../support/engine-behind-gateway.js';

/** How long the streams stay silent. Raise it to probe longer timeouts. */
const IDLE_MS = 7_000;

describe('events streams survive idling', { timeout: 5 * 60_000 + IDLE_MS }, () => {
  const stack = useEngineBehindGateway();

  test(`docker events still delivers after ${IDLE_MS / 1000} s of silence`, async () => {
    const { endpoints, direct } = stack();
    // --since replays what happened before a stream connected, so no stream can miss the first event;
    // seeing it proves that stream is established. One stream per endpoint, all sharing one idle period.
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const streams = endpoints.map((endpoint) => ({
      endpoint,
      events: followDocker(['events', '--since', since, '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}}'], endpoint),
    }));
    let outputs;
    try {
      const saw = (line: string) => Promise.all(streams.map(({ events }) => events.waitForOutput((stdout) => stdout.includes(`${line}\n`))));
      await dockerOk(['volume', 'create', 'before-idle'], direct);
      await saw('create before-idle');
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      await dockerOk(['volume', 'create', 'after-idle'], direct);
      await saw('create after-idle');
      for (const { endpoint, events } of streams) assert.ok(events.isRunning(), `docker events on ${endpoint.name} ended`);
    } finally {
      outputs = await Promise.all(streams.map(({ events }) => events.stop()));
    }
    streams.forEach(({ endpoint }, index) => {
      assert.equal(outputs[index]?.stdout, 'create before-idle\ncreate after-idle\n', `events seen on ${endpoint.name}`);
    });
  });
});
