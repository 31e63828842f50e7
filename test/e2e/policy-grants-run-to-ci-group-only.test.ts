// Issue 4, acceptance 4: a policy file that grants `docker run` (container create, attach, start, wait,
// remove, ...) only to certificates of group ci lets a ci certificate run a container over mutual TLS
// and refuses another certificate of the same CA, with both identities (CN, O and OU as `dockgate certs
// issue --group` sets them) in the audit records, the same identities the rules selected on.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockgateCli, settledAuditSize } from '../support/connection-attempts.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startGateway } from '../support/gateway.js';
import { pingStatus } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

function policyFor(tlsListener: string): string {
  return [
    'version: 1',
    'rules:',
    '  # The test harness itself (root on the unix listener) only reads: it waits for /_ping.',
    '  - name: harness',
    '    match: { uid: 0 }',
    '    profile: read-only',
    '  # certs issue --group ci writes the group as O and as OU; the rule selects on OU.',
    '  - name: ci-runs-containers',
    '    match: { ou: ci }',
    '    profile: baseline',
    '    operations: [system.*, container.*, image.*]',
    '  - name: other-certificates-read-only',
    `    match: { listener: ${JSON.stringify(tlsListener)} }`,
    '    profile: read-only',
    '',
  ].join('\n');
}

describe('a policy grants docker run to group ci only', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let listener: string;
  let auditLog: string;
  let ci: Endpoint;
  let dev: Endpoint;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const dir = mkdtempSync(join(engine.dir, 'policy-'));
      const caDir = join(dir, 'ca');
      dockgateCli(['certs', 'init', '--dir', caDir, '--host', 'localhost', '--ip', '127.0.0.1']);
      dockgateCli(['certs', 'issue', 'ci-runner', '--dir', caDir, '--group', 'ci', '--out', join(dir, 'ci-runner')]);
      dockgateCli(['certs', 'issue', 'dev', '--dir', caDir, '--group', 'developers', '--out', join(dir, 'dev')]);
      listener = `tcp://127.0.0.1:${await freeLoopbackPort()}`;
      const policy = join(dir, 'policy.yaml');
      writeFileSync(policy, policyFor(listener));
      auditLog = join(dir, 'audit.jsonl');
      const gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [`unix://${join(dir, 'gw.sock')}`, listener],
        auditLog,
        args: [
          '--policy',
          policy,
          '--tls-ca',
          join(caDir, 'ca.pem'),
          '--tls-cert',
          join(caDir, 'server-cert.pem'),
          '--tls-key',
          join(caDir, 'server-key.pem'),
          '--tls-crl',
          join(caDir, 'crl.pem'),
        ],
      });
      teardown.add(() => gateway.stopRunning());
      ci = { name: 'ci-runner', host: listener, tlsDir: join(dir, 'ci-runner') };
      dev = { name: 'dev', host: listener, tlsDir: join(dir, 'dev') };
      const deadline = Date.now() + 30_000;
      while ((await pingStatus(ci)) !== 200) {
        gateway.assertRunning();
        if (Date.now() > deadline) assert.fail(`${listener} did not answer /_ping\n${gateway.output()}`);
        await new Promise((wait) => setTimeout(wait, 100));
      }
    },
    { timeout: 120_000 },
  );

  const records = async (offset: number, isComplete: (rs: AuditLine[]) => boolean): Promise<AuditLine[]> => {
    const { trail, complete } = await waitForAuditTrail(auditLog, offset, isComplete);
    assert.ok(complete, `the expected records did not appear:\n${trail.records.map((r) => JSON.stringify(r)).join('\n')}`);
    return trail.records;
  };

  test('a ci certificate runs a container; its records name CN ci-runner, O and OU ci, and the rule that granted it', async () => {
    const offset = await settledAuditSize(auditLog);
    assert.equal(await dockerOk(['run', '--rm', '--name', 'ci-job', BUSYBOX_IMAGE, 'echo', 'ran by ci'], ci), 'ran by ci\n');
    const trail = await records(offset, (rs) => rs.some((r) => r.operation === 'container.start' && r.phase === 'done'));
    const create = trail.find((r) => r.operation === 'container.create' && r.phase === 'done')!;
    assert.equal(create.decision, 'allow');
    assert.equal(create.rule, 'policy.ci-runs-containers');
    for (const record of trail) {
      const { address, fingerprint, serial, ...identity } = record.identity;
      assert.deepEqual(identity, { kind: 'tls', listener, cn: 'ci-runner', o: ['ci'], ou: ['ci'], san: [] }, JSON.stringify(record));
      assert.match(String(address), /^127\.0\.0\.1:\d+$/);
      assert.match(String(fingerprint), /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
      assert.notEqual(serial, '');
    }
  });

  test('another certificate of the same CA is refused docker run, named in the message and in the record', async () => {
    const offset = await settledAuditSize(auditLog);
    assert.match(await dockerOk(['ps'], dev), /^CONTAINER ID/, 'the other certificate still reads');
    const run = await docker(['run', '--rm', '--name', 'dev-job', BUSYBOX_IMAGE, 'echo', 'ran by dev'], dev);
    assert.notEqual(run.code, 0, `docker run by dev must fail\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /Error response from daemon: dockgate: container\.create \(POST \/containers\/create\) denied by policy\.other-certificates-read-only: /);
    const trail = await records(offset, (rs) => rs.some((r) => r.operation === 'container.create' && r.decision === 'deny'));
    const refused = trail.find((r) => r.operation === 'container.create')!;
    assert.equal(refused.rule, 'policy.other-certificates-read-only');
    assert.equal(refused.status, 403);
    const { address: _address, fingerprint: _fingerprint, serial: _serial, ...identity } = refused.identity;
    assert.deepEqual(identity, { kind: 'tls', listener, cn: 'dev', o: ['developers'], ou: ['developers'], san: [] });
    assert.equal(trail.filter((r) => r.phase === 'forwarding' && r.operation === 'container.create').length, 0, 'the refused create was not forwarded');
    const direct = await dockerOk(['ps', '-a', '--filter', 'name=dev-job', '--format', '{{.Names}}'], engine.endpoint);
    assert.equal(direct, '', 'the engine has no container of the refused run');
  });
});
