// `--audit-outage refuse-all` on a real full disk (issue 7, faults): the audit log lives on a tiny tmpfs of
// its own, filler files take the rest of it. The default mode (reads go on while changes are refused) is
// shown by audit-disk-full-refuses-writes.test.ts; here:
// - once the log has failed, every request is refused, reads and pings included, with the same clear 503
//   (DG_AUDIT_UNAVAILABLE, `Dockgate-Decision: deny`, naming the file, the rule audit.durable and the fix),
//   and the docker CLI shows it;
// - once space is freed, the very next request is served (it waited for its record, which could now be
//   written), the recovery is logged, and that read has its forwarding record in the file.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { readAuditTrail } from '../support/audit-log-reader.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { fill, freeAll, mountTinyFilesystem } from '../support/full-disk.js';
import { startGateway, waitForGatewayOutput, type Gateway } from '../support/gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const REFUSAL = /^dockgate: (GET|POST) \S+ denied by audit\.durable: the audit log .+audit\.jsonl cannot be written \(ENOSPC.*\)\. Free space on the audit log's filesystem/;

describe('--audit-outage refuse-all: nothing is served while the audit log cannot be written, everything once it can', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;
  let auditDir: string;
  let auditLog: string;
  let viaGateway: Endpoint;

  before(
    async () => {
      engine = await startEngine({ image: false });
      teardown.add(() => engine.stop());
      const dir = teardown.tempDir('/tmp/dgo-');
      auditDir = join(dir, 'audit');
      mountTinyFilesystem(auditDir, teardown);
      auditLog = join(auditDir, 'audit.jsonl');
      gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [`unix://${join(dir, 'gw.sock')}`],
        profile: 'audit',
        auditLog,
        args: ['--audit-outage', 'refuse-all'],
      });
      teardown.add(() => gateway.stopRunning());
      viaGateway = gateway.unix!;
    },
    { timeout: 120_000 },
  );

  test('disk full: reads refused with the clear 503 as well; freed: the very next read is served', async () => {
    assert.equal((await apiRequest(viaGateway, 'GET', '/v1.41/containers/json')).status, 200);
    fill(auditDir);
    // Reads go on until a record fails to be written (the log's last page may still hold a few).
    let served = 0;
    for (; served < 200; served++) {
      const probe = await apiRequest(viaGateway, 'GET', '/v1.41/containers/json');
      if (probe.status === 503) break;
      assert.equal(probe.status, 200, `a read before the log's last page is full: ${probe.status} ${probe.body}`);
    }
    assert.ok(served < 200, 'the disk never filled up for the audit log');

    for (const [method, path, body] of [
      ['GET', '/v1.41/containers/json?all=1', undefined],
      ['GET', '/v1.41/info', undefined],
      ['GET', '/_ping', undefined],
      ['POST', '/v1.41/volumes/create', { Name: 'ro-refused' }],
    ] as const) {
      const answer = await apiRequest(viaGateway, method, path, body);
      assert.equal(answer.status, 503, `${method} ${path} on a full disk: ${answer.status} ${answer.body}`);
      assert.equal(answer.headers['dockgate-decision'], 'deny');
      const message = (JSON.parse(answer.body) as { message: string }).message;
      assert.match(message, REFUSAL, message);
    }
    const cli = await docker(['ps'], viaGateway);
    assert.notEqual(cli.code, 0, 'docker ps is refused');
    assert.match(cli.stderr, /Error response from daemon: dockgate: .*denied by audit\.durable: the audit log .* cannot be written/);
    assert.match(gateway.output(), /audit log cannot be written; all requests \(--audit-outage refuse-all\) are refused until it can/);
    assert.equal((await apiRequest(engine.endpoint, 'GET', '/v1.41/volumes/ro-refused')).status, 404, 'the refused change did not reach the engine');

    // Room again: the next read waits for its record, which is written now, and is served.
    freeAll(auditDir);
    const first = await apiRequest(viaGateway, 'GET', '/v1.41/containers/json?all=1');
    assert.equal(first.status, 200, `the first read after freeing space: ${first.status} ${first.body}`);
    await waitForGatewayOutput(gateway, 'audit log writable again; all requests (--audit-outage refuse-all) are forwarded again');
    await dockerOk(['ps'], viaGateway);
    await dockerOk(['volume', 'create', 'ro-after'], viaGateway);
    await dockerOk(['volume', 'rm', 'ro-after'], viaGateway);

    const trail = readAuditTrail(auditLog);
    assert.deepEqual(trail.badLines, [], 'no half-written line');
    assert.ok(
      trail.records.some((r) => r.phase === 'forwarding' && r.operation === 'container.list'),
      'the read served on recovery was recorded before it was forwarded',
    );
  });
});
