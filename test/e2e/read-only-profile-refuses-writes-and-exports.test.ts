// Acceptance 6: under `--profile read-only` the reads a dashboard needs go through, and every request
// that would change state or carry data out (run, export, cp, save, attach, exec, volume create, swarm
// join tokens, secrets, configs) is refused by the gateway in the Docker error format, with nothing
// reaching the engine: no new object, no engine event in the window of the refusal.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { openSocket, type Endpoint } from '../support/endpoint.js';
import { startEngine } from '../support/engine.js';
import { startGatewayInFront } from '../support/gateway.js';
import { apiRequest, type ApiResponse } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

/** What the Docker CLI prints for a refusal by this profile: the rule, why, and a fix. */
function refusalPattern(operation: string): RegExp {
  const escaped = operation.replaceAll('.', '\\.');
  return new RegExp(`Error response from daemon: dockgate: ${escaped} \\([A-Z]+ /[^)]*\\) denied by profile\\.read-only: [^\\n]+\\. [^\\n]*\\S`);
}

/** One HTTP request over a fresh connection to the endpoint, for what the CLI cannot show (status, headers). */
function rawRequest(endpoint: Endpoint, method: string, path: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return apiRequest(endpoint, method, path, undefined, { headers, timeoutMs: 10_000 });
}

function assertRawRefusal(response: ApiResponse, operation: string, what: string): void {
  assert.equal(response.status, 403, `${what}: status\n${response.body}`);
  assert.equal(response.headers['dockgate-decision'], 'deny', `${what}: Dockgate-Decision header`);
  const body = JSON.parse(response.body) as { message?: unknown };
  assert.equal(typeof body.message, 'string', `${what}: a Docker-style {"message": ...} body`);
  assert.match(`Error response from daemon: ${String(body.message)}`, refusalPattern(operation), what);
}

/** Seconds since the epoch with a fraction, as the engine's `since`/`until` take them. */
const engineTime = (ms: number): string => (ms / 1000).toFixed(3);

