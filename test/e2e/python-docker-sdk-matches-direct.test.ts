// The Docker SDK for Python (Debian's python3-docker 5.0.3, a real client with its own spellings) gives the
// same results through the gateway (audit profile: everything allowed that dockgate can read) as on the
// engine's own socket, in every API family it offers: system, containers (many create options, the
// lifecycle, exec in every mode, attach, archives), images (build, tag, save/load, registry failures),
// volumes, networks and swarm (services in every mode, configs with templating, secrets, nodes, tasks).
//
// The workflows are Python, in test/fixtures/python-sdk/scenarios.py: each step's result (or its API error)
// is printed as JSON under the step's name; each scenario runs once on the engine's socket, once on the
// gateway's, and the two must be equal once engine-made ids are replaced. The SDK sends spellings that the
// engine reads and ignores as Go does (a `Container` field in an exec body, `{"Mode": {"replicated": ...}}`,
// `Templating: {"name": ...}`, `Runtime` at the root, `NetworkingConfig: {"<network>": null}`, `dockerfile=`
// twice in a build query): a gateway that refuses what the engine accepts fails here, and the failure names
// the steps that differ and the gateway's refusals from its audit trail.
//
// Debian's /usr/bin/python3 is used by its full path: another python3 may come first on PATH (pyenv), with
// another SDK or none.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useEngineBehindGateway, type EngineBehindGateway } from '../support/engine-behind-gateway.js';
import type { Endpoint } from '../support/endpoint.js';
import { refusalsSince } from '../support/gateway-refusals.js';
import { normaliseIds } from '../support/normalise.js';

const PYTHON = '/usr/bin/python3';
const SCENARIOS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'python-sdk', 'scenarios.py');
/** The longest scenario (swarm) takes ~10 s on 2 cores; more means something hangs. */
const SCENARIO_TIMEOUT_MS = 120_000;

type Steps = Record<string, unknown>;

/** Runs one scenario with DOCKER_HOST on `endpoint`; resolves with its steps, ids normalised. */
function runScenario(stack: EngineBehindGateway, scenario: string, endpoint: Endpoint): Promise<Steps> {
  const home = mkdtempSync(join(stack.engine.dir, 'py-'));
  const workDir = join(home, 'work');
  mkdirSync(workDir);
  // Nothing of the machine's: no ~/.docker/config.json, no PYTHONPATH, no other SDK.
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    DOCKER_CONFIG: home,
    DOCKER_HOST: endpoint.host,
    CLEANUP_HOST: stack.engine.endpoint.host,
    WORK_DIR: workDir,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
  };
  return new Promise((resolveRun, reject) => {
    const child = spawn(PYTHON, [SCENARIOS, scenario], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), SCENARIO_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${PYTHON} (is python3-docker installed? run scripts/install-test-deps.sh): ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const shown = `${PYTHON} scenarios.py ${scenario} on ${endpoint.name}: exit ${code ?? signal}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout.slice(0, 4000)}`;
      if (code !== 0) return reject(new Error(`${shown}\n(a missing module means: run scripts/install-test-deps.sh)`));
      try {
        resolveRun(JSON.parse(normaliseIds(stdout)) as Steps);
      } catch (error) {
        reject(new Error(`${shown}\n${String(error)}`));
      }
    });
  });
}

/** The steps whose results differ, each with both results, one line each. */
function differences(direct: Steps, viaGateway: Steps): string[] {
  const names = [...new Set([...Object.keys(direct), ...Object.keys(viaGateway)])];
  return names
    .filter((name) => JSON.stringify(direct[name]) !== JSON.stringify(viaGateway[name]))
    .map((name) => `  ${name}\n    direct:  ${JSON.stringify(direct[name])}\n    gateway: ${JSON.stringify(viaGateway[name])}`);
}

/** The steps that ended in an error, by name. */
function failedSteps(steps: Steps): string[] {
  return Object.entries(steps)
    .filter(([, result]) => typeof result === 'object' && result !== null && !Array.isArray(result) && Object.keys(result).join() === 'error')
    .map(([name]) => name);
}

