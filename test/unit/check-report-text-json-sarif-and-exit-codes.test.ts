// `dockgate check`'s report: each refused field at the line and column that wrote it with the gateway's own
// why, fix and message; text in the compiler's `file:line:column:` form; SARIF 2.1.0 that validates against
// the published schema; exit codes by --fail-on as `dockgate audit`'s; a rule in warn mode reported low; a
// raw body's fields found as the engine reads its keys; and a verdict that rested on an engine look-up said so.
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileRequests } from '../../src/check/check-sources.js';
import { renderCheckSarif } from '../../src/check/format/sarif.js';
import { renderCheckText } from '../../src/check/format/text.js';
import { runCheck } from '../../src/check/run-check.js';
import type { FailOn } from '../../src/audit/report.js';
import { builtinPolicy } from '../../src/policy/builtin-policies.js';
import { parsePolicyText } from '../../src/policy/load-policy.js';
import type { Policy } from '../../src/judge/policy.js';
import { ALICE } from '../support/policy-fixtures.js';
import { validateSarif } from '../support/audit-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'check-report-'));
const script = join(dir, 'deploy.sh');
writeFileSync(script, ['docker run -d --name web busybox httpd', 'docker run --rm \\', '  --privileged -v /:/host busybox true', 'docker network create backend'].join('\n'));
const body = join(dir, 'create.json');
// Go reads keys case-insensitively and keeps the last of repeated ones: the engine's Privileged is the second key.
writeFileSync(body, '{\n  "Image": "busybox",\n  "hostconfig": {\n    "Privileged": false,\n    "privileged": true\n  }\n}\n');

async function check(failOn: FailOn, policy: Policy = builtinPolicy('baseline'), files = [script, body]) {
  return runCheck({ sources: fileRequests(files, {}), policy, policyName: '--profile baseline', identity: ALICE, failOn, version: '0.0.0-test' });
}

test('each refused field is a finding at its own line and column, with the why and fix the gateway gives and its refusal message', async () => {
  const report = await check('high');
  assert.equal(report.summary.requests, 3);
  assert.equal(report.summary.refused, 2);
  const [web, privileged, raw] = report.requests;
  assert.equal(web!.verdict, 'allow');
  assert.deepEqual(web!.findings, []);
  assert.equal(privileged!.verdict, 'deny');
  assert.deepEqual(
    privileged!.findings.map((f) => [f.id, f.field, f.location.line, f.location.column, f.severity]),
    [
      ['reach.privileges', 'HostConfig.Privileged', 3, 3, 'critical'],
      ['reach.mounts', 'HostConfig.Binds[0]', 3, 16, 'critical'],
    ],
  );
  for (const f of privileged!.findings) assert.ok(privileged!.message!.includes(f.why) && privileged!.message!.includes(f.fix), 'the message is the gateway’s, naming each why and fix');
  assert.match(privileged!.message!, /^dockgate: container\.create \(POST \/containers\/create\) denied by profile\.baseline: /);
  assert.deepEqual(
    raw!.findings.map((f) => [f.field, f.location.line, f.location.column]),
    [['HostConfig.Privileged', 5, 5]],
  );
  assert.deepEqual(report.notChecked, [{ location: { file: script, line: 4, column: 1 }, command: 'docker network create' }]);
});

test('the exit code follows --fail-on as the audit’s does; none never fails', async () => {
  assert.equal((await check('critical')).exitCode, 1);
  assert.equal((await check('none')).exitCode, 0);
  const benign = join(dir, 'benign.sh');
  writeFileSync(benign, 'docker run --rm busybox true\n');
  assert.equal((await check('info', builtinPolicy('baseline'), [benign])).exitCode, 0);
});

test('a rule in warn mode is reported low (the gateway forwards and records would_deny): failing only at --fail-on low', async () => {
  const warn = parsePolicyText('version: 1\nrules:\n  - name: learning\n    match: { uid: 1000 }\n    profile: baseline\n    mode: warn\n', 'warn.yaml');
  const report = await check('high', warn);
  const findings = report.requests.flatMap((r) => r.findings);
  assert.ok(findings.length > 0);
  assert.ok(findings.every((f) => f.mode === 'warn' && f.severity === 'low' && f.rule === 'policy.learning'));
  assert.equal(report.exitCode, 0);
  assert.equal((await check('low', warn)).exitCode, 1);
});

test('a verdict that needed the engine says what it would have asked', async () => {
  const report = await check('high', builtinPolicy('restricted'), [script]);
  assert.deepEqual(report.requests[0]!.engineAsked, ['image busybox']);
  assert.match(renderCheckText(report), /depends on the engine \(not asked\): image busybox/);
});

test('text: one compiler-style line per finding, its fix, what the client sees, the summary', async () => {
  const text = renderCheckText(await check('high'));
  assert.ok(text.includes(`  ${script}:3:3: critical reach.privileges: HostConfig.Privileged: `), text);
  assert.match(text, /\n {6}fix: Remove --privileged/);
  assert.match(text, /\n {2}client sees: Error response from daemon: dockgate: container\.create/);
  assert.match(text, /Summary: 3 requests, 2 refused; 3 critical, 0 high, 0 medium, 0 low, 0 info; 1 not checked — failing: findings at or above high\n$/);
});

test('SARIF 2.1.0: validates against the published schema; one result per finding at its file, line and column', async () => {
  const report = await check('high');
  const sarif = JSON.parse(renderCheckSarif(report)) as {
    runs: Array<{
      tool: { driver: { rules: Array<{ id: string }> } };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }>;
      }>;
      invocations: Array<{ exitCode: number; toolExecutionNotifications: unknown[] }>;
    }>;
  };
  assert.deepEqual(validateSarif(sarif), []);
  const [run] = sarif.runs;
  assert.equal(run!.results.length, report.requests.flatMap((r) => r.findings).length);
  for (const result of run!.results) assert.equal(run!.tool.driver.rules[result.ruleIndex]!.id, result.ruleId);
  const first = run!.results.find((r) => r.ruleId === 'reach.privileges')!;
  assert.equal(first.level, 'error');
  assert.deepEqual(first.locations[0]!.physicalLocation, { artifactLocation: { uri: `file://${script}` }, region: { startLine: 3, startColumn: 3 } });
  assert.equal(run!.invocations[0]!.exitCode, 1);
  assert.equal(run!.invocations[0]!.toolExecutionNotifications.length, 1);
});

test('a body field with no single reading is refused at its place in the file, with the gateway’s message', async () => {
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{\n  "Image": "busybox",\n  "HostConfig": { "Binds": ["vol:/data", 7] }\n}\n');
  const [request] = (await check('high', builtinPolicy('baseline'), [broken])).requests;
  assert.equal(request!.verdict, 'deny');
  assert.deepEqual(
    request!.findings.map((f) => [f.id, f.field, f.location.line, f.location.column]),
    [['reach.body', 'HostConfig.Binds[1]', 3, 42]],
  );
  assert.match(request!.message!, /^dockgate: body field HostConfig\.Binds\[1\] denied by body\.canonical: /);
});
