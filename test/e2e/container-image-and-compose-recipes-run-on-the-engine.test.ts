// Issue 16, acceptance 1 and 2: the container image and the compose recipes, on a real engine.
// - The image builds from the repository's Dockerfile (FROM stand-ins for the official Node images, made
//   from Debian and this machine's Node: no registry here), with --platform given explicitly; its addons
//   are compiled for the image's architecture; it is labelled, runs as uid 10001 with no capabilities, its
//   HEALTHCHECK (`dockgate health`) turns healthy, and the docker CLI works through its socket in a host
//   directory while a privileged run is refused.
// - deploy/compose/unix-sockets: one socket per application in its own volume, the listener naming the
//   application by its preset: the Traefik socket reads but cannot create, the Portainer socket runs
//   containers but not privileged ones.
// - deploy/compose/mutual-tls: `dockgate certs` run once by an init service, the client on an internal
//   network with DOCKER_HOST=tcp://dockgate:2376, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH; plain HTTP fails.
// - deploy/compose/socket-proxy-drop-in: the proxy's service name and variables, tcp://socket-proxy:2375 on
//   an internal network: CONTAINERS=1 reads pass, POST=0 and IMAGES=0 refuse naming the variable to set,
//   and with POST=1 containers are created but a privileged one is still refused.
// The recipes run unchanged; a test override only puts the private engine's socket in place of
// /var/run/docker.sock, shortens the health interval and replaces each application by the real docker CLI
// (the host's static binary, mounted into a container of the image) sending the application's calls.
// The image is built once and shared by all of them; the timings of each step are printed.

import assert from 'node:assert/strict';
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importBaseImageStandIns } from '../support/base-image-stand-in.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { compose, composeDown, type ComposeProject } from '../support/compose.js';
import { docker, dockerOk, type DockerResult } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { useTeardown } from '../support/teardown.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCKERFILE = join(REPO, 'Dockerfile');
/** The name the recipes use (`image: dockgate`): built under it, they run unchanged. */
const IMAGE = 'dockgate';
const PLATFORM = 'linux/amd64';
/** The image's user, as the Dockerfile creates it. */
const IMAGE_UID = 10001;
/** The engine socket's group, as a distribution's `docker` group: the container reaches the socket through it. */
const ENGINE_SOCKET_GID = 2375;
/** The host's docker CLI: a static binary, so it runs in any container as the applications' client. */
const DOCKER_CLI = '/usr/local/bin/docker';
const BUILD_TIMEOUT_MS = 900_000;

