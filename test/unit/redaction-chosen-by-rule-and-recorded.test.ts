// Which answers are redacted is the deciding rule's: `redact:` in a policy-file rule (a bad entry reported at
// its line and column), on by default for the read-only profile and the dashboard presets and off for the
// rest, `redact: []` turning a profile's default off. The decision carries it only for operations whose
// answers hold what it redacts, `policy explain`'s trace says so, and the done record counts the values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from '../../src/judge/decision.js';
import { DASHBOARD_PRESETS } from '../../src/judge/profiles/application-presets.js';
import { describeRedaction } from '../../src/judge/redaction.js';
import { builtinPolicy, presetPolicy } from '../../src/policy/builtin-policies.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { PolicyFileError } from '../../src/policy/policy-file-error.js';
import type { RulePolicy, TraceStep } from '../../src/policy/rule-policy.js';
import { PRESET_NAMES } from '../../src/judge/profiles/application-presets.js';
import { judge } from '../../src/decide/library-judge.js';
import { formatAuditRecord } from '../../src/record/audit-record.js';
import { doneRecord } from '../support/audit-record-fixtures.js';
import { ALICE, ROOT, input } from '../support/policy-fixtures.js';

function decide(policy: RulePolicy, method: string, path: string): { decision: Decision; trace: readonly TraceStep[] } {
  const evaluation = policy.evaluate(input(ALICE, method, path));
  assert.ok(!(evaluation instanceof Promise), 'a read is decided without the engine');
  return evaluation;
}

test('the read-only profile redacts env, mounts and secrets of the reads that carry them, and nothing else', () => {
  const policy = builtinPolicy('read-only');
  const inspected = decide(policy, 'GET', '/v1.47/containers/web/json');
  assert.equal(describeRedaction(inspected.decision.redact!), 'env, mounts, secrets');
  assert.ok(inspected.trace.some((s) => s.step === 'change' && /the answer is redacted by the read-only profile: env, mounts, secrets/.test(s.detail)));
  // A version, a ping: nothing the redaction covers, nothing carried.
  assert.equal(decide(policy, 'GET', '/v1.47/version').decision.redact, undefined);
  assert.equal(decide(policy, 'GET', '/_ping').decision.redact, undefined);
  assert.equal(decide(builtinPolicy('baseline'), 'GET', '/v1.47/containers/web/json').decision.redact, undefined);
});

test('the library judge() tells its caller what to redact, as the gateway would', async () => {
  const result = await judge(builtinPolicy('read-only'), { method: 'GET', path: '/v1.47/containers/json', identity: ALICE });
  assert.equal(result.verdict, 'allow');
  assert.deepEqual(result.redact, { env: true, mounts: true, secrets: true, labels: [] });
  assert.equal((await judge(builtinPolicy('audit'), { method: 'GET', path: '/v1.47/containers/json', identity: ALICE })).redact, undefined);
});

test('the dashboard presets redact by default; the others (which recreate or edit what they read) do not', () => {
  for (const name of PRESET_NAMES) assert.equal(presetPolicy(name).rules[0]!.redact !== undefined, DASHBOARD_PRESETS.has(name), name);
  const { decision } = decide(presetPolicy('traefik'), 'GET', '/v1.47/containers/json');
  assert.equal(describeRedaction(decision.redact!), 'env, mounts, secrets');
  assert.deepEqual([...DASHBOARD_PRESETS].sort(), ['diun', 'dozzle', 'homepage', 'traefik']);
});

test('a policy-file rule sets its own redaction, labels by pattern included, or turns the default off', () => {
  const policy = loadPolicy(
    [
      'rules:',
      '  - name: dash',
      '    match: { uid: 1000 }',
      '    profile: read-only',
      '    redact: [env, "labels:*password*"]',
      '  - name: rest',
      '    profile: read-only',
      '    redact: []',
      '',
    ].join('\n'),
  );
  const { decision, trace } = decide(policy, 'GET', '/v1.47/events');
  assert.deepEqual(decision.redact, { env: true, mounts: false, secrets: false, labels: ['*password*'] });
  assert.ok(trace.some((s) => s.detail === 'the answer is redacted by rule "dash": env, labels:*password*'));
  const root = policy.evaluate(input(ROOT, 'GET', '/v1.47/containers/web/json'));
  assert.ok(!(root instanceof Promise));
  assert.equal(root.decision.rule, 'policy.rest');
  assert.equal(root.decision.redact, undefined);
});

test('an entry redact does not know is reported at its line and column', () => {
  try {
    loadPolicy('rules:\n  - profile: read-only\n    redact: [env, passwords]\n', { name: 'p.yaml' });
    assert.fail('loaded');
  } catch (err) {
    assert.ok(err instanceof PolicyFileError, String(err));
    const [problem] = err.problems;
    assert.deepEqual([problem!.line, problem!.column], [3, 19]);
    assert.match(problem!.message, /^rules\[0\]\.redact\[1\]: expected env, mounts, secrets or labels:PATTERN .*got "passwords"$/);
  }
});

test('the done record says which kinds were redacted and how many values, never the values', () => {
  const line = formatAuditRecord(doneRecord('r1', { operation: 'container.inspect', redacted: { env: 3, mounts: 0 } }));
  assert.match(line, /,"created":\[[^\]]*\],"redacted":\{"env":3,"mounts":0\}/);
  assert.doesNotMatch(formatAuditRecord(doneRecord('r2')), /redacted/);
});
