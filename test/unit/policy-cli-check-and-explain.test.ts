// `dockgate policy check FILE` exits 0 with a summary, or prints file:line:column and exits 1;
// `dockgate policy explain` prints which rule selected the client and why, each check's result and
// the decision, exiting 0 for allow and 1 for deny.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-policy-cli-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

function dockgate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/policy-cli.ts', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const GOOD = `rules:
  - name: admins
    match: { uid: 0 }
    profile: audit
  - name: developers
    match: { gid: [1000, 1001] }
    profile: baseline
    constraints:
      allow-bind: [${tmp}:ro]
`;

describe('policy check', () => {
  test('a valid file: exit 0 and a summary of its rules', () => {
    writeFileSync(join(tmp, 'good.yaml'), GOOD);
    const { status, stdout } = dockgate('policy', 'check', join(tmp, 'good.yaml'));
    assert.equal(status, 0);
    assert.match(stdout, /good\.yaml: 2 rules, first match wins/);
    assert.match(stdout, /1\. rule "admins" \[enforce\] for uid=0: \*; container reach not judged/);
    assert.match(stdout, new RegExp(`2\\. rule "developers" \\[enforce\\] for gid=1000\\|1001: \\* except container\\.checkpoint\\.\\*, debug\\.\\*; bind roots: ${tmp}:ro`));
  });

  test("a file that gives owners: each rule's owner and shared kinds, and what a rule without one reaches", () => {
    writeFileSync(
      join(tmp, 'owners.yaml'),
      [
        'rules:',
        '  - name: admins',
        '    match: { uid: 0 }',
        '    profile: audit',
        '  - name: tenants',
        '    match: { ou: tenants }',
        '    profile: baseline',
        '    owner: { from: cn }',
        '    shared: [images, volumes]',
        '  - name: ci',
        '    match: { ou: ci }',
        '    profile: baseline',
        '    owner: ci',
        '  - name: service',
        '    match: { user: app }',
        '    profile: baseline',
        '    owner: { from: caller }',
        '',
      ].join('\n'),
    );
    const { status, stdout, stderr } = dockgate('policy', 'check', join(tmp, 'owners.yaml'));
    assert.equal(status, 0, stderr);
    assert.match(stdout, /^ {2}1\. rule "admins" .*; no owner: reaches every owner's objects, sets no owner label$/m);
    assert.match(stdout, /^ {2}2\. rule "tenants" .*; owner: the client's cn; shared across owners: images, volumes$/m);
    assert.match(stdout, /^ {2}3\. rule "ci" .*; owner: the fixed owner "ci"$/m);
    assert.match(stdout, /^ {2}4\. rule "service" .*; owner: the owner judge\(\)'s caller gives with the request$/m);
    // A file without owners says nothing of them.
    writeFileSync(join(tmp, 'good.yaml'), GOOD);
    assert.doesNotMatch(dockgate('policy', 'check', join(tmp, 'good.yaml')).stdout, /owner/);
  });

  test('a typo: exit 1 and file:line:column on stderr', () => {
    writeFileSync(join(tmp, 'typo.yaml'), 'rules:\n  - profile: baseline\n    constraints:\n      privilegd: true\n');
    const { status, stderr } = dockgate('policy', 'check', join(tmp, 'typo.yaml'));
    assert.equal(status, 1);
    assert.match(
      stderr,
      new RegExp(`^${join(tmp, 'typo.yaml')}:4:7: rules\\[0\\]\\.constraints\\.privilegd: unknown key "privilegd" \\(did you mean "privileged"\\?\\); allowed keys here: `),
    );
  });
});

describe('policy explain', () => {
  test('a refused create: the rule that matched, each check, the fix, exit 1', () => {
    writeFileSync(join(tmp, 'good.yaml'), GOOD);
    writeFileSync(join(tmp, 'body.json'), JSON.stringify({ Image: 'busybox', HostConfig: { Binds: ['/etc:/etc'], PidMode: 'host' } }));
    const { status, stdout } = dockgate(
      'policy',
      'explain',
      '--policy',
      join(tmp, 'good.yaml'),
      '--identity',
      'uid=1000,gid=1000,user=alice',
      '--method',
      'POST',
      '--path',
      '/v1.41/containers/create',
      '--body',
      join(tmp, 'body.json'),
    );
    assert.equal(status, 1);
    assert.match(stdout, /rule\s+skip\s+rule "admins": uid \[1000\] is not in \[0\]/);
    assert.match(stdout, /rule\s+match\s+rule "developers": matches gid 1000/);
    assert.match(stdout, /operation\s+pass\s+container\.create is granted by rule "developers" \(\*\)/);
    assert.match(stdout, /check\s+fail\s+mounts: HostConfig\.Binds\[0\]: bind-mounts the host path "\/etc"/);
    assert.match(stdout, /check\s+fail\s+namespaces: HostConfig\.PidMode: "host" shares the host's process namespace/);
    assert.match(stdout, /check\s+pass\s+privileges: /);
    assert.match(stdout, /decision\s+fail\s+deny by policy\.developers: /);
    assert.match(stdout, /client sees\s+Error response from daemon: dockgate: container\.create \(POST \/containers\/create\) denied by policy\.developers: /);
  });

  test('an allowed request under a profile: exit 0', () => {
    const { status, stdout } = dockgate('policy', 'explain', '--profile', 'baseline', '--identity', 'cn=runner-1,o=Example', '--method', 'GET', '--path', '/v1.41/containers/json');
    assert.equal(status, 0);
    assert.match(stdout, /identity\s+cn=runner-1 o=Example on tcp:\/\/0\.0\.0\.0:2376/);
    assert.match(stdout, /check\s+skip\s+container\.list does not decide a container's reach/);
    assert.match(stdout, /decision\s+pass\s+allow by profile\.baseline/);
  });

  test('--owner: the owner a library caller gives, which a rule with owner: { from: caller } takes; without it the request is refused', () => {
    writeFileSync(join(tmp, 'caller.yaml'), 'rules:\n  - name: service\n    profile: baseline\n    owner: { from: caller }\n');
    const args = ['policy', 'explain', '--policy', join(tmp, 'caller.yaml'), '--identity', 'uid=1000', '--method', 'POST', '--path', '/v1.41/volumes/create', '--body', '-'];
    const given = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/policy-cli.ts', ...args, '--owner', 'ann'], { encoding: 'utf8', input: '{}', timeout: 30_000 });
    assert.equal(given.status, 0, given.stderr);
    assert.match(given.stdout, /^owner {12}"ann", from the owner judge\(\)'s caller gives with the request$/m);
    assert.match(given.stdout, /^forwarded body {3}\{"Labels":\{"dockgate\.owner":"ann"\}\}$/m);
    const none = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/policy-cli.ts', ...args], { encoding: 'utf8', input: '{}', timeout: 30_000 });
    assert.equal(none.status, 1);
    assert.match(none.stdout, /^owner {5}fail {3}the owner judge\(\)'s caller gives with the request: no owner was given with the request/m);
  });

  test('a read whose answer the rule redacts: explain says what is redacted', () => {
    const { status, stdout } = dockgate('policy', 'explain', '--profile', 'read-only', '--identity', 'uid=1000', '--method', 'GET', '--path', '/v1.41/containers/web/json');
    assert.equal(status, 0);
    assert.match(stdout, /change\s+the answer is redacted by the read-only profile: env, mounts, secrets/);
  });

  test('a preset: its reads pass, what its application never calls is refused by preset.NAME; check summarises a rule that starts from one', () => {
    const allowed = dockgate('policy', 'explain', '--preset', 'traefik', '--identity', 'uid=1000', '--method', 'GET', '--path', '/v1.41/containers/json?all=1');
    assert.equal(allowed.status, 0, allowed.stderr);
    assert.match(allowed.stdout, /policy\s+--preset traefik/);
    assert.match(allowed.stdout, /decision\s+pass\s+allow by preset\.traefik/);
    const refused = dockgate('policy', 'explain', '--preset', 'traefik', '--identity', 'uid=1000', '--method', 'POST', '--path', '/v1.41/containers/web/restart');
    assert.equal(refused.status, 1);
    assert.match(refused.stdout, /deny by preset\.traefik: the traefik preset grants only the Engine API calls Traefik makes, and container\.restart is not one of them/);
    assert.match(refused.stdout, /fix\s+.*`preset: traefik`/);
    writeFileSync(join(tmp, 'preset.yaml'), 'rules:\n  - name: proxy\n    preset: traefik\n');
    const checked = dockgate('policy', 'check', join(tmp, 'preset.yaml'));
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stdout, /1\. rule "proxy" \[enforce\] for every client: system\.ping, system\.version, container\.list, container\.inspect, system\.events/);
    const unknown = dockgate('policy', 'explain', '--preset', 'nginx', '--identity', 'uid=1000', '--method', 'GET', '--path', '/_ping');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown preset \(known: traefik, portainer/);
  });

  test('text from the request and the policy file cannot act on the terminal: escapes, bidi overrides and line separators are shown', () => {
    // A bind root is printed by check; YAML's double quotes spell ESC, BEL, U+202E and U+2028.
    const root = join(tmp, 'ci\u001b]0;owned\u0007\u202eis\u2028Summary');
    mkdirSync(root);
    writeFileSync(
      join(tmp, 'odd.yaml'),
      `rules:\n  - name: ci\n    match: { uid: 1000 }\n    profile: baseline\n    constraints:\n      allow-bind: ["${tmp}/ci\\e]0;owned\\a\\u202Eis\\u2028Summary"]\n`,
    );
    const checked = dockgate('policy', 'check', join(tmp, 'odd.yaml'));
    assert.equal(checked.status, 0, checked.stderr);
    writeFileSync(join(tmp, 'odd.json'), JSON.stringify({ Image: 'busybox', HostConfig: { Binds: ['/srv/\u001b[2J\u009b31m\u202egnp.exe\u2029x:/data'] } }));
    const explained = dockgate(
      'policy',
      'explain',
      '--policy',
      join(tmp, 'odd.yaml'),
      '--identity',
      'uid=1000',
      '--method',
      'POST',
      '--path',
      '/v1.41/containers/create',
      '--body',
      join(tmp, 'odd.json'),
    );
    assert.equal(explained.status, 1, explained.stderr);
    for (const stdout of [checked.stdout, explained.stdout]) {
      assert.doesNotMatch(stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/u, JSON.stringify(stdout));
    }
    assert.match(checked.stdout, /ci\\e\]0;owned\\u0007\\u202eis\\u2028Summary/);
    assert.match(explained.stdout, /\\u202egnp\.exe\\u2029x/);
  });

  test('a bad identity or neither --policy nor --profile is a usage error (exit 2)', () => {
    assert.equal(dockgate('policy', 'explain', '--profile', 'baseline', '--identity', 'alice', '--method', 'GET', '--path', '/_ping').status, 2);
    assert.equal(dockgate('policy', 'explain', '--identity', 'uid=1', '--method', 'GET', '--path', '/_ping').status, 2);
    assert.equal(dockgate('policy', 'explain', '--profile', 'baseline', '--preset', 'traefik', '--identity', 'uid=1', '--method', 'GET', '--path', '/_ping').status, 2);
  });
});
