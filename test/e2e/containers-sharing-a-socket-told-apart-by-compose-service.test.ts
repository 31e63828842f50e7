// Acceptance 3 of issue 17: two containers sharing one dockgate socket (a bind-mounted directory) are
// told apart by the container each process runs in, and get the decisions of their own compose service's
// rule; the audit record names each container. A peer that connects and exits, whose pid is then given
// to a process in the other container's cgroup before its first request, cannot pass as that container:
// its connection is judged as an ordinary unix peer, and the record says the pid was reused.
//
// The containers are real (busybox:test on the private engine) and so is their client: a static C client
// bind-mounted in (test/support/unix-socket-client.c; busybox's nc cannot reach a unix socket). The pid-reuse
// case uses host processes placed in the containers' cgroups (what dockgate reads): the pid of a process
// exec'd into a container stayed unavailable for reuse after it exited on this kernel (6.18), while a host
// process's is reused at once. The connector, in the worker's cgroup, forks and exits (its child keeps the
// connection); /proc/sys/kernel/ns_last_pid is set to its pid less one and a process is started (retried
// until it gets that pid) and moved into the web container's cgroups; only then is the request sent. A live
// process placed in web's cgroups is taken for web (the control), so the refusal is the pid-reuse guard's.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, test } from 'node:test';
import { readAuditTrail, waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import { dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';
import { buildUnixSocketClient } from '../support/unix-socket-client.js';

const POLICY = `rules:
  - name: web
    match: { container: { compose-service: web, label: { com.docker.compose.project: shop } } }
    operations: [container.list, system.ping]
  - name: worker
    match: { container: { compose-service: worker } }
    operations: [system.ping]
  - name: host
    match: { uid: 0 }
    operations: [system.ping]
`;

interface Answer {
  status: number;
  body: string;
}

function readAnswer(text: string): Answer {
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  assert.ok(status, `an HTTP answer: ${JSON.stringify(text.slice(0, 300))}`);
  return { status: Number(status[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

/** The host pids of processes whose command line holds `marker`, with their parent pids. */
function processesWith(marker: string): { pid: number; ppid: number }[] {
  const found: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) continue;
      const ppid = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      found.push({ pid: Number(entry), ppid: Number(ppid) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Each cgroup directory (v1 hierarchies and v2) that holds `pid`'s container, by /proc/PID/cgroup and the mount table. */
function containerCgroupDirs(pid: number, containerId: string): string[] {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2');
  const dirs: string[] = [];
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined || !path.includes(containerId)) continue;
    const mount = mounts.find((f) => (controllers === '' ? f[2] === 'cgroup2' : f[2] === 'cgroup' && controllers!.split(',').every((c) => f[3]!.split(',').includes(c))));
    if (mount !== undefined) dirs.push(join(mount[1]!, path));
  }
  return dirs;
}

describe('containers sharing one socket are told apart by their compose service', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;
  let dir: string;
  const ids: Record<string, string> = {};

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    dir = teardown.tempDir('/tmp/dgc-', 0o755);
    buildUnixSocketClient(dir);
    writeFileSync(join(dir, 'policy.yaml'), POLICY, { mode: 0o644 });
    gateway = await startGateway({
      upstream: engine.socketPath,
      listen: [`unix://${join(dir, 'gw.sock')}?mode=0666`],
      auditLog: join(engine.dir, 'audit.jsonl'),
      args: ['--policy', join(dir, 'policy.yaml')],
    });
    teardown.add(() => gateway.stopRunning());
    for (const service of ['web', 'worker']) {
      const labels = ['--label', 'com.docker.compose.project=shop', '--label', `com.docker.compose.service=${service}`];
      const id = await dockerOk(['run', '-d', '--network', 'none', '--name', `shop-${service}-1`, ...labels, '-v', `${dir}:/gw`, 'busybox:test', 'sleep', '600'], engine.endpoint);
      ids[service] = id.trim();
    }
  });

  /** `GET path` through the gateway from a process inside the container of `service`. */
  async function askFrom(service: string, path: string): Promise<Answer> {
    return readAnswer(await dockerOk(['exec', `shop-${service}-1`, '/gw/unix-socket-client', '/gw/gw.sock', path, '-'], engine.endpoint));
  }

  async function doneRecords(offset: number, count: number): Promise<AuditLine[]> {
    const isDone = (r: AuditLine): boolean => r.operation === 'container.list' && r.phase === 'done';
    const { complete } = await waitForAuditTrail(gateway.auditLog!, offset, (records) => records.filter(isDone).length >= count, 10_000);
    assert.ok(complete, 'the done records were written');
    return readAuditTrail(gateway.auditLog!, offset).records.filter(isDone);
  }

  test('each container gets its own rule, and its record names it', async () => {
    const offset = readFileSync(gateway.auditLog!).length;
    const web = await askFrom('web', '/containers/json');
    assert.equal(web.status, 200, web.body);
    assert.ok((JSON.parse(web.body) as unknown[]).length >= 2, 'the web rule lists containers');
    const worker = await askFrom('worker', '/containers/json');
    assert.equal(worker.status, 403, worker.body);
    assert.match(worker.body, /denied by policy\.worker/);
    assert.equal((await askFrom('worker', '/_ping')).status, 200);

    const records = await doneRecords(offset, 2);
    const byRule = new Map(records.map((r) => [r.rule, r]));
    for (const service of ['web', 'worker']) {
      const record = byRule.get(`policy.${service}`);
      assert.ok(record, `a record by policy.${service}: ${JSON.stringify(records)}`);
      assert.deepEqual((record.identity as { container?: unknown }).container, {
        id: ids[service],
        name: `shop-${service}-1`,
        image: 'busybox:test',
        composeProject: 'shop',
        composeService: service,
      });
    }
  });

  test('a host process on the same socket is an ordinary unix peer', async () => {
    const host = readAnswer(
      await new Promise<string>((resolve, reject) => {
        const child = spawn(join(dir, 'unix-socket-client'), [join(dir, 'gw.sock'), '/containers/json', '-'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.setEncoding('latin1').on('data', (chunk: string) => (out += chunk));
        child.on('error', reject).on('close', () => resolve(out));
      }),
    );
    assert.equal(host.status, 403);
    assert.match(host.body, /denied by policy\.host/);
  });

  /** The web or worker container's cgroup directories, found from its main process. */
  async function cgroupsOf(service: string): Promise<string[]> {
    const pid = Number((await dockerOk(['inspect', '-f', '{{.State.Pid}}', `shop-${service}-1`], engine.endpoint)).trim());
    const dirs = containerCgroupDirs(pid, ids[service]!);
    assert.ok(dirs.length > 0, `the ${service} container's cgroup directories are found`);
    return dirs;
  }

  function moveInto(cgroups: readonly string[], pid: number): void {
    for (const cgroup of cgroups) writeFileSync(join(cgroup, 'cgroup.procs'), String(pid));
  }

  /**
   * Starts the client on the host with a hold (unix-socket-client.c): the process that connects is moved into
   * `connectorCgroups`; `between` runs after it connected; then the child sends the request. The answer, and the
   * connector's pid.
   */
  async function heldRequest(connectorCgroups: readonly string[], between: (connector: ChildProcess, hold: string) => Promise<void>): Promise<{ answer: Answer; connector: number }> {
    const hold = join(dir, `hold-${Date.now()}`);
    const out = `${hold}.out`;
    const connector = spawn(join(dir, 'unix-socket-client'), [join(dir, 'gw.sock'), '/containers/json', out, hold], { stdio: 'ignore' });
    teardown.add(() => void connector.kill('SIGKILL'));
    moveInto(connectorCgroups, connector.pid!);
    await until('the connector and its child', () => (processesWith(hold).length === 2 ? true : undefined));
    await between(connector, hold);
    writeFileSync(`${hold}.go`, '');
    await until('the answer', () => (existsSync(out) && readFileSync(out, 'latin1').includes('\r\n\r\n') ? true : undefined));
    await sleep(200);
    writeFileSync(`${hold}.parent`, '');
    return { answer: readAnswer(readFileSync(out, 'latin1')), connector: connector.pid! };
  }

  test("a process placed in a container's cgroup is taken for that container (the control for the pid-reuse test)", async () => {
    const { answer } = await heldRequest(await cgroupsOf('web'), async () => undefined);
    assert.equal(answer.status, 200, answer.body);
  });

  test("a peer whose pid is reused by a process in the other container's cgroup cannot pass as it", async () => {
    const webCgroups = await cgroupsOf('web');
    const offset = readFileSync(gateway.auditLog!).length;
    const { answer, connector } = await heldRequest(await cgroupsOf('worker'), async (child, hold) => {
      // The connector exits (its child keeps the connection), and its pid goes to a process in the web container's cgroups.
      const pid = child.pid!;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      writeFileSync(`${hold}.parent`, '');
      await exited;
      let impostor: ChildProcess | undefined;
      const missed: number[] = [];
      for (let attempt = 0; attempt < 200 && impostor === undefined; attempt++) {
        if (existsSync(`/proc/${pid}`)) assert.fail(`pid ${pid} was taken by another process first`);
        writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
        const candidate = spawn('sleep', ['120'], { stdio: 'ignore' });
        if (candidate.pid === pid) impostor = candidate;
        else {
          missed.push(candidate.pid!);
          candidate.kill('SIGKILL');
        }
      }
      assert.ok(impostor, `a process got pid ${pid} (the attempts got ${missed.slice(0, 10).join(', ')})`);
      teardown.add(() => void impostor.kill('SIGKILL'));
      moveInto(webCgroups, pid);
      assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(ids['web']!), "the impostor is in the web container's cgroup");
    });
    assert.equal(answer.status, 403, answer.body);
    assert.match(answer.body, /denied by policy\.host/);
    const [record] = await doneRecords(offset, 1);
    const identity = record!.identity as { pid?: number; container?: unknown; noContainer?: string };
    assert.equal(identity.pid, connector);
    assert.equal(identity.container, undefined);
    // Caught by the start time (this process started after the accept) or, where the kernel gives one, by the peer's pidfd.
    assert.match(identity.noContainer ?? '', new RegExp(`pid ${connector} is a process started after the connection was accepted|the peer \\(pid ${connector}\\) exited`));
  });
});
