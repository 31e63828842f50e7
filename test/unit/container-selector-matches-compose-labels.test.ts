// Rules select unix peers by the container they run in: `match: { container: { name, image, label,
// compose-project, compose-service } }`, every key given must match, a list any of its values. A peer in no
// container (a host process, a race) and a TLS peer match no container rule, and explain says why. Bad
// values in the policy file are refused at their line and column.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerIdentity, Identity } from '../../src/identify/identity.js';
import { matchIdentity, suggestedMatch } from '../../src/policy/identity-selector.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { parseIdentity, summarisePolicy } from '../../src/cli/policy-command.js';
import { ALICE, CI_CERT, input, policyProblems } from '../support/policy-fixtures.js';

const TRAEFIK: ContainerIdentity = {
  id: 'c'.repeat(64),
  name: 'shop-proxy-1',
  image: 'traefik:v3',
  labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'proxy', tier: 'edge' },
  composeProject: 'shop',
  composeService: 'proxy',
};
const IN_TRAEFIK: Identity = { ...ALICE, kind: 'unix', container: TRAEFIK } as Identity;
const WORKER: Identity = { ...ALICE, container: { ...TRAEFIK, id: 'd'.repeat(64), name: 'shop-worker-1', image: 'busybox', labels: {}, composeService: 'worker' } } as Identity;

const POLICY = `
rules:
  - name: proxy
    match:
      container:
        compose-service: proxy
        label: { com.docker.compose.project: shop, tier: edge }
    profile: read-only
  - name: workers
    match: { container: { compose-service: [worker, cron], image: busybox } }
    profile: baseline
  - name: by-name
    match: { container: { name: /shop-db-1 } }
    operations: [system.ping]
  - name: hosts
    match: { uid: 1000 }
    operations: [system.ping]
`;

describe('container selectors', () => {
  const policy = loadPolicy(POLICY, { name: 'p.yaml' });

  test('every key given must match; a list matches any of its values', () => {
    const [proxy, workers, byName] = policy.rules;
    assert.equal(matchIdentity(proxy!.match, IN_TRAEFIK).matched, true);
    assert.equal(matchIdentity(workers!.match, IN_TRAEFIK).matched, false);
    assert.equal(matchIdentity(workers!.match, WORKER).matched, true);
    const otherProject = { ...IN_TRAEFIK, container: { ...TRAEFIK, labels: { ...TRAEFIK.labels, 'com.docker.compose.project': 'blog' } } } as Identity;
    assert.match(matchIdentity(proxy!.match, otherProject).detail, /label com\.docker\.compose\.project "blog" is not in \["shop"\]/);
    const named = { ...IN_TRAEFIK, container: { ...TRAEFIK, name: 'shop-db-1' } } as Identity;
    assert.equal(matchIdentity(byName!.match, named).matched, true, "a name written with the engine's leading / matches");
  });

  test('a host peer, a peer whose container was not taken, and a TLS peer match no container rule', () => {
    const [proxy] = policy.rules;
    assert.match(matchIdentity(proxy!.match, ALICE).detail, /this peer is in none the engine knows/);
    const raced = { ...ALICE, noContainer: 'pid 42 was reused' } as Identity;
    assert.match(matchIdentity(proxy!.match, raced).detail, /\(pid 42 was reused\)/);
    assert.match(matchIdentity(proxy!.match, CI_CERT).detail, /selects unix peers in a container, and this is a tls peer/);
  });

  test('decisions: each container gets its own rule, a host process the host rule', async () => {
    assert.equal((await policy.judge(input(IN_TRAEFIK, 'POST', '/v1.43/containers/create', {}))).rule, 'policy.proxy');
    assert.equal((await policy.judge(input(IN_TRAEFIK, 'POST', '/v1.43/containers/create', {}))).verdict, 'deny');
    assert.equal((await policy.judge(input(WORKER, 'GET', '/v1.43/containers/json'))).rule, 'policy.workers');
    assert.equal((await policy.judge(input(ALICE, 'GET', '/_ping'))).rule, 'policy.hosts');
  });

  test('explain traces the container and check summarises the selector; no rule suggests the container', () => {
    const evaluation = policy.evaluate(input(WORKER, 'GET', '/v1.43/containers/json'));
    assert.ok(!(evaluation instanceof Promise));
    const details = evaluation.trace.map((s) => s.detail).join('\n');
    assert.match(details, /container=shop-worker-1/);
    assert.match(details, /rule "workers": matches container shop-worker-1 \(dddddddddddd\) \(image "busybox", compose-service "worker"\)/);
    assert.match(summarisePolicy(policy).join('\n'), /rule "proxy" \[enforce\] for container\(compose-service=proxy label:com\.docker\.compose\.project=shop label:tier=edge\)/);
    assert.equal(suggestedMatch(WORKER), 'match: { container: { compose-service: "worker" } }');
  });

  test('bad container selectors are refused at their line and column', () => {
    assert.deepEqual(policyProblems('rules:\n  - profile: baseline\n    match:\n      container: {}\n')[0]!.slice(0, 2), [4, 18]);
    assert.match(
      policyProblems('rules:\n  - profile: baseline\n    match:\n      container: {}\n')[0]![2],
      /container needs at least one of: name, image, label, compose-project, compose-service/,
    );
    assert.deepEqual(policyProblems('rules:\n  - profile: baseline\n    match:\n      container: { compose-servce: web }\n')[0], [
      4,
      20,
      'rules[0].match.container.compose-servce: unknown key "compose-servce" (did you mean "compose-service"?); allowed keys here: name, image, label, compose-project, compose-service',
    ]);
    assert.deepEqual(policyProblems('rules:\n  - profile: baseline\n    match:\n      container:\n        label: { tier: 3 }\n')[0]!.slice(0, 2), [5, 24]);
    assert.deepEqual(policyProblems('rules:\n  - profile: baseline\n    match:\n      container:\n        name: "my web"\n')[0], [
      5,
      15,
      'rules[0].match.container.name[0]: container names are letters, digits, "_", "." and "-" (as the engine allows them)',
    ]);
    assert.match(policyProblems('rules:\n  - profile: baseline\n    match:\n      container:\n        compose-service: ""\n')[0]![2], /expected a Compose service name/);
  });
});

describe('policy explain --identity with a container', () => {
  test('container-name, container-image and container-label (repeatable) give a unix peer its container', () => {
    const identity = parseIdentity('uid=0,container-name=web,container-image=nginx:1,container-label=com.docker.compose.service=web,container-label=tier=a=b');
    assert.ok(identity.kind === 'unix');
    assert.deepEqual(identity.container, {
      id: '0'.repeat(64),
      name: 'web',
      image: 'nginx:1',
      labels: { 'com.docker.compose.service': 'web', tier: 'a=b' },
      composeService: 'web',
    });
    assert.throws(() => parseIdentity('uid=0,container-label=novalue'), /container-label=novalue is not KEY=VALUE/);
  });
});
