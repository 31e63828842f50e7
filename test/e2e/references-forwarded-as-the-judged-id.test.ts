// What a name in a path means is decided by the engine when the request reaches it (a full id, else a name,
// else an id prefix), not when dockgate judged it. A client that renames containers between the judgement
// and the forward would point a judged exec, start or copy at another container: one with host access.
// Here the race is made every time, with a relay that holds the forwarded request while the test swaps the
// names on the engine. Directly the engine follows the name to the container with host access; through
// the gateway (baseline) the request reaches the container that was judged, because it is forwarded by
// the full id the judgement looked up. Renames and create names that read as another container's id
// prefix are refused; ordinary renames pass.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { startHoldingRelay, type HoldingRelay } from '../support/holding-relay.js';
import type { Endpoint } from '../support/endpoint.js';
import { apiRequest, exchangeRaw, UPGRADE_HEADERS, type WholeResponse } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

describe('references a decision looked up are forwarded as the full id judged', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let relay: HoldingRelay;
  let gateway: Gateway;
  let auditLog: string;
  const ids = new Map<string, string>();

  /** Swaps the names of the benign container and the one with host access, on the engine directly. */
  const swap = async (): Promise<void> => {
    await dockerOk(['rename', 'pin-web', 'pin-web-old'], engine.endpoint);
    await dockerOk(['rename', 'pin-boss', 'pin-web'], engine.endpoint);
  };
  const swapBack = async (): Promise<void> => {
    await dockerOk(['rename', 'pin-web', 'pin-boss'], engine.endpoint);
    await dockerOk(['rename', 'pin-web-old', 'pin-web'], engine.endpoint);
  };
  const execContainer = async (body: string): Promise<string> => {
    const { Id } = JSON.parse(body) as { Id: string };
    const inspected = await apiRequest(engine.endpoint, 'GET', `/v1.41/exec/${Id}/json`);
    return (JSON.parse(inspected.body) as { ContainerID: string }).ContainerID;
  };

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    const dir = mkdtempSync(join(engine.dir, 'pin-'));
    relay = await startHoldingRelay(engine.socketPath, dir);
    teardown.add(() => relay.close());
    auditLog = join(dir, 'audit.jsonl');
    gateway = await startGateway({ upstream: relay.path, listen: [`unix://${join(dir, 'gw.sock')}`], profile: 'baseline', auditLog });
    teardown.add(() => gateway.stopRunning());
    // The container with host access: a bind of a host directory, which baseline grants no root for.
    const hostDir = mkdtempSync(join(engine.dir, 'pin-host-'));
    for (const [name, extra] of [
      ['pin-web', []],
      ['pin-boss', ['-v', `${hostDir}:/host`]],
    ] as const) {
      const id = (await dockerOk(['run', '-d', '--name', name, ...extra, BUSYBOX_IMAGE, 'sleep', '600'], engine.endpoint)).trim();
      ids.set(name, id);
    }
  });

  test('directly, a swap of names sends an exec by name to the container with host access', async () => {
    await swap();
    try {
      const created = await apiRequest(engine.endpoint, 'POST', '/v1.41/containers/pin-web/exec', { Cmd: ['true'] });
      assert.equal(created.status, 201, created.body);
      assert.equal(await execContainer(created.body), ids.get('pin-boss'));
    } finally {
      await swapBack();
    }
  });

  test('through the gateway, the same swap between judgement and forward leaves the exec in the judged container', async () => {
    const held = relay.hold(/^POST \S*\/containers\/\S+\/exec HTTP\/1\.1$/);
    const answer = apiRequest(gateway.unix!, 'POST', '/v1.41/containers/pin-web/exec', { Cmd: ['true'] });
    await held;
    await swap();
    relay.release();
    try {
      const created = await answer;
      assert.equal(created.status, 201, created.body);
      assert.equal(await execContainer(created.body), ids.get('pin-web'), 'the exec went to the container the name meant when it was judged');
    } finally {
      await swapBack();
    }
    const { trail, complete } = await waitForAuditTrail(auditLog, 0, (records) => records.some((r) => r.operation === 'container.exec.create' && r.phase === 'forwarding'));
    assert.ok(complete);
    const forwarding = trail.records.find((r) => r.operation === 'container.exec.create' && r.phase === 'forwarding')!;
    assert.equal(forwarding.path, `/v1.41/containers/${ids.get('pin-web')}/exec`, 'the record shows the id that was forwarded');
  });

  test('an exec start and a copy are forwarded by the id judged too; the CLI sees nothing of it', async () => {
    assert.equal((await dockerOk(['exec', 'pin-web', 'echo', 'judged'], gateway.unix!)).trim(), 'judged');
    assert.match(await dockerOk(['cp', 'pin-web:/etc/hostname', '-'], gateway.unix!), /hostname/);
    const { trail } = await waitForAuditTrail(auditLog, 0, (records) => records.some((r) => r.operation === 'container.archive.get' && r.phase === 'done'));
    const paths = trail.records.filter((r) => r.phase === 'done' && ['exec.start', 'container.archive.get'].includes(r.operation ?? '')).map((r) => r.path);
    assert.ok(
      paths.some((p) => /^\/v1\.\d+\/exec\/[0-9a-f]{64}\/start$/.test(p)),
      `exec start forwarded by id: ${paths.join(', ')}`,
    );
    assert.ok(
      paths.some((p) => p.endsWith(`/containers/${ids.get('pin-web')}/archive`)),
      `copy forwarded by id: ${paths.join(', ')}`,
    );
  });

  test("the engine's errors name the reference the client sent, not the id forwarded in its place", async () => {
    const put = (endpoint: Endpoint): Promise<WholeResponse> => {
      const emptyTar = '\0'.repeat(1024);
      const head = [
        'PUT /v1.41/containers/pin-web/archive?path=/no/such/dir HTTP/1.1',
        'Host: docker',
        'Content-Type: application/x-tar',
        `Content-Length: ${emptyTar.length}`,
        'Connection: close',
      ].join('\r\n');
      return exchangeRaw(endpoint, head, emptyTar);
    };
    const direct = await put(engine.endpoint);
    const through = await put(gateway.unix!);
    assert.equal(direct.status, 404, direct.body);
    assert.equal(through.status, direct.status, through.body);
    assert.deepEqual(JSON.parse(through.body), JSON.parse(direct.body));
    assert.match(through.body, /in container pin-web/);
  });

  test('an attach the engine refuses (a paused container) names the reference sent, with and without Upgrade', async () => {
    const attach = (endpoint: Endpoint, upgrade: boolean): Promise<WholeResponse> => {
      const connection = upgrade ? [...UPGRADE_HEADERS] : ['Connection: close'];
      const head = ['POST /v1.41/containers/pin-web/attach?stream=1&stdout=1 HTTP/1.1', 'Host: docker', 'Content-Length: 0', ...connection].join('\r\n');
      return exchangeRaw(endpoint, head, '');
    };
    await dockerOk(['pause', 'pin-web'], engine.endpoint);
    try {
      const direct = await attach(engine.endpoint, false);
      assert.equal(direct.status, 409, direct.body);
      assert.match(direct.body, /container pin-web is paused/);
      for (const upgrade of [false, true]) {
        const through = await attach(gateway.unix!, upgrade);
        assert.equal(through.status, direct.status, through.body);
        assert.equal(through.body, direct.body, `upgrade: ${upgrade}`);
      }
    } finally {
      await dockerOk(['unpause', 'pin-web'], engine.endpoint);
    }
  });

  test("a rename or create name that is another container's id prefix is refused; ordinary renames pass", async () => {
    const prefix = ids.get('pin-boss')!.slice(0, 12);
    const renamed = await apiRequest(gateway.unix!, 'POST', `/v1.41/containers/pin-web/rename?name=${prefix}`);
    assert.equal(renamed.status, 403, renamed.body);
    assert.match(JSON.parse(renamed.body).message as string, new RegExp(`denied by profile\\.baseline: \\?name: "${prefix}" is the id prefix of another container: `));
    const created = await apiRequest(gateway.unix!, 'POST', `/v1.41/containers/create?name=${prefix.slice(0, 6)}`, { Image: BUSYBOX_IMAGE });
    assert.equal(created.status, 403, created.body);
    const names = await dockerOk(['ps', '-a', '--format', '{{.Names}}'], engine.endpoint);
    assert.doesNotMatch(names, new RegExp(prefix.slice(0, 6)));
    await dockerOk(['rename', 'pin-web', 'pin-web-2'], gateway.unix!);
    await dockerOk(['rename', 'pin-web-2', 'pin-web'], gateway.unix!);
  });
});
