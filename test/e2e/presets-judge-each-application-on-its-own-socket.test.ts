// One gateway in front of the real engine serving several applications, each on its own unix socket with
// `?preset=NAME` (and one with `?profile=baseline`), the rest judged by the gateway's own --profile: each
// application's calls go through for real on its socket (Traefik's list, inspect and events; autoheal's
// restart; a GitLab Runner job's create, start, wait, logs and remove; Watchtower's recreate of a plain
// container), what it never needs is refused on the same gateway, and every record names the rule of
// the listener the request came in on. Diun reaches it over --insecure-listen-loopback with ?preset=diun.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { apiRequest, type ApiResponse } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const LISTENERS = ['default', 'traefik', 'autoheal', 'gitlab-runner', 'watchtower', 'ops'] as const;
type Listener = (typeof LISTENERS)[number];

function refusedBy(answer: ApiResponse, rule: string, what: string): string {
  assert.equal(answer.status, 403, `${what}: ${answer.status} ${answer.body}`);
  const { message } = JSON.parse(answer.body) as { message: string };
  assert.match(message, new RegExp(`denied by ${rule.replace('.', '\\.')}`), what);
  return message;
}

/** Plain HTTP to the loopback listener, as Diun's Go client sends it (Host 127.0.0.1:PORT). */
function loopback(port: number, method: string, path: string): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

function ok(answer: ApiResponse, status: number, what: string): ApiResponse {
  assert.equal(answer.status, status, `${what}: ${answer.body}`);
  return answer;
}

