// `serve` binds its listeners one after another and, with --user, drops root only once the last is bound.
// A connection that arrives in between is accepted and held, unread, until the gateway serves as what it
// will stay (src/listen/serving-latch.ts); if start-up fails instead, the held connection is closed unanswered.
// The gateway runs in this process on a unix listener; there is no engine, so a served ping is a 502.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/admit/limits.js';
import { startGateway } from '../../src/gateway/running-gateway.js';
import { parseListenerSpec } from '../../src/listen/listener-spec.js';
import { createLogger } from '../../src/log/logger.js';
import { builtinPolicy } from '../../src/policy/builtin-policies.js';
import { openAuditSink } from '../../src/record/open-audit-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'dg-latch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Sends a ping on a new connection; resolves with everything received once the gateway closes it or answers. */
function ping(socketPath: string): { answer: Promise<string>; connected: Promise<void> } {
  const socket = net.connect(socketPath);
  let received = '';
  const connected = new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n');
  const answer = new Promise<string>((resolve) => {
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
  return { answer, connected };
}

const notYet = (ms: number): Promise<'not yet'> => new Promise((resolve) => setTimeout(() => resolve('not yet'), ms));

async function startHeld(name: string, finish: Promise<void>) {
  const logger = createLogger('silent');
  const socketPath = join(dir, `${name}.sock`);
  let bound!: () => void;
  const listening = new Promise<void>((resolve) => (bound = resolve));
  const starting = startGateway({
    upstream: `unix://${join(dir, 'no-engine.sock')}`,
    listeners: [parseListenerSpec(`unix://${socketPath}`)],
    policy: () => builtinPolicy('baseline'),
    audit: await openAuditSink(join(dir, `${name}.jsonl`), logger),
    minApiVersion: [1, 24],
    logger,
    limits: DEFAULT_LIMITS,
    spoolDirectory: dir,
    // What serve --user does here: the privilege drop, after every listener is bound.
    beforeServing: async () => {
      bound();
      await finish;
    },
  });
  await listening;
  return { socketPath, starting };
}

describe('connections that arrive before start-up has finished wait for it', () => {
  test('a ping sent while the gateway is still starting is answered only once it serves', async () => {
    let finish!: () => void;
    const { socketPath, starting } = await startHeld('held', new Promise((resolve) => (finish = resolve)));
    const early = ping(socketPath);
    let whileStarting: string;
    try {
      await early.connected;
      whileStarting = await Promise.race([early.answer, notYet(300)]);
    } finally {
      finish();
    }
    const running = await starting;
    try {
      assert.equal(whileStarting, 'not yet', 'the connection was served before start-up had finished');
      assert.match(await early.answer, /^HTTP\/1\.1 502 /, 'served (no engine here: a 502 from the gateway) once start-up finished');
      // Later connections are served at once.
      assert.match(await ping(socketPath).answer, /^HTTP\/1\.1 502 /);
    } finally {
      await running.stop(0);
    }
  });

  test('if start-up fails, the held connection is closed without an answer', async () => {
    let fail!: (error: Error) => void;
    const { socketPath, starting } = await startHeld('failed', new Promise((_resolve, reject) => (fail = reject)));
    const early = ping(socketPath);
    await early.connected;
    fail(new Error('the privilege drop failed'));
    await assert.rejects(starting, /the privilege drop failed/);
    assert.equal(await early.answer, '', 'nothing was answered by a gateway that never served');
  });
});