describe('read-only profile refuses writes and exports', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let direct: Endpoint;
  let viaGateway: Endpoint;
  let auditLog: string;
  /** Operations refused during the tests, checked against the audit trail at the end. */
  const refused = new Set<string>();

  /** What the engine holds: every container (with its exec sessions), volume and image. */
  async function engineState(): Promise<string> {
    const containers = await dockerOk(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.State}}'], direct);
    const execs = await dockerOk(['inspect', '--format', '{{.Name}} execs={{json .ExecIDs}}', 'running'], direct);
    const volumes = await dockerOk(['volume', 'ls', '--format', '{{.Name}}'], direct);
    const images = await dockerOk(['image', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}'], direct);
    return `containers:\n${containers}execs: ${execs}volumes:\n${volumes}images:\n${images}`;
  }

  /** Runs `step` and proves the engine saw nothing of it: same objects after, and no engine event meanwhile. */
  async function withoutEngineTrace(what: string, step: () => Promise<void>): Promise<void> {
    const before = await engineState();
    const since = Date.now();
    await step();
    // Let anything the engine might have been asked to do finish and show up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const until = Date.now();
    assert.equal(await engineState(), before, `${what}: the engine's objects changed`);
    const events = await dockerOk(['events', '--since', engineTime(since), '--until', engineTime(until), '--format', '{{json .}}'], direct);
    assert.equal(events, '', `${what}: the engine saw events while the request was refused`);
  }

  before(
    async () => {
      const engine = await startEngine();
      teardown.add(() => engine.stop());
      direct = engine.endpoint;
      // Objects to read (and to try to export, attach to, exec in), made on the engine directly.
      await dockerOk(['run', '-d', '--name', 'running', 'busybox:test', 'sleep', '600'], direct);
      await dockerOk(['run', '--name', 'finished', 'busybox:test', 'echo', 'hello from logs'], direct);
      const gateway = await startGatewayInFront(engine, { profile: 'read-only' });
      teardown.add(() => gateway.stopRunning());
      viaGateway = gateway.unix;
      auditLog = gateway.auditLog;
    },
    { timeout: 90_000 },
  );

  it("lets docker ps, images, inspect and logs through with the engine's own output", async () => {
    const ps = await dockerOk(['ps'], viaGateway);
    assert.match(ps, /^CONTAINER ID\s+IMAGE/);
    assert.match(ps, /\brunning\n/);
    assert.match(await dockerOk(['images'], viaGateway), /^REPOSITORY\s+TAG[^\n]*\nbusybox\s+test\s/);
    // Formats without the relative times ("3 seconds ago"), which may tick between the two calls.
    for (const args of [
      ['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}} {{.Image}} {{.Command}} {{.State}}'],
      ['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}} {{.CreatedAt}} {{.Size}}'],
      ['inspect', 'running'],
      ['inspect', 'busybox:test'],
      ['logs', 'finished'],
    ]) {
      const expected = await dockerOk(args, direct);
      assert.equal(await dockerOk(args, viaGateway), expected, `docker ${args.join(' ')} through the gateway`);
    }
    assert.equal(await dockerOk(['logs', 'finished'], viaGateway), 'hello from logs\n');
  });

  const refusedCommands: { args: string[]; operation: string; exitCode: number }[] = [
    // `docker run` reports daemon errors with exit code 125 ("docker: Error response from daemon: ...").
    { args: ['run', '--name', 'ro-run', 'busybox:test', 'true'], operation: 'container.create', exitCode: 125 },
    { args: ['export', 'running'], operation: 'container.export', exitCode: 1 },
    { args: ['cp', 'running:/bin/busybox', '-'], operation: 'container.archive.get', exitCode: 1 },
    { args: ['save', 'busybox:test'], operation: 'image.get', exitCode: 1 },
    { args: ['exec', 'running', 'true'], operation: 'container.exec.create', exitCode: 1 },
    { args: ['volume', 'create', 'ro-volume'], operation: 'volume.create', exitCode: 1 },
  ];

  for (const { args, operation, exitCode } of refusedCommands) {
    it(`refuses docker ${args.join(' ')} with the rule and a fix, leaving no trace on the engine`, async () => {
      await withoutEngineTrace(`docker ${args.join(' ')}`, async () => {
        const result = await docker(args, viaGateway);
        assert.equal(result.code, exitCode, `exit code of docker ${args.join(' ')}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
        assert.match(result.stderr, refusalPattern(operation));
        assert.equal(result.stdout, '', 'nothing was exported');
      });
      refused.add(operation);
    });
  }

  it('refuses docker attach (the CLI shows only the status of a refused upgrade; the raw answer has the message)', async () => {
    await withoutEngineTrace('docker attach running', async () => {
      const result = await docker(['attach', 'running'], { ...viaGateway, timeoutMs: 20_000 });
      assert.equal(result.code, 1, `exit code of docker attach\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      // Docker CLI 28 drops the body of any non-101 answer to an upgrade: "unable to upgrade to tcp, received 403".
      assert.match(result.stderr, /received 403/);
      // The same request the CLI sent, made by hand: the refusal itself is in the Docker format.
      const raw = await rawRequest(viaGateway, 'POST', '/v1.41/containers/running/attach?stream=1&stdin=1&stdout=1&stderr=1', {
        Connection: 'Upgrade',
        Upgrade: 'tcp',
        'Content-Type': 'text/plain',
      });
      assertRawRefusal(raw, 'container.attach', 'POST /containers/running/attach with Upgrade: tcp');
      // And the legacy form, without Upgrade, which dockerd answers with a raw stream.
      const legacy = await rawRequest(viaGateway, 'POST', '/v1.41/containers/running/attach?stream=1&stdout=1');
      assertRawRefusal(legacy, 'container.attach', 'POST /containers/running/attach without Upgrade');
    });
    refused.add('container.attach');
  });

  for (const { path, operation } of [
    { path: '/v1.41/swarm', operation: 'swarm.inspect' },
    { path: '/v1.41/secrets', operation: 'secret.list' },
    { path: '/v1.41/configs', operation: 'config.list' },
  ]) {
    it(`refuses GET ${path} with 403, Dockgate-Decision: deny and the Docker error format`, async () => {
      await withoutEngineTrace(`GET ${path}`, async () => {
        assertRawRefusal(await rawRequest(viaGateway, 'GET', path), operation, `GET ${path}`);
      });
      refused.add(operation);
    });
  }

  it('answers a refused request whose body comes after its headers (as the Docker CLI writes it) without cutting the body off', async () => {
    // Docker CLI 28 writes the headers of `POST /volumes/create` and its 32-byte body in two writes. A gateway
    // that answers after the headers and closes at once makes the body write fail with EPIPE (ECONNRESET over
    // TCP), and the CLI then prints "write: broken pipe" instead of the refusal.
    const body = '{"Driver":"local","Name":"ro-late-body"}\n';
    const socket = openSocket(viaGateway);
    const received: Buffer[] = [];
    let writeError: Error | undefined;
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (error) => (writeError ??= error));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write('POST /v1.41/volumes/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\n' + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await new Promise<void>((resolve) =>
      socket.write(body, (error) => {
        if (error) writeError ??= error;
        resolve();
      }),
    );
    const timer = setTimeout(() => socket.destroy(), 5_000);
    await closed;
    clearTimeout(timer);
    const response = Buffer.concat(received).toString('utf8');
    assert.match(response, /^HTTP\/1\.1 403 /, `a 403 came back:\n${response}`);
    assert.match(response, /\r\nDockgate-Decision: deny\r\n/i);
    assert.equal(writeError, undefined, `the body the request declared could be sent: ${writeError?.message}\n${response}`);
  });

  it('never puts Dockgate-Decision on a forwarded response, success or engine error', async () => {
    const list = await rawRequest(viaGateway, 'GET', '/v1.41/containers/json');
    assert.equal(list.status, 200);
    assert.equal(list.headers['dockgate-decision'], undefined, 'forwarded 200');
    assert.ok(Array.isArray(JSON.parse(list.body)));
    // The engine's own 404 goes through as the engine wrote it.
    const missing = await rawRequest(viaGateway, 'GET', '/v1.41/containers/no-such-container/json');
    const direct404 = await rawRequest(direct, 'GET', '/v1.41/containers/no-such-container/json');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['dockgate-decision'], undefined, 'forwarded 404');
    assert.equal(missing.body, direct404.body);
    const ping = await rawRequest(viaGateway, 'HEAD', '/_ping');
    assert.equal(ping.status, 200);
    assert.equal(ping.headers['dockgate-decision'], undefined, 'forwarded HEAD /_ping');
  });

  it('records every refusal as a deny by profile.read-only, with no forwarding record', async () => {
    const notDenied = (records: AuditLine[]): string[] => {
      const denied = new Set(records.filter((r) => r.phase === 'done' && r.decision === 'deny').map((r) => r.operation));
      return [...refused].filter((operation) => !denied.has(operation));
    };
    const { trail } = await waitForAuditTrail(auditLog, 0, (records) => notDenied(records).length === 0, 10_000);
    assert.deepEqual(trail.badLines, [], 'every audit line parses');
    const missing = notDenied(trail.records);
    if (missing.length > 0) assert.fail(`no deny record for ${missing.join(', ')}`);
    for (const record of trail.records.filter((r) => refused.has(r.operation ?? ''))) {
      assert.equal(record.phase, 'done', `a refused ${record.operation} has no forwarding record`);
      assert.equal(record.decision, 'deny');
      assert.equal(record.rule, 'profile.read-only');
      assert.equal(record.status, 403);
    }
  });
});
