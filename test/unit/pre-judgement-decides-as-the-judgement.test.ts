// The pre-judgement the gateway asks before it reads a body (rule selection and the operation grant) decides
// exactly as the full judgement does: where it refuses, the judgement of the same request with any body
// (a harmless one, a privileged one) is the same decision, word for word; where it does not, the judgement
// passed the grant and decided on what came after. The library judge refuses such a request without
// reading its body too (a malformed body gets the policy's refusal, not the body reader's), except in warn
// mode, where the request goes on and its body is read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge } from '../../src/decide/library-judge.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { builtinPolicy, presetPolicy } from '../../src/policy/builtin-policies.js';
import type { Identity } from '../../src/identify/identity.js';
import { ALICE, CI_CERT, ROOT, input } from '../support/policy-fixtures.js';

const POLICY = `
rules:
  - name: ci
    match: { cn: runner-1 }
    profile: baseline
    operations: [container.*, image.*, system.*]
    except: [container.exec.*]
  - name: dashboards
    match: { uid: 0 }
    profile: read-only
  - name: learning
    match: { uid: 1000 }
    profile: restricted
    operations: [container.list, container.inspect]
    mode: warn
`;

const NOBODY: Identity = { kind: 'unix', listener: ALICE.listener, uid: 4242, gid: 4242, pid: 7, user: 'nobody', group: 'nobody' };

const IDENTITIES: readonly Identity[] = [ALICE, ROOT, CI_CERT, NOBODY];

/** Requests whose body the gateway would hold, with a harmless and a hostile body each. */
const REQUESTS: readonly [string, string, unknown, unknown][] = [
  ['POST', '/v1.41/containers/create', { Image: 'busybox' }, { Image: 'busybox', HostConfig: { Privileged: true } }],
  ['POST', '/v1.41/containers/web/update', { Memory: 1 }, { CpuPeriod: 1000, CpuQuota: 1_000_000 }],
  ['POST', '/v1.41/containers/web/exec', { Cmd: ['ls'] }, { Cmd: ['sh'], Privileged: true }],
  ['POST', '/v1.41/exec/abc/start', { Detach: true }, { Detach: false, Tty: true }],
  ['POST', '/v1.41/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox' } } }, { TaskTemplate: { ContainerSpec: { Image: 'busybox', Privileges: {} } } }],
  ['POST', '/v1.41/volumes/create', { Name: 'v' }, { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/' } }],
  ['GET', '/v1.41/containers/json', undefined, undefined],
];

const policies = {
  file: loadPolicy(POLICY, { name: 'policy.yaml' }),
  readOnly: builtinPolicy('read-only'),
  baseline: builtinPolicy('baseline'),
  // Presets refuse in their own words (what the application calls); a preset that grants writes judges their bodies.
  traefik: presetPolicy('traefik'),
  gitlabRunner: presetPolicy('gitlab-runner'),
};

test('where the pre-judgement decides, the judgement of the same request decides the same, whatever its body', async () => {
  let decided = 0;
  let passed = 0;
  for (const [name, policy] of Object.entries(policies)) {
    for (const identity of IDENTITIES) {
      for (const [method, path, harmless, hostile] of REQUESTS) {
        const what: string = `${name}: ${identity.kind === 'unix' ? `uid ${identity.uid}` : 'runner-1'} ${method} ${path}`;
        const { body: _, engine: __, ...known } = input(identity, method, path);
        const early = policy.preJudge(known);
        for (const body of [harmless, hostile]) {
          const full = await policy.evaluate(input(identity, method, path, body));
          if (early !== undefined) {
            assert.deepEqual(full.decision, early, `${what}: the pre-judgement and the judgement differ`);
          } else {
            assert.ok(
              full.trace.some((step) => step.step === 'operation' && step.outcome === 'pass'),
              `${what}: granted, so decided after the grant`,
            );
          }
        }
        if (early !== undefined) decided++;
        else passed++;
      }
    }
  }
  assert.ok(decided > 20 && passed > 10, `both outcomes are covered: ${decided} decided early, ${passed} left to the judgement`);
});

test("the pre-judgement refuses a client no rule selects, and an operation its rule does not grant, with the judgement's words", () => {
  const noRule = policies.file.preJudge(input(NOBODY, 'POST', '/v1.41/containers/create'));
  assert.equal(noRule?.rule, 'policy.no-match');
  assert.match(noRule.fix!, /uid: 4242/);
  const notGranted = policies.file.preJudge(input(CI_CERT, 'POST', '/v1.41/containers/web/exec'));
  assert.deepEqual([notGranted?.verdict, notGranted?.rule, notGranted?.reason], ['deny', 'policy.ci', 'rule "ci" does not grant container.exec.create (except container.exec.*)']);
  const readOnly = policies.readOnly.preJudge(input(ROOT, 'POST', '/v1.41/containers/create'));
  assert.match(readOnly!.reason, /container\.create changes state, and the read-only profile grants reads only/);
  assert.equal(policies.baseline.preJudge(input(ROOT, 'POST', '/v1.41/containers/create')), undefined, 'granted: the body decides');
});

test('the library judge refuses an ungranted operation without reading its body, and reads it in warn mode', async () => {
  const malformed = '{"Image": "busybox", "HostConfig": {"Privileged": "yes"}} trailing';
  const refused = await judge(policies.readOnly, { method: 'POST', path: '/v1.41/containers/create', body: malformed, identity: ROOT });
  assert.deepEqual([refused.verdict, refused.rule], ['deny', 'profile.read-only'], 'the policy refuses; the body was never read');
  assert.equal(refused.body, undefined);
  const read = await judge(policies.baseline, { method: 'POST', path: '/v1.41/containers/create', body: malformed, identity: ROOT });
  assert.equal(read.rule, 'body.canonical', 'granted: the body is read, and the engine would reject this one');
  const warned = await judge(policies.file, { method: 'POST', path: '/v1.41/containers/create', body: '{"image":"busybox"}', identity: ALICE });
  assert.deepEqual([warned.verdict, warned.mode, warned.rule], ['deny', 'warn', 'policy.learning']);
  assert.equal(warned.body?.toString(), '{"Image":"busybox"}', 'in warn mode the request goes on: its body is read and canonical');
});
