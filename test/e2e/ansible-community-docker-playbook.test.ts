// Ansible's community.docker collection (Debian's ansible 7: community.docker 3.x, whose modules speak to the
// engine through the collection's own vendored API client, not python3-docker) runs the same playbook with
// the same results through the gateway (audit profile) as on the engine's own socket: a network, a volume
// and a container made (and made again, unchanged), exec with and without stdin, content and a file copied
// into the container and read back, host, container, network and volume info, then everything taken down.
//
// The playbook is test/fixtures/ansible/docker-workflow.yml, run with `ansible-playbook` against localhost
// over the local connection, `-e docker_host=unix://...` naming the endpoint; the json stdout callback gives
// every task's registered result. Failed tasks do not end the play (ignore_errors), so one run shows every
// task that differs; the failure names them with the gateway's refusals from its audit trail.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { docker } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import type { Engine } from '../support/engine.js';
import { useEngineBehindGateway, type EngineBehindGateway } from '../support/engine-behind-gateway.js';
import { refusalsSince } from '../support/gateway-refusals.js';
import { normaliseIds } from '../support/normalise.js';

const ANSIBLE_PLAYBOOK = '/usr/bin/ansible-playbook';
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ansible');
const PLAYBOOK = join(FIXTURES, 'docker-workflow.yml');
/** A run takes ~20 s on an idle 2-core machine (about 1 s per task, mostly Ansible's own start of each module). */
const PLAYBOOK_TIMEOUT_MS = 150_000;

/** What one task registered, as Ansible's json callback reports it. */
type TaskResult = Record<string, unknown>;

interface PlaybookRun {
  /** Task name to the parts of its result that are the same on every run, ids normalised. */
  tasks: Record<string, Record<string, unknown>>;
  stats: unknown;
}

function field(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

function pick(value: unknown, paths: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(paths.map((path) => [path, field(value, path)]));
}

function names(list: unknown, key: string): unknown[] {
  return Array.isArray(list) ? list.map((item) => field(item, key)).sort() : [];
}

/** The parts of a task's result that do not change between runs: flags, exec output, and a few inspected values. */
function summarise(name: string, result: TaskResult): Record<string, unknown> {
  const summary: Record<string, unknown> = { changed: result['changed'], failed: result['failed'] ?? false };
  for (const key of ['rc', 'stdout', 'stderr', 'exists']) if (key in result) summary[key] = result[key];
  if ('msg' in result) summary['msg'] = result['msg'];
  if (name.startsWith('start container')) summary['container'] = pick(result['container'], ['Name', 'State.Running', 'Config.Labels', 'Config.WorkingDir']);
  if (name === 'host info') {
    summary['containers'] = names(result['containers'], 'Names');
    summary['volumes'] = names(result['volumes'], 'Name');
    summary['networks'] = names(result['networks'], 'Name');
  }
  if (name.startsWith('container info')) {
    summary['container'] = pick(result['container'], [
      'Name',
      'State.Status',
      'State.ExitCode',
      'Config.Env',
      'Config.Cmd',
      'Config.WorkingDir',
      'HostConfig.Memory',
      'HostConfig.CapDrop',
      'HostConfig.SecurityOpt',
      'HostConfig.Tmpfs',
      'HostConfig.NetworkMode',
      'HostConfig.Binds',
    ]);
    const aliases = field(result['container'], 'NetworkSettings.Networks.ansible-net.Aliases');
    summary['aliases'] = Array.isArray(aliases) ? aliases.filter((alias) => alias === 'box-alias') : aliases;
  }
  if (name === 'network info') summary['network'] = pick(result['network'], ['Name', 'Driver', 'Internal', 'Labels']);
  if (name === 'volume info') summary['volume'] = pick(result['volume'], ['Name', 'Driver', 'Labels']);
  return summary;
}

/** Runs the playbook against `endpoint`; resolves with every task's summary. */
function runPlaybook(stack: EngineBehindGateway, endpoint: Endpoint): Promise<PlaybookRun> {
  const home = mkdtempSync(join(stack.engine.dir, 'ansible-'));
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    ANSIBLE_LOCAL_TEMP: join(home, 'tmp'),
    ANSIBLE_STDOUT_CALLBACK: 'json',
    ANSIBLE_LOCALHOST_WARNING: 'false',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_NOCOLOR: '1',
    // Debian's python3, which has what the collection needs; no interpreter discovery.
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_PIPELINING: 'true',
  };
  const args = ['-i', 'localhost,', '-e', `docker_host=${endpoint.host}`, PLAYBOOK];
  return new Promise((resolveRun, reject) => {
    // cwd: a directory of its own, so that no ansible.cfg lying about is read.
    const child = spawn(ANSIBLE_PLAYBOOK, args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), PLAYBOOK_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${ANSIBLE_PLAYBOOK} (is ansible installed? run scripts/install-test-deps.sh): ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const shown = `ansible-playbook on ${endpoint.name}: exit ${code ?? signal}\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout.slice(0, 4000)}`;
      // Every task ignores errors: a non-zero exit is a broken playbook or Ansible itself.
      if (code !== 0) return reject(new Error(shown));
      try {
        const report = JSON.parse(stdout) as { plays: { tasks: { task: { name: string }; hosts: { localhost: TaskResult } }[] }[]; stats: unknown };
        const tasks: PlaybookRun['tasks'] = {};
        for (const { task, hosts } of report.plays[0]?.tasks ?? []) tasks[task.name] = summarise(task.name, hosts.localhost);
        resolveRun(JSON.parse(normaliseIds(JSON.stringify({ tasks, stats: report.stats }))) as PlaybookRun);
      } catch (error) {
        reject(new Error(`${shown}\n${String(error)}`));
      }
    });
  });
}