function step(name: string, started: number): void {
  console.log(`# ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** What the container's processes run as, from /proc on the host: uid and effective capabilities. */
function processCredentials(pid: number): { uid: string; capEff: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { uid: /^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '', capEff: /^CapEff:\s+(\S+)$/m.exec(status)?.[1] ?? '' };
}

async function inspect(endpoint: Endpoint, format: string, name: string): Promise<string> {
  return (await dockerOk(['inspect', '--format', format, name], endpoint)).trim();
}

/** Polls the container's health until `healthy` (the interval is short in the tests); fails on `unhealthy`. */
async function becomesHealthy(endpoint: Endpoint, container: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await inspect(endpoint, '{{.State.Health.Status}}', container);
    if (status === 'healthy') return;
    if (status === 'unhealthy' || Date.now() > deadline) {
      assert.fail(`${container} is ${status}: ${await inspect(endpoint, '{{json .State.Health}}', container)}\n${(await docker(['logs', container], endpoint)).stderr}`);
    }
    await new Promise((wait) => setTimeout(wait, 250));
  }
}

/** The ELF machine of a file (e_machine, little-endian at offset 18): what the addons were compiled for. */
const ELF_MACHINES: Record<number, string> = { 0x3e: 'amd64', 0xb7: 'arm64' };

/** Refused by the gateway: the CLI exits non-zero with the gateway's Docker-style message naming the rule. */
function assertRefused(result: DockerResult, rule: string, why: RegExp): void {
  assert.notEqual(result.code, 0, `expected a refusal, got: ${result.stdout}`);
  assert.ok(result.stderr.includes(`dockgate: container.create (POST /containers/create) denied by ${rule}: `), result.stderr);
  assert.match(result.stderr, why);
}

const PRIVILEGED = /HostConfig\.Privileged: runs the container privileged/;

describe('the container image and the compose recipes on a real engine', () => {
  const teardown = useTeardown();
  let engine: Engine;
  let imageSize = 0;

  before(
    async () => {
      let started = Date.now();
      engine = await startEngine({ socketGroup: ENGINE_SOCKET_GID });
      teardown.add(() => engine.stop());
      step('engine', started);

      started = Date.now();
      for (const s of await importBaseImageStandIns(engine.endpoint, DOCKERFILE)) {
        console.log(`# stand-in ${s.image}: root filesystem ${s.cached ? 'from the cache' : 'made'} in ${(s.rootfsMs / 1000).toFixed(1)} s, import ${(s.importMs / 1000).toFixed(1)} s`);
      }
      step('base image stand-ins', started);

      // The classic builder (no buildx here); --network host only because the private engine has no
      // bridge and npm ci must reach the registry: the Dockerfile itself asks for nothing of the kind.
      started = Date.now();
      await dockerOk(['build', '--network', 'host', '--platform', PLATFORM, '--build-arg', 'REVISION=test', '-t', IMAGE, REPO], {
        ...engine.endpoint,
        timeoutMs: BUILD_TIMEOUT_MS,
      });
      step('docker build', started);
      imageSize = Number(await inspect(engine.endpoint, '{{.Size}}', IMAGE));
      const baseSize = Number(await inspect(engine.endpoint, '{{.Size}}', 'node:20-bookworm-slim'));
      console.log(`# image size: ${(imageSize / 1e6).toFixed(1)} MB (its base, the node:20-bookworm-slim stand-in: ${(baseSize / 1e6).toFixed(1)} MB)`);
    },
    { timeout: BUILD_TIMEOUT_MS + 600_000 },
  );

  test('the image is for the platform asked, its addons compiled for it, labelled, non-root by default, with a HEALTHCHECK through dockgate health', async () => {
    const config = JSON.parse(await inspect(engine.endpoint, '{{json .}}', IMAGE)) as {
      Architecture: string;
      Os: string;
      Config: { User: string; Labels: Record<string, string>; Healthcheck?: { Test: string[] }; Entrypoint: string[] };
    };
    assert.equal(`${config.Os}/${config.Architecture}`, PLATFORM);
    assert.equal(config.Config.User, `${IMAGE_UID}:${IMAGE_UID}`);
    assert.deepEqual(config.Config.Healthcheck?.Test, ['CMD', 'dockgate', 'health', '--admin', 'unix:///run/dockgate-admin/admin.sock']);
    assert.equal(config.Config.Labels['org.opencontainers.image.title'], 'dockgate');
    assert.equal(config.Config.Labels['org.opencontainers.image.licenses'], 'Apache-2.0');
    assert.equal(config.Config.Labels['org.opencontainers.image.revision'], 'test');
    assert.ok(imageSize > 0 && imageSize < 400e6, `image size ${imageSize}`);

    // The ELF header of each addon, read by the image's own Node: compiled in the build stage for the target.
    const machines = await dockerOk(
      [
        'run',
        '--rm',
        '--network',
        'none',
        '--entrypoint',
        'node',
        IMAGE,
        '-e',
        "const fs=require('fs');for(const f of fs.readdirSync('/app/build/Release'))console.log(f,fs.readFileSync('/app/build/Release/'+f).readUInt16LE(18),process.arch)",
      ],
      engine.endpoint,
    );
    const lines = machines.trim().split('\n').sort();
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      ['peer_credentials.node', 'process_hardening.node'],
    );
    for (const line of lines) {
      const [, machine, arch] = line.split(' ');
      assert.equal(ELF_MACHINES[Number(machine)], PLATFORM.split('/')[1], line);
      assert.equal(arch === 'x64' ? 'amd64' : arch, PLATFORM.split('/')[1], line);
    }
  });

  test('run with the engine socket through its group: uid 10001 without capabilities, healthy, serving the docker CLI and refusing a privileged run', async () => {
    const sockets = teardown.tempDir('/tmp/dgi-', 0o755);
    chownSync(sockets, IMAGE_UID, IMAGE_UID);
    const name = 'dockgate-image-test';
    const started = Date.now();
    await dockerOk(
      [
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'none',
        '--group-add',
        String(ENGINE_SOCKET_GID),
        '--health-interval',
        '500ms',
        '-v',
        `${engine.socketPath}:/var/run/docker.sock`,
        '-v',
        `${sockets}:/run/dockgate`,
        IMAGE,
      ],
      engine.endpoint,
    );
    teardown.add(() => docker(['rm', '-f', name], engine.endpoint));
    await becomesHealthy(engine.endpoint, name);
    step('docker run until healthy', started);

    const pid = Number(await inspect(engine.endpoint, '{{.State.Pid}}', name));
    assert.deepEqual(processCredentials(pid), { uid: `${IMAGE_UID}\t${IMAGE_UID}\t${IMAGE_UID}\t${IMAGE_UID}`, capEff: '0000000000000000' });
    // Every process in it (the health probes run as the image's user as well).
    const top = await dockerOk(['top', name, '-o', 'uid,pid,args'], engine.endpoint);
    for (const row of top.trim().split('\n').slice(1)) assert.match(row, new RegExp(`^\\s*${IMAGE_UID}\\s`), top);

    const through: Endpoint = { name: 'containerised dockgate', host: `unix://${sockets}/dockgate.sock` };
    assert.match(await dockerOk(['version', '--format', '{{.Server.Version}}'], through), /^\d+\.\d+/);
    assert.equal((await dockerOk(['run', '--rm', '--network', 'none', BUSYBOX_IMAGE, 'echo', 'through the image'], through)).trim(), 'through the image');
    assertRefused(await docker(['run', '--rm', '--network', 'none', '--privileged', BUSYBOX_IMAGE, 'true'], through), 'profile.baseline', PRIVILEGED);
  });

  /** A recipe with the test's override: the private engine's socket, a short health interval, clients instead of the applications. */
  function recipe(dir: string, clients: readonly string[], extra: Record<string, unknown> = {}, gateway = 'dockgate'): ComposeProject {
    const override = join(teardown.tempDir('/tmp/dgc-'), 'test-override.yml');
    const client = { image: IMAGE, entrypoint: ['sleep'], command: ['infinity'], volumes: [`${DOCKER_CLI}:/usr/local/bin/docker:ro`], environment: { DOCKER_CONFIG: '/tmp/docker-cli' } };
    const services: Record<string, unknown> = {
      [gateway]: { healthcheck: { interval: '500ms' }, volumes: [`${engine.socketPath}:/var/run/docker.sock`] },
      ...Object.fromEntries(clients.map((name) => [name, { ...client, ...extra }])),
    };
    writeFileSync(override, JSON.stringify({ services })); // JSON is YAML
    const project = {
      name: `dgt${dir.replace(/[^a-z]/g, '')}`,
      files: [join(REPO, 'deploy', 'compose', dir, 'docker-compose.yml'), override],
      env: { DOCKER_SOCKET_GID: String(ENGINE_SOCKET_GID) },
    };
    teardown.add(() => composeDown(engine.endpoint, project));
    return project;
  }

  /** A function that runs the docker CLI in a client service's container, with the environment the recipe gave the application. */
  async function client(project: ComposeProject, service: string): Promise<(args: readonly string[], env?: readonly string[]) => Promise<DockerResult>> {
    const container = (await compose(engine.endpoint, project, ['ps', '-q', service])).trim();
    return (args, env = []) => docker(['exec', ...env.flatMap((e) => ['-e', e]), container, 'docker', ...args], engine.endpoint);
  }

  test('deploy/compose/unix-sockets: each application on its own socket, the listener naming it', async () => {
    // The clients need no network: they reach the gateway through their socket volume only.
    const project = recipe('unix-sockets', ['traefik', 'portainer'], {
      network_mode: 'none',
      environment: { DOCKER_CONFIG: '/tmp/docker-cli', DOCKER_HOST: 'unix:///run/dockgate/docker.sock' },
    });
    const started = Date.now();
    await compose(engine.endpoint, project, ['up', '-d']);
    step('unix-sockets: compose up (dockgate healthy, clients started)', started);

    const traefik = await client(project, 'traefik');
    const portainer = await client(project, 'portainer');
    // Traefik's Docker provider: version, every container, each container's details, container events.
    const ids = (await traefik(['ps', '-a', '--no-trunc', '--format', '{{.ID}}'])).stdout.trim().split('\n');
    assert.ok(ids.length >= 3, `containers listed: ${ids.join(', ')}`);
    for (const args of [['version'], ['inspect', ...ids], ['events', '--filter', 'type=container', '--since', '1', '--until', String(Math.floor(Date.now() / 1000))]]) {
      const result = await traefik(args);
      assert.equal(result.code, 0, `traefik: docker ${args.join(' ')}: ${result.stderr}`);
    }
    assertRefused(await traefik(['run', '--rm', '--network', 'none', BUSYBOX_IMAGE, 'true']), 'preset.traefik', /the traefik preset grants only the Engine API calls Traefik makes/);

    // Portainer's socket: its preset grants running containers, judged under baseline: privileged ones are refused.
    const run = await portainer(['run', '--rm', '--network', 'none', BUSYBOX_IMAGE, 'echo', 'portainer ran this']);
    assert.equal(run.stdout.trim(), 'portainer ran this', run.stderr);
    assertRefused(await portainer(['run', '--rm', '--network', 'none', '--privileged', BUSYBOX_IMAGE, 'true']), 'preset.portainer', PRIVILEGED);
  });

  test('deploy/compose/mutual-tls: certificates made once by an init service, the client on an internal network with DOCKER_TLS_VERIFY', async () => {
    const project = recipe('mutual-tls', ['watchtower']);
    const started = Date.now();
    await compose(engine.endpoint, project, ['up', '-d']);
    step('mutual-tls: compose up (certs issued, dockgate healthy, client started)', started);

    const watchtower = await client(project, 'watchtower');
    const version = await watchtower(['version', '--format', '{{.Server.Version}}']);
    assert.match(version.stdout, /^\d+\.\d+/, version.stderr);
    const run = await watchtower(['run', '--rm', '--network', 'none', BUSYBOX_IMAGE, 'echo', 'over mutual TLS']);
    assert.equal(run.stdout.trim(), 'over mutual TLS', run.stderr);
    assertRefused(await watchtower(['run', '--rm', '--network', 'none', '--privileged', BUSYBOX_IMAGE, 'true']), 'profile.baseline', PRIVILEGED);
    // Without its certificate the same client gets nowhere.
    const plain = await watchtower(['version'], ['DOCKER_TLS_VERIFY=', 'DOCKER_CERT_PATH=']);
    assert.notEqual(plain.code, 0, plain.stdout);

    // A second `up` leaves the CA alone (the init service does nothing when it exists), so issued certificates stay valid.
    await compose(engine.endpoint, project, ['up', '-d']);
    assert.equal((await watchtower(['version', '--format', '{{.Server.Version}}'])).code, 0);
  });

  test('deploy/compose/socket-proxy-drop-in: the service name and variables of the proxy, its port on an internal network, bodies still judged', async () => {
    const project = recipe('socket-proxy-drop-in', ['traefik'], {}, 'socket-proxy');
    const started = Date.now();
    await compose(engine.endpoint, project, ['up', '-d']);
    step('socket-proxy-drop-in: compose up (socket-proxy healthy, client started)', started);

    const traefik = await client(project, 'traefik');
    const tcp = ['DOCKER_HOST=tcp://socket-proxy:2375'];
    // Traefik's calls, as CONTAINERS=1 (and the proxy's default PING, VERSION, EVENTS) grant them.
    const ids = (await traefik(['ps', '-a', '--no-trunc', '--format', '{{.ID}}'], tcp)).stdout.trim().split('\n');
    assert.ok(ids.length >= 2, `containers listed: ${ids.join(', ')}`);
    for (const args of [
      ['version'],
      ['inspect', '--type', 'container', ...ids],
      ['events', '--filter', 'type=container', '--since', '1', '--until', String(Math.floor(Date.now() / 1000))],
    ]) {
      const result = await traefik(args, tcp);
      assert.equal(result.code, 0, `traefik: docker ${args.join(' ')}: ${result.stderr}`);
    }
    // POST=0: no container is created; IMAGES is off: no image list. Each refusal names the variable to set.
    assertRefused(await traefik(['run', '--rm', '--network', 'none', BUSYBOX_IMAGE, 'true'], tcp), 'compat.docker-socket-proxy', /Set POST=1/);
    const images = await traefik(['images'], tcp);
    assert.notEqual(images.code, 0, images.stdout);
    assert.match(images.stderr, /denied by compat\.docker-socket-proxy: .*Set IMAGES=1/);

    // With POST=1 as well (the proxy would now create anything), containers run, and bodies are still judged.
    const withPost = join(teardown.tempDir('/tmp/dgc-'), 'post.yml');
    writeFileSync(withPost, JSON.stringify({ services: { 'socket-proxy': { environment: { POST: '1' } } } }));
    const posting = { ...project, files: [...project.files, withPost] };
    await compose(engine.endpoint, posting, ['up', '-d']);
    const traefikWithPost = await client(posting, 'traefik');
    const run = await traefikWithPost(['run', '--rm', '--network', 'none', BUSYBOX_IMAGE, 'echo', 'created through the drop-in'], tcp);
    assert.equal(run.stdout.trim(), 'created through the drop-in', run.stderr);
    assertRefused(await traefikWithPost(['run', '--rm', '--network', 'none', '--privileged', BUSYBOX_IMAGE, 'true'], tcp), 'compat.docker-socket-proxy', PRIVILEGED);
  });
});