describe('presets: one gateway, an application per socket', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;
  let auditLog: string;
  let diunPort: number;
  let diunListener: string;
  const at = {} as Record<Listener, Endpoint>;
  const specs = {} as Record<Listener, string>;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    const dir = mkdtempSync(join(engine.dir, 'gw-'));
    auditLog = join(dir, 'audit.jsonl');
    const options: Record<Listener, string> = {
      default: '',
      traefik: '?mode=0660&preset=traefik',
      autoheal: '?preset=autoheal',
      'gitlab-runner': '?preset=gitlab-runner',
      watchtower: '?preset=watchtower',
      ops: '?profile=baseline',
    };
    for (const name of LISTENERS) specs[name] = `unix://${join(dir, `${name}.sock`)}${options[name]}`;
    // Autoheal and Watchtower never ping (their presets do not grant it): the listeners count as up once they answer.
    diunPort = await freeLoopbackPort();
    diunListener = `tcp://127.0.0.1:${diunPort}?preset=diun`;
    gateway = await startGateway({
      upstream: engine.socketPath,
      listen: LISTENERS.map((name) => specs[name]),
      auditLog,
      profile: 'read-only',
      readiness: 'answering',
      args: ['--insecure-listen-loopback', diunListener],
    });
    teardown.add(() => gateway.stopRunning());
    LISTENERS.forEach((name, i) => (at[name] = gateway.endpoints[i]!));
    await dockerOk(['run', '-d', '--name', 'app', BUSYBOX_IMAGE, 'sleep', '600'], engine.endpoint);
    await dockerOk(['run', '-d', '--name', 'watched', '--label', 'com.centurylinklabs.watchtower.enable=true', BUSYBOX_IMAGE, 'sleep', '600'], engine.endpoint);
    await dockerOk(['create', '--name', 'privileged-app', '--privileged', BUSYBOX_IMAGE, 'sleep', '600'], engine.endpoint);
  });

  test('traefik: list, inspect and events pass; creating a container or an exec is refused by preset.traefik', async () => {
    ok(await apiRequest(at.traefik, 'HEAD', '/_ping'), 200, 'ping');
    ok(await apiRequest(at.traefik, 'GET', '/v1.41/version'), 200, 'version');
    const list = JSON.parse(ok(await apiRequest(at.traefik, 'GET', '/v1.41/containers/json?all=1'), 200, 'list').body) as Array<{ Id: string; Names: string[] }>;
    const app = list.find((c) => c.Names.includes('/app'));
    assert.ok(app, 'the list shows the running container');
    ok(await apiRequest(at.traefik, 'GET', `/v1.41/containers/${app.Id}/json`), 200, 'inspect');
    const until = Math.ceil(Date.now() / 1000);
    const events = ok(await apiRequest(at.traefik, 'GET', `/v1.41/events?since=0&until=${until}&filters=${encodeURIComponent('{"type":{"container":true}}')}`), 200, 'events');
    assert.match(events.body, /"Type":"container"/);
    refusedBy(await apiRequest(at.traefik, 'POST', '/v1.41/containers/create?name=from-traefik', { Image: BUSYBOX_IMAGE }), 'preset.traefik', 'create');
    refusedBy(await apiRequest(at.traefik, 'POST', '/v1.41/containers/app/exec', { Cmd: ['true'] }), 'preset.traefik', 'exec');
  });

  test('autoheal: its unencoded filter list and a restart pass; kill is refused by preset.autoheal', async () => {
    ok(await apiRequest(at.autoheal, 'GET', '/containers/json?filters={"health":["unhealthy"],"label":["autoheal=true"]}'), 200, 'list of unhealthy containers');
    const startedBefore = (JSON.parse((await apiRequest(engine.endpoint, 'GET', '/containers/app/json')).body) as { State: { StartedAt: string } }).State.StartedAt;
    ok(await apiRequest(at.autoheal, 'POST', '/containers/app/restart?t=1'), 204, 'restart');
    const startedAfter = (JSON.parse((await apiRequest(engine.endpoint, 'GET', '/containers/app/json')).body) as { State: { StartedAt: string } }).State.StartedAt;
    assert.notEqual(startedAfter, startedBefore, 'the engine restarted the container');
    refusedBy(await apiRequest(at.autoheal, 'POST', '/containers/app/kill'), 'preset.autoheal', 'kill');
    refusedBy(await apiRequest(at.autoheal, 'POST', '/containers/create', { Image: BUSYBOX_IMAGE }), 'preset.autoheal', 'create');
  });

  test("gitlab-runner: a job's cache volume, create, start, wait, logs and remove pass; a privileged or socket-mounting container and archives are refused", async () => {
    const runner = at['gitlab-runner'];
    ok(await apiRequest(runner, 'GET', '/v1.41/info'), 200, 'info');
    const cache = 'runner-abc-project-1-concurrent-0-cache-3c3f060a';
    ok(
      await apiRequest(runner, 'POST', '/v1.41/volumes/create', { Name: cache, Driver: 'local', DriverOpts: {}, Labels: { 'com.gitlab.gitlab-runner.type': 'cache' } }),
      201,
      'volume create',
    );
    const job = {
      Image: BUSYBOX_IMAGE,
      Cmd: ['sh', '-c', 'echo job-output; ls /cache'],
      Labels: { 'com.gitlab.gitlab-runner.job.id': '1' },
      HostConfig: { Binds: [`${cache}:/cache`], NetworkMode: 'none', LogConfig: { Type: 'json-file' }, Privileged: false },
    };
    const created = JSON.parse(ok(await apiRequest(runner, 'POST', '/v1.41/containers/create?name=runner-job-1-build', job), 201, 'create').body) as { Id: string };
    ok(await apiRequest(runner, 'POST', `/v1.41/containers/${created.Id}/start`), 204, 'start');
    const waited = JSON.parse(ok(await apiRequest(runner, 'POST', `/v1.41/containers/${created.Id}/wait?condition=not-running`), 200, 'wait').body) as { StatusCode: number };
    assert.equal(waited.StatusCode, 0);
    assert.match(ok(await apiRequest(runner, 'GET', `/v1.41/containers/${created.Id}/logs?stdout=1&stderr=1&timestamps=1`), 200, 'logs').body, /job-output/);
    ok(await apiRequest(runner, 'GET', `/v1.41/containers/${created.Id}/json`), 200, 'inspect');
    refusedBy(await apiRequest(runner, 'PUT', `/v1.41/containers/${created.Id}/archive?path=%2Ftmp`), 'preset.gitlab-runner', 'archive put');
    ok(await apiRequest(runner, 'DELETE', `/v1.41/containers/${created.Id}?force=1&v=1`), 204, 'remove');
    ok(await apiRequest(runner, 'DELETE', `/v1.41/volumes/${cache}?force=1`), 204, 'volume remove');
    const dind = refusedBy(
      await apiRequest(runner, 'POST', '/v1.41/containers/create?name=runner-dind', { ...job, HostConfig: { ...job.HostConfig, Privileged: true } }),
      'preset.gitlab-runner',
      'privileged',
    );
    assert.match(dind, /HostConfig\.Privileged/);
    const socket = refusedBy(
      await apiRequest(runner, 'POST', '/v1.41/containers/create?name=runner-sock', { ...job, HostConfig: { ...job.HostConfig, Binds: [`${engine.socketPath}:/var/run/docker.sock`] } }),
      'preset.gitlab-runner',
      'socket bind',
    );
    assert.match(socket, /docker\.sock|engine/);
    const names = await dockerOk(['ps', '-a', '--format', '{{.Names}}'], engine.endpoint);
    assert.doesNotMatch(names, /runner-dind|runner-sock|runner-job-1-build/);
  });

  test('watchtower: inspect, a pull the gateway lets through, kill, remove, create from the old config and start; a privileged container is not recreated', async () => {
    const wt = at.watchtower;
    const list = JSON.parse(ok(await apiRequest(wt, 'GET', `/v1.25/containers/json?filters=${encodeURIComponent('{"status":{"running":true}}')}`), 200, 'list').body) as Array<{
      Id: string;
      Names: string[];
    }>;
    const watched = list.find((c) => c.Names.includes('/watched'));
    assert.ok(watched);
    const old = JSON.parse(ok(await apiRequest(wt, 'GET', `/v1.25/containers/${watched.Id}/json`), 200, 'inspect').body) as {
      Image: string;
      Config: Record<string, unknown> & { Labels: Record<string, string>; Env: string[] | null };
      HostConfig: Record<string, unknown>;
      NetworkSettings: { Networks: Record<string, unknown> };
    };
    const image = JSON.parse(ok(await apiRequest(wt, 'GET', `/v1.25/images/${old.Image}/json`), 200, 'image inspect').body) as { Config: { Env?: string[] | null; Cmd?: string[] } };
    // No registry here: the engine fails the pull, but the gateway let it through (its record says so below).
    const pull = await apiRequest(wt, 'POST', '/v1.25/images/create?fromImage=127.0.0.1%3A1%2Fbusybox&tag=test', undefined, { headers: { 'X-Registry-Auth': 'e30=' } });
    assert.notEqual(pull.status, 403, pull.body);
    ok(await apiRequest(wt, 'GET', `/v1.25/images/${BUSYBOX_IMAGE}/json`), 200, 'image inspect by name');
    ok(await apiRequest(wt, 'POST', `/v1.25/containers/${watched.Id}/kill?signal=SIGKILL`), 204, 'kill');
    ok(await apiRequest(wt, 'DELETE', `/v1.25/containers/${watched.Id}?force=1`), 204, 'remove');
    // As GetCreateConfig does: the old Config without what the image sets, the HostConfig as it was, one network.
    const env = (old.Config.Env ?? []).filter((e) => !(image.Config.Env ?? []).includes(e));
    const [network, endpoint] = Object.entries(old.NetworkSettings.Networks)[0]!;
    const body = { ...old.Config, Env: env, Image: BUSYBOX_IMAGE, HostConfig: old.HostConfig, NetworkingConfig: { EndpointsConfig: { [network]: endpoint } } };
    const created = JSON.parse(ok(await apiRequest(wt, 'POST', '/v1.25/containers/create?name=watched', body), 201, 'create from the old config').body) as { Id: string };
    ok(await apiRequest(wt, 'POST', `/v1.25/containers/${created.Id}/start`), 204, 'start');
    const running = JSON.parse((await apiRequest(engine.endpoint, 'GET', '/containers/watched/json')).body) as { State: { Running: boolean }; Config: { Labels: Record<string, string> } };
    assert.equal(running.State.Running, true);
    assert.equal(running.Config.Labels['com.centurylinklabs.watchtower.enable'], 'true');

    const privileged = JSON.parse(ok(await apiRequest(wt, 'GET', '/v1.25/containers/privileged-app/json'), 200, 'inspect').body) as typeof old;
    const message = refusedBy(
      await apiRequest(wt, 'POST', '/v1.25/containers/create?name=privileged-app-new', { ...privileged.Config, Image: BUSYBOX_IMAGE, HostConfig: privileged.HostConfig }),
      'preset.watchtower',
      'recreate privileged',
    );
    assert.match(message, /HostConfig\.Privileged/);
    assert.match(message, /`preset: watchtower`/);
    refusedBy(await apiRequest(wt, 'POST', '/v1.25/containers/watched/exec', { Cmd: ['true'] }), 'preset.watchtower', 'exec (lifecycle hooks are not granted)');
  });

  test('diun on the insecure loopback listener: version, running containers and their images pass; inspecting a container is refused by preset.diun', async () => {
    ok(await loopback(diunPort, 'HEAD', '/_ping'), 200, 'ping');
    ok(await loopback(diunPort, 'GET', '/v1.41/version'), 200, 'version');
    ok(await loopback(diunPort, 'GET', `/v1.41/containers/json?filters=${encodeURIComponent('{"status":{"running":true}}')}`), 200, 'list');
    ok(await loopback(diunPort, 'GET', `/v1.41/images/${BUSYBOX_IMAGE}/json`), 200, 'image inspect');
    refusedBy(await loopback(diunPort, 'GET', '/v1.41/containers/app/json'), 'preset.diun', 'container inspect (Diun never inspects one)');
    refusedBy(await loopback(diunPort, 'POST', '/v1.41/containers/app/start'), 'preset.diun', 'start');
  });

  test("a listener without preset= is judged by the gateway's --profile; ?profile=baseline by its own", async () => {
    ok(await apiRequest(at.default, 'GET', '/v1.41/containers/json'), 200, 'list on the default listener');
    refusedBy(await apiRequest(at.default, 'POST', '/v1.41/containers/app/stop?t=0'), 'profile.read-only', 'stop on the default listener');
    ok(await apiRequest(at.ops, 'POST', '/v1.41/containers/app/stop?t=0'), 204, 'stop on the ?profile=baseline listener');
  });

  test('every record names the rule of the listener the request came in on', async () => {
    const { trail, complete } = await waitForAuditTrail(auditLog, 0, (records) => records.some((r) => r.phase === 'done' && r.listener === specs.ops && r.operation === 'container.stop'));
    assert.ok(complete, 'the last request was recorded');
    const rules: Record<Listener, string> = {
      default: 'profile.read-only',
      traefik: 'preset.traefik',
      autoheal: 'preset.autoheal',
      'gitlab-runner': 'preset.gitlab-runner',
      watchtower: 'preset.watchtower',
      ops: 'profile.baseline',
    };
    for (const name of LISTENERS) {
      const records = trail.records.filter((r) => r.listener === specs[name]);
      assert.ok(records.length > 0, `records from ${name}`);
      assert.deepEqual([...new Set(records.map((r) => r.rule))], [rules[name]], `${name}: ${records.map((r) => `${r.method} ${r.path} ${r.rule}`).join('; ')}`);
      if (name !== 'ops')
        assert.ok(
          records.some((r) => r.decision === 'deny'),
          `a refusal recorded on ${name}`,
        );
    }
    const diun = trail.records.filter((r) => r.listener === diunListener);
    assert.deepEqual([...new Set(diun.map((r) => r.rule))], ['preset.diun'], 'the loopback listener judged by its preset');
    const pull = trail.records.find((r) => r.listener === specs.watchtower && r.operation === 'image.create' && r.phase === 'done');
    assert.equal(pull?.decision, 'allow', 'the gateway forwarded the pull');
    assert.match(gateway.output(), /"policy":"read-only; traefik on unix:\/\/[^"]*traefik\.sock\?mode=0660&preset=traefik; autoheal on /);
  });
});
