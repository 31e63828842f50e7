// Acceptance 1 of issue 18: a workload of the real docker CLI, Debian's docker-compose (v1.29) and an SDK
// (dockerode) runs through a gateway under --profile audit with an audit log; `dockgate policy learn` writes a
// policy from that log (the same bytes on a second run, and `policy check` accepts it); a gateway restarted
// with that policy lets the same workload through, every request of it, and refuses requests outside it:
// a privileged container, a bind of another directory, a write to a directory only read, a capability, a
// sysctl, a host port and a host namespace the workload never asked for, and an operation it never used.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { readAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { compose, composeDown, type ComposeProject } from '../support/compose.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';

const BIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'bin', 'dockgate.js');

/** `dockgate policy ...` as shipped; its exit code and output. */
function dockgatePolicy(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [BIN, 'policy', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface Dirs {
  data: string;
  config: string;
  other: string;
}

/** The docker CLI's part: run with a written and a read directory, create with a capability, a sysctl, a limit and a port, exec, volumes. */
async function cliWorkload(endpoint: Endpoint, dirs: Dirs): Promise<void> {
  const out = await dockerOk(
    ['run', '--rm', '-v', `${dirs.data}:/data`, '-v', `${dirs.config}:/config:ro`, BUSYBOX_IMAGE, 'sh', '-c', 'cat /config/app.conf > /data/copy; cat /data/copy'],
    endpoint,
  );
  assert.equal(out, 'setting=1\n');
  await dockerOk(
    ['create', '--name', 'learn-tuned', '--cap-add', 'NET_ADMIN', '--sysctl', 'net.core.somaxconn=1024', '--memory', '64m', '-p', '127.0.0.1:18080:80', BUSYBOX_IMAGE, 'true'],
    endpoint,
  );
  await dockerOk(['rm', 'learn-tuned'], endpoint);
  await dockerOk(['run', '-d', '--name', 'learn-sleeper', BUSYBOX_IMAGE, 'sleep', '60'], endpoint);
  assert.equal(await dockerOk(['exec', 'learn-sleeper', 'echo', 'inside'], endpoint), 'inside\n');
  await dockerOk(['rm', '-f', 'learn-sleeper'], endpoint);
  await dockerOk(['volume', 'create', 'learn-volume'], endpoint);
  await dockerOk(['volume', 'rm', 'learn-volume'], endpoint);
  await dockerOk(['ps', '-a'], endpoint);
  await dockerOk(['images'], endpoint);
}

/** Compose's part: a service reading the config directory, up, listed and down (a network created and removed). */
async function composeWorkload(endpoint: Endpoint, project: ComposeProject): Promise<void> {
  await compose(endpoint, project, ['up', '-d']);
  assert.match(await compose(endpoint, project, ['ps']), /learncompose_reader_1/);
  await composeDown(endpoint, project);
}

/** The SDK's part: a container with a read-only bind as a Mount, started, waited for, its logs read, removed. */
async function sdkWorkload(endpoint: Endpoint, dirs: Dirs): Promise<void> {
  const sdk = new Docker({ socketPath: endpoint.host.replace(/^unix:\/\//, '') });
  const container = await sdk.createContainer({
    Image: BUSYBOX_IMAGE,
    Cmd: ['cat', '/config/app.conf'],
    HostConfig: { Mounts: [{ Type: 'bind', Source: dirs.config, Target: '/config', ReadOnly: true }] },
  });
  await container.start();
  await container.wait();
  const logs = await container.logs({ stdout: true });
  assert.match(logs.toString('latin1'), /setting=1/);
  await container.remove();
  assert.ok((await sdk.listContainers({ all: true })).every((c) => c.Id !== container.id));
}

async function workload(endpoint: Endpoint, dirs: Dirs, project: ComposeProject): Promise<void> {
  await cliWorkload(endpoint, dirs);
  await composeWorkload(endpoint, project);
  await sdkWorkload(endpoint, dirs);
}

describe('policy learn: learned from an audit log, it allows the workload and refuses the rest', { timeout: 8 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let dir: string;
  let dirs: Dirs;
  let project: ComposeProject;
  let learnedFile: string;
  let learned: Gateway;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    dir = teardown.tempDir('/tmp/dockgate-learn-');
    dirs = { data: join(dir, 'data'), config: join(dir, 'config'), other: join(dir, 'other') };
    for (const d of Object.values(dirs)) mkdirSync(d);
    writeFileSync(join(dirs.config, 'app.conf'), 'setting=1\n');
    const composeFile = join(dir, 'docker-compose.yml');
    writeFileSync(
      composeFile,
      ["version: '3.7'", 'services:', '  reader:', `    image: ${BUSYBOX_IMAGE}`, '    command: sleep 60', '    volumes:', `      - ${dirs.config}:/config:ro`, ''].join('\n'),
    );
    project = { name: 'learncompose', files: [composeFile], env: {} };
  });

  test('the workload under --profile audit, then learned twice: the same bytes, and policy check accepts them', async () => {
    const auditGateway = await startGateway({ upstream: engine.socketPath, listen: [`unix://${join(dir, 'audit.sock')}`], auditLog: join(dir, 'audit.jsonl'), profile: 'audit' });
    teardown.add(() => auditGateway.stop());
    await workload(auditGateway.unix!, dirs, project);
    await auditGateway.stopRunning();
    const trail = readAuditTrail(join(dir, 'audit.jsonl'));
    assert.equal(trail.badLines.length, 0);
    const creates = trail.records.filter((r) => r.phase === 'done' && r.operation === 'container.create');
    assert.ok(creates.length >= 5, `the workload's creates are recorded: ${creates.length}`);
    // The facts learning needs are in the records, and no body with them: no environment, no command.
    const tuned = creates.find((r) => JSON.stringify(r).includes('NET_ADMIN'));
    assert.ok(tuned, 'the create with --cap-add is recorded with its needs');
    assert.doesNotMatch(readFileSync(join(dir, 'audit.jsonl'), 'utf8'), /somaxconn=1024|"Cmd"|"Env"|cat \/config/);

    learnedFile = join(dir, 'learned.yaml');
    const first = dockgatePolicy(['learn', '--audit-log', join(dir, 'audit.jsonl'), '--out', learnedFile]);
    assert.equal(first.code, 0, first.stderr);
    const second = dockgatePolicy(['learn', '--audit-log', join(dir, 'audit.jsonl')]);
    assert.equal(second.code, 0, second.stderr);
    const text = readFileSync(learnedFile, 'utf8');
    assert.equal(second.stdout, text, 'two runs of policy learn on the same log write the same bytes');
    assert.match(text, /^# Learned by dockgate policy learn from .*audit\.jsonl/);
    assert.match(text, /recorded \d{4}-\d\d-\d\dT[\d:.]+Z to \d{4}-\d\d-\d\dT[\d:.]+Z/);
    assert.match(text, new RegExp(`- ${dirs.config}:ro\\n`), text);
    assert.match(text, new RegExp(`- ${dirs.data}\\n`), text);
    assert.doesNotMatch(text, new RegExp(dirs.other));
    const check = dockgatePolicy(['check', learnedFile]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /1 rule/);
  });

  test('a gateway with the learned policy lets the same workload through, every request of it', async () => {
    learned = await startGateway({ upstream: engine.socketPath, listen: [`unix://${join(dir, 'learned.sock')}`], auditLog: join(dir, 'learned.jsonl'), args: ['--policy', learnedFile] });
    teardown.add(() => learned.stopRunning());
    await workload(learned.unix!, dirs, project);
    const refused = readAuditTrail(join(dir, 'learned.jsonl')).records.filter((r) => r.phase === 'done' && r.decision !== 'allow');
    assert.deepEqual(
      refused.map((r) => `${r.operation} ${r.reason}`),
      [],
    );
  });

  test('requests outside the workload are refused by the learned rule', async () => {
    const endpoint = learned.unix!;
    const outside: Array<[what: string, args: string[], mentions: RegExp]> = [
      ['a privileged container', ['create', '--privileged', BUSYBOX_IMAGE, 'true'], /Privileged/],
      ['a bind of another directory', ['create', '-v', `${dirs.other}:/other`, BUSYBOX_IMAGE, 'true'], /not under an allowed bind root/],
      ['a write to the directory the workload only read', ['create', '-v', `${dirs.config}:/config`, BUSYBOX_IMAGE, 'true'], /read-only/],
      ['a capability it never added', ['create', '--cap-add', 'SYS_PTRACE', BUSYBOX_IMAGE, 'true'], /SYS_PTRACE/],
      ['a sysctl it never set', ['create', '--sysctl', 'net.ipv4.ip_forward=1', BUSYBOX_IMAGE, 'true'], /net\.ipv4\.ip_forward/],
      ["the host's process namespace", ['create', '--pid', 'host', BUSYBOX_IMAGE, 'true'], /PidMode/],
      ['a host port outside what it published', ['create', '-p', '127.0.0.1:19090:80', BUSYBOX_IMAGE, 'true'], /19090/],
      ['an operation it never used', ['tag', BUSYBOX_IMAGE, 'learn:other'], /image\.tag/],
    ];
    for (const [what, args, mentions] of outside) {
      const result = await docker(args, endpoint);
      assert.notEqual(result.code, 0, `${what} was let through: ${result.stdout}`);
      assert.match(result.stderr, /denied by policy\.learned\.uid-\d+/, `${what}: ${result.stderr}`);
      assert.match(result.stderr, mentions, `${what}: ${result.stderr}`);
    }
    assert.equal((await dockerOk(['ps', '-aq'], engine.endpoint)).trim(), '', 'nothing refused was created');
  });
});
