// A service that creates containers for its own users gets the gateway's owner isolation from the library
// alone (issue 17, acceptance 4): `judge(policy, { ..., owner })` with each end user's name. What one user
// creates is stamped with its name in the body to forward; its own container is forwarded by the full id
// checked; the other user's container answers the engine's own 404, status and words; a label forged in
// the body is refused. The owner applies where the rule says `owner: { from: caller }` or gives none, and a
// caller never runs without the owner it meant to give: a missing, undefined or empty owner, one that
// disagrees with the rule's, a warn-mode rule, or a policy that knows nothing of owners all refuse.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinPolicy, judge, loadPolicy, type JudgeRequest, type Policy } from '../../src/index.js';
import type { ContainerFacts } from '../../src/judge/engine-lookup.js';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { ALICE, CI_CERT } from '../support/policy-fixtures.js';

/** The service itself: one unix peer, whatever end user it acts for. */
const SERVICE = ALICE;

const CALLER_POLICY = loadPolicy(['rules:', '  - name: service', '    profile: baseline', '    owner: { from: caller }', ''].join('\n'), { name: 'service.yaml' });

function ownedBy(name: string, owner: string): ContainerFacts {
  const container = plainContainer(name);
  return { ...container, Config: { ...container.Config, Labels: { 'dockgate.owner': owner } } };
}

const annWeb = ownedBy('ann-web', 'ann');
const benWeb = ownedBy('ben-web', 'ben');
/** Each end user's own image (images are not shared: a built-in profile cannot share them). */
const ownImage = (owner: string) => ({ Id: `sha256:${owner[0]!.repeat(64)}`, Config: { Labels: { 'dockgate.owner': owner } }, names: [`${owner}-app`] });
const engine = fakeEngine({ containers: [annWeb, benWeb], images: [ownImage('ann'), ownImage('ben')] });

const json = { 'content-type': 'application/json' };
const create = (body: string): Omit<JudgeRequest, 'identity'> => ({ method: 'POST', path: '/v1.41/containers/create?name=app', headers: json, body });
const inspect = (ref: string): Omit<JudgeRequest, 'identity'> => ({ method: 'GET', path: `/v1.41/containers/${ref}/json` });

for (const [policy, under] of [
  [CALLER_POLICY, 'a rule with owner: { from: caller }'],
  [builtinPolicy('baseline'), 'a built-in profile, which gives no owner'],
] as const) {
  describe(`two end users of one service, under ${under}`, () => {
    test('each user’s create is stamped with its own name in the body to forward, and the result says whose it is', async () => {
      for (const owner of ['ann', 'ben']) {
        const result = await judge(policy, { ...create(`{"Image":"${owner}-app","Labels":{"app":"x"}}`), identity: SERVICE, owner }, engine);
        assert.equal(result.verdict, 'allow', result.reason);
        assert.equal(result.owner, owner);
        assert.equal(result.target, '/v1.41/containers/create?name=app');
        assert.deepEqual(JSON.parse(result.body!.toString()).Labels, { app: 'x', 'dockgate.owner': owner });
        assert.deepEqual(result.changes.at(-1), { field: 'Labels.dockgate.owner', value: owner });
      }
    });

    test('a user’s own container is forwarded by the full id checked; the other user’s answers the engine’s own 404', async () => {
      for (const [owner, own, foreign] of [
        ['ann', annWeb, benWeb],
        ['ben', benWeb, annWeb],
      ] as const) {
        const mine = await judge(policy, { ...inspect(own.Name.slice(1)), identity: SERVICE, owner }, engine);
        assert.equal(mine.verdict, 'allow', mine.reason);
        assert.equal(mine.target, `/v1.41/containers/${own.Id}/json`);
        for (const ref of [foreign.Name.slice(1), foreign.Id.slice(0, 12), 'ghost']) {
          const theirs = await judge(policy, { ...inspect(ref), identity: SERVICE, owner }, engine);
          assert.equal(theirs.verdict, 'deny', ref);
          assert.equal(theirs.status, 404, ref);
          assert.equal(theirs.message, `No such container: ${ref}`, ref);
          assert.equal(theirs.owner, owner);
          assert.equal(theirs.body, undefined);
        }
      }
    });

    test('a label forged in the body is refused, naming the rule', async () => {
      const forged = await judge(policy, { ...create('{"Image":"busybox","Labels":{"dockgate.owner":"ben"}}'), identity: SERVICE, owner: 'ann' }, engine);
      assert.equal(forged.verdict, 'deny');
      assert.equal(forged.status, 403);
      assert.match(forged.message!, /denied by (policy\.service|profile\.baseline): Labels\.dockgate\.owner: the label says which owner an object belongs to/);
      assert.equal(forged.body, undefined);
    });
  });
}

