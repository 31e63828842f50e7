// Defaults a policy sets instead of refusing reach the engine in the forwarded body, and each one is
// named in the request's audit records.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { type Gateway, startGatewayInFront } from '../support/gateway.js';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { useTeardown } from '../support/teardown.js';

const POLICY = `version: 1
rules:
  - name: apps
    match: { uid: 0 }
    profile: baseline
    defaults:
      labels: { managed-by: dockgate }
      memory: 64m
      pids-limit: 100
      no-new-privileges: true
`;

describe('policy defaults are applied to the forwarded body and recorded', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    gateway = await startGatewayInFront(engine, { policy: POLICY });
    teardown.add(() => gateway.stopRunning());
  });

  test('a container created without limits gets the defaults, and the audit record lists them', async () => {
    const id = (await dockerOk(['create', '--name', 'defaulted', 'busybox:test', 'true'], gateway.unix!)).trim();
    const inspected = JSON.parse(await dockerOk(['inspect', id], engine.endpoint))[0];
    assert.equal(inspected.Config.Labels['managed-by'], 'dockgate');
    assert.equal(inspected.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(inspected.HostConfig.PidsLimit, 100);
    assert.ok(
      inspected.HostConfig.SecurityOpt?.some((o: string) => /^no-new-privileges(?:[=:]true)?$/.test(o)),
      JSON.stringify(inspected.HostConfig.SecurityOpt),
    );

    const { trail, complete } = await waitForAuditTrail(gateway.auditLog!, 0, (records) => records.some((r) => r.operation === 'container.create' && r.phase === 'done'));
    assert.ok(complete, 'the create has its done record');
    const forwarding = trail.records.find((r) => r.operation === 'container.create' && r.phase === 'forwarding') as unknown as { changes?: { field: string }[] };
    const fields = (forwarding?.changes ?? []).map((c) => c.field).join(' ');
    for (const field of ['Labels', 'Memory', 'PidsLimit', 'SecurityOpt']) assert.match(fields, new RegExp(field), `changes recorded: ${fields}`);
  });

  test('a value the client set itself is kept', async () => {
    const id = (await dockerOk(['create', '--memory', '32m', 'busybox:test', 'true'], gateway.unix!)).trim();
    const inspected = JSON.parse(await dockerOk(['inspect', id], engine.endpoint))[0];
    assert.equal(inspected.HostConfig.Memory, 32 * 1024 * 1024);
  });
});