describe('the Docker SDK for Python matches the direct socket through the gateway', { timeout: 10 * 60_000 }, () => {
  const stack = useEngineBehindGateway();

  /**
   * Runs the scenario directly, then through the gateway; fails with every step that differs and every
   * request the gateway refused meanwhile. Resolves with the direct run's steps, for the test's own checks.
   */
  async function sameDirectlyAndThroughGateway(scenario: string): Promise<Steps> {
    const started = stack();
    const { engine, gateway } = started;
    const direct = await runScenario(started, scenario, engine.endpoint);
    const auditFrom = statSync(gateway.auditLog).size;
    const viaGateway = await runScenario(started, scenario, gateway.unix);
    gateway.assertRunning();
    const refusals = refusalsSince(gateway.auditLog, auditFrom, `the ${scenario} scenario`);
    const differing = differences(direct, viaGateway);
    assert.ok(
      differing.length === 0 && refusals.length === 0,
      `${scenario}: ${differing.length} step(s) differ through the gateway\n${differing.join('\n')}\n` + `requests the gateway refused (${refusals.length}):\n${refusals.join('\n')}`,
    );
    return direct;
  }

  test('system: ping, version, info, df, plugins, a failed login and events filtered by type, label and until are the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('system');
    assert.deepEqual(failedSteps(steps), ['login to an unreachable registry']);
    assert.equal(steps['ping'], true);
    assert.deepEqual(steps['events of the labelled containers'], [
      ['container', 'create'],
      ['container', 'start'],
      ['container', 'die'],
      ['container', 'destroy'],
    ]);
    assert.deepEqual(steps['events filtered by event and type lists'], [
      ['container', 'create'],
      ['container', 'destroy'],
    ]);
    assert.deepEqual(steps['events of the labelled volume'], [
      ['volume', 'create', 'sdk-events-volume'],
      ['volume', 'destroy', 'sdk-events-volume'],
    ]);
  });

  test('containers created with many options (limits, ports, log config, tmpfs, ulimits, cap_drop, read-only, no-new-privileges, Runtime at the root and in HostConfig, endpoint aliases) are the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('container-options');
    assert.deepEqual(failedSteps(steps), []);
    assert.equal(steps['run with many options: output'], 'hello from 1000:1000 in /tmp on sdk-host\ntmpfs-writable\nrootfs-read-only\n1024\n');
    const inspected = steps['run with many options: inspect'] as Record<string, unknown>;
    assert.equal(inspected['HostConfig.Runtime'], 'runc');
    assert.deepEqual(inspected['HostConfig.SecurityOpt'], ['no-new-privileges']);
    assert.deepEqual(inspected['HostConfig.CapDrop'], ['NET_RAW', 'MKNOD']);
    assert.equal(inspected['HostConfig.NanoCpus'], 500_000_000);
    assert.deepEqual(steps['create_container with runtime and networking_config'], ['Id', 'Warnings']);
    assert.deepEqual((steps['create_container: inspect'] as Record<string, unknown>)['NetworkSettings.Networks.sdk-options-net.Aliases'], ['first-alias', 'second-alias']);
  });

  test('the container lifecycle (pause, top, diff, stats, update, rename, stop, restart, kill, wait, logs followed, attach, attach_socket, prune) is the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('container-lifecycle');
    assert.deepEqual(failedSteps(steps), []);
    assert.deepEqual(
      ['create', 'start', 'pause', 'unpause', 'restart'].map((name) => steps[name]),
      ['created', 'running', 'paused', 'running', 'running'],
    );
    assert.equal(steps['stop: the TERM trap exits 7'], 7);
    assert.deepEqual(steps['start, kill, wait'], { Error: null, StatusCode: 137 });
    assert.equal(steps['logs followed until the container exits'], 'line 1\nline 2\nline 3\nto-stderr\n');
    assert.deepEqual(steps['attach with stream and logs'], ['attached-err', 'attached-out']);
    assert.deepEqual(steps['attach_socket: stdin in, stdout and stderr out'], { stdout: 'through the attach socket\n', stderr: 'stdin-closed\n', exit: 0 });
  });

  test('exec in every mode (exec_run plain, tty, demux, stream, socket, detached; exec_create, exec_start, exec_inspect, exec_resize) is the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('container-exec');
    assert.deepEqual(failedSteps(steps), ['exec into a missing container']);
    assert.deepEqual(steps['exec_run: exit code and output'], [3, ['err', 'out']]);
    assert.deepEqual(steps['exec_run with tty'], [2, 'is-a-tty\r\n']);
    assert.deepEqual(steps['exec_run with demux'], [0, 'out\n', 'err\n']);
    assert.deepEqual(steps['exec_run with socket and stdin'], { stdout: 'through the exec socket\n', stderr: '' });
    assert.equal(steps['exec_start with tty and socket, exec_resize'], '33 99\r\n');
    assert.deepEqual(steps['exec_start detached, then exec_inspect'], [9, false]);
  });

  test('archives (put_archive, get_archive, export) and commit with changes are the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('container-archive');
    assert.deepEqual(failedSteps(steps), ['get_archive of a missing path', 'put_archive to a missing directory']);
    assert.deepEqual((steps['get_archive of a file'] as { files: unknown }).files, { 'put.txt': 'put by the sdk\n' });
    assert.deepEqual(steps['export holds the image and the put files'], ['bin/busybox', 'tmp/put.txt', 'tmp/sub/deeper.txt']);
    assert.equal((steps['commit with changes and conf'] as { run: unknown }).run, 'put by the sdk\n');
  });

  test('images: a build with the Dockerfile outside the context, labels and buildargs, tag, history, save and load, and registry failures are the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('images');
    assert.deepEqual(failedSteps(steps), [
      'pull from an unreachable registry',
      'search an unreachable registry',
      'distribution inspect of an unreachable registry',
      'remove a missing image',
    ]);
    assert.equal(steps['run the built image'], 'greeting=hi\ncopied from the context\n');
    assert.equal(steps['build whose RUN fails'], "BuildError: The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    assert.deepEqual(steps['save, remove, load'], ['sdk-built:v1']);
    assert.deepEqual(steps['push to an unreachable registry'], ['Get "http']);
  });

  test('volumes: create with labels and driver options, mount, list, remove and prune are the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('volumes');
    assert.deepEqual(failedSteps(steps), ['get a removed volume']);
    assert.equal(steps['write through one container, read through another (volumes and mounts)'], 'kept\n');
    assert.deepEqual(steps['prune by label'], ['sdk-volume']);
  });

  test('networks: internal bridge networks with IPAM, run on a network, connect with aliases and a fixed address, disconnect and prune are the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('networks');
    // With --bridge=none only host and null exist; bridge networks can be made, macvlan (no parent) and overlay (no swarm) cannot.
    assert.deepEqual(failedSteps(steps), [
      'a duplicate name with check_duplicate',
      'create a network with the null driver',
      'create a network with the host driver',
      'create a macvlan network without a parent',
      'create an overlay network outside a swarm',
      'remove a network in use',
    ]);
    assert.equal(steps['run a container on the network'], 'sdk-net-member');
    const connected = steps['connect with aliases and driver options'] as Record<string, unknown[]>;
    assert.deepEqual(connected['sdk-net-2.Aliases']?.slice(0, 2), ['alias-one', 'alias-two']);
    assert.deepEqual(connected['sdk-net-2.DriverOpts'], { x: 'y' });
    assert.deepEqual(steps['prune by label'], ['sdk-net', 'sdk-net-2']);
  });

  test('swarm: init, nodes, configs with golang templating, secrets, replicated, global and job services, updates with update and rollback order, tasks and leave are the same', async () => {
    const steps = await sameDirectlyAndThroughGateway('swarm');
    assert.deepEqual(failedSteps(steps), []);
    assert.deepEqual(steps['scale it to 2 with the model'], ['running', 'running']);
    assert.equal(steps['the templated config and secret inside the task'], 'service=sdk-replicated task=1\nthe secret\nsdk-replicated-1\n');
    assert.deepEqual(steps['create a global service'], { mode: { 'Spec.Mode': { Global: {} } }, tasks: ['running'] });
    assert.deepEqual(steps['create a replicated job'], { mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 2 } }, tasks: ['complete', 'complete'] });
    assert.deepEqual(steps['create a global job'], { mode: { GlobalJob: {} }, tasks: ['complete'] });
    const updated = steps['update the replicated service: env, replicas, update order'] as Record<string, unknown>;
    assert.deepEqual(updated['Spec.Mode'], { Replicated: { Replicas: 2 } });
    assert.equal(updated['Spec.UpdateConfig.Order'], 'stop-first');
    assert.equal((steps['update_service with a rollback_config (low level)'] as Record<string, unknown>)['Order'], 'start-first');
    assert.equal(steps['info after leaving'], 'inactive');
  });
});
