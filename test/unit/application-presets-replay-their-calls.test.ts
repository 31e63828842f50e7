// Each application preset replays its application's call sequence (as docs/presets-research.md read it in
// the application's source: method, path as its SDK spells it, versioned or not, query, and the bodies its
// SDK sends) through the library judge(): every call is allowed by rule preset.NAME, the calls exercise
// every operation the preset grants (nothing granted that the application does not use), and calls
// outside the application's needs are refused by the same rule.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { judge, loadPolicy, presetPolicy, PRESET_NAMES, type PresetName } from '../../src/index.js';
import { ALICE } from '../support/policy-fixtures.js';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { tarArchive } from '../support/tar-builder.js';

interface Call {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const web = plainContainer('web');
const privileged = plainContainer('privileged-app', { HostConfig: { Privileged: true } });
const EXEC = 'e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1e0c1';
const engine = fakeEngine({ containers: [web, privileged], execs: [{ ID: EXEC, ContainerID: web.Id }] });

const filters = (value: unknown): string => encodeURIComponent(JSON.stringify(value));
const json = { 'content-type': 'application/json' };
const get = (path: string): Call => ({ method: 'GET', path });
const post = (path: string, body?: unknown): Call => ({ method: 'POST', path, ...(body !== undefined && { body, headers: json }) });
const del = (path: string): Call => ({ method: 'DELETE', path });

/** What watchtower sends to recreate a container (client.go:248-270): the old Config and HostConfig, one network endpoint. */
function recreateBody(hostConfig: Record<string, unknown>): unknown {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: ['sleep', '1d'],
    Image: 'busybox:latest',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: {},
    HostConfig: { ...web.HostConfig, LogConfig: { Type: 'json-file', Config: {} }, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, ShmSize: 67108864, ...hostConfig },
    NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '' } } },
  };
}

/** A GitLab Runner build container (executors/docker/docker.go:506): the job script arrives on an attached stdin. */
function runnerBuildContainer(hostConfig: Record<string, unknown> = {}): unknown {
  return {
    Image: 'sha256:2222',
    Cmd: ['sh', '-c', 'if [ -x /usr/local/bin/bash ]; then exec /usr/local/bin/bash; else exec sh; fi'],
    Env: ['CI=true', 'CI_JOB_ID=1'],
    Labels: { 'com.gitlab.gitlab-runner.job.id': '1', 'com.gitlab.gitlab-runner.type': 'build' },
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      Binds: ['runner-abc-project-1-concurrent-0-cache-3c3f060a0374fc8bc39395164f415a70:/cache'],
      LogConfig: { Type: 'json-file' },
      RestartPolicy: { Name: '' },
      NetworkMode: 'runner-abc-project-1-concurrent-0-job-1-network',
      Privileged: false,
      ...hostConfig,
    },
    NetworkingConfig: { EndpointsConfig: { 'runner-abc-project-1-concurrent-0-job-1-network': { Aliases: ['build'] } } },
  };
}

/** `docker create` as the Actions runner runs it for a container job (DockerCommandManager.cs:110-189; ContainerInfo.cs:56-59). */
function actionsJobContainer(binds: string[]): unknown {
  return {
    Image: 'node:20',
    Entrypoint: ['tail'],
    Cmd: ['-f', '/dev/null'],
    WorkingDir: '/__w/repo/repo',
    Env: ['HOME=/github/home', 'GITHUB_ACTIONS=true', 'CI=true'],
    Labels: { a1b2c3: '' },
    HostConfig: { Binds: binds, NetworkMode: 'github_network_0123' },
    NetworkingConfig: { EndpointsConfig: { github_network_0123: { Aliases: ['node'] } } },
  };
}

