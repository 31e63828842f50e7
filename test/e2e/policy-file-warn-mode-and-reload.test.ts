// A policy file in force on a running gateway: a rule in warn mode forwards what it would refuse and
// records `would_deny`; editing the file to enforce takes effect without a restart; a broken edit
// (sent with SIGHUP) keeps the policy in force and says where the file is wrong.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { readAuditTrail, waitForAuditTrail } from '../support/audit-log-reader.js';
import { useTeardown } from '../support/teardown.js';
import type { Endpoint } from '../support/endpoint.js';

function policyText(mode: 'warn' | 'enforce'): string {
  return ['version: 1', 'rules:', '  - name: everyone', '    match: { uid: 0 }', '    profile: baseline', `    mode: ${mode}`, ''].join('\n');
}

async function waitForOutput(gateway: Gateway, needle: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!gateway.output().includes(needle)) {
    if (Date.now() > deadline) assert.fail(`the gateway did not log ${JSON.stringify(needle)}:\n${gateway.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a policy file: warn mode, reload on change, a broken reload keeps the old policy', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;
  let policyFile: string;
  let endpoint: Endpoint;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    const dir = teardown.tempDir('/tmp/dockgate-policy-');
    policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, policyText('warn'));
    gateway = await startGateway({
      upstream: engine.socketPath,
      listen: [`unix://${join(dir, 'gw.sock')}`],
      auditLog: join(dir, 'audit.jsonl'),
      args: ['--policy', policyFile],
    });
    teardown.add(() => gateway.stopRunning());
    endpoint = gateway.unix!;
  });

  test('warn mode forwards what it would refuse and records would_deny', async () => {
    // Created, not started: this sandbox cannot run a privileged container, and the decision is at create.
    await dockerOk(['create', '--privileged', '--name', 'warned', 'busybox:test', 'true'], endpoint);
    await dockerOk(['rm', 'warned'], endpoint);
    const { trail, complete } = await waitForAuditTrail(gateway.auditLog!, 0, (records) => records.some((r) => r.operation === 'container.create' && r.phase === 'done'));
    assert.ok(complete, 'the create has its done record');
    const creates = trail.records.filter((r) => r.operation === 'container.create');
    assert.ok(creates.length >= 2, `forwarding and done records of the create: ${JSON.stringify(creates)}`);
    for (const record of creates) {
      assert.equal(record.decision, 'would_deny');
      assert.equal(record.rule, 'policy.everyone');
      assert.match(record.reason, /Privileged/);
    }
  });

  test('an edit to enforce applies to the next request without a restart', async () => {
    writeFileSync(policyFile, policyText('enforce'));
    await waitForOutput(gateway, 'policy reloaded');
    const refused = await docker(['create', '--privileged', 'busybox:test', 'true'], endpoint);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Error response from daemon: dockgate: container\.create .* denied by policy\.everyone: .*Privileged/);
    assert.equal(await dockerOk(['run', '--rm', 'busybox:test', 'echo', 'hi'], endpoint), 'hi\n');
  });

  test('a broken file on SIGHUP is reported with file:line:column and the policy in force stays', async () => {
    const before = gateway.output().length;
    writeFileSync(policyFile, policyText('enforce').replace('profile:', 'profle:'));
    gateway.signal('SIGHUP');
    await waitForOutput(gateway, 'does not load');
    const report = gateway.output().slice(before);
    assert.match(report, new RegExp(`${policyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:5`), report);
    assert.match(report, /profle/);
    gateway.assertRunning();
    const refused = await docker(['create', '--privileged', 'busybox:test', 'true'], endpoint);
    assert.match(refused.stderr, /denied by policy\.everyone/);
    assert.equal(await dockerOk(['run', '--rm', 'busybox:test', 'echo', 'still'], endpoint), 'still\n');
    assert.equal(readAuditTrail(gateway.auditLog!).badLines.length, 0);
  });
});