/** Takes down, through the engine's own socket, whatever a run left (the playbook's last tasks may have been refused). */
async function removeLeftovers(engine: Engine): Promise<void> {
  await docker(['rm', '--force', 'ansible-box'], engine.endpoint);
  await docker(['network', 'rm', 'ansible-net'], engine.endpoint);
  await docker(['volume', 'rm', '--force', 'ansible-volume'], engine.endpoint);
}

describe('an Ansible community.docker playbook matches the direct socket through the gateway', { timeout: 6 * 60_000 }, () => {
  const stack = useEngineBehindGateway();
  let directRun: Promise<PlaybookRun> | undefined;
  /** The reference run on the engine's own socket, made once for both tests. */
  const direct = (): Promise<PlaybookRun> => {
    directRun ??= runPlaybook(stack(), stack().engine.endpoint).finally(() => removeLeftovers(stack().engine));
    return directRun;
  };

  test('directly, the playbook makes, uses and removes a network, a volume and a container with the expected results', async () => {
    const { tasks, stats } = await direct();
    const changed = Object.fromEntries(Object.entries(tasks).map(([name, task]) => [name, task['changed']]));
    assert.deepEqual(changed, {
      'create network': true,
      'create network again': false,
      'create volume': true,
      'create volume again': false,
      'start container': true,
      'start container again': false,
      exec: true,
      'exec with argv, stdin, env, chdir and user': true,
      'exec that fails': true,
      'copy content into container': true,
      'copy content into container again': false,
      'copy a local file into container': true,
      'read copied files back': true,
      'host info': false,
      'container info': false,
      'network info': false,
      'volume info': false,
      'stop container': true,
      'container info after stop': false,
      'remove container': true,
      'remove container again': false,
      'remove network': true,
      'remove volume': true,
      'container info after removal': false,
    });
    assert.deepEqual(
      Object.entries(tasks)
        .filter(([, task]) => task['failed'] !== false)
        .map(([name]) => name),
      [],
    );
    assert.deepEqual(pick(tasks['exec'], ['rc', 'stdout', 'stderr']), { rc: 0, stdout: 'hello from /data', stderr: 'to-stderr' });
    assert.equal(tasks['exec with argv, stdin, env, chdir and user']?.['stdout'], 'got through stdin as 1234 in /tmp with extra-value');
    assert.equal(tasks['exec that fails']?.['rc'], 3);
    // The content, the local file, and the mode and owner the copy gave (0640 as 416, owner 1234).
    assert.equal(tasks['read copied files back']?.['stdout'], 'copied by ansible\nsecond line\na local file, copied in\n640 1234:1234');
    assert.deepEqual(pick(tasks['host info'], ['containers', 'volumes', 'networks']), { containers: [['/ansible-box']], volumes: ['ansible-volume'], networks: ['ansible-net'] });
    assert.deepEqual(tasks['container info']?.['aliases'], ['box-alias']);
    const running = tasks['container info']?.['container'] as Record<string, unknown>;
    assert.deepEqual(Object.fromEntries(['State.Status', 'HostConfig.Memory', 'HostConfig.CapDrop', 'HostConfig.SecurityOpt'].map((key) => [key, running[key]])), {
      'State.Status': 'running',
      'HostConfig.Memory': 64 * 1024 * 1024,
      'HostConfig.CapDrop': ['NET_RAW'],
      'HostConfig.SecurityOpt': ['no-new-privileges'],
    });
    const stopped = tasks['container info after stop']?.['container'] as Record<string, unknown>;
    assert.deepEqual([stopped['State.Status'], stopped['State.ExitCode']], ['exited', 0]);
    assert.equal(tasks['container info after removal']?.['exists'], false);
    assert.deepEqual(field(stats, 'localhost.failures'), 0);
  });

  test('through the gateway, every task registers the same result as directly', async () => {
    const reference = await direct();
    const { gateway, engine } = stack();
    const auditFrom = statSync(gateway.auditLog).size;
    let viaGateway: PlaybookRun;
    try {
      viaGateway = await runPlaybook(stack(), gateway.unix);
    } finally {
      await removeLeftovers(engine);
    }
    gateway.assertRunning();
    const refusals = refusalsSince(gateway.auditLog, auditFrom, 'the playbook');
    const taskNames = [...new Set([...Object.keys(reference.tasks), ...Object.keys(viaGateway.tasks)])];
    const differing = taskNames
      .filter((name) => JSON.stringify(reference.tasks[name]) !== JSON.stringify(viaGateway.tasks[name]))
      .map((name) => `  ${name}\n    direct:  ${JSON.stringify(reference.tasks[name])}\n    gateway: ${JSON.stringify(viaGateway.tasks[name])}`);
    assert.ok(
      differing.length === 0 && refusals.length === 0,
      `${differing.length} task(s) differ through the gateway\n${differing.join('\n')}\nrequests the gateway refused (${refusals.length}):\n${refusals.join('\n')}`,
    );
    assert.deepEqual(viaGateway.stats, reference.stats);
  });
});