const SEQUENCES: Record<PresetName, Call[]> = {
  traefik: [
    { method: 'HEAD', path: '/_ping' },
    get('/v1.51/version'),
    get('/v1.51/containers/json?all=1'),
    get(`/v1.51/containers/${web.Id}/json`),
    get(`/v1.51/events?filters=${filters({ type: { container: true } })}`),
    get('/v1.51/services'),
    get(`/v1.51/networks?filters=${filters({ scope: { swarm: true } })}`),
    get(`/v1.51/tasks?filters=${filters({ 'desired-state': { running: true }, service: { svc1: true } })}`),
    get('/v1.51/nodes/node1'),
  ],
  portainer: [
    { method: 'HEAD', path: '/_ping' },
    get('/v1.45/info'),
    get('/v1.45/containers/json?all=1'),
    get(`/v1.45/containers/${web.Id}/json`),
    get('/v1.45/images/json'),
    get('/v1.45/volumes'),
    get('/v1.45/networks'),
    get('/v1.45/version'),
    get('/v1.45/events?since=1700000000&until=1700003600'),
    get(`/v1.45/containers/${web.Id}/stats?stream=false`),
    // The "Recreate" button (api/docker/container.go:82-216).
    get(`/v1.45/containers/${web.Id}/json?size=1`),
    { method: 'POST', path: '/v1.45/images/create?fromImage=busybox&tag=latest', headers: { 'x-registry-auth': 'e30=' } },
    post(`/v1.45/containers/${web.Id}/stop`),
    post(`/v1.45/containers/${web.Id}/rename?name=web-old`),
    post('/v1.45/networks/bridge/disconnect', { Container: web.Id, Force: true }),
    post('/v1.45/containers/create?name=web', recreateBody({})),
    post('/v1.45/networks/bridge/connect', { Container: 'web', EndpointConfig: {} }),
    post('/v1.45/containers/web/start'),
    del(`/v1.45/containers/${web.Id}?force=1`),
    // The console (api/http/handler/websocket/attach.go:134, exec.go:139).
    post(`/v1.45/containers/${web.Id}/attach?stdin=1&stdout=1&stderr=1&stream=1`),
    post(`/v1.45/containers/${web.Id}/exec`, { AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true, Cmd: ['sh'] }),
    post(`/v1.45/exec/${EXEC}/start`, { Detach: false, Tty: true }),
  ],
  watchtower: [
    get(`/v1.25/containers/json?filters=${filters({ status: { running: true } })}`),
    get(`/v1.25/containers/${web.Id}/json`),
    get('/v1.25/images/sha256:1111/json'),
    { method: 'POST', path: '/v1.25/images/create?fromImage=busybox&tag=latest', headers: { 'x-registry-auth': 'e30=' } },
    get('/v1.25/images/busybox:latest/json'),
    post(`/v1.25/containers/${web.Id}/kill?signal=SIGTERM`),
    del(`/v1.25/containers/${web.Id}?force=1`),
    post('/v1.25/containers/create?name=web', recreateBody({})),
    post('/v1.25/networks/bridge/disconnect', { Container: 'web', Force: true }),
    post('/v1.25/networks/bridge/connect', { Container: 'web', EndpointConfig: { Aliases: ['web'] } }),
    post('/v1.25/containers/web/start'),
    post(`/v1.25/containers/${web.Id}/rename?name=watchtower-old-1f2e`),
    del('/v1.25/images/sha256:1111?force=1'),
  ],
  homepage: [
    get('/containers/json?all=true'),
    get('/services?all=true'),
    get('/containers/web/json'),
    get('/containers/web/stats?stream=false'),
    get('/services/web'),
    get(`/tasks?filters=${filters({ service: ['web'], 'desired-state': ['running'] })}`),
  ],
  dozzle: [
    { method: 'HEAD', path: '/_ping' },
    get('/v1.51/info'),
    get('/v1.51/version'),
    get(`/v1.51/containers/json?all=1&filters=${filters({ label: { 'dozzle.show=true': true } })}`),
    get(`/v1.51/containers/${web.Id}/json`),
    get(`/v1.51/containers/${web.Id}/stats?stream=1`),
    get(`/v1.51/containers/${web.Id}/logs?follow=1&since=2026-12-05T10%3A00%3A00.000000000Z&stderr=1&stdout=1&tail=100&timestamps=1`),
    get(`/v1.51/containers/${web.Id}/logs?since=2026-12-05T10%3A00%3A00Z&stderr=1&stdout=1&timestamps=1&until=2026-12-05T11%3A00%3A00Z`),
    get('/v1.51/events'),
  ],
  diun: [
    { method: 'HEAD', path: '/_ping' },
    get('/v1.51/version'),
    get(`/v1.51/containers/json?filters=${filters({ status: { running: true } })}`),
    get('/v1.51/images/busybox:latest/json'),
    get('/v1.51/services'),
  ],
  autoheal: [
    // curl sends the filter JSON unencoded (docker-entrypoint:58-66).
    get('/containers/json?filters={"health":["unhealthy"],"label":["autoheal=true"]}'),
    post(`/containers/${web.Id}/restart?t=10`),
  ],
  'gitlab-runner': [
    { method: 'HEAD', path: '/_ping' },
    get('/v1.51/info'),
    get('/v1.51/version'),
    get('/v1.51/images/registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v18.3.0/json'),
    { method: 'POST', path: '/v1.51/images/create?fromImage=alpine&tag=3.20&platform=linux%2Famd64', headers: { 'x-registry-auth': 'e30=' } },
    { method: 'POST', path: '/v1.51/images/load?quiet=1', body: Buffer.from('a helper image tarball'), headers: { 'content-type': 'application/x-tar' } },
    {
      method: 'POST',
      path: '/v1.51/images/create?fromSrc=-&repo=registry.gitlab.com%2Fgitlab-org%2Fgitlab-runner%2Fgitlab-runner-helper&tag=x86_64-v18.3.0&changes=ENTRYPOINT+%5B%22%2Fusr%2Fbin%2Fdumb-init%22%5D',
      body: Buffer.from('a helper rootfs tarball'),
      headers: { 'content-type': 'application/x-tar' },
    },
    post('/v1.51/images/sha256:2222/tag?repo=registry.gitlab.com%2Fgitlab-org%2Fgitlab-runner%2Fgitlab-runner-helper&tag=x86_64-latest'),
    post('/v1.51/networks/create', { Name: 'runner-abc-project-1-concurrent-0-job-1-network', Labels: { 'com.gitlab.gitlab-runner.job.id': '1' }, EnableIPv6: false, Options: {} }),
    get('/v1.51/networks/runner-abc-project-1-concurrent-0-job-1-network'),
    post('/v1.51/volumes/create', {
      Name: 'runner-abc-project-1-concurrent-0-cache-3c3f060a0374fc8bc39395164f415a70',
      Driver: 'local',
      DriverOpts: {},
      Labels: { 'com.gitlab.gitlab-runner.type': 'cache' },
    }),
    get('/v1.51/volumes/runner-abc-project-1-concurrent-0-cache-3c3f060a0374fc8bc39395164f415a70'),
    post('/v1.51/containers/create?name=runner-abc-project-1-concurrent-0-job-1-build', runnerBuildContainer()),
    post(`/v1.51/containers/${web.Id}/attach?stderr=1&stdin=1&stdout=1&stream=1`),
    post(`/v1.51/containers/${web.Id}/start`),
    post(`/v1.51/containers/${web.Id}/wait?condition=not-running`),
    post(`/v1.51/containers/${web.Id}/exec`, { AttachStdout: true, AttachStderr: true, Tty: false, Cmd: ['sh', '-c', 'test -f /builds/.ready'] }),
    post(`/v1.51/exec/${EXEC}/start`, { Detach: false, Tty: false }),
    get(`/v1.51/containers/${web.Id}/logs?stderr=1&stdout=1&timestamps=1`),
    get(`/v1.51/containers/${web.Id}/json`),
    post(`/v1.51/containers/${web.Id}/stop?t=10`),
    get('/v1.51/networks'),
    post('/v1.51/networks/runner-abc-project-1-concurrent-0-job-1-network/disconnect', { Container: web.Id, Force: true }),
    del(`/v1.51/containers/${web.Id}?force=1&v=1`),
    del('/v1.51/volumes/runner-abc-project-1-concurrent-0-cache-3c3f060a0374fc8bc39395164f415a70?force=1'),
    del('/v1.51/networks/runner-abc-project-1-concurrent-0-job-1-network'),
  ],
  'github-actions-runner': [
    { method: 'HEAD', path: '/_ping' },
    get('/v1.51/version'),
    get(`/v1.51/containers/json?all=1&filters=${filters({ label: { a1b2c3: true } })}`),
    del(`/v1.51/containers/${web.Id}?force=1`),
    post(`/v1.51/networks/prune?filters=${filters({ label: { a1b2c3: true } })}`),
    post('/v1.51/networks/create', { Name: 'github_network_0123', Labels: { a1b2c3: '' } }),
    post('/v1.51/auth', { username: 'octocat', password: 'ghp_example', serveraddress: 'ghcr.io' }),
    { method: 'POST', path: '/v1.51/images/create?fromImage=docker.io%2Flibrary%2Fredis&tag=7', headers: { 'x-registry-auth': 'e30=' } },
    {
      method: 'POST',
      path: '/v1.51/build?t=a1b2c3%3Aaction&dockerfile=Dockerfile',
      body: tarArchive([
        { name: 'Dockerfile', data: 'FROM busybox\nCOPY entrypoint.sh /\n' },
        { name: 'entrypoint.sh', data: 'echo hi\n' },
      ]),
      headers: { 'content-type': 'application/x-tar' },
    },
    // A service container (services: in the workflow): no job paths, no engine socket.
    post('/v1.51/containers/create?name=a1b2c3_redis7_0a1b2c', {
      Image: 'redis:7',
      Labels: { a1b2c3: '' },
      HostConfig: { NetworkMode: 'github_network_0123', PortBindings: { '6379/tcp': [{ HostIp: '', HostPort: '' }] } },
      NetworkingConfig: { EndpointsConfig: { github_network_0123: { Aliases: ['redis'] } } },
    }),
    post(`/v1.51/containers/${web.Id}/start`),
    get(`/v1.51/containers/${web.Id}/json`),
    get(`/v1.51/containers/${web.Id}/logs?details=1&stderr=1&stdout=1`),
    post(`/v1.51/containers/${web.Id}/exec`, {
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Env: ['CI=true'],
      WorkingDir: '/__w/repo/repo',
      Cmd: ['sh', '-e', '/__w/_temp/step.sh'],
    }),
    post(`/v1.51/exec/${EXEC}/start`, { Detach: false, Tty: false }),
    get(`/v1.51/exec/${EXEC}/json`),
    post(`/v1.51/containers/${web.Id}/attach?stderr=1&stdout=1&stream=1`),
    post(`/v1.51/containers/${web.Id}/wait?condition=removed`),
    post(`/v1.51/containers/${web.Id}/kill?signal=TERM`),
    get('/v1.51/networks/github_network_0123'),
    del('/v1.51/networks/github_network_0123'),
  ],
};

