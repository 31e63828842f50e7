// serve --user/--group (issue 7, least privilege for dockgate itself). dockgate starts as root, binds its
// listener (mode and owner as asked), opens the audit log and reads the policy, then drops to nobody with
// the engine socket's group. What must hold afterwards:
// - /proc/PID/status: no 0 among the real, effective, saved and filesystem uids and gids, only the group
//   given, and no permitted, effective or ambient capability (NoNewPrivs is not asserted: Node cannot call
//   prctl, so dockgate does not set it; the systemd unit does);
// - the listener socket keeps the owner and mode it was given as root;
// - the real docker CLI works through it (version, ps, run), a refused request still gets its JSON error,
//   the policy file is reloaded (on change and on SIGHUP) by the dropped user, and SIGTERM exits 0;
// - the socket file nobody could remove at shutdown is replaced by the next start;
// - a dropped user that cannot open the engine socket, or read the policy file, stops start-up with one
//   `dockgate:` line naming the fix; so does --user when dockgate is not started as root.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { runGatewayExpectingFailure, startGateway, waitForGatewayOutput, type FailedStart, type Gateway } from '../support/gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOBODY = 65534;
/** The engine socket's group: the one an operator gives with --group (dockerd's own default group name). */
const ENGINE_GROUP = 'docker';
/** The listener's owner and group: not the dropped user's, to show they were set while still root. */
const LISTENER_OWNER = 'daemon';

function gid(name: string): number {
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' });
  return Number(line.split(':')[2]);
}

function policyText(profile: 'baseline' | 'read-only'): string {
  return ['version: 1', 'rules:', '  - name: operators', '    match: { uid: 0 }', `    profile: ${profile}`, ''].join('\n');
}

/** The fields of /proc/PID/status. */
function procStatus(pid: number): Map<string, string> {
  return new Map(
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()] as [string, string]),
  );
}

/** Serve's one `dockgate:` line among its log lines (which it wrote while starting), with no stack trace. */
function startFailure(failure: FailedStart): string {
  const shown = `${failure.commandLine}\n--- output ---\n${failure.output}`;
  assert.equal(failure.timedOut, false, `serve kept running\n${shown}`);
  assert.notEqual(failure.exit.code, 0, `serve exited 0\n${shown}`);
  assert.notEqual(failure.exit.code, null, `serve died of a signal\n${shown}`);
  assert.doesNotMatch(failure.output, /^\s+at /m, `stack trace\n${shown}`);
  const lines = failure.output.split('\n').filter((line) => line.startsWith('dockgate:'));
  assert.equal(lines.length, 1, `expected one dockgate: line\n${shown}`);
  return lines[0]!;
}

