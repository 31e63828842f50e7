// The admin listener (serve --admin-listen, issue 16) in front of a real engine:
// - /metrics moves with docker CLI traffic through the gateway: requests by operation and decision, a
//   refusal under its rule, judging and engine latencies, connections;
// - the Engine API listener does not serve /metrics: it is an unknown endpoint there, refused and counted;
// - /ready (and `dockgate health --admin`, for a HEALTHCHECK) goes not ready when the engine is stopped and
//   ready again when it is back, and the same while the audit log cannot be written (a full disk);
// - health exits 1 when nothing answers, and serve refuses an admin address that is not loopback.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type RestartableEngine } from '../support/engine.js';
import { fill, freeAll, mountTinyFilesystem } from '../support/full-disk.js';
import { assertRefusedToStart, runGatewayExpectingFailure, startGateway, type Gateway } from '../support/gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'dockgate.js');

interface HealthRun {
  code: number;
  output: string;
}

/** `dockgate health --admin URL`, as a HEALTHCHECK runs it. */
async function health(admin: string): Promise<HealthRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, 'health', '--admin', admin], { timeout: 20_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** The value of one sample of the Prometheus text, 0 when the series is not there yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Polls /ready until its status is `status` (the engine's answer is cached for a second); returns the last answer. */
async function readyBecomes(admin: Endpoint, status: number, timeoutMs = 20_000): Promise<{ ready: boolean; reasons?: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await apiRequest(admin, 'GET', '/ready');
    if (answer.status === status) return JSON.parse(answer.body) as { ready: boolean; reasons?: string[] };
    if (Date.now() > deadline) assert.fail(`/ready stayed ${answer.status} (${answer.body}), expected ${status}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

describe('admin listener: /health, /ready and /metrics on a real engine; dockgate health', { timeout: 6 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: RestartableEngine;
  let gateway: Gateway;
  let viaGateway: Endpoint;
  let admin: Endpoint;
  let adminUrl: string;
  let auditDir: string;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const dir = teardown.tempDir('/tmp/dga-');
      auditDir = join(dir, 'audit');
      mountTinyFilesystem(auditDir, teardown);
      adminUrl = `unix://${join(dir, 'admin.sock')}`;
      gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [`unix://${join(dir, 'gw.sock')}`],
        auditLog: join(auditDir, 'audit.jsonl'),
        args: ['--admin-listen', `${adminUrl}?mode=0600`],
      });
      teardown.add(() => gateway.stopRunning());
      viaGateway = gateway.unix!;
      admin = { name: 'admin', host: adminUrl };
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test('docker CLI traffic moves the counters: requests by operation and decision, a refusal under its rule, latencies, connections', async () => {
    assert.equal(statSync(join(auditDir, '..', 'admin.sock')).mode & 0o777, 0o600, 'the admin socket has the mode asked for');
    const health = await apiRequest(admin, 'GET', '/health');
    assert.equal(health.status, 200, health.body);
    const before = (await apiRequest(admin, 'GET', '/metrics')).body;

    await dockerOk(['ps'], viaGateway);
    await dockerOk(['ps', '-a'], viaGateway);
    await dockerOk(['volume', 'ls'], viaGateway);
    const refused = await docker(['run', '--rm', '--privileged', BUSYBOX_IMAGE, 'true'], viaGateway);
    assert.notEqual(refused.code, 0, 'a privileged run is refused by the baseline profile');
    assert.match(refused.stderr, /denied by profile\.baseline: .*HostConfig\.Privileged/);

    const after = (await apiRequest(admin, 'GET', '/metrics')).body;
    const moved = (series: string): number => sample(after, series) - sample(before, series);
    assert.equal(moved('dockgate_requests_total{operation="container.list",decision="allow",rule="profile.baseline"}'), 2, after);
    assert.equal(moved('dockgate_requests_total{operation="volume.list",decision="allow",rule="profile.baseline"}'), 1, after);
    assert.equal(moved('dockgate_requests_total{operation="container.create",decision="deny",rule="profile.baseline"}'), 1, after);
    assert.ok(moved('dockgate_requests_total{operation="system.ping",decision="allow",rule="profile.baseline"}') >= 4, 'every CLI run pings first');
    assert.ok(moved('dockgate_judging_seconds_count') >= 8, after);
    assert.ok(moved('dockgate_engine_seconds_count') >= 7, 'every allowed request went to the engine');
    assert.ok(moved('dockgate_sent_bytes_total') > 0);
    assert.ok(moved(`dockgate_connections_total{listener="${viaGateway.host}"}`) >= 4, after);
    assert.ok(sample(after, 'dockgate_audit_records_written_total') > sample(before, 'dockgate_audit_records_written_total'));
    assert.equal(sample(after, 'dockgate_audit_log_healthy'), 1);
    assert.match(after, /^process_resident_memory_bytes \d+/m);
  });

  test('the Engine API listener does not serve /metrics: an unknown endpoint, refused and counted under route.known', async () => {
    const before = (await apiRequest(admin, 'GET', '/metrics')).body;
    for (const path of ['/metrics', '/health', '/ready']) {
      const answer = await apiRequest(viaGateway, 'GET', path);
      assert.equal(answer.status, 403, `${path}: ${answer.status} ${answer.body}`);
      assert.equal(answer.headers['dockgate-decision'], 'deny');
      assert.match((JSON.parse(answer.body) as { message: string }).message, /denied by route\.known/);
      assert.doesNotMatch(answer.body, /dockgate_requests_total/);
    }
    const after = (await apiRequest(admin, 'GET', '/metrics')).body;
    const series = 'dockgate_requests_total{operation="unrouted",decision="deny",rule="route.known"}';
    assert.equal(sample(after, series) - sample(before, series), 3, after);
  });

  test('/ready and dockgate health: ready with the engine, not ready while it is stopped, ready again once it is back', async () => {
    assert.deepEqual(await readyBecomes(admin, 200), { ready: true });
    let run = await health(adminUrl);
    assert.equal(run.code, 0, run.output);
    assert.equal(run.output, 'dockgate: ready\n');

    await engine.stopDaemon();
    try {
      const down = await readyBecomes(admin, 503);
      assert.equal(down.ready, false);
      assert.equal(down.reasons?.length, 1, JSON.stringify(down));
      assert.match(down.reasons[0]!, /^engine: the engine at .* (is unreachable \((ECONNREFUSED|ENOENT)\)|closed the connection before answering)$/);
      run = await health(adminUrl);
      assert.equal(run.code, 1, run.output);
      assert.match(run.output, /^dockgate: not ready: engine: the engine at .* is unreachable/);
      // /health says the process serves, whatever the engine does.
      assert.equal((await apiRequest(admin, 'GET', '/health')).status, 200);
    } finally {
      await engine.startDaemon();
    }
    assert.deepEqual(await readyBecomes(admin, 200), { ready: true });
    run = await health(adminUrl);
    assert.equal(run.code, 0, run.output);
    await dockerOk(['ps'], viaGateway);
  });

  test('/ready is not ready while the audit log cannot be written (a full disk), and ready once it can', async () => {
    fill(auditDir);
    try {
      // Reads go on while their records fail (reads-continue); the first record that fails turns the log
      // unhealthy. A full tmpfs still has room in the log file's last page, which the log takes back when it
      // truncates a torn write, so a smaller record may fit after a failure and the log is healthy again, truly:
      // /ready, `dockgate health` and /metrics are asked one after the other until all three see it unhealthy
      // together, as they do once that room is gone too.
      let unhealthy: { reasons: string[]; health: HealthRun; metrics: string } | undefined;
      for (let i = 0; i < 200 && unhealthy === undefined; i++) {
        await apiRequest(viaGateway, 'GET', '/v1.41/containers/json');
        const ready = await apiRequest(admin, 'GET', '/ready');
        if (ready.status !== 503) continue;
        const { reasons } = JSON.parse(ready.body) as { reasons: string[] };
        const run = await health(adminUrl);
        const metrics = (await apiRequest(admin, 'GET', '/metrics')).body;
        if (run.code === 1 && sample(metrics, 'dockgate_audit_log_healthy') === 0) unhealthy = { reasons, health: run, metrics };
      }
      assert.ok(unhealthy !== undefined, '/ready, dockgate health and /metrics never said together that the audit log cannot be written');
      assert.deepEqual(unhealthy.reasons, ['audit log: records cannot be written (the gateway log says why)']);
      assert.match(unhealthy.health.output, /^dockgate: not ready: audit log: records cannot be written/);
      assert.ok(sample(unhealthy.metrics, 'dockgate_audit_write_failures_total') >= 1, unhealthy.metrics);
      assert.ok(sample(unhealthy.metrics, 'dockgate_audit_records_dropped_total') >= 1, unhealthy.metrics);
    } finally {
      freeAll(auditDir);
    }
    // The next record is written (a failing log writes every record at once): the log is healthy again.
    await apiRequest(viaGateway, 'GET', '/v1.41/containers/json');
    assert.deepEqual(await readyBecomes(admin, 200), { ready: true });
    assert.equal((await health(adminUrl)).code, 0);
  });

  test('dockgate health exits 1 with one line when nothing answers, or when the address is not one it may ask', async () => {
    let run = await health(`unix://${join(auditDir, 'no-such.sock')}`);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /^dockgate: cannot reach the admin listener at unix:\/\/.*no-such\.sock: ENOENT\n$/);
    run = await health('tcp://192.0.2.1:9323');
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /^dockgate: --admin tcp:\/\/192\.0\.2\.1:9323: 192\.0\.2\.1 is not a loopback address/);
  });

  test('serve refuses an admin listener that is not loopback, or that is one of its Engine API listeners', async () => {
    const dir = teardown.tempDir('/tmp/dga-');
    const gw = `unix://${join(dir, 'gw.sock')}`;
    for (const [adminListen, message] of [
      ['tcp://0.0.0.0:9323', /^dockgate: --admin-listen tcp:\/\/0\.0\.0\.0:9323: 0\.0\.0\.0 is not a loopback address/],
      ['tcp://localhost:9323', /^dockgate: --admin-listen tcp:\/\/localhost:9323: write a loopback address/],
      [gw, /^dockgate: --admin-listen unix:\/\/.*gw\.sock: is also an Engine API listener/],
    ] as const) {
      const failure = await runGatewayExpectingFailure({ upstream: engine.socketPath, listen: [gw], args: ['--admin-listen', adminListen] });
      assert.match(assertRefusedToStart(failure), message);
    }
  });
});
