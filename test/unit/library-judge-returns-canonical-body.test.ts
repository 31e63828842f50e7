// The library API (`import { loadPolicy, judge } from 'dockgate'`): a request is read the way the
// gateway reads it (target, route, body through the Go-compatible reader), judged, and answered with
// the decision, its reasons, the engine-style message and the canonical body to forward.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinPolicy, judge, loadPolicy } from '../../src/index.js';
import { ALICE } from '../support/policy-fixtures.js';
import { tarArchive } from '../support/tar-builder.js';

const baseline = builtinPolicy('baseline');
const create = (body: unknown, policy = baseline) =>
  judge(policy, { method: 'POST', path: '/v1.41/containers/create?name=web', headers: { 'content-type': 'application/json' }, body, identity: ALICE });

describe('library judge', () => {
  test('an allowed create returns the canonical body and target', async () => {
    const result = await create(Buffer.from('{ "Image" : "busybox",\n "Cmd": ["echo","hi"] }'));
    assert.equal(result.verdict, 'allow');
    assert.equal(result.operation, 'container.create');
    assert.equal(result.target, '/v1.41/containers/create?name=web');
    assert.equal(result.body?.toString(), '{"Image":"busybox","Cmd":["echo","hi"]}');
    assert.deepEqual(result.changes, []);
  });

  test('a parsed object is re-read like raw JSON', async () => {
    const result = await create({ Image: 'busybox', HostConfig: { Privileged: true } });
    assert.equal(result.verdict, 'deny');
    assert.equal(result.rule, 'profile.baseline');
    assert.match(result.reason, /HostConfig\.Privileged/);
    assert.match(result.message!, /^dockgate: container\.create \(POST \/containers\/create\) denied by profile\.baseline: HostConfig\.Privileged: /);
    assert.ok(result.trace.some((step) => step.step === 'check' && step.outcome === 'fail'));
  });

  test('spellings Go reads as Privileged are judged as Privileged, by the policy, and the canonical body says so', async () => {
    for (const raw of ['{"Image":"x","hostconfig":{"privileged":true}}', '{"Image":"x","HostConfig":{"Privileged":false,"Privileged":true}}']) {
      const result = await create(Buffer.from(raw));
      assert.equal(result.verdict, 'deny', raw);
      assert.equal(result.rule, 'profile.baseline', raw);
      assert.match(result.reason, /HostConfig\.Privileged/, raw);
      assert.ok(result.normalised.length > 0, raw);
    }
    const allowed = await create(Buffer.from('{"image":"x","HostConfig":{"Privileged":true,"Privileged":false},"Container":"c"}'));
    assert.equal(allowed.verdict, 'allow');
    assert.deepEqual(JSON.parse(allowed.body!.toString()), { Image: 'x', HostConfig: { Privileged: false } });
    assert.deepEqual(
      allowed.normalised.map((n) => n.kind),
      ['field-name', 'repeated-key', 'unknown-field'],
    );
  });

  test('a body the engine itself would reject is refused before the policy sees it', async () => {
    for (const raw of ['{"Image":"x"} {"HostConfig":{"Privileged":true}}', '{"Image":"x","HostConfig":{"Privileged":"yes"}}']) {
      const result = await create(Buffer.from(raw));
      assert.equal(result.verdict, 'deny', raw);
      assert.equal(result.rule, 'body.canonical', raw);
    }
  });

  test('defaults come back in the canonical body and as changes', async () => {
    const policy = loadPolicy('rules:\n  - profile: baseline\n    defaults:\n      read-only-rootfs: true\n      labels: { managed-by: platform }\n', { name: 'p' });
    const result = await create(Buffer.from('{"Image":"busybox"}'), policy);
    assert.equal(result.verdict, 'allow');
    assert.deepEqual(
      result.changes.map((c) => c.field),
      ['Labels.managed-by', 'HostConfig.ReadonlyRootfs'],
    );
    assert.deepEqual(JSON.parse(result.body!.toString()), { Image: 'busybox', Labels: { 'managed-by': 'platform' }, HostConfig: { ReadonlyRootfs: true } });
  });

  test('unknown routes and malformed targets are refused with their catalogue rule', async () => {
    assert.equal((await judge(baseline, { method: 'GET', path: '/v1.41/nope', identity: ALICE })).rule, 'route.known');
    assert.equal((await judge(baseline, { method: 'GET', path: '/v1.41/containers/../json', identity: ALICE })).rule, 'path.canonical');
  });

  test('operations without an inspected body pass their body through untouched', async () => {
    const tar = Buffer.from('not json at all');
    const result = await judge(baseline, { method: 'POST', path: '/v1.41/images/load', body: tar, identity: ALICE });
    assert.equal(result.verdict, 'allow');
    assert.equal(result.body, tar);
  });

  test("a build's context is read for its Dockerfile, and passed through untouched when it is judged", async () => {
    const context = tarArchive([{ name: 'Dockerfile', data: 'FROM busybox\nCOPY . /src\n' }]);
    const allowed = await judge(baseline, { method: 'POST', path: '/v1.41/build?t=x', body: context, identity: ALICE });
    assert.equal(allowed.verdict, 'allow', allowed.reason);
    assert.equal(allowed.body, context);
    const fetching = await judge(baseline, {
      method: 'POST',
      path: '/v1.41/build?t=x',
      body: tarArchive([{ name: 'Dockerfile', data: 'FROM busybox\nADD http://127.0.0.1/x /x\n' }]),
      identity: ALICE,
    });
    assert.equal(fetching.verdict, 'deny');
    assert.match(fetching.reason, /ADD: makes the engine fetch/);
    assert.equal((await judge(baseline, { method: 'POST', path: '/v1.41/build?t=x', body: Buffer.from('not a tar'), identity: ALICE })).rule, 'body.canonical');
  });
});