/** Calls each application never makes, refused by its preset (the message names the rule). */
const REFUSALS: Array<{ preset: PresetName; what: string; call: Call; reason: RegExp }> = [
  { preset: 'traefik', what: 'creating a container', call: post('/v1.51/containers/create', { Image: 'busybox' }), reason: /traefik preset grants only .* container\.create/ },
  { preset: 'traefik', what: 'exec', call: post(`/v1.51/containers/${web.Id}/exec`, { Cmd: ['sh'] }), reason: /container\.exec\.create is not one of them/ },
  { preset: 'traefik', what: 'reading logs', call: get(`/v1.51/containers/${web.Id}/logs?stdout=1`), reason: /container\.logs/ },
  { preset: 'homepage', what: 'exec', call: post(`/containers/web/exec`, { Cmd: ['sh'] }), reason: /homepage preset .* container\.exec\.create/ },
  { preset: 'homepage', what: 'stopping a container', call: post('/containers/web/stop'), reason: /container\.stop/ },
  { preset: 'dozzle', what: 'starting a container (--enable-actions)', call: post(`/v1.51/containers/${web.Id}/start`), reason: /dozzle preset .* container\.start/ },
  { preset: 'dozzle', what: 'a shell (--enable-shell)', call: post(`/v1.51/containers/${web.Id}/exec`, { Cmd: ['sh'], Tty: true }), reason: /container\.exec\.create/ },
  { preset: 'diun', what: 'starting a container', call: post(`/v1.51/containers/${web.Id}/start`), reason: /diun preset .* container\.start/ },
  { preset: 'diun', what: 'pulling an image', call: post('/v1.51/images/create?fromImage=busybox&tag=latest'), reason: /image\.create/ },
  { preset: 'autoheal', what: 'creating a container', call: post('/containers/create', { Image: 'busybox' }), reason: /autoheal preset .* container\.create/ },
  { preset: 'autoheal', what: 'killing a container', call: post(`/containers/${web.Id}/kill`), reason: /container\.kill/ },
  {
    preset: 'watchtower',
    what: 'recreating a privileged container',
    call: post('/v1.25/containers/create?name=privileged-app', recreateBody({ Privileged: true })),
    reason: /HostConfig\.Privileged/,
  },
  {
    preset: 'watchtower',
    what: 'recreating a container with a host bind',
    call: post('/v1.25/containers/create?name=data', recreateBody({ Binds: ['/srv/data:/data'] })),
    reason: /\/srv\/data/,
  },
  {
    preset: 'watchtower',
    what: 'a lifecycle-hook exec (off by default)',
    call: post(`/v1.25/containers/${web.Id}/exec`, { Cmd: ['sh', '-c', 'true'], Tty: true }),
    reason: /container\.exec\.create/,
  },
  { preset: 'portainer', what: 'joining a swarm', call: post('/v1.45/swarm/join', { ListenAddr: '0.0.0.0:2377', RemoteAddrs: ['10.0.0.1:2377'], JoinToken: 'x' }), reason: /swarm\.join/ },
  { preset: 'portainer', what: 'installing a plugin', call: post('/v1.45/plugins/pull?remote=vieux%2Fsshfs', []), reason: /plugin\.pull/ },
  { preset: 'portainer', what: 'a privileged container', call: post('/v1.45/containers/create', { Image: 'busybox', HostConfig: { Privileged: true } }), reason: /HostConfig\.Privileged/ },
  {
    preset: 'gitlab-runner',
    what: 'a privileged (dind) build container',
    call: post('/v1.51/containers/create?name=runner-dind', runnerBuildContainer({ Privileged: true })),
    reason: /HostConfig\.Privileged/,
  },
  {
    preset: 'gitlab-runner',
    what: "the engine's socket bound in",
    call: post('/v1.51/containers/create?name=runner-sock', runnerBuildContainer({ Binds: ['/var/run/docker.sock:/var/run/docker.sock'] })),
    reason: /docker\.sock/,
  },
  {
    preset: 'gitlab-runner',
    what: 'copying an archive in (never used)',
    call: { method: 'PUT', path: `/v1.51/containers/${web.Id}/archive?path=%2F`, body: tarArchive([]) },
    reason: /container\.archive\.put/,
  },
  { preset: 'gitlab-runner', what: 'a build (builds run inside the job)', call: post('/v1.51/build?t=x'), reason: /image\.build/ },
  {
    preset: 'github-actions-runner',
    what: 'a privileged container (container.options)',
    call: post('/v1.51/containers/create', { Image: 'node:20', HostConfig: { Privileged: true } }),
    reason: /HostConfig\.Privileged/,
  },
  {
    preset: 'github-actions-runner',
    what: "a job container with the runner's work directory and the engine's socket",
    call: post('/v1.51/containers/create?name=a1b2c3_node20_0a1b2c', actionsJobContainer(['/var/run/docker.sock:/var/run/docker.sock', '/home/runner/work:/__w'])),
    reason: /docker\.sock/,
  },
  { preset: 'github-actions-runner', what: 'copying an archive out (never used)', call: get(`/v1.51/containers/${web.Id}/archive?path=%2Fetc`), reason: /container\.archive\.get/ },
];

