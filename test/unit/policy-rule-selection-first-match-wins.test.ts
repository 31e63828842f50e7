// Rules select clients by identity (unix uid/gid/user/group, certificate CN/O/OU/SAN/fingerprint,
// listener); the first rule that selects a client decides, even when it refuses; a client no rule
// selects is refused with a message naming it and the rule to add. Operations are granted by name
// and pattern with exceptions; warn mode forwards and marks the decision; defaults reach the body.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Decision } from '../../src/judge/decision.js';
import { matchIdentity } from '../../src/policy/identity-selector.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { ALICE, CI_CERT, input, ROOT } from '../support/policy-fixtures.js';

const POLICY = `
rules:
  - name: admins
    match: { uid: 0 }
    profile: audit
  - name: ci
    match: { cn: runner-1, ou: ci }
    profile: baseline
    operations: [container.*, image.*, system.*]
    except: [container.export]
  - name: dashboards
    match: { listener: unix:///run/dockgate-ro.sock }
    profile: read-only
  - name: developers
    match: { group: [alice, bob] }
    profile: restricted
    mode: warn
    defaults:
      memory: 256m
      pids-limit: 100
      cpus: 1
      labels: { owner: developers }
`;

const policy = loadPolicy(POLICY, { name: 'policy.yaml' });
const decide = async (...args: Parameters<typeof input>): Promise<Decision> => policy.judge(input(...args));

describe('selecting clients', () => {
  test('selectors: all given must match, any value of a list', () => {
    assert.equal(matchIdentity({ uid: [1000, 1001] }, ALICE).matched, true);
    assert.equal(matchIdentity({ uid: [1000], gid: [0] }, ALICE).matched, false);
    assert.equal(matchIdentity({ user: ['alice'], listener: ['unix:///run/dockgate.sock'] }, ALICE).matched, true);
    assert.equal(matchIdentity({ o: ['Example'], san: ['DNS:runner-1.ci.example'] }, CI_CERT).matched, true);
    assert.equal(matchIdentity({ cn: ['runner-2'] }, CI_CERT).matched, false);
    assert.equal(matchIdentity({ uid: [1000] }, CI_CERT).matched, false, 'a unix selector never selects a TLS peer');
    assert.equal(matchIdentity({ cn: ['alice'] }, ALICE).matched, false, 'a TLS selector never selects a unix peer');
    assert.equal(matchIdentity(undefined, ALICE).matched, true);
  });

  test('the first matching rule decides', async () => {
    const admin = await decide(ROOT, 'POST', '/v1.41/containers/create', { Image: 'x', HostConfig: { Privileged: true } });
    assert.equal(admin.verdict, 'allow');
    assert.equal(admin.rule, 'policy.admins');
    const ci = await decide(CI_CERT, 'POST', '/v1.41/containers/create', { Image: 'x', HostConfig: { Privileged: true } });
    assert.equal(ci.verdict, 'deny');
    assert.equal(ci.rule, 'policy.ci');
    assert.match(ci.reason, /HostConfig\.Privileged/);
  });

  test('a rule that refuses does not fall through to later rules', async () => {
    const root = { ...ROOT, uid: 5, gid: 5, user: 'bob', group: 'bob' } as const;
    const dashboard = { ...root, listener: 'unix:///run/dockgate-ro.sock' };
    const decision = await decide(dashboard, 'POST', '/v1.41/containers/create', { Image: 'x' });
    assert.equal(decision.rule, 'policy.dashboards');
    assert.equal(decision.verdict, 'deny');
    assert.match(decision.reason, /read-only profile grants reads only/);
  });

  test('a client no rule selects is refused, naming it and the rule to add', async () => {
    const stranger = { kind: 'unix', listener: 'unix:///run/dockgate.sock', uid: 2000, gid: 2000, pid: 7, user: 'carol', group: 'carol' } as const;
    const decision = await decide(stranger, 'GET', '/v1.41/containers/json');
    assert.equal(decision.verdict, 'deny');
    assert.equal(decision.rule, 'policy.no-match');
    assert.match(decision.reason, /no rule of policy\.yaml selects uid=2000\(carol\) gid=2000\(carol\) pid=7 on unix:\/\/\/run\/dockgate\.sock/);
    assert.match(decision.fix!, /match: \{ uid: 2000 \}/);
  });
});

