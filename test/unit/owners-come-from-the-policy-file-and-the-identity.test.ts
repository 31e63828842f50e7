// A policy rule gives its clients an owner (docs/owners-design.md): `owner: NAME` or `owner: { from: ... }`,
// checked where it is written (errors at file:line:column), resolved from each request's identity, and a
// client whose identity lacks the field is refused rather than given a guessed owner. `policy explain`
// shows the owner that applied.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { judge, loadPolicy } from '../../src/index.js';
import type { Identity, TlsPeer, UnixPeer } from '../../src/identify/identity.js';
import { ALICE as ALICE_ANY, CI_CERT as CI_CERT_ANY, policyProblems } from '../support/policy-fixtures.js';

const ALICE = ALICE_ANY as UnixPeer;
const CI_CERT = CI_CERT_ANY as TlsPeer;

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-owners-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

const rule = (lines: string): string => `rules:\n  - profile: baseline\n${lines}\n`;

async function ownerOf(owner: string, identity: Identity): Promise<{ owner?: string; verdict: string; reason: string }> {
  const policy = loadPolicy(rule(`    owner: ${owner}`), { name: 'p.yaml' });
  return judge(policy, { method: 'POST', path: '/v1.41/volumes/create', headers: { 'content-type': 'application/json' }, body: '{}', identity });
}

describe('owner in a policy file', () => {
  test('mistakes are reported at their line and column', () => {
    assert.deepEqual(policyProblems(rule('    owner: { from: name }')), [[3, 20, 'rules[0].owner.from: expected one of: cn | ou | user | uid | container-label:KEY | caller']]);
    assert.deepEqual(policyProblems(rule('    owner: { from: "container-label:" }')), [
      [3, 20, 'rules[0].owner.from: container-label: needs the label key after it, with no spaces (container-label:com.example.tenant)'],
    ]);
    assert.deepEqual(policyProblems(rule('    owner: ""')), [[3, 12, 'rules[0].owner: an owner is not empty']]);
    assert.deepEqual(policyProblems(rule('    owner: { form: cn }')), [[3, 12, 'rules[0].owner: expected an owner name, or { from: cn | ou | user | uid | container-label:KEY | caller }']]);
    assert.deepEqual(policyProblems(rule('    owner: ci\n    shared: [images, secrets]')), [[4, 22, 'rules[0].shared[1]: expected one of: images, networks, volumes']]);
    assert.deepEqual(policyProblems(rule('    shared: [images]')), [
      [3, 13, 'rules[0].shared: shared names what clients with an owner may use across owners; this rule gives its clients no owner: add owner:'],
    ]);
  });

  test('a fixed owner, and owners taken from each identity field', async () => {
    const inContainer: Identity = { ...ALICE, container: { id: 'c'.repeat(64), name: 'worker', image: 'worker:1', labels: { 'com.example.tenant': 'acme' } } };
    assert.equal((await ownerOf('ci', ALICE)).owner, 'ci');
    assert.equal((await ownerOf('{ from: user }', ALICE)).owner, 'alice');
    assert.equal((await ownerOf('{ from: uid }', ALICE)).owner, '1000');
    assert.equal((await ownerOf('{ from: cn }', CI_CERT)).owner, 'runner-1');
    assert.equal((await ownerOf('{ from: ou }', CI_CERT)).owner, 'ci');
    assert.equal((await ownerOf('{ from: "container-label:com.example.tenant" }', inContainer)).owner, 'acme');
  });

  test('an identity without the field is refused, never given a guessed or empty owner', async () => {
    const cases: Array<[string, Identity, RegExp]> = [
      ['{ from: cn }', ALICE, /has no certificate to take its CN from/],
      ['{ from: user }', CI_CERT, /not a unix peer/],
      ['{ from: user }', { ...ALICE, user: undefined }, /uid 1000 has no user name/],
      ['{ from: ou }', { ...CI_CERT, ou: ['ci', 'ops'] }, /2 OUs, and which one owns would be a guess/],
      ['{ from: ou }', { ...CI_CERT, ou: [] }, /no OU/],
      ['{ from: cn }', { ...CI_CERT, cn: 'a\u0007b' }, /cannot be an owner \(an owner holds no control characters\)/],
      ['{ from: "container-label:com.example.tenant" }', ALICE, /runs in no container dockgate could tell/],
    ];
    for (const [owner, identity, why] of cases) {
      const result = await ownerOf(owner, identity);
      assert.equal(result.verdict, 'deny', owner);
      assert.equal(result.owner, undefined, owner);
      assert.match(result.reason, why, owner);
    }
  });

  test('policy explain shows the owner that applied', () => {
    const file = join(tmp, 'owners.yaml');
    writeFileSync(file, rule('    owner: { from: user }\n    shared: [images]'));
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/policy-cli.ts',
        'policy',
        'explain',
        '--policy',
        file,
        '--identity',
        'uid=1000,user=alice',
        '--method',
        'POST',
        '--path',
        '/v1.41/volumes/create',
        '--body',
        '-',
      ],
      { encoding: 'utf8', input: '{"Name":"data"}', timeout: 30_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^owner {12}"alice", from the client's user; shared across owners: images$/m);
    assert.match(run.stdout, /^change {11}Labels\.dockgate\.owner = "alice"$/m);
    assert.match(run.stdout, /^forwarded body {3}\{"Name":"data","Labels":\{"dockgate\.owner":"alice"\}\}$/m);
  });
});