describe('serve --user nobody --group docker: binds as root, then serves with no root id and no capability, none to regain', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let dir: string;
  let policyFile: string;
  let listenSpec: string;
  let socketPath: string;
  let gateway: Gateway;
  let endpoint: Endpoint;
  let engineGid: number;
  let ownerUid: number;

  before(
    async () => {
      // The suite starts dockerd, so it runs as root; without root there is nothing to drop.
      assert.equal(process.getuid?.(), 0, 'the end-to-end tests run as root (they start dockerd); this one starts dockgate as root to drop privileges');
      engineGid = gid(ENGINE_GROUP);
      assert.ok(Number.isInteger(engineGid) && engineGid !== 0, `the group ${ENGINE_GROUP} must exist (docker.io creates it; run scripts/install-test-deps.sh)`);
      ownerUid = Number(execFileSync('id', ['-u', LISTENER_OWNER], { encoding: 'utf8' }).trim());
      // The engine's directory searchable by all, its socket root:docker 0660: only the group opens it.
      engine = await startEngine({ dirMode: 0o711, socketMode: 0o660, socketGroup: engineGid });
      teardown.add(() => engine.stop());
      dir = teardown.tempDir('/tmp/dgp-', 0o755);
      policyFile = join(dir, 'policy.yaml');
      writeFileSync(policyFile, policyText('baseline'), { mode: 0o644 });
      socketPath = join(dir, 'gw.sock');
      listenSpec = `unix://${socketPath}?mode=0640&owner=${LISTENER_OWNER}&group=${LISTENER_OWNER}`;
      gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [listenSpec],
        auditLog: join(dir, 'audit.jsonl'),
        args: ['--policy', policyFile, '--user', 'nobody', '--group', ENGINE_GROUP],
      });
      teardown.add(() => gateway.stop());
      endpoint = gateway.unix!;
      await waitForGatewayOutput(gateway, 'dockgate is serving');
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test('the process holds no root id, only the group given, no capability, an empty bounding set and no_new_privs', () => {
    const status = procStatus(gateway.pid);
    assert.deepEqual(status.get('Uid')!.split(/\s+/), [String(NOBODY), String(NOBODY), String(NOBODY), String(NOBODY)], `Uid: ${status.get('Uid')}`);
    assert.deepEqual(status.get('Gid')!.split(/\s+/), [String(engineGid), String(engineGid), String(engineGid), String(engineGid)], `Gid: ${status.get('Gid')}`);
    assert.equal(status.get('Groups'), String(engineGid));
    for (const field of ['CapPrm', 'CapEff', 'CapAmb']) assert.equal(status.get(field), '0000000000000000', `${field}: ${status.get(field)}`);
    // Nothing to regain either: no capability left in the bounding set, and execve grants no privileges.
    assert.equal(status.get('CapBnd'), '0000000000000000', `CapBnd: ${status.get('CapBnd')}`);
    assert.equal(status.get('NoNewPrivs'), '1');
    assert.match(gateway.output(), /"uid":65534,.*"capBnd":"0000000000000000","noNewPrivs":"1".*privileges dropped: no root id, no capabilities, none to regain/);
  });

  test('the listener socket keeps the owner, group and mode it was given as root', () => {
    const stats = lstatSync(socketPath);
    assert.ok(stats.isSocket());
    assert.equal(stats.mode & 0o7777, 0o640);
    assert.equal(stats.uid, ownerUid);
    assert.equal(stats.gid, gid(LISTENER_OWNER));
  });

  test('the docker CLI works through the dropped gateway: version, ps, run', async () => {
    assert.match(await dockerOk(['version', '--format', '{{.Server.Version}}'], endpoint), /^\d+\.\d+/);
    await dockerOk(['ps', '-a'], endpoint);
    assert.equal(await dockerOk(['run', '--rm', 'busybox:test', 'echo', 'hi'], endpoint), 'hi\n');
  });

  test('a refused request still gets its Docker-style JSON error', async () => {
    const answer = await apiRequest(endpoint, 'POST', '/v1.41/containers/create', { Image: 'busybox:test', HostConfig: { Privileged: true } });
    assert.equal(answer.status, 403, answer.body);
    assert.equal(answer.headers['dockgate-decision'], 'deny');
    assert.match((JSON.parse(answer.body) as { message: string }).message, /^dockgate: container\.create .* denied by policy\.operators: .*Privileged/);
    const cli = await docker(['run', '--rm', '--privileged', 'busybox:test', 'true'], endpoint);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /Error response from daemon: dockgate: container\.create .* denied by policy\.operators/);
  });

  test('the policy file is reloaded by the dropped user, on change and on SIGHUP', async () => {
    writeFileSync(policyFile, policyText('read-only'));
    await waitForGatewayOutput(gateway, 'policy reloaded');
    const refused = await docker(['run', '--rm', 'busybox:test', 'true'], endpoint);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /denied by policy\.operators/);
    const reloads = (): number => gateway.output().split('policy reloaded').length - 1;
    const waitForReloads = async (count: number, after: string): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (reloads() < count) {
        gateway.assertRunning();
        assert.ok(Date.now() < deadline, `no reload after ${after}:\n${gateway.output()}`);
        await new Promise((wait) => setTimeout(wait, 50));
      }
    };
    const before = reloads();
    writeFileSync(policyFile, policyText('baseline'));
    await waitForReloads(before + 1, 'the change');
    // SIGHUP reloads even a file whose text was already loaded: one more reload, read as nobody.
    gateway.signal('SIGHUP');
    await waitForReloads(before + 2, 'SIGHUP');
    assert.doesNotMatch(gateway.output(), /does not load|cannot read the policy file/);
    assert.equal(await dockerOk(['run', '--rm', 'busybox:test', 'echo', 'again'], endpoint), 'again\n');
  });

  test('SIGTERM exits 0; the socket nobody could remove is replaced by the next start', async () => {
    const exit = await gateway.stopRunning();
    assert.deepEqual([exit.code, exit.signal], [0, null], gateway.output());
    // Its directory belongs to root: the dropped process could not unlink it, and did not hang on it.
    assert.ok(existsSync(socketPath), 'the socket file is left behind');
    const next = await startGateway({
      upstream: engine.socketPath,
      listen: [listenSpec],
      auditLog: join(dir, 'audit.jsonl'),
      args: ['--policy', policyFile, '--user', 'nobody', '--group', ENGINE_GROUP],
    });
    teardown.add(() => next.stop());
    assert.equal(await dockerOk(['run', '--rm', 'busybox:test', 'echo', 'back'], next.unix!), 'back\n');
    assert.equal((await next.stopRunning()).code, 0);
  });

  test('a dropped user that cannot open the engine socket: start-up fails naming the group to add', async () => {
    const failure = await runGatewayExpectingFailure({
      upstream: engine.socketPath,
      listen: [`unix://${join(dir, 'no-group.sock')}`],
      auditLog: join(dir, 'no-group.jsonl'),
      args: ['--user', 'nobody'],
    });
    assert.match(
      startFailure(failure),
      new RegExp(
        `^dockgate: --user nobody: cannot open the engine socket ${engine.socketPath} after the privilege drop \\(EACCES\\); the socket belongs to group ${ENGINE_GROUP}: add --group ${ENGINE_GROUP}$`,
      ),
    );
  });

  test('a policy file the dropped user cannot read: start-up fails, since SIGHUP could not reload it', async () => {
    const secret = join(dir, 'root-only-policy.yaml');
    writeFileSync(secret, policyText('baseline'));
    chmodSync(secret, 0o600);
    const failure = await runGatewayExpectingFailure({
      upstream: engine.socketPath,
      listen: [`unix://${join(dir, 'no-read.sock')}`],
      args: ['--policy', secret, '--user', 'nobody', '--group', ENGINE_GROUP],
    });
    assert.match(startFailure(failure), new RegExp(`^dockgate: --policy ${secret}: user nobody cannot read it \\(EACCES\\), .*make it .*readable`));
  });

  test('--user when dockgate is not root: refused before anything is bound, saying how to start it', () => {
    const socket = join(dir, 'not-root.sock');
    const run = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--',
        process.execPath,
        join(REPO_ROOT, 'bin', 'dockgate.js'),
        'serve',
        '--upstream',
        `unix://${engine.socketPath}`,
        '--listen',
        `unix://${socket}`,
        '--user',
        'nobody',
      ],
      { cwd: '/', encoding: 'utf8', timeout: 20_000 },
    );
    if (run.error !== undefined) throw run.error;
    assert.notEqual(run.status, 0, run.stderr);
    assert.equal(run.stderr, 'dockgate: --user nobody: dockgate is not running as root, so it cannot become another user; start it as root, or without --user as the user itself\n');
    assert.equal(existsSync(socket), false, 'nothing was bound');
  });
});