describe('granting operations', () => {
  test('patterns grant, except takes back', async () => {
    assert.equal((await decide(CI_CERT, 'GET', '/v1.41/images/json')).verdict, 'allow');
    const exported = await decide(CI_CERT, 'GET', '/v1.41/containers/abc/export');
    assert.equal(exported.verdict, 'deny');
    assert.match(exported.reason, /does not grant container\.export \(except container\.export\)/);
    const volume = await decide(CI_CERT, 'POST', '/v1.41/volumes/create', { Name: 'v' });
    assert.equal(volume.verdict, 'deny');
    assert.match(volume.fix!, /Add volume\.create to the operations of rule "ci"/);
  });

  test('an operation that decides no reach is answered synchronously', () => {
    const decision = policy.judge(input(CI_CERT, 'GET', '/v1.41/containers/json'));
    assert.ok(!(decision instanceof Promise));
    assert.equal(decision.verdict, 'allow');
  });
});

describe('warn mode and defaults', () => {
  test('warn mode marks a refusal as warn (forwarded and recorded as would_deny)', async () => {
    const decision = await decide(ALICE, 'POST', '/v1.41/containers/create', { Image: 'busybox', User: '0' });
    assert.equal(decision.verdict, 'deny');
    assert.equal(decision.mode, 'warn');
    assert.equal(decision.rule, 'policy.developers');
  });

  test('defaults are applied to the forwarded body and listed as changes', async () => {
    const decision = await decide(ALICE, 'POST', '/v1.41/containers/create', { Image: 'busybox', User: '1000', HostConfig: { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] } });
    assert.equal(decision.verdict, 'allow', decision.reason);
    assert.deepEqual(
      decision.changes?.map((c) => c.field),
      ['Labels.owner', 'HostConfig.Memory', 'HostConfig.PidsLimit', 'HostConfig.NanoCpus'],
    );
    const body = decision.body as { HostConfig: Record<string, unknown>; Labels: Record<string, string> };
    assert.equal(body.HostConfig['Memory'], 256 * 2 ** 20);
    assert.equal(body.HostConfig['NanoCpus'], 1e9);
    assert.deepEqual(body.Labels, { owner: 'developers' });
  });
});

describe('built-in profiles inside a policy file', () => {
  test('a rule without a profile starts from baseline constraints', async () => {
    const p = loadPolicy('rules:\n  - operations: ["*"]\n    constraints:\n      cap-add: [net_admin]\n', { name: 'p' });
    assert.equal((await p.judge(input(ALICE, 'POST', '/v1.41/containers/create', { Image: 'x', HostConfig: { CapAdd: ['NET_ADMIN'] } }))).verdict, 'allow');
    assert.equal((await p.judge(input(ALICE, 'POST', '/v1.41/containers/create', { Image: 'x', HostConfig: { CapAdd: ['CHOWN'] } }))).verdict, 'deny');
    assert.equal((await p.judge(input(ALICE, 'POST', '/v1.41/containers/create', { Image: 'x', HostConfig: { Privileged: true } }))).verdict, 'deny');
  });

  test('constraints override the profile field by field; max implies required', async () => {
    const p = loadPolicy('rules:\n  - profile: baseline\n    constraints:\n      memory: { max: 1g }\n      host-namespaces: [pid]\n', { name: 'p' });
    const rule = p.rules[0]!;
    assert.ok(rule.constraints !== 'unrestricted');
    assert.deepEqual(rule.constraints.memory, { required: true, max: 2 ** 30 });
    assert.equal(rule.constraints.hostNamespaces.pid, true);
    assert.equal(rule.constraints.hostNamespaces.network, false);
    assert.equal(rule.constraints.privileged, false);
  });
});
