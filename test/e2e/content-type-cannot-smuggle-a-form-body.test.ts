// A Content-Type that Go reads as a form and JavaScript does not: `APPLİCATION/X-WWW-FORM-URLENCODED`
// (U+0130 as UTF-8). Go's mime.ParseMediaType lower-cases it with Unicode simple folding (İ → i) and finds a
// form, so the engine reads `name=` from the body ahead of the query: a rename to a name nobody judged.
// JavaScript's toLowerCase turns İ into two characters and sees no form. On the real engine: the rename
// happens directly; through the gateway (baseline) the header is refused before anything is forwarded,
// and the container keeps its name. Benign neighbours pass: Content-Type with parameters, in any ASCII case.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { exchangeRaw, type WholeResponse } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

/** The header value as bytes on the wire: Node and the engine both get the UTF-8 bytes of İ (C4 B0). */
const FORM_IN_DISGUISE = Buffer.from('APPL\u0130CATION/X-WWW-FORM-URLENCODED', 'utf8').toString('latin1');

function rename(endpoint: Endpoint, container: string, name: string, contentType: string, body: string): Promise<WholeResponse> {
  const head = [
    `POST /v1.41/containers/${container}/rename?name=${name} HTTP/1.1`,
    'Host: docker',
    `Content-Type: ${contentType}`,
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    'Connection: close',
  ].join('\r\n');
  return exchangeRaw(endpoint, head, body);
}

describe('a Content-Type Go reads as a form cannot smuggle a form body past the gateway', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: GatewayInFront;

  const names = async (): Promise<string[]> => (await dockerOk(['ps', '-a', '--format', '{{.Names}}'], engine.endpoint)).trim().split('\n');

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    gateway = await startGatewayInFront(engine, { profile: 'baseline' });
    teardown.add(() => gateway.stopRunning());
    await dockerOk(['create', '--name', 'ct-direct', BUSYBOX_IMAGE, 'true'], engine.endpoint);
    await dockerOk(['create', '--name', 'ct-gateway', BUSYBOX_IMAGE, 'true'], engine.endpoint);
  });

  test('directly, the engine reads the disguised form and renames to the name in the body', async () => {
    const answer = await rename(engine.endpoint, 'ct-direct', 'ct-judged', FORM_IN_DISGUISE, 'name=ct-smuggled');
    assert.equal(answer.status, 204, answer.body);
    const after = await names();
    assert.ok(after.includes('ct-smuggled') && !after.includes('ct-judged'), `names: ${after.join(', ')}`);
  });

  test('through the gateway the header is refused, nothing is renamed', async () => {
    const answer = await rename(gateway.unix, 'ct-gateway', 'ct-judged', FORM_IN_DISGUISE, 'name=ct-smuggled-too');
    assert.equal(answer.status, 400, answer.body);
    assert.equal(answer.headers.get('dockgate-decision'), 'deny');
    assert.match(JSON.parse(answer.body).message as string, /^dockgate: header Content-Type denied by header\.canonical: its value holds .* bytes outside visible ASCII/);
    const after = await names();
    assert.ok(after.includes('ct-gateway') && !after.some((n) => n === 'ct-judged' || n === 'ct-smuggled-too'), `names: ${after.join(', ')}`);
  });

  test('a form type in plain ASCII is refused too; JSON with parameters in any ASCII case passes', async () => {
    const form = await rename(gateway.unix, 'ct-gateway', 'ct-judged', 'Application/X-WWW-Form-Urlencoded; charset=utf-8', 'name=ct-smuggled-3');
    assert.equal(form.status, 400, form.body);
    assert.match(JSON.parse(form.body).message as string, /denied by body\.canonical: the engine would read parameters from a form body/);
    const json = await rename(gateway.unix, 'ct-gateway', 'ct-renamed', 'Application/JSON;\tcharset=UTF-8', '');
    assert.equal(json.status, 204, json.body);
    const after = await names();
    assert.ok(after.includes('ct-renamed') && !after.includes('ct-smuggled-3'), `names: ${after.join(', ')}`);
  });
});