function ask(policy: Parameters<typeof judge>[0], call: Call) {
  return judge(
    policy,
    { method: call.method, path: call.path, identity: ALICE, ...(call.headers && { headers: call.headers }), ...(call.body !== undefined && { body: call.body }) },
    engine,
  );
}

describe('application presets', () => {
  test('every preset has its call sequence here', () => {
    assert.deepEqual(Object.keys(SEQUENCES).sort(), [...PRESET_NAMES].sort());
  });

  for (const name of PRESET_NAMES) {
    test(`${name}: its application's calls are allowed, and they use every operation the preset grants`, async () => {
      const policy = presetPolicy(name);
      const used = new Set<string>();
      for (const call of SEQUENCES[name]) {
        const result = await ask(policy, call);
        assert.equal(result.verdict, 'allow', `${call.method} ${call.path}: ${result.rule}: ${result.reason}`);
        assert.equal(result.rule, `preset.${name}`, `${call.method} ${call.path}`);
        used.add(result.operation!);
      }
      const granted = policy.rules[0]!.operations.patterns;
      // Every preset grants ping, which some applications never send.
      used.add('system.ping');
      // Portainer is a management UI: its preset is the API minus what it withholds, not a replayable list.
      if (name !== 'portainer') assert.deepEqual([...used].sort(), [...granted].sort(), `${name} grants operations its application does not use, or misses some`);
    });
  }

  for (const { preset, what, call, reason } of REFUSALS) {
    test(`${preset} refuses ${what}`, async () => {
      const result = await ask(presetPolicy(preset), call);
      assert.equal(result.verdict, 'deny', `${call.method} ${call.path}: ${result.reason}`);
      assert.equal(result.rule, `preset.${preset}`);
      assert.match(result.reason, reason);
      assert.match(result.message!, new RegExp(`denied by preset\\.${preset}`));
    });
  }

  test("a refused recreate tells the operator how watchtower's preset is widened", async () => {
    const result = await ask(presetPolicy('watchtower'), post('/v1.25/containers/create?name=privileged-app', recreateBody({ Privileged: true })));
    assert.equal(result.verdict, 'deny');
    assert.match(result.fix!, /recreates a container from its old configuration/);
    assert.match(result.fix!, /`preset: watchtower`/);
  });

  describe('widened by a policy file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-presets-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('a rule starting from preset: watchtower with allow-bind lets it recreate a container with a bind under that root', async () => {
      const widened = loadPolicy(`rules:\n  - name: watchtower\n    preset: watchtower\n    constraints:\n      allow-bind: [${JSON.stringify(dir)}]\n`);
      const call = post('/v1.25/containers/create?name=data', recreateBody({ Binds: [`${dir}:/data`] }));
      assert.equal((await ask(presetPolicy('watchtower'), call)).verdict, 'deny');
      const result = await ask(widened, call);
      assert.equal(result.verdict, 'allow', result.reason);
      assert.equal(result.rule, 'policy.watchtower');
      // Still the preset's operations: exec was never granted.
      const exec = await ask(widened, post(`/v1.25/containers/${web.Id}/exec`, { Cmd: ['true'] }));
      assert.equal(exec.verdict, 'deny');
      assert.match(exec.reason, /watchtower preset grants only/);
    });

    test("--preset with --allow-bind widens the runner's work directory, never the engine's socket", async () => {
      const policy = presetPolicy('github-actions-runner', { allowBind: [dir] });
      const work = await ask(policy, post('/v1.51/containers/create?name=job', actionsJobContainer([`${dir}:/__w`])));
      assert.equal(work.verdict, 'allow', work.reason);
      const socket = await ask(policy, post('/v1.51/containers/create?name=job', actionsJobContainer(['/var/run/docker.sock:/var/run/docker.sock', `${dir}:/__w`])));
      assert.equal(socket.verdict, 'deny');
      assert.match(socket.reason, /docker\.sock/);
    });
  });

  test('--allow-bind is refused for a preset that creates no container, and unknown presets are named with the known ones', () => {
    assert.throws(() => presetPolicy('traefik', { allowBind: ['/srv'] }), /the traefik preset grants no operation that mounts host paths/);
    assert.throws(() => presetPolicy('traefic'), /unknown preset \(known: traefik, portainer, watchtower, homepage, dozzle, diun, autoheal, gitlab-runner, github-actions-runner\)/);
  });

  test('a policy-file rule takes preset or profile, not both, and only known presets', () => {
    assert.throws(() => loadPolicy('rules:\n  - preset: traefik\n    profile: baseline\n'), /profile and preset go separately/);
    assert.throws(() => loadPolicy('rules:\n  - preset: nginx\n'), /expected one of: traefik, portainer/);
  });
});
