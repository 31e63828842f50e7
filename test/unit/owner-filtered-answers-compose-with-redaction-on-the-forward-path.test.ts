// The forward path with a client that has an owner, against an engine that writes exact bytes
// (test/support/scripted-engine.ts): an event stream reaches the client with only the owner's events, in the
// engine's order even when one had to be looked up, and redacted after it was judged (the owner label is
// read on the engine's bytes, then may be redacted); a df answer is rewritten and re-framed chunked; the
// outcome says the answer was kept to the owner; an unreadable event cuts the stream; an error answer
// passes as the engine framed it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isGatewayError } from '../../src/errors/catalogue.js';
import type { PlainOutcome } from '../../src/forward/forward-plain.js';
import type { OwnerAnswer } from '../../src/forward/owner-answer-filter.js';
import type { VolumeFacts } from '../../src/judge/engine-lookup.js';
import { parseRedaction, redactionTargets } from '../../src/judge/redaction.js';
import { requestThroughRig, startForwardingRig, type ForwardingRig } from '../support/scripted-engine.js';

const REDACTION = parseRedaction(['labels:*']);

/** Volumes as the engine answers their inspect, slowly: alice's and bob's. */
const lookups: OwnerAnswer['engine'] = {
  container: () => Promise.resolve(undefined),
  network: () => Promise.resolve(undefined),
  volume: (name) =>
    new Promise((resolve) =>
      setTimeout(() => resolve({ Name: name, Driver: 'local', Options: null, Labels: { 'dockgate.owner': name.startsWith('alice') ? 'alice' : 'bob' } } satisfies VolumeFacts), 30),
    ),
};

let events: ForwardingRig;
let df: ForwardingRig;

before(async () => {
  events = await startForwardingRig(
    { targets: redactionTargets('system.events', REDACTION), labelPatterns: REDACTION.labels },
    { operation: 'system.events', owner: 'alice', shared: [], engine: lookups },
  );
  df = await startForwardingRig(undefined, { operation: 'system.df', owner: 'alice', shared: [], engine: lookups });
});

after(async () => {
  await events.close();
  await df.close();
});

function event(type: string, id: string, attributes: Record<string, string>): string {
  return JSON.stringify({ Type: type, Action: 'create', Actor: { ID: id, Attributes: attributes }, time: 1 }) + '\n';
}

function chunked(pieces: readonly string[]): string[] {
  return pieces.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`);
}

const EVENTS_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';

function lastOutcome(rig: ForwardingRig): PlainOutcome {
  const outcome = rig.outcomes.at(-1);
  assert.ok(outcome !== undefined && !isGatewayError(outcome) && 'created' in outcome, 'a plain outcome');
  return outcome;
}

test("an event stream keeps alice's events in order, a looked-up volume's in its place, and redacts what it keeps", async () => {
  const stream = [
    event('container', 'c1', { name: 'web', 'dockgate.owner': 'alice', 'com.example.k': 'v' }),
    event('volume', 'bob-vol', { driver: 'local' }),
    event('volume', 'alice-vol', { driver: 'local' }),
    event('container', 'c2', { name: 'bobweb', 'dockgate.owner': 'bob' }),
    event('container', 'c3', { name: 'web2', 'dockgate.owner': 'alice' }),
  ].join('');
  const cut = [stream.indexOf('bob-vol') + 2, stream.indexOf('web2')];
  events.answer(() => ({ pieces: [EVENTS_HEAD, ...chunked([stream.slice(0, cut[0]), stream.slice(cut[0], cut[1]), stream.slice(cut[1])]), '0\r\n\r\n'] }));
  const seen = await requestThroughRig(events, '/v1.41/events');
  assert.equal(seen.status, 200);
  assert.ok(seen.complete);
  const expected = [
    event('container', 'c1', { name: '<redacted>', 'dockgate.owner': '<redacted>', 'com.example.k': '<redacted>' }),
    event('volume', 'alice-vol', { driver: '<redacted>' }),
    event('container', 'c3', { name: '<redacted>', 'dockgate.owner': '<redacted>' }),
  ].join('');
  assert.equal(seen.body, expected);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lastOutcome(events).ownerFiltered, true);
});

test('an event line that is not JSON cuts the stream; nothing after it reaches the client', async () => {
  const stream = event('container', 'c1', { 'dockgate.owner': 'alice' }) + '{"Type":"container",\n' + event('container', 'c9', { 'dockgate.owner': 'alice' });
  events.answer(() => ({ pieces: [EVENTS_HEAD, ...chunked([stream]), '0\r\n\r\n'] }));
  const seen = await requestThroughRig(events, '/v1.41/events');
  assert.equal(seen.complete, false);
  assert.ok(!seen.body.includes('c9'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lastOutcome(events).aborted, true);
});

test('a df answer with a Content-Length is rewritten to the owner and sent chunked', async () => {
  const doc =
    JSON.stringify({
      LayersSize: 999,
      Images: [
        { Id: 'i1', Size: 5, Labels: { 'dockgate.owner': 'alice' } },
        { Id: 'i2', Size: 7, Labels: null },
      ],
      Containers: [{ Id: 'c1', Labels: { 'dockgate.owner': 'bob' } }],
      Volumes: [{ Name: 'alice-vol', Labels: { 'dockgate.owner': 'alice' } }],
      BuildCache: [{ ID: 'b1' }],
    }) + '\n';
  const half = doc.indexOf('c1');
  df.answer(() => ({ pieces: [`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${doc.length}\r\n\r\n${doc.slice(0, half)}`, doc.slice(half)] }));
  const seen = await requestThroughRig(df, '/v1.41/system/df');
  assert.ok(seen.complete);
  assert.equal(seen.headers['content-length'], undefined);
  assert.equal(seen.headers['transfer-encoding'], 'chunked');
  assert.deepEqual(JSON.parse(seen.body), {
    Images: [{ Id: 'i1', Size: 5, Labels: { 'dockgate.owner': 'alice' } }],
    Containers: [],
    Volumes: [{ Name: 'alice-vol', Labels: { 'dockgate.owner': 'alice' } }],
    BuildCache: [],
    LayersSize: 5,
  });
});

test('an error answer is passed on as the engine framed it', async () => {
  const body = '{"message":"page not found"}\n';
  df.answer(() => ({ pieces: [`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`] }));
  const seen = await requestThroughRig(df, '/v1.41/system/df');
  assert.equal(seen.status, 404);
  assert.equal(seen.headers['content-length'], String(body.length));
  assert.equal(seen.body, body);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lastOutcome(df).ownerFiltered, undefined);
});
