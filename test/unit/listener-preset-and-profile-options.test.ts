// `?preset=NAME` and `?profile=NAME` on every kind of Engine API listener: the listener's clients are
// judged by that built-in policy (src/policy/listener-policies.ts); one of the two at most, a name dockgate
// knows, never on the admin listener. And the per-listener choice at work: a request is judged by its
// listener's policy, other listeners by the gateway's, reloads of the gateway's included.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAdminListenSpec, parseInsecureLoopbackSpec, parseListenerSpec } from '../../src/listen/listener-spec.js';
import { builtinPolicy } from '../../src/policy/builtin-policies.js';
import { ListenerPolicies, shadowedRules } from '../../src/policy/listener-policies.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import type { Policy } from '../../src/judge/policy.js';
import { ALICE, input } from '../support/policy-fixtures.js';

describe('listener preset= and profile=', () => {
  test('each listener kind takes preset= or profile=', () => {
    assert.deepEqual(parseListenerSpec('unix:///run/dockgate/traefik.sock?mode=0660&preset=traefik').policy, { kind: 'preset', name: 'traefik' });
    assert.deepEqual(parseListenerSpec('unix:///run/dockgate/ci.sock?profile=restricted').policy, { kind: 'profile', name: 'restricted' });
    assert.deepEqual(parseListenerSpec('tcp://0.0.0.0:2376?allow=10.0.0.0/8&preset=watchtower').policy, { kind: 'preset', name: 'watchtower' });
    assert.deepEqual(parseInsecureLoopbackSpec('tcp://127.0.0.1:2375?preset=homepage').policy, { kind: 'preset', name: 'homepage' });
    assert.deepEqual(parseInsecureLoopbackSpec('tcp://127.0.0.1:2375?profile=read-only').policy, { kind: 'profile', name: 'read-only' });
    const plain = parseListenerSpec('unix:///run/dockgate.sock?mode=0600');
    assert.equal(plain.policy, undefined);
    assert.equal('policy' in plain, false);
  });

  test('unknown names are refused with the known ones; both, twice or on the admin listener are refused', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => parseListenerSpec('unix:///run/d.sock?preset=nginx'),
        /--listen unix:\/\/\/run\/d\.sock\?preset=nginx: unknown preset 'nginx' \(known: traefik, portainer, watchtower, .*github-actions-runner\)/,
      ],
      [() => parseListenerSpec('unix:///run/d.sock?profile=strict'), /unknown profile 'strict' \(known: baseline, restricted, read-only, audit\)/],
      [() => parseListenerSpec('tcp://0.0.0.0:2376?preset=traefic'), /unknown preset 'traefic'/],
      [() => parseInsecureLoopbackSpec('tcp://127.0.0.1:2375?profile=permissive'), /--insecure-listen-loopback .*unknown profile 'permissive'/],
      [() => parseListenerSpec('unix:///run/d.sock?preset=traefik&profile=baseline'), /preset= and profile= go separately/],
      [() => parseListenerSpec('tcp://0.0.0.0:2376?preset=traefik&profile=audit'), /preset= and profile= go separately/],
      [() => parseListenerSpec('unix:///run/d.sock?preset=traefik&preset=dozzle'), /preset is given twice/],
      [() => parseListenerSpec('unix:///run/d.sock?preset='), /unknown preset ''/],
      [() => parseListenerSpec('unix:///run/d.sock?perm=0600'), /unknown option 'perm' \(known: mode, owner, group, preset, profile\)/],
      [() => parseAdminListenSpec('unix:///run/admin.sock?preset=traefik'), /unknown option 'preset' \(known: mode, owner, group\)/],
      [() => parseAdminListenSpec('tcp://127.0.0.1:9100?profile=baseline'), /unknown option 'profile'/],
    ];
    for (const [parse, message] of cases) assert.throws(parse, message);
  });

  test("a request is judged by its listener's policy; other listeners by the gateway's, as reloaded", async () => {
    const traefik = 'unix:///run/dockgate/traefik.sock?preset=traefik';
    const readOnly = 'unix:///run/dockgate/ro.sock?profile=read-only';
    let gateway: Policy = builtinPolicy('baseline');
    const policy = ListenerPolicies.over(
      () => gateway,
      [{ name: traefik, policy: { kind: 'preset', name: 'traefik' } }, { name: readOnly, policy: { kind: 'profile', name: 'read-only' } }, { name: ALICE.listener }],
      {},
    )();
    const on = (listener: string) => ({ ...ALICE, listener });
    const stop = (listener: string) => policy.judge(input(on(listener), 'POST', '/v1.45/containers/web/stop'));
    assert.equal((await stop(traefik)).rule, 'preset.traefik');
    assert.equal((await stop(traefik)).verdict, 'deny');
    assert.equal(policy.preJudge?.(input(on(traefik), 'POST', '/v1.45/containers/web/stop'))?.rule, 'preset.traefik');
    assert.equal((await policy.judge(input(on(traefik), 'GET', '/v1.45/containers/json'))).verdict, 'allow');
    assert.equal((await stop(readOnly)).rule, 'profile.read-only');
    assert.deepEqual(await stop(ALICE.listener), { verdict: 'allow', rule: 'profile.baseline', reason: 'container.stop is granted by the baseline profile' });
    gateway = builtinPolicy('read-only');
    assert.equal((await stop(ALICE.listener)).rule, 'profile.read-only');
    assert.equal((await stop(traefik)).rule, 'preset.traefik');
    assert.match(policy.name, /^read-only; traefik on unix:\/\/\/run\/dockgate\/traefik\.sock\?preset=traefik; read-only on /);
  });

  test('a policy-file rule that selects only listeners with their own preset or profile is found, to be reported as never used', () => {
    const traefik = 'unix:///run/dockgate/traefik.sock?preset=traefik';
    const other = 'unix:///run/dockgate/other.sock';
    const file = loadPolicy(
      `rules:\n  - name: proxy\n    match: { listener: "${traefik}" }\n    profile: audit\n  - name: both\n    match: { listener: ["${traefik}", "${other}"] }\n    profile: baseline\n  - name: rest\n    profile: read-only\n`,
    );
    assert.deepEqual(shadowedRules(file.rules, [{ name: traefik, policy: { kind: 'preset', name: 'traefik' } }, { name: other }]), ['rule "proxy"']);
    assert.deepEqual(shadowedRules(file.rules, [{ name: traefik }, { name: other }]), []);
  });

  test("without a listener's own choice the gateway's policy is used as is", () => {
    const gateway = builtinPolicy('baseline');
    assert.equal(ListenerPolicies.over(() => gateway, [{ name: ALICE.listener }], {})(), gateway);
  });
});
