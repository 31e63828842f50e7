// `dockgate serve --bodies strict` on the real engine: the Docker CLI, which sends canonical bodies, works
// as before (run, exec, ps), while requests that would need canonicalising (the Python SDK's exec body
// with a `Container` field, a lower-case key, a repeated query parameter) are refused by the profile with
// what would have changed, nothing reaches the engine, and the refusal's record lists the normalisations.
// The same requests through a default (canonical) gateway are forwarded in canonical form.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { useTeardown } from '../support/teardown.js';

describe('--bodies strict: canonical clients pass, spellings that need canonicalising are refused', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let strict: GatewayInFront;
  let canonical: GatewayInFront;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    strict = await startGatewayInFront(engine, { profile: 'audit', args: ['--bodies', 'strict'] });
    teardown.add(() => strict.stopRunning());
    canonical = await startGatewayInFront(engine, { profile: 'audit' });
    teardown.add(() => canonical.stopRunning());
  });

  test('the Docker CLI runs, execs and lists through a strict gateway', async () => {
    await dockerOk(['run', '-d', '--name', 'strict-c', BUSYBOX_IMAGE, 'sleep', '600'], strict.unix);
    assert.equal((await dockerOk(['exec', 'strict-c', 'echo', 'through-strict'], strict.unix)).trim(), 'through-strict');
    assert.match(await dockerOk(['ps', '--format', '{{.Names}}'], strict.unix), /strict-c/);
  });

  test('an exec body with a Container field, a lower-case key and a repeated name are refused by the profile, naming what would change', async () => {
    const cases: { path: string; body: unknown; names: RegExp }[] = [
      { path: '/v1.41/containers/strict-c/exec', body: { Container: 'strict-c', Cmd: ['true'], AttachStdout: true }, names: /Container is not a field the engine reads here/ },
      { path: '/v1.41/containers/create?name=strict-lower', body: { image: BUSYBOX_IMAGE }, names: /image is not spelled exactly as the field Image/ },
      { path: '/v1.41/containers/create?name=strict-rep&name=strict-rep2', body: { Image: BUSYBOX_IMAGE }, names: /\?name is given more than once/ },
    ];
    for (const { path, body, names } of cases) {
      const answer = await apiRequest(strict.unix, 'POST', path, body);
      assert.equal(answer.status, 403, `${path}: ${answer.body}`);
      assert.equal(answer.headers['dockgate-decision'], 'deny');
      const { message } = JSON.parse(answer.body) as { message: string };
      assert.match(message, /denied by profile\.audit: the audit profile reads requests strictly \(bodies: strict\)/, path);
      assert.match(message, names, path);
    }
    const names = await dockerOk(['ps', '-a', '--format', '{{.Names}}'], engine.endpoint);
    assert.doesNotMatch(names, /strict-lower|strict-rep/, 'nothing refused reached the engine');
    const { trail, complete } = await waitForAuditTrail(strict.auditLog, 0, (records) => records.filter((r) => r.decision === 'deny').length >= 3);
    assert.ok(complete, 'three refusals recorded');
    const kinds = trail.records.filter((r) => r.decision === 'deny').map((r) => (r.normalised ?? []).map((n) => n.kind).join(','));
    assert.deepEqual(kinds, ['unknown-field', 'field-name', 'repeated-parameter']);
  });

  test('the same requests through a canonical gateway are forwarded in their canonical form', async () => {
    const exec = await apiRequest(canonical.unix, 'POST', '/v1.41/containers/strict-c/exec', { Container: 'strict-c', Cmd: ['true'], AttachStdout: true });
    assert.equal(exec.status, 201, exec.body);
    const created = await apiRequest(canonical.unix, 'POST', '/v1.41/containers/create?name=canon-1&name=canon-2', { image: BUSYBOX_IMAGE });
    assert.equal(created.status, 201, created.body);
    const names = await dockerOk(['ps', '-a', '--format', '{{.Names}}'], engine.endpoint);
    assert.match(names, /canon-1/);
    assert.doesNotMatch(names, /canon-2/);
  });
});
