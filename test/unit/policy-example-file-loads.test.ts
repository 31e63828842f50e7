// docs/policy-example.yaml stays a valid policy: loaded with its bind roots pointed at directories
// that exist here, it gives the rules it documents.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadPolicy } from '../../src/policy/load-policy.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-example-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the example policy loads, in order, with the documented meaning', () => {
  for (const dir of ['srv/ci/cache', 'srv/ci/reference', 'home']) mkdirSync(join(tmp, dir), { recursive: true });
  const text = readFileSync('docs/policy-example.yaml', 'utf8').replaceAll('/srv/ci/', `${tmp}/srv/ci/`).replace('allow-bind: [/home]', `allow-bind: [${tmp}/home]`);
  const policy = loadPolicy(text, { name: 'policy-example.yaml' });
  assert.deepEqual(
    policy.rules.map((r) => r.rule),
    ['policy.operators', 'policy.dashboards', 'policy.ci-runners', 'policy.proxy', 'policy.developers', 'policy.reference'],
  );
  const ci = policy.rules[2]!;
  assert.ok(ci.constraints !== 'unrestricted');
  assert.deepEqual(ci.constraints.bindRoots, [
    { path: `${tmp}/srv/ci/cache`, readOnly: false },
    { path: `${tmp}/srv/ci/reference`, readOnly: true },
  ]);
  assert.deepEqual(ci.constraints.memory, { required: true, max: 4 * 2 ** 30 });
  assert.equal(ci.defaults?.nanoCpus, 2e9);
  assert.deepEqual(policy.rules[3]!.match, { container: { composeService: ['traefik'], label: { 'com.docker.compose.project': 'edge' } } });
  assert.equal(policy.rules[4]!.mode, 'warn');
  assert.deepEqual(policy.options.protectedPaths, ['/run/dockgate.sock']);
});