describe('a caller never runs without the owner it meant to give', () => {
  test('no owner under owner: { from: caller } is refused, as is every request of a gateway client under it', async () => {
    const result = await judge(CALLER_POLICY, { ...create('{"Image":"busybox"}'), identity: SERVICE }, engine);
    assert.equal(result.verdict, 'deny');
    assert.equal(result.owner, undefined);
    assert.match(result.reason, /takes its clients' owner from the owner judge\(\)'s caller gives with the request, and no owner was given with the request/);
    assert.match(result.fix!, /^Give the owner with the request \(judge\(policy, \{ \.\.\., owner: NAME \}\)\)/);
  });

  test('an owner given as undefined, empty, not a string or with control characters is refused, not ignored', async () => {
    const given: Array<[unknown, RegExp]> = [
      [undefined, /judge\(\)'s caller gave undefined as the owner/],
      ['', /gave the owner "", which cannot be an owner \(an owner is not empty\)/],
      [42, /gave a number as the owner/],
      ['ann\n', /an owner holds no control characters/],
    ];
    for (const policy of [CALLER_POLICY, builtinPolicy('baseline')]) {
      for (const [owner, why] of given) {
        const request = { ...create('{"Image":"busybox"}'), identity: SERVICE, owner } as JudgeRequest;
        const result = await judge(policy, request, engine);
        assert.equal(result.verdict, 'deny', String(owner));
        assert.equal(result.status, 403);
        assert.match(result.reason, why);
        assert.equal(result.body, undefined);
      }
    }
  });

  test('a rule that takes the owner from the identity must agree with the caller’s', async () => {
    const policy = loadPolicy(['rules:', '  - name: tenants', '    profile: baseline', '    owner: { from: cn }', '    shared: [images]', ''].join('\n'), { name: 'cn.yaml' });
    const agreeing = await judge(policy, { ...create('{"Image":"busybox"}'), identity: CI_CERT, owner: 'runner-1' }, engine);
    assert.equal(agreeing.verdict, 'allow', agreeing.reason);
    assert.equal(agreeing.owner, 'runner-1');
    const other = await judge(policy, { ...create('{"Image":"busybox"}'), identity: CI_CERT, owner: 'ann' }, engine);
    assert.equal(other.verdict, 'deny');
    assert.match(other.reason, /it is "runner-1", while judge\(\)'s caller gave "ann": which one owns would be a guess/);
  });

  test('a warn-mode rule’s refusal of an owner it cannot take is enforced, not forwarded', async () => {
    const policy = loadPolicy(['rules:', '  - name: learning', '    profile: baseline', '    mode: warn', ''].join('\n'), { name: 'warn.yaml' });
    const result = await judge(policy, { ...create('{"Image":"busybox"}'), identity: SERVICE, owner: '' }, engine);
    assert.equal(result.verdict, 'deny');
    assert.equal(result.mode, 'enforce');
  });

  test('a policy that knows nothing of owners refuses a request given one, and still allows one given none', async () => {
    const plain: Policy = { name: 'allow-all', judge: () => ({ verdict: 'allow', rule: 'allow-all', reason: 'everything is allowed' }) };
    const given = await judge(plain, { ...create('{"Image":"busybox"}'), identity: SERVICE, owner: 'ann' }, engine);
    assert.equal(given.verdict, 'deny');
    assert.match(given.reason, /the request was given an owner, and allow-all judges without owners/);
    assert.equal(given.body, undefined);
    assert.equal((await judge(plain, { ...create('{"Image":"busybox"}'), identity: SERVICE }, engine)).verdict, 'allow');
  });

  test('without an owner, a rule that gives none judges as before: nothing stamped', async () => {
    const result = await judge(builtinPolicy('baseline'), { ...create('{"Image":"busybox"}'), identity: SERVICE }, engine);
    assert.equal(result.verdict, 'allow');
    assert.equal(result.owner, undefined);
    assert.deepEqual(JSON.parse(result.body!.toString()), { Image: 'busybox' });
  });
});
