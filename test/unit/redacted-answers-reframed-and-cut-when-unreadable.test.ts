// The forward path with a redacting decision, against an engine that writes exact bytes
// (test/support/scripted-engine.ts): a successful answer, whatever its framing and however it arrives in
// pieces, reaches the client redacted and re-framed chunked (its Content-Length no longer true), and its
// outcome counts what was redacted; an error answer is passed on as the engine framed it; a successful
// answer that is not JSON is cut, never completed with a value unread.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isGatewayError } from '../../src/errors/catalogue.js';
import type { PlainOutcome } from '../../src/forward/forward-plain.js';
import { parseRedaction, redactionTargets } from '../../src/judge/redaction.js';
import { requestThroughRig, startForwardingRig, type ForwardingRig, type SeenByClient } from '../support/scripted-engine.js';

const REDACTION = parseRedaction(['env', 'mounts']);
let rig: ForwardingRig;

before(async () => {
  rig = await startForwardingRig({ targets: redactionTargets('container.inspect', REDACTION), labelPatterns: REDACTION.labels });
});

after(() => rig.close());

function request(): Promise<SeenByClient> {
  return requestThroughRig(rig, '/v1.47/containers/db/json');
}

const DOCUMENT = JSON.stringify({ Id: 'db', Config: { Env: ['PASSWORD=hunter2', 'PATH=/bin'] }, HostConfig: { Binds: ['/home/alice:/data:ro'] } }) + '\n';
const REDACTED = JSON.stringify({ Id: 'db', Config: { Env: ['PASSWORD=<redacted>', 'PATH=<redacted>'] }, HostConfig: { Binds: ['<redacted>:/data:ro'] } }) + '\n';

function lastOutcome(): PlainOutcome {
  const outcome = rig.outcomes.at(-1);
  assert.ok(outcome !== undefined && !isGatewayError(outcome) && 'created' in outcome, 'a plain outcome');
  return outcome;
}

test('a Content-Length answer in pieces cut inside values: redacted, sent chunked, counted', async () => {
  const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(DOCUMENT)}\r\n\r\n`;
  const cut = [DOCUMENT.indexOf('hun'), DOCUMENT.indexOf('alice'), DOCUMENT.indexOf(':/data')];
  rig.answer(() => ({ pieces: [head + DOCUMENT.slice(0, cut[0]), DOCUMENT.slice(cut[0], cut[1]), DOCUMENT.slice(cut[1], cut[2]), DOCUMENT.slice(cut[2])] }));
  const seen = await request();
  assert.equal(seen.status, 200);
  assert.ok(seen.complete);
  assert.equal(seen.headers['content-length'], undefined);
  assert.equal(seen.headers['transfer-encoding'], 'chunked');
  assert.equal(seen.body, REDACTED);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(lastOutcome().redacted, { env: 2, mounts: 1 });
});

test('a chunked answer is redacted alike', async () => {
  const chunks = [DOCUMENT.slice(0, 30), DOCUMENT.slice(30)].map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('');
  rig.answer(() => ({ pieces: [`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`] }));
  const seen = await request();
  assert.ok(seen.complete);
  assert.equal(seen.body, REDACTED);
});

test('an error answer is passed on as the engine framed it', async () => {
  const body = '{"message":"No such container: db"}\n';
  rig.answer(() => ({ pieces: [`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`] }));
  const seen = await request();
  assert.equal(seen.status, 404);
  assert.equal(seen.headers['content-length'], String(body.length));
  assert.equal(seen.body, body);
});

test('a successful answer that is not JSON is cut, never completed', async () => {
  const body = '{"Config":{"Env":["PASSWORD=x"]]}\n';
  rig.answer(() => ({ pieces: [`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`] }));
  const seen = await request();
  assert.equal(seen.complete, false);
  assert.ok(!seen.body.includes('PASSWORD=x'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lastOutcome().aborted, true);
});
