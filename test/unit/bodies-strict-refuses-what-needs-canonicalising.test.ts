// `bodies: strict` (a policy rule) and `dockgate serve --bodies strict` (the default for rules without
// their own): a request that the gateway would have to canonicalise (a key in another case, an unknown
// field, a repeated key or query parameter, a legacy root-level field) is refused by that rule, naming what
// would have changed; the same request in its canonical form passes, and so does the default `canonical`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinPolicy, judge, loadPolicy, type Policy } from '../../src/index.js';
import { ALICE, ROOT } from '../support/policy-fixtures.js';

function create(policy: Policy, body: string, query = '?name=web'): ReturnType<typeof judge> {
  return judge(policy, { method: 'POST', path: `/v1.41/containers/create${query}`, headers: { 'content-type': 'application/json' }, body: Buffer.from(body), identity: ALICE });
}

const CANONICALISED: readonly [string, string, string, RegExp][] = [
  ['a key in another case', '{"image":"busybox"}', '?name=web', /image is not spelled exactly as the field Image/],
  ['an unknown field', '{"Image":"busybox","Container":"x"}', '?name=web', /Container is not a field the engine reads here/],
  ['a repeated key', '{"Image":"busybox","Image":"busybox"}', '?name=web', /Image is given more than once/],
  ['a repeated query parameter', '{"Image":"busybox"}', '?name=web&name=other', /\?name is given more than once/],
];

test('a strict rule refuses each kind of canonicalised request, naming it; the canonical form passes', async () => {
  const policy = loadPolicy('rules:\n  - name: strict-ci\n    profile: baseline\n    bodies: strict\n', { name: 'p.yaml' });
  for (const [what, body, query, names] of CANONICALISED) {
    const result = await create(policy, body, query);
    assert.equal(result.verdict, 'deny', what);
    assert.equal(result.rule, 'policy.strict-ci', what);
    assert.match(result.reason, /reads requests strictly \(bodies: strict\)/, what);
    assert.match(result.reason, names, what);
    assert.match(result.message!, /denied by policy\.strict-ci: .*bodies: canonical/, what);
  }
  const canonical = await create(policy, '{"Image":"busybox"}');
  assert.equal(canonical.verdict, 'allow', canonical.reason);
});

test('the default reading is canonical: the same requests pass and their canonical form comes back', async () => {
  const policy = builtinPolicy('baseline');
  for (const [what, body, query] of CANONICALISED) {
    const result = await create(policy, body, query);
    assert.equal(result.verdict, 'allow', `${what}: ${result.reason}`);
    assert.equal(result.body?.toString(), '{"Image":"busybox"}', what);
    assert.equal(result.target, '/v1.41/containers/create?name=web', what);
    assert.ok(result.normalised.length > 0, what);
  }
});

test('serve --bodies strict is the default of rules without their own; a rule saying canonical keeps canonical', async () => {
  const strictProfile = builtinPolicy('baseline', { bodies: 'strict' });
  assert.equal((await create(strictProfile, '{"image":"busybox"}')).verdict, 'deny');
  const file = 'rules:\n  - name: lenient\n    match: { uid: 1000 }\n    profile: baseline\n    bodies: canonical\n  - name: others\n    profile: baseline\n';
  const policy = loadPolicy(file, { name: 'p.yaml', bodies: 'strict' });
  const alice = await create(policy, '{"image":"busybox"}');
  assert.equal(alice.verdict, 'allow', `${alice.rule}: ${alice.reason}`);
  const root = await judge(policy, { method: 'POST', path: '/v1.41/containers/create', body: Buffer.from('{"image":"busybox"}'), identity: ROOT });
  assert.equal(root.verdict, 'deny');
  assert.equal(root.rule, 'policy.others');
});

test('in warn mode a strict refusal is recorded as would-deny and the canonical form still goes through', async () => {
  const policy = loadPolicy('rules:\n  - name: learning\n    profile: baseline\n    bodies: strict\n    mode: warn\n', { name: 'p.yaml' });
  const result = await create(policy, '{"image":"busybox","Extra":1}');
  assert.equal(result.verdict, 'deny');
  assert.equal(result.mode, 'warn');
  assert.equal(result.body?.toString(), '{"Image":"busybox"}');
});

test('a policy file with an unknown bodies value points at it', () => {
  assert.throws(() => loadPolicy('rules:\n  - profile: baseline\n    bodies: lenient\n', { name: 'p.yaml' }), /p\.yaml:3:13: .*expected canonical or strict/);
});
