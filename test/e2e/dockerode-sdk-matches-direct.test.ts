// The real dockerode SDK (npm `dockerode`) against a private engine, on its own socket and through dockgate
// under `--profile audit` (which forwards everything it can read) and `--profile baseline`: every API
// family dockerode offers gives the same outcome through the gateway as on the engine (the same success
// with the same result, or the same failure with the same status and message), with each side's names,
// the engine's ids and the swarm's ids replaced by placeholders and nothing else normalised. Where
// baseline refuses by policy (a host bind, a privileged container, swarm control, CRIU checkpoints,
// BuildKit), its Docker-style refusal names the rule, and only direct and audit are compared.
//
// dockerode sends what its users give it, as they give it: the create options go into both the query
// (arrays as repeated parameters) and the JSON body (the `name` too), `version` rides in the body of
// swarm updates, `hijack`/`stdin` in the body of exec start, and a BuildKit session opens with an empty
// chunked body. The engine ignores what it does not read; a gateway that refuses it breaks the SDK, and
// such a refusal fails the test that met it (each test lists the requests the gateway refused).
//
// Objects an operation works on are made on the engine directly, so that each test pins one family: the
// create test pins create, the lifecycle test pins start/stop/..., whatever create does through the gateway.
// Test traffic stays on unix sockets and loopback: registries are named 127.0.0.1:1, where nothing listens.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test, type TestContext } from 'node:test';
import type Docker from 'dockerode';
import { BUSYBOX_IMAGE, makeBusyboxRootfs } from '../support/busybox-image.js';
import { demultiplex, type DemultiplexedOutput } from '../support/docker-stream-frames.js';
import {
  assertBaselineRefusal,
  attempt,
  collect,
  containerExtras,
  extras,
  followProgress,
  normaliseForSide,
  recordGatewayRefusals,
  refusalCount,
  refusalsSince,
  sameOnEverySide,
  scrub,
  taskExtras,
  useDockerodeSides,
  valueOf,
  type Outcome,
  type Side,
} from '../support/dockerode-sides.js';
import { freeLoopbackPort } from '../support/free-port.js';

const IMAGE = BUSYBOX_IMAGE;
const MiB = 1024 * 1024;
/** A bridge network made on the engine directly; bridge networks work even with dockerd --bridge=none. */
const SHARED_NETWORK = 'sdk-shared';
/** A registry nobody listens on: pushes, pulls and look-ups fail at once, on loopback. */
const NO_REGISTRY = '127.0.0.1:1';
const CONVERGE_TIMEOUT_MS = 30_000;
/** The longest test (swarm services) takes ~20 s; a stream the gateway never ends must not eat the suite's time. */
const TEST_TIMEOUT_MS = 90_000;

/** Upper case: engine ids are lower-case hex and normalised away; a digest of bytes must be compared as it is. */
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex').toUpperCase();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let pruning: Promise<unknown> = Promise.resolve();
/** The engine runs one prune at a time (a second one meanwhile fails with 409): workflows running side by side take turns. */
function onePruneAtATime<T>(prune: () => Promise<T>): Promise<T> {
  const result = pruning.then(prune);
  pruning = result.catch(() => undefined);
  return result;
}

/** What differs between two containers made from the same options: times, process ids, addresses. */
const CONTAINER_VOLATILE = ['Created', 'StartedAt', 'FinishedAt', 'Pid', 'IPAddress', 'MacAddress', 'EndpointID', 'SandboxID', 'SandboxKey'];
/** What differs between two images built alike: their creation times. */
const IMAGE_VOLATILE = ['Created', 'Metadata'];
/** What the engine's info says differently from one second to the next. */
const INFO_VOLATILE = ['SystemTime', 'NFd', 'NGoroutines', 'NEventsListener'];

/** Splits a stream of the SDK (attach, exec, follow) with its own demuxer; resolves with both outputs once the stream ends. */
function demuxWithSdk(docker: Docker, stream: NodeJS.ReadableStream): Promise<DemultiplexedOutput> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  docker.modem.demuxStream(stream, stdout, stderr);
  const out = collect(stdout);
  const err = collect(stderr);
  return new Promise((resolve, reject) => {
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      stdout.end();
      stderr.end();
      void Promise.all([out, err]).then(([o, e]) => resolve({ stdout: o.toString(), stderr: e.toString() }), reject);
    };
    stream.on('error', reject);
    // 'end' when the engine ends the stream; 'close' when the client destroys it (logs that follow).
    stream.on('end', finish);
    stream.on('close', finish);
  });
}

/** A tar of a directory whose bytes depend on nothing but its content: sorted, owned by 0:0, all times 0. */
function reproducibleTar(dir: string): Buffer {
  return execFileSync('tar', ['-C', dir, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 64 * MiB });
}

/** An outcome as compared across sides: the value or the failure's status and message, normalised for the side. */
function outcomeForSide<T>(outcome: Outcome<T>, side: Side): unknown {
  return outcome.ok ? { ok: true, value: normaliseForSide(outcome.value, side) } : { ok: false, status: outcome.status, message: normaliseForSide(outcome.message, side) };
}

/** Polls `read` until `done` holds of its result; fails with the last result after `timeoutMs`. */
async function waitFor<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = CONVERGE_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not reached within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await sleep(200);
  }
}

describe('the dockerode SDK gets the same results through dockgate as on the engine', { timeout: 5 * 60_000 }, () => {
  const sides = useDockerodeSides();
  recordGatewayRefusals();

  /** A test that lists, as diagnostics, every request a gateway refused while it ran (method, path and query, message). */
  const it = (name: string, body: (t: TestContext) => Promise<void>): void => {
    test(name, { timeout: TEST_TIMEOUT_MS }, async (t) => {
      const mark = refusalCount();
      try {
        await body(t);
      } finally {
        const { all } = sides();
        for (const refusal of refusalsSince(mark)) {
          const gateway = all.find((s) => refusal.socketPath === new URL(s.endpoint.host).pathname)?.name ?? refusal.socketPath;
          t.diagnostic(`${gateway} gateway refused ${refusal.method} ${refusal.path}: ${refusal.status} ${refusal.message}`);
        }
      }
    });
  };

  /** Makes a container on the engine directly (the fixture a test works on, not what it tests). */
  const fixture = async (name: string, options: Docker.ContainerCreateOptions, start = false): Promise<Docker.Container> => {
    const { direct } = sides();
    const container = await direct.docker.createContainer({ name, Image: IMAGE, ...options });
    if (start) await container.start();
    return container;
  };

  const sidesExceptBaseline = (): Side[] => [sides().direct, sides().audit];

  // -- system -----------------------------------------------------------------------------------------

  it('ping, version, info and df answer the same through audit and baseline as on the engine', async () => {
    const { all } = sides();
    const result = (await sameOnEverySide(
      all,
      async ({ docker }) => ({
        ping: String(await docker.ping()),
        version: await docker.version(),
        info: scrub(await docker.info(), INFO_VOLATILE),
        df: await docker.df(),
      }),
      { sequential: true },
    )) as { ping: string; version: { ApiVersion: string }; info: { Swarm: { LocalNodeState: string } } };
    assert.equal(result.ping, 'OK');
    assert.equal(result.version.ApiVersion, '1.41');
    assert.equal(result.info.Swarm.LocalNodeState, 'inactive');
  });

  it('events with type and label filters, since and until: the same events, and the stream ends at until', async () => {
    const { all, direct } = sides();
    const since = Math.floor(Date.now() / 1000) - 1;
    const watched = await direct.docker.createContainer({ name: 'events-watched', Image: IMAGE, Cmd: ['true'], Labels: { 'sdk.events': 'watched' } });
    await watched.remove();
    const other = await direct.docker.createContainer({ name: 'events-other', Image: IMAGE, Cmd: ['true'] });
    await other.remove();
    const until = Math.floor(Date.now() / 1000) + 1;
    const events = (await sameOnEverySide(all, async ({ docker }) => {
      const stream = await docker.getEvents({ since, until, filters: { type: ['container'], label: ['sdk.events=watched'], event: ['create', 'destroy'] } });
      return (await collect(stream))
        .toString()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
    })) as { Action: string; Actor: { Attributes: Record<string, string> } }[];
    assert.deepEqual(
      events.map((e) => [e.Action, e.Actor.Attributes['name']]),
      [
        ['create', 'events-watched'],
        ['destroy', 'events-watched'],
      ],
    );
  });

  // -- containers -------------------------------------------------------------------------------------

  const richCreateOptions = (name: string): Docker.ContainerCreateOptions => ({
    name,
    Image: IMAGE,
    Hostname: 'sdkbox',
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: ['echo "$GREETING from $(id -u):$(id -g) in $(pwd)"; echo scratch > /scratch/f && cat /scratch/f; ulimit -n; mkdir /rootfs-probe 2>/dev/null || echo read-only rootfs'],
    Env: ['GREETING=hello', 'EMPTY='],
    Labels: { 'sdk.test': 'create', 'sdk.owner': 'dockerode' },
    WorkingDir: '/tmp',
    User: '1000:1000',
    ExposedPorts: { '8080/tcp': {} },
    StopSignal: 'SIGTERM',
    StopTimeout: 2,
    Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5_000_000_000, Timeout: 1_000_000_000, Retries: 2 },
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      Memory: 64 * MiB,
      MemorySwap: 128 * MiB,
      NanoCpus: 500_000_000,
      PidsLimit: 64,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '2' } },
      Tmpfs: { '/scratch': 'rw,size=1m,mode=1777' },
      Ulimits: [{ Name: 'nofile', Soft: 512, Hard: 1024 }],
      CapDrop: ['ALL'],
      ReadonlyRootfs: true,
      SecurityOpt: ['no-new-privileges'],
      NetworkMode: SHARED_NETWORK,
    },
    NetworkingConfig: { EndpointsConfig: { [SHARED_NETWORK]: { Aliases: ['sdk-web'] } } },
  });

  it('createContainer with Env, Labels, Entrypoint/Cmd, WorkingDir, User, ports, limits, restart and log config, tmpfs, ulimits, CapDrop, read-only rootfs, no-new-privileges and NetworkingConfig: the same inspect, output and exit', async () => {
    const { all, direct } = sides();
    await direct.docker.createNetwork({ Name: SHARED_NETWORK, Driver: 'bridge', Labels: { 'sdk.shared': 'yes' } });
    const result = (await sameOnEverySide(all, async ({ docker, tag }) => {
      const name = `create-${tag}`;
      const container = await docker.createContainer(richCreateOptions(name));
      const created = scrub(await docker.getContainer(name).inspect(), CONTAINER_VOLATILE);
      await container.start();
      const exit = await container.wait();
      const logs = demultiplex(await container.logs({ stdout: true, stderr: true, follow: false }));
      const exited = scrub(await container.inspect(), CONTAINER_VOLATILE);
      await container.remove();
      return { created, exit, logs, state: exited.State };
    })) as { created: Docker.ContainerInspectInfo; exit: unknown; logs: DemultiplexedOutput };
    assert.deepEqual(result.exit, { Error: null, StatusCode: 0 });
    assert.deepEqual(result.logs, { stdout: 'hello from 1000:1000 in /tmp\nscratch\n512\nread-only rootfs\n', stderr: '' });
    assert.equal(result.created.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(result.created.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.deepEqual(result.created.NetworkSettings.Networks[SHARED_NETWORK]?.Aliases, ['sdk-web']);
  });

  it('run() (create with its defaults, attach, start, wait): the same output and exit code', async () => {
    const { all, direct } = sides();
    const result = await sameOnEverySide(all, async ({ docker, tag }) => {
      const output = new PassThrough();
      const text = collect(output);
      const name = `run-${tag}`;
      try {
        const [exit] = (await docker.run(IMAGE, ['sh', '-c', 'echo run-output; exit 5'], output, { name, HostConfig: { NetworkMode: 'none' } })) as [unknown];
        return { exit, output: (await text).toString() };
      } finally {
        await direct.docker
          .getContainer(name)
          .remove({ force: true })
          .catch(() => undefined);
      }
    });
    // run() creates with Tty: true: the terminal turns \n into \r\n.
    assert.deepEqual(result, { exit: { Error: null, StatusCode: 5 }, output: 'run-output\r\n' });
  });

  it('a host bind and a privileged container: audit creates them as the engine does; baseline refuses each by policy, naming it, and creates nothing', async () => {
    const { engine, direct, baseline } = sides();
    const hostDir = mkdtempSync(join(engine.dir, 'sdk-host-'));
    writeFileSync(join(hostDir, 'marker'), 'host file\n');
    const cases = [
      { what: 'a host bind', options: { HostConfig: { Binds: [`${hostDir}:/host:ro`] } }, mentions: /Binds/ },
      { what: 'Privileged: true', options: { HostConfig: { Privileged: true } }, mentions: /Privileged/ },
    ];
    for (const [index, { what, options, mentions }] of cases.entries()) {
      const result = (await sameOnEverySide(sidesExceptBaseline(), async ({ docker, tag }) => {
        const container = await docker.createContainer({ name: `door-${index}-${tag}`, Image: IMAGE, Cmd: ['sh', '-c', 'cat /host/marker 2>/dev/null || id -u'], ...options });
        const inspect = await container.inspect();
        await container.remove();
        return { HostConfig: { Binds: inspect.HostConfig.Binds, Privileged: inspect.HostConfig.Privileged }, Mounts: inspect.Mounts };
      })) as { HostConfig: { Binds: unknown; Privileged: boolean } };
      assert.ok(result.HostConfig.Privileged || Array.isArray(result.HostConfig.Binds), `${what}: the engine applied it`);
      const name = `door-${index}-${baseline.tag}`;
      assertBaselineRefusal(await attempt(() => baseline.docker.createContainer({ name, Image: IMAGE, Cmd: ['true'], ...options })), `create with ${what}`, mentions);
      const left = await attempt(() => direct.docker.getContainer(name).inspect());
      assert.deepEqual(left.ok ? 'exists' : left.status, 404, `create with ${what} refused by baseline: no container on the engine`);
    }
  });

  it('start, pause, unpause, restart, kill, wait, stop (and stop again), rename, update, resize, list, remove and prune: the same outcomes and states', async () => {
    const { all } = sides();
    const ids = new Map<string, string>();
    for (const s of all) {
      ids.set(s.tag, (await fixture(`life-${s.tag}`, { Cmd: ['sleep', '600'], Labels: { 'sdk.life': s.tag }, HostConfig: { NetworkMode: 'none' } })).id);
      for (const n of [1, 2]) await fixture(`prunable-${n}-${s.tag}`, { Cmd: ['true'], Labels: { 'sdk.prune': s.tag }, HostConfig: { NetworkMode: 'none' } });
    }
    const steps = (await sameOnEverySide(all, async (side) => {
      const { docker, tag } = side;
      // By id: the name changes on the way.
      const container = docker.getContainer(ids.get(tag) ?? 'none');
      const log: [string, unknown][] = [];
      const step = async (name: string, run: () => Promise<unknown>): Promise<void> => void log.push([name, outcomeForSide(await attempt(run), side)]);
      const state = async (): Promise<unknown> => {
        const { State, RestartCount, Name } = await container.inspect();
        return { Name, Status: State.Status, Running: State.Running, Paused: State.Paused, ExitCode: State.ExitCode, RestartCount };
      };
      await step('start', () => container.start());
      await step('state after start', state);
      await step('pause', () => container.pause());
      await step('state after pause', state);
      await step('unpause', () => container.unpause());
      await step('restart', () => container.restart({ t: 1 }));
      await step('state after restart', state);
      await step('resize', () => container.resize({ h: 24, w: 80 }));
      await step('kill', () => container.kill({ signal: 'SIGKILL' }));
      await step('wait', () => container.wait());
      await step('state after kill', state);
      await step('start again', () => container.start());
      await step('stop', () => container.stop({ t: 1 }));
      await step('stop again', () => container.stop({ t: 1 }));
      await step('wait not-running', () => container.wait({ condition: 'not-running' }));
      await step('rename', () => container.rename({ name: `renamed-${tag}` }));
      await step('state after rename', state);
      await step('update', () => container.update({ Memory: 32 * MiB, MemorySwap: 64 * MiB, CpuShares: 512, PidsLimit: 32, RestartPolicy: { Name: 'unless-stopped' } }));
      await step('updated host config', async () => {
        const { HostConfig } = await container.inspect();
        return { Memory: HostConfig.Memory, MemorySwap: HostConfig.MemorySwap, CpuShares: HostConfig.CpuShares, PidsLimit: HostConfig.PidsLimit, RestartPolicy: HostConfig.RestartPolicy };
      });
      await step('list', async () => (await docker.listContainers({ all: true, filters: { label: [`sdk.life=${tag}`] } })).map((c) => [c.Names, c.State, c.Labels]));
      await step('remove', () => container.remove({ v: true, force: true }));
      await step('inspect removed', () => container.inspect());
      await step('prune', async () => {
        const pruned = await onePruneAtATime(() => docker.pruneContainers({ filters: { label: [`sdk.prune=${tag}`] } }));
        return { count: pruned.ContainersDeleted?.length, SpaceReclaimed: pruned.SpaceReclaimed };
      });
      return log;
    })) as [string, { ok: boolean; value?: unknown }][];
    const byName = new Map(steps);
    assert.deepEqual(byName.get('state after pause'), { ok: true, value: { Name: '/life-side-X', Status: 'paused', Running: true, Paused: true, ExitCode: 0, RestartCount: 0 } });
    assert.deepEqual(byName.get('wait'), { ok: true, value: { Error: null, StatusCode: 137 } });
    assert.deepEqual(byName.get('stop again'), { ok: false, status: 304, message: '(HTTP code 304) container already stopped -' });
    assert.deepEqual(byName.get('state after rename'), { ok: true, value: { Name: '/renamed-side-X', Status: 'exited', Running: false, Paused: false, ExitCode: 137, RestartCount: 0 } });
    assert.equal((byName.get('inspect removed') as { status?: number }).status, 404);
    assert.deepEqual(byName.get('prune'), { ok: true, value: { count: 2, SpaceReclaimed: 0 } });
  });

  it('exec create/start/inspect without a tty, with a tty (and resize), with hijack and stdin, and with Env/WorkingDir/User: the same output and exit codes', async () => {
    const { all } = sides();
    const target = await fixture('exec-target', { Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'none' } }, true);
    const result = (await sameOnEverySide(all, async ({ docker }) => {
      const container = docker.getContainer(target.id);
      const plain = await container.exec({ Cmd: ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3'], AttachStdout: true, AttachStderr: true });
      const plainOutput = await demuxWithSdk(docker, await plain.start({}));
      const plainInspect = scrub(await docker.getExec(plain.id).inspect(), ['Pid']);

      const tty = await container.exec({ Cmd: ['sh', '-c', 'sleep 1; [ -t 1 ] && echo stdout-is-a-terminal'], AttachStdout: true, AttachStderr: true, Tty: true });
      const ttyStream = await tty.start({ Tty: true });
      const ttyText = collect(ttyStream);
      const resize = await attempt(() => tty.resize({ h: 30, w: 100 }));
      const ttyOutput = (await ttyText).toString();

      const interactive = await container.exec({ Cmd: ['sh', '-c', 'cat; echo stdin-closed >&2'], AttachStdin: true, AttachStdout: true, AttachStderr: true });
      const duplex = (await interactive.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream;
      const interactiveOutput = demuxWithSdk(docker, duplex);
      duplex.write('line one\n');
      duplex.end('line two\n');

      const shaped = await container.exec({
        Cmd: ['sh', '-c', 'echo "$SDK_VAR $(pwd) $(id -u)"'],
        Env: ['SDK_VAR=from-exec'],
        WorkingDir: '/tmp',
        User: '1000',
        AttachStdout: true,
        AttachStderr: true,
      });
      const shapedOutput = await demuxWithSdk(docker, await shaped.start({}));
      return {
        plain: { output: plainOutput, inspect: plainInspect },
        tty: { output: ttyOutput, resize: resize.ok ? 'resized' : resize, exitCode: (await tty.inspect()).ExitCode },
        interactive: { output: await interactiveOutput, exitCode: (await interactive.inspect()).ExitCode },
        shaped: shapedOutput,
      };
    })) as { plain: { output: unknown; inspect: { ExitCode: number } }; tty: unknown; interactive: unknown; shaped: unknown };
    assert.deepEqual(result.plain.output, { stdout: 'to-stdout\n', stderr: 'to-stderr\n' });
    assert.equal(result.plain.inspect.ExitCode, 3);
    assert.deepEqual(result.tty, { output: 'stdout-is-a-terminal\r\n', resize: 'resized', exitCode: 0 });
    assert.deepEqual(result.interactive, { output: { stdout: 'line one\nline two\n', stderr: 'stdin-closed\n' }, exitCode: 0 });
    assert.deepEqual(result.shaped, { stdout: 'from-exec /tmp 1000\n', stderr: '' });
  });

  it('attach with hijack and stdin (input reaches the container) and a plain attach stream: the same demuxed output and exit', async () => {
    const { all } = sides();
    for (const s of all) {
      await fixture(`attach-in-${s.tag}`, {
        Cmd: ['sh', '-c', 'read line; echo "got $line"; echo to-stderr >&2; exit 2'],
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: { NetworkMode: 'none' },
      });
      await fixture(`attach-out-${s.tag}`, { Cmd: ['sh', '-c', 'echo first; sleep 0.3; echo second >&2'], HostConfig: { NetworkMode: 'none' } });
    }
    const result = await sameOnEverySide(all, async ({ docker, tag }) => {
      const interactive = docker.getContainer(`attach-in-${tag}`);
      const duplex = await interactive.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
      const interactiveOutput = demuxWithSdk(docker, duplex);
      await interactive.start();
      duplex.write('hello\n');
      const first = { output: await interactiveOutput, exit: await interactive.wait() };

      const watched = docker.getContainer(`attach-out-${tag}`);
      const stream = await watched.attach({ stream: true, stdout: true, stderr: true });
      const watchedOutput = demuxWithSdk(docker, stream);
      await watched.start();
      const second = { output: await watchedOutput, exit: await watched.wait() };
      await interactive.remove();
      await watched.remove();
      return { first, second };
    });
    assert.deepEqual(result, {
      first: { output: { stdout: 'got hello\n', stderr: 'to-stderr\n' }, exit: { Error: null, StatusCode: 2 } },
      second: { output: { stdout: 'first\n', stderr: 'second\n' }, exit: { Error: null, StatusCode: 0 } },
    });
  });

  it('logs (with and without follow, with timestamps), stats without streaming, top, changes, archive info, getArchive and export of one container: the same answers and bytes', async () => {
    const { all, direct } = sides();
    const reader = await fixture(
      'reader',
      { Cmd: ['sh', '-c', 'echo out-line; echo err-line >&2; mkdir /tmp/made; echo content > /tmp/made/file; sleep 600'], HostConfig: { NetworkMode: 'none' } },
      true,
    );
    // One side after the other: an export while another archive request has the container's files
    // mounted holds three more entries (the engine's /etc/hosts, hostname, resolv.conf mount points).
    await waitFor(
      'the reader container wrote its lines',
      async () => demultiplex(await direct.docker.getContainer(reader.id).logs({ stdout: true, stderr: true, follow: false })),
      (logs) => logs.stderr === 'err-line\n',
    );
    const result = (await sameOnEverySide(
      all,
      async ({ docker }) => {
        const container = docker.getContainer(reader.id);
        const logs = demultiplex(await container.logs({ stdout: true, stderr: true, follow: false }));
        const stamped = await container.logs({ stdout: true, stderr: true, timestamps: true, tail: 5, follow: false });
        const followed = await container.logs({ stdout: true, stderr: true, follow: true });
        const followedOutput = demuxWithSdk(docker, followed);
        // The stream stays open while the container runs: end it once both lines have come.
        setTimeout(() => (followed as unknown as { destroy(): void }).destroy(), 500);
        const stats = (await container.stats({ stream: false })) as unknown as Record<string, unknown>;
        const top = await container.top({ ps_args: '-o pid,comm' });
        const changes = (await container.changes()) as { Path: string; Kind: number }[];
        const info = (await container.infoArchive({ path: '/tmp/made' })) as { headers: Record<string, string> };
        const archive = await collect(await container.getArchive({ path: '/tmp/made' }));
        const exported = await collect(await container.export());
        return {
          logs,
          stamped: stamped.toString('base64'),
          followed: await followedOutput,
          stats: { keys: Object.keys(stats).sort(), name: stats['name'], id: stats['id'] },
          top: { Titles: top.Titles, commands: (top.Processes as string[][]).map((row) => row.at(-1)).sort() },
          changes: [...changes].sort((a, b) => a.Path.localeCompare(b.Path)),
          pathStat: JSON.parse(Buffer.from(info.headers['x-docker-container-path-stat'] ?? '', 'base64').toString()) as unknown,
          archive: sha256(archive),
          exported: { sha256: sha256(exported), bytes: exported.length },
        };
      },
      { sequential: true },
    )) as { logs: unknown; followed: unknown; changes: unknown; top: { commands: unknown } };
    assert.deepEqual(result.logs, { stdout: 'out-line\n', stderr: 'err-line\n' });
    assert.deepEqual(result.followed, { stdout: 'out-line\n', stderr: 'err-line\n' });
    assert.deepEqual(result.changes, [
      { Kind: 0, Path: '/tmp' },
      { Kind: 1, Path: '/tmp/made' },
      { Kind: 1, Path: '/tmp/made/file' },
    ]);
    assert.deepEqual(result.top.commands, ['sleep']);
  });

  it('putArchive then getArchive, and a put to a missing directory: the same outcomes and the same bytes back', async () => {
    const { all, engine } = sides();
    const staging = mkdtempSync(join(engine.dir, 'sdk-put-'));
    mkdirSync(join(staging, 'put'));
    writeFileSync(join(staging, 'put', 'hello.txt'), 'put through the SDK\n');
    const tarPath = join(engine.dir, 'sdk-put.tar');
    writeFileSync(tarPath, reproducibleTar(staging));
    for (const s of all) await fixture(`archive-${s.tag}`, { Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
    const result = await sameOnEverySide(all, async (side) => {
      const container = side.docker.getContainer(`archive-${side.tag}`);
      const put = await attempt(() => container.putArchive(tarPath, { path: '/tmp' }));
      const back = await collect(await container.getArchive({ path: '/tmp/put/hello.txt' }));
      const missing = await attempt(() => container.putArchive(tarPath, { path: '/no/such/dir' }));
      await container.remove();
      return { put: outcomeForSide(put, side), back: sha256(back), content: back.subarray(512, 512 + 20).toString(), missing: outcomeForSide(missing, side) };
    });
    assert.deepEqual((result as { content: string }).content, 'put through the SDK\n');
    assert.equal((result as { missing: { status: number } }).missing.status, 404);
  });

  it('commit with repo, tag, comment, author, changes and pause: the same image config', async () => {
    const { all } = sides();
    for (const s of all) {
      const container = await fixture(`commit-${s.tag}`, { Cmd: ['sh', '-c', 'echo committed > /tmp/marker'], HostConfig: { NetworkMode: 'none' } }, true);
      await container.wait();
    }
    const result = (await sameOnEverySide(all, async ({ docker, tag }) => {
      const container = docker.getContainer(`commit-${tag}`);
      const committed = (await container.commit({
        repo: `committed-${tag}`,
        tag: 'v1',
        comment: 'made by dockerode',
        author: 'sdk test',
        changes: ['LABEL sdk.committed=yes', 'ENV COMMITTED=1'],
        pause: true,
      })) as { Id: string };
      const image = scrub(await docker.getImage(`committed-${tag}:v1`).inspect(), IMAGE_VOLATILE);
      await container.remove();
      await docker.getImage(`committed-${tag}:v1`).remove();
      return { committed, image };
    })) as { image: { Comment: string; Author: string; Config: { Labels: unknown; Env: string[] }; RepoTags: string[] } };
    assert.equal(result.image.Comment, 'made by dockerode');
    assert.equal(result.image.Author, 'sdk test');
    assert.deepEqual(result.image.Config.Labels, { 'sdk.committed': 'yes' });
    assert.ok(result.image.Config.Env.includes('COMMITTED=1'));
    assert.deepEqual(result.image.RepoTags, ['committed-side-X:v1']);
  });

  // -- images -----------------------------------------------------------------------------------------

  it('buildImage from a context with the Dockerfile outside its root (dockerfile option), labels, buildargs and two tags, then tag, history, inspect and list: the same', async () => {
    const { all, engine } = sides();
    const context = mkdtempSync(join(engine.dir, 'sdk-build-'));
    mkdirSync(join(context, 'files'));
    mkdirSync(join(context, 'build'));
    writeFileSync(join(context, 'files', 'hello.txt'), 'hello from the context\n');
    writeFileSync(
      join(context, 'build', 'Containerfile'),
      'FROM busybox:test\nARG GREETING=unset\nLABEL from.dockerfile=yes\nCOPY files/hello.txt /hello.txt\nRUN echo "$GREETING" > /greeting\nCMD ["cat", "/greeting"]\n',
    );
    const result = (await sameOnEverySide(all, async ({ docker, tag }) => {
      const stream = await docker.buildImage(
        { context, src: ['build/Containerfile', 'files/hello.txt'] },
        {
          t: [`built-${tag}:1`, `built-${tag}:2`] as unknown as string,
          dockerfile: 'build/Containerfile',
          labels: { 'sdk.built': 'yes' },
          buildargs: { GREETING: 'hello from a build arg' },
          nocache: true,
          rm: true,
          forcerm: true,
          networkmode: 'none',
        },
      );
      const progress = await followProgress(docker, stream);
      const image = docker.getImage(`built-${tag}:1`);
      await image.tag({ repo: `retagged-${tag}`, tag: 'v2' });
      const inspect = scrub(await image.inspect(), IMAGE_VOLATILE);
      const history = scrub(await image.history(), ['Created']);
      const listed = (await docker.listImages({ filters: { label: ['sdk.built=yes'], reference: [`*-${tag}:*`] } })).map((i) => [...(i.RepoTags ?? [])].sort());
      for (const ref of [`built-${tag}:1`, `built-${tag}:2`, `retagged-${tag}:v2`]) await docker.getImage(ref).remove();
      return { progress: progress.map((p) => (typeof p['stream'] === 'string' ? p['stream'] : JSON.stringify(p))).join(''), inspect, history, listed };
    })) as { progress: string; inspect: { Config: { Labels: unknown; Cmd: unknown } }; history: unknown; listed: unknown };
    assert.match(JSON.stringify(result.history), /\|1 GREETING=hello from a build arg \/bin\/sh -c echo/);
    assert.match(result.progress, /^Step 1\/7 : FROM busybox:test\n/);
    assert.match(result.progress, /Successfully tagged built-side-X:2\n$/);
    assert.deepEqual(result.inspect.Config.Labels, { 'from.dockerfile': 'yes', 'sdk.built': 'yes' });
    assert.deepEqual(result.inspect.Config.Cmd, ['cat', '/greeting']);
    assert.deepEqual(result.listed, [['built-side-X:1', 'built-side-X:2', 'retagged-side-X:v2']]);
  });

  it('BuildKit (buildImage version 2, over a /session channel) and builder prune: audit builds and prunes as the engine does; baseline refuses the build by policy', async () => {
    const { engine, baseline } = sides();
    const context = mkdtempSync(join(engine.dir, 'sdk-buildkit-'));
    writeFileSync(join(context, 'hello.txt'), 'hello from buildkit\n');
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox:test\nLABEL sdk.buildkit=yes\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n');
    const build = async ({ docker, tag }: Side): Promise<{ Labels: unknown; Cmd: unknown }> => {
      const stream = await docker.buildImage({ context, src: ['Dockerfile', 'hello.txt'] }, { t: `buildkit-${tag}`, version: '2' });
      await new Promise<void>((resolve, reject) => extras(docker).followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())));
      const { Config } = await docker.getImage(`buildkit-${tag}`).inspect();
      await docker.getImage(`buildkit-${tag}`).remove();
      return { Labels: Config.Labels, Cmd: Config.Cmd };
    };
    // One after the other: each side's builder prune removes the build cache its own build left.
    const result = await sameOnEverySide(sidesExceptBaseline(), async (side) => ({ image: await build(side), prune: await onePruneAtATime(() => side.docker.pruneBuilder()) }), {
      sequential: true,
    });
    const { image, prune } = result as { image: unknown; prune: { CachesDeleted: unknown[] | null; SpaceReclaimed: number } };
    assert.deepEqual(image, { Labels: { 'sdk.buildkit': 'yes' }, Cmd: ['cat', '/hello.txt'] });
    assert.ok((prune.CachesDeleted?.length ?? 0) > 0 && prune.SpaceReclaimed > 0, `the builder prune removed the build's cache: ${JSON.stringify(prune)}`);
    assertBaselineRefusal(await attempt(() => build(baseline)), 'a BuildKit build', /BuildKit/);
    // Pruning the builder cache is no BuildKit channel: baseline grants it (nothing is left to prune).
    assert.deepEqual(valueOf(await attempt(() => baseline.docker.pruneBuilder()), 'builder prune through baseline'), { CachesDeleted: null, SpaceReclaimed: 0 });
  });

  it('image get (save) of one and of two names, load, import with changes, remove and prune: the same bytes and answers', async () => {
    const { all, direct, engine } = sides();
    await direct.docker.getImage(IMAGE).tag({ repo: 'sdk-extra', tag: 'v1' });
    const savedPath = join(engine.dir, 'sdk-saved.tar');
    writeFileSync(savedPath, await collect(await direct.docker.getImage(IMAGE).get()));
    const rootfs = join(mkdtempSync(join(engine.dir, 'sdk-rootfs-')), 'rootfs');
    makeBusyboxRootfs(rootfs);
    const rootfsTar = join(engine.dir, 'sdk-rootfs.tar');
    writeFileSync(rootfsTar, reproducibleTar(rootfs));
    // Holds the imported layer, so that each side's prune removes its own image and never the shared layer.
    await followProgress(direct.docker, await direct.docker.importImage(rootfsTar, { repo: 'sdk-rootfs', tag: 'keep' }));
    const result = (await sameOnEverySide(all, async (side) => {
      const { docker, tag } = side;
      const one = await collect(await docker.getImage(IMAGE).get());
      const two = await collect(await extras(docker).getImages({ names: [IMAGE, 'sdk-extra:v1'] }));
      const loaded = await followProgress(docker, await docker.loadImage(savedPath, { quiet: true }));
      const imported = await followProgress(docker, await docker.importImage(rootfsTar, { repo: `imported-${tag}`, tag: 'v1', changes: ['CMD ["/bin/sh"]', `LABEL sdk.prune=${tag}`] }));
      const importedInspect = scrub(await docker.getImage(`imported-${tag}:v1`).inspect(), IMAGE_VOLATILE);
      await docker.getImage(`imported-${tag}:v1`).tag({ repo: `imported-${tag}`, tag: 'v2' });
      const untagged = await docker.getImage(`imported-${tag}:v2`).remove();
      const pruned = await onePruneAtATime(() => docker.pruneImages({ filters: { label: [`sdk.prune=${tag}`], dangling: ['false'] } }));
      const removeMissing = await attempt(() => docker.getImage(`imported-${tag}:v1`).remove());
      return {
        one: { sha256: sha256(one), bytes: one.length },
        two: { sha256: sha256(two), bytes: two.length },
        loaded,
        imported,
        importedInspect,
        untagged,
        pruned: { ...pruned, ImagesDeleted: pruned.ImagesDeleted?.length },
        removeMissing: outcomeForSide(removeMissing, side),
      };
    })) as { loaded: unknown; importedInspect: { Config: { Labels: unknown } }; pruned: { ImagesDeleted: number }; removeMissing: { status: number } };
    assert.deepEqual(result.loaded, [{ stream: 'Loaded image: busybox:test\n' }]);
    assert.deepEqual(result.importedInspect.Config.Labels, { 'sdk.prune': 'side-X' });
    assert.equal(result.pruned.ImagesDeleted, 2, 'untagged and deleted');
    assert.equal(result.removeMissing.status, 404);
  });

  it('push (with and without auth), pull, createImage, search, distribution and checkAuth against a registry nobody serves: failing the same way', async () => {
    const { all, direct } = sides();
    await direct.docker.getImage(IMAGE).tag({ repo: `${NO_REGISTRY}/sdk/pushed`, tag: 'v1' });
    const auth = { username: 'sdk', password: 'not-a-secret', serveraddress: NO_REGISTRY };
    const result = (await sameOnEverySide(all, async (side) => {
      const { docker } = side;
      const pushed = docker.getImage(`${NO_REGISTRY}/sdk/pushed:v1`);
      const outcomes = {
        pushWithoutAuth: await attempt(async () => (await collect(await pushed.push({}))).toString()),
        pushWithAuth: await attempt(async () => (await collect(await pushed.push({ authconfig: auth }))).toString()),
        pull: await attempt(async () => (await collect(await docker.pull(`${NO_REGISTRY}/sdk/absent:v1`))).toString()),
        createImage: await attempt(async () => (await collect(await docker.createImage({ fromImage: `${NO_REGISTRY}/sdk/absent`, tag: 'v1' }))).toString()),
        search: await attempt(() => docker.searchImages({ term: `${NO_REGISTRY}/busybox`, limit: 5, filters: { 'is-official': ['false'] } })),
        distribution: await attempt(() => docker.getImage(`${NO_REGISTRY}/sdk/pushed:v1`).distribution()),
        checkAuth: await attempt(() => docker.checkAuth(auth)),
      };
      return Object.fromEntries(Object.entries(outcomes).map(([name, outcome]) => [name, outcomeForSide(outcome, side)]));
    })) as Record<string, { ok: boolean; status?: number; value?: string }>;
    assert.equal(result['pushWithoutAuth']?.status, 400);
    assert.match(String(result['pushWithAuth']?.value), /connection refused/);
    for (const name of ['pull', 'createImage', 'search', 'distribution', 'checkAuth']) assert.equal(result[name]?.status, 500, name);
  });

  // -- volumes and networks ---------------------------------------------------------------------------

  it('volumes: create (named, anonymous, tmpfs options), inspect, list with filters, remove and prune: the same', async () => {
    const { all } = sides();
    const result = (await sameOnEverySide(all, async ({ docker, tag }) => {
      const named = await docker.createVolume({ Name: `vol-${tag}`, Driver: 'local', Labels: { 'sdk.side': tag }, DriverOpts: {} });
      const tmpfs = await docker.createVolume({ Name: `vol-tmpfs-${tag}`, Driver: 'local', Labels: { 'sdk.side': tag }, DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
      const anonymous = await docker.createVolume({ Labels: { 'sdk.prune': tag } });
      const inspected = scrub(await docker.getVolume(`vol-${tag}`).inspect(), ['CreatedAt']);
      const tmpfsInspected = scrub(await tmpfs.inspect(), ['CreatedAt']);
      const listed = ((await docker.listVolumes({ filters: { label: [`sdk.side=${tag}`] } })).Volumes ?? []).map((v) => v.Name).sort();
      await named.remove();
      await tmpfs.remove();
      const pruned = await onePruneAtATime(() => docker.pruneVolumes({ filters: { label: [`sdk.prune=${tag}`] } }));
      return { names: [named.name, tmpfs.name], anonymous: /^[0-9a-f]{64}$/.test(anonymous.name), inspected, tmpfsInspected, listed, pruned };
    })) as { inspected: unknown; listed: unknown; pruned: unknown; anonymous: boolean };
    assert.equal(result.anonymous, true);
    assert.deepEqual(result.listed, ['vol-side-X', 'vol-tmpfs-side-X']);
    assert.deepEqual(result.pruned, { VolumesDeleted: ['<id1>'], SpaceReclaimed: 0 });
  });

  it('a local volume with bind options: audit creates it as the engine does; baseline refuses it by policy', async () => {
    const { engine, direct, baseline } = sides();
    const device = mkdtempSync(join(engine.dir, 'sdk-volume-device-'));
    const options = (tag: string) => ({ Name: `bound-${tag}`, Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device } });
    const result = await sameOnEverySide(sidesExceptBaseline(), async ({ docker, tag }) => {
      const volume = await docker.createVolume(options(tag));
      const inspected = await volume.inspect();
      await volume.remove();
      return inspected.Options;
    });
    assert.deepEqual(result, { device, o: 'bind', type: 'none' });
    assertBaselineRefusal(await attempt(() => baseline.docker.createVolume(options(baseline.tag))), 'a volume with bind options', /bind|device/);
    const left = await attempt(() => direct.docker.getVolume(`bound-${baseline.tag}`).inspect());
    assert.equal(left.ok ? 'exists' : left.status, 404, 'no volume on the engine');
  });

  it('networks: create an internal bridge network with IPAM and labels, inspect, list, connect a container with aliases, disconnect, remove and prune: the same', async () => {
    const { all } = sides();
    const subnets: Record<string, number> = { 'side-direct': 1, 'side-audit': 2, 'side-baseline': 3 };
    for (const s of all) await fixture(`netbox-${s.tag}`, { Cmd: ['sleep', '600'] }, true);
    const result = (await sameOnEverySide(all, async ({ docker, tag }) => {
      const subnet = (n: number) => `10.201.${n}.0/24`;
      const network = await docker.createNetwork({
        Name: `net-${tag}`,
        Driver: 'bridge',
        Internal: true,
        Attachable: true,
        CheckDuplicate: true,
        EnableIPv6: false,
        Labels: { 'sdk.side': tag },
        Options: { 'com.docker.network.bridge.enable_icc': 'true' },
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet(subnets[tag] ?? 0), Gateway: `10.201.${subnets[tag]}.1` }] },
      });
      await docker.createNetwork({ Name: `net-prunable-${tag}`, Driver: 'bridge', Labels: { 'sdk.prune': tag } });
      const inspected = scrub(await network.inspect(), ['Created']);
      const listed = (await docker.listNetworks({ filters: { label: [`sdk.side=${tag}`] } })).map((n) => n.Name);
      const container = docker.getContainer(`netbox-${tag}`);
      await network.connect({ Container: `netbox-${tag}`, EndpointConfig: { Aliases: ['sdk-alias', 'sdk-other'] } });
      const attached = scrub((await container.inspect()).NetworkSettings.Networks[`net-${tag}`], CONTAINER_VOLATILE);
      const members = Object.values(((await network.inspect()) as { Containers: Record<string, { Name: string }> }).Containers).map((c) => c.Name);
      await network.disconnect({ Container: `netbox-${tag}`, Force: false });
      const after = Object.keys((await container.inspect()).NetworkSettings.Networks).sort();
      await container.remove({ force: true });
      await network.remove();
      const pruned = await onePruneAtATime(() => docker.pruneNetworks({ filters: { label: [`sdk.prune=${tag}`] } }));
      // The subnet is the side's own (networks may not overlap): only its third number differs.
      return JSON.parse(JSON.stringify({ inspected, listed, attached, members, after, pruned }).replaceAll(`10.201.${subnets[tag]}.`, '10.201.N.')) as unknown;
    })) as { inspected: { Internal: boolean; IPAM: unknown }; attached: { Aliases: string[] }; members: unknown; after: unknown; pruned: unknown };
    assert.equal(result.inspected.Internal, true);
    assert.deepEqual(result.inspected.IPAM, { Driver: 'default', Options: null, Config: [{ Subnet: '10.201.N.0/24', Gateway: '10.201.N.1' }] });
    assert.deepEqual(result.attached.Aliases.slice(0, 2), ['sdk-alias', 'sdk-other']);
    assert.deepEqual(result.members, ['netbox-side-X']);
    assert.deepEqual(result.after, ['bridge']);
    assert.deepEqual(result.pruned, { NetworksDeleted: ['net-prunable-side-X'] });
  });

  // -- plugins, checkpoints, legacy copy --------------------------------------------------------------

  it('plugins (list, inspect, privileges, pull, push, upgrade, remove), the legacy copy and checkpoints fail the same way; plugin create, enable, disable and set too, which baseline refuses by policy, as it does checkpoints', async () => {
    const { all, baseline, direct } = sides();
    const target = await fixture('plugin-and-copy-target', { Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'none' } }, true);
    const remote = `${NO_REGISTRY}/sdk/plugin:v1`;
    const result = (await sameOnEverySide(all, async (side) => {
      const { docker, tag } = side;
      const plugin = docker.getPlugin(`sdk-plugin-${tag}`, remote);
      const outcomes = {
        list: await attempt(() => docker.listPlugins()),
        inspect: await attempt(() => plugin.inspect()),
        privileges: await attempt(() => plugin.privileges()),
        pull: await attempt(async () => (await collect((await plugin.pull({ _query: { remote, name: `sdk-plugin-${tag}` }, _body: [] })) as NodeJS.ReadableStream)).toString()),
        push: await attempt(() => plugin.push({})),
        upgrade: await attempt(() => plugin.upgrade({}, { _query: { remote }, _body: [] })),
        remove: await attempt(() => plugin.remove({ force: true })),
        copy: await attempt(() => docker.getContainer(target.id).copy({ Resource: '/bin/sh' })),
      };
      return Object.fromEntries(Object.entries(outcomes).map(([name, outcome]) => [name, outcomeForSide(outcome, side)]));
    })) as Record<string, { ok: boolean; status?: number }>;
    assert.deepEqual(result['list'], { ok: true, value: [] });
    assert.equal(result['inspect']?.status, 404);
    assert.equal(result['pull']?.status, 500);
    assert.equal(result['copy']?.status, 404);

    const changes = {
      create: (docker: Docker, tag: string) => docker.createPlugin({ name: `sdk-plugin-${tag}` }),
      enable: (docker: Docker, tag: string) => docker.getPlugin(`sdk-plugin-${tag}`, remote).enable({ timeout: 1 }),
      disable: (docker: Docker, tag: string) => docker.getPlugin(`sdk-plugin-${tag}`, remote).disable(),
      set: (docker: Docker, tag: string) => docker.getPlugin(`sdk-plugin-${tag}`, remote).configure({ _body: ['DEBUG=1'] }),
    };
    const changed = (await sameOnEverySide(sidesExceptBaseline(), async (side) => {
      const entries: [string, unknown][] = [];
      for (const [name, change] of Object.entries(changes)) entries.push([name, outcomeForSide(await attempt(() => change(side.docker, side.tag)), side)]);
      const container = containerExtras(side.docker.getContainer(target.id));
      entries.push(['checkpoint list', outcomeForSide(await attempt(() => container.listCheckpoint()), side)]);
      entries.push(['checkpoint create', outcomeForSide(await attempt(() => container.createCheckpoint({ CheckpointID: 'sdk', Exit: false })), side)]);
      return Object.fromEntries(entries);
    })) as Record<string, { ok: boolean; status?: number }>;
    assert.equal(changed['enable']?.status, 404);
    assert.equal(changed['checkpoint list']?.status, 501, 'checkpoints need an experimental engine');
    for (const name of Object.keys(changes)) {
      assertBaselineRefusal(await attempt(() => changes[name as keyof typeof changes](baseline.docker, baseline.tag)), `plugin ${name}`, new RegExp(`plugin\\.${name}`));
    }
    assertBaselineRefusal(await attempt(() => containerExtras(baseline.docker.getContainer(target.id)).listCheckpoint()), 'checkpoint list', /checkpoint/);
    assertBaselineRefusal(await attempt(() => containerExtras(baseline.docker.getContainer(target.id)).createCheckpoint({ CheckpointID: 'sdk' })), 'checkpoint create', /checkpoint/);
    await direct.docker.getContainer(target.id).remove({ force: true });
  });

  // -- swarm ------------------------------------------------------------------------------------------

  /** Tests after the swarm-init test need a swarm: made on the engine directly if the init under test did not leave one. */
  const ensureSwarm = async (): Promise<void> => {
    const { direct } = sides();
    if ((await direct.docker.info()).Swarm.LocalNodeState === 'active') return;
    await direct.docker.swarmInit({ ListenAddr: `127.0.0.1:${await freeLoopbackPort()}`, AdvertiseAddr: '127.0.0.1' });
  };

  /** The swarm as its init leaves it, without what a new swarm has new: ids, times, versions, tokens and certificates. */
  const swarmShape = (swarm: unknown): unknown => scrub(swarm, ['ID', 'Version', 'CreatedAt', 'UpdatedAt', 'JoinTokens', 'TLSInfo']);

  it('swarm init (advertise address 127.0.0.1), inspect, init again, join, update with version: audit as the engine; baseline refuses each by policy', async () => {
    const { direct, audit, baseline } = sides();
    const port = await freeLoopbackPort();
    const initOptions = { ListenAddr: `127.0.0.1:${port}`, AdvertiseAddr: '127.0.0.1', Spec: { Labels: { 'sdk.swarm': 'yes' }, Orchestration: { TaskHistoryRetentionLimit: 3 } } };

    assertBaselineRefusal(await attempt(() => baseline.docker.swarmInit(initOptions)), 'swarm init', /swarm\.init/);
    assert.equal((await direct.docker.info()).Swarm.LocalNodeState, 'inactive', 'baseline refused swarm init: the engine is in no swarm');

    // One swarm per engine: the direct run leaves its swarm again before audit makes its own.
    const runInit = async (side: Side, leave: boolean): Promise<unknown> => {
      const init = await attempt(() => side.docker.swarmInit(initOptions));
      const nodeId = init.ok && /^[0-9a-z]{25}$/.test(String(init.value)) ? 'a node id' : init;
      const swarm = swarmShape(await side.docker.swarmInspect());
      const again = outcomeForSide(await attempt(() => side.docker.swarmInit(initOptions)), side);
      const join = outcomeForSide(
        await attempt(() => side.docker.swarmJoin({ ListenAddr: `127.0.0.1:${port}`, AdvertiseAddr: '127.0.0.1', RemoteAddrs: [NO_REGISTRY], JoinToken: 'SWMTKN-1-invalid' })),
        side,
      );
      const before = (await side.docker.swarmInspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
      const update = outcomeForSide(await attempt(() => side.docker.swarmUpdate({ ...before.Spec, version: before.Version.Index, Labels: { 'sdk.swarm': 'updated' } })), side);
      const stale = outcomeForSide(await attempt(() => side.docker.swarmUpdate({ ...before.Spec, version: before.Version.Index, Labels: { 'sdk.swarm': 'stale' } })), side);
      const updated = ((await side.docker.swarmInspect()) as { Spec: { Labels: unknown } }).Spec.Labels;
      const left = leave ? outcomeForSide(await attempt(() => side.docker.swarmLeave({ force: true })), side) : 'stays';
      return { nodeId, swarm, again, join, update, stale, updated, left };
    };
    try {
      const reference = await runInit(direct, true);
      const throughAudit = await runInit(audit, false);
      assert.deepStrictEqual({ ...(throughAudit as object), left: 'left' }, { ...(reference as object), left: 'left' }, 'audit differs from direct');
      assert.deepEqual((reference as { left: unknown }).left, { ok: true, value: { buffer: '' } });
      assert.equal((reference as { nodeId: unknown }).nodeId, 'a node id');
      assert.deepEqual((reference as { updated: unknown }).updated, { 'sdk.swarm': 'updated' });
      assert.equal((reference as { stale: { status: number } }).stale.status, 500, 'a stale version is refused by the engine');

      assertBaselineRefusal(await attempt(() => baseline.docker.swarmInspect()), 'swarm inspect (join tokens)', /swarm\.inspect/);
      assertBaselineRefusal(
        await attempt(() => baseline.docker.swarmJoin({ ListenAddr: '127.0.0.1:0', RemoteAddrs: [NO_REGISTRY], JoinToken: 'SWMTKN-1-invalid' })),
        'swarm join',
        /swarm\.join/,
      );
      const current = (await direct.docker.swarmInspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
      assertBaselineRefusal(await attempt(() => baseline.docker.swarmUpdate({ ...current.Spec, version: current.Version.Index })), 'swarm update', /swarm\.update/);
    } finally {
      await ensureSwarm();
    }
  });

  it('configs and secrets with Templating (created, mounted, listed, updated with version), services in replicated, global and ReplicatedJob modes with UpdateConfig/RollbackConfig, service update with version, service and task logs, tasks: the same', async () => {
    const { all } = sides();
    await ensureSwarm();
    const result = (await sameOnEverySide(all, async (side) => {
      const { docker, tag } = side;
      const labels = { 'sdk.side': tag };
      const config = (await docker.createConfig({
        Name: `cfg-${tag}`,
        Labels: labels,
        Data: Buffer.from('greeting from {{ .Service.Name }}\n').toString('base64'),
        Templating: { Name: 'golang' },
      })) as unknown as { id: string };
      const secret = (await docker.createSecret({
        Name: `sec-${tag}`,
        Labels: labels,
        Data: Buffer.from('secret of {{ .Service.Name }}\n').toString('base64'),
        Templating: { Name: 'golang' },
      })) as unknown as { id: string };
      const configInspect = await docker.getConfig(config.id).inspect();
      const secretInspect = await docker.getSecret(secret.id).inspect();

      const replicated = (await docker.createService({
        Name: `rep-${tag}`,
        Labels: labels,
        TaskTemplate: {
          ContainerSpec: {
            Image: IMAGE,
            Command: ['sleep', '600'],
            Env: ['SDK=1'],
            Configs: [{ File: { Name: '/greeting', UID: '0', GID: '0', Mode: 0o444 }, ConfigID: config.id, ConfigName: `cfg-${tag}` }],
            Secrets: [{ File: { Name: 'secret', UID: '0', GID: '0', Mode: 0o400 }, SecretID: secret.id, SecretName: `sec-${tag}` }],
          },
          RestartPolicy: { Condition: 'on-failure', MaxAttempts: 3 },
        },
        Mode: { Replicated: { Replicas: 1 } },
        UpdateConfig: { Parallelism: 1, Delay: 1_000_000_000, FailureAction: 'rollback', Order: 'stop-first', Monitor: 1_000_000_000 },
        RollbackConfig: { Parallelism: 1, FailureAction: 'pause', Order: 'stop-first' },
      })) as unknown as { id: string };
      const global = (await docker.createService({
        Name: `glob-${tag}`,
        Labels: labels,
        TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: ['sleep', '600'] } },
        Mode: { Global: {} },
      })) as unknown as { id: string };
      const job = (await docker.createService({
        Name: `job-${tag}`,
        Labels: labels,
        TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: ['sh', '-c', 'echo job-done'] }, RestartPolicy: { Condition: 'none' } },
        Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 2 } },
      } as unknown as Docker.CreateServiceOptions)) as unknown as { id: string };

      const tasksOf = async (service: string, state?: string) =>
        (await docker.listTasks({ filters: { service: [service], ...(state === undefined ? {} : { 'desired-state': [state] }) } })) as {
          ID: string;
          Status: { State: string; ContainerStatus?: { ContainerID: string } };
        }[];
      const states = async (service: string) =>
        (await tasksOf(service))
          .map((t) => t.Status.State)
          .sort()
          .join(',');
      await waitFor(
        `rep-${tag} running`,
        () => states(`rep-${tag}`),
        (s) => s === 'running',
      );
      await waitFor(
        `glob-${tag} running`,
        () => states(`glob-${tag}`),
        (s) => s === 'running',
      );
      await waitFor(
        `job-${tag} complete twice`,
        () => states(`job-${tag}`),
        (s) => s === 'complete,complete',
      );

      const [task] = await tasksOf(`rep-${tag}`, 'running');
      const containerId = task?.Status.ContainerStatus?.ContainerID ?? 'no container';
      const mounted = await docker.getContainer(containerId).exec({ Cmd: ['sh', '-c', 'cat /greeting /run/secrets/secret'], AttachStdout: true, AttachStderr: true });
      const templated = await demuxWithSdk(docker, await mounted.start({}));

      const services = async () =>
        Object.fromEntries(
          await Promise.all([`rep-${tag}`, `glob-${tag}`, `job-${tag}`].map(async (name) => [name, ((await docker.getService(name).inspect()) as { Spec: unknown }).Spec] as const)),
        );
      const specs = await services();
      const current = (await docker.getService(replicated.id).inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> & { Mode: unknown } };
      const update = await attempt(() => docker.getService(replicated.id).update({ ...current.Spec, version: current.Version.Index, Mode: { Replicated: { Replicas: 2 } } }));
      valueOf(update, `service update of rep-${tag}`);
      const stale = await attempt(() => docker.getService(replicated.id).update({ ...current.Spec, version: current.Version.Index }));
      await waitFor(
        `rep-${tag} scaled to 2`,
        async () => (await tasksOf(`rep-${tag}`, 'running')).filter((t) => t.Status.State === 'running').length,
        (n) => n === 2,
      );
      const replicasAfter = ((await docker.getService(replicated.id).inspect()) as { Spec: { Mode: unknown } }).Spec.Mode;

      const jobLogs = demultiplex((await docker.getService(job.id).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);
      const taskInspect = scrub(await docker.getTask(task?.ID ?? 'none').inspect(), ['ID', 'Version', 'CreatedAt', 'UpdatedAt', 'Status', 'NetworksAttachments', 'Slot']);
      const listedServices = (await docker.listServices({ filters: { label: [`sdk.side=${tag}`] } })).map((s) => s.Spec?.Name).sort();
      const listedConfigs = (await docker.listConfigs({ filters: { label: [`sdk.side=${tag}`] } })).map((c) => c.Spec?.Name);
      const listedSecrets = (await docker.listSecrets({ filters: { label: [`sdk.side=${tag}`] } })).map((s) => s.Spec?.Name);
      const configUpdate = await attempt(async () => {
        const { Version, Spec } = (await docker.getConfig(config.id).inspect()) as unknown as { Version: { Index: number }; Spec: Record<string, unknown> };
        return docker.getConfig(config.id).update({ ...Spec, version: Version.Index, Labels: { ...labels, 'sdk.updated': 'yes' } });
      });
      const configLabels = ((await docker.getConfig(config.id).inspect()) as { Spec: { Labels: unknown } }).Spec.Labels;
      const secretUpdate = await attempt(async () => {
        const { Version, Spec } = (await docker.getSecret(secret.id).inspect()) as unknown as { Version: { Index: number }; Spec: Record<string, unknown> };
        return docker.getSecret(secret.id).update({ ...Spec, version: Version.Index, Labels: { ...labels, 'sdk.updated': 'yes' } });
      });
      const [jobTask] = await tasksOf(`job-${tag}`);
      const taskLogs = demultiplex((await taskExtras(docker.getTask(jobTask?.ID ?? 'none')).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);

      for (const service of [replicated.id, global.id, job.id]) await docker.getService(service).remove();
      await waitFor(
        `rep-${tag} tasks gone`,
        async () => (await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=rep-${tag}`] } })).length,
        (n) => n === 0,
      );
      await docker.getConfig(config.id).remove();
      await docker.getSecret(secret.id).remove();
      return {
        configSpec: configInspect.Spec,
        secretSpec: secretInspect.Spec,
        templated,
        specs,
        update: outcomeForSide(update, side),
        stale: outcomeForSide(stale, side),
        replicasAfter,
        jobLogs,
        taskInspect,
        listedServices,
        listedConfigs,
        listedSecrets,
        configUpdate: outcomeForSide(configUpdate, side),
        configLabels,
        secretUpdate: outcomeForSide(secretUpdate, side),
        taskLogs,
      };
    })) as Record<string, unknown> & {
      templated: unknown;
      stale: { status: number };
      replicasAfter: unknown;
      jobLogs: unknown;
      configLabels: unknown;
      secretUpdate: unknown;
      taskLogs: unknown;
    };
    assert.deepEqual(result.templated, { stdout: 'greeting from rep-side-X\nsecret of rep-side-X\n', stderr: '' });
    assert.deepEqual(result.replicasAfter, { Replicated: { Replicas: 2 } });
    assert.equal(result.stale.status, 500, 'an update with a stale version is refused by the engine');
    assert.deepEqual(result.jobLogs, { stdout: 'job-done\njob-done\n', stderr: '' });
    assert.deepEqual(result.configLabels, { 'sdk.side': 'side-X', 'sdk.updated': 'yes' });
    assert.deepEqual(result.secretUpdate, { ok: true, value: { buffer: '' } });
    assert.deepEqual(result.taskLogs, { stdout: 'job-done\n', stderr: '' });
  });

  it('nodes list, inspect and update with version: audit as the engine; baseline lists and inspects, and refuses the update by policy', async () => {
    const { all, baseline, direct } = sides();
    await ensureSwarm();
    const read = await sameOnEverySide(
      all,
      async ({ docker }) => {
        const nodes = await docker.listNodes();
        const node = scrub(await docker.getNode(nodes[0]?.ID ?? 'none').inspect(), ['Version', 'UpdatedAt', 'Status']);
        return { count: nodes.length, node };
      },
      { sequential: true },
    );
    assert.equal((read as { count: number }).count, 1);
    const updated = await sameOnEverySide(
      sidesExceptBaseline(),
      async ({ docker, tag }) => {
        const [node] = await docker.listNodes();
        const handle = docker.getNode(node?.ID ?? 'none');
        await handle.update({ version: node?.Version?.Index, Role: 'manager', Availability: 'active', Labels: { 'sdk.node': tag } });
        const spec = ((await handle.inspect()) as { Spec: unknown }).Spec;
        const removeSelf = await attempt(() => handle.remove({ force: false }));
        return { spec, removeSelf: removeSelf.ok ? 'removed' : removeSelf.status };
      },
      { sequential: true },
    );
    assert.deepEqual(updated, { spec: { Labels: { 'sdk.node': 'side-X' }, Role: 'manager', Availability: 'active' }, removeSelf: 400 });
    const [node] = await direct.docker.listNodes();
    assertBaselineRefusal(
      await attempt(() => baseline.docker.getNode(node?.ID ?? 'none').update({ version: node?.Version?.Index, Role: 'manager', Availability: 'active', Labels: {} })),
      'node update',
      /node\.update/,
    );
  });

  it('swarm leave: baseline refuses it by policy; audit leaves as the engine did', async () => {
    const { direct, audit, baseline } = sides();
    await ensureSwarm();
    assertBaselineRefusal(await attempt(() => baseline.docker.swarmLeave({ force: true })), 'swarm leave', /swarm\.leave/);
    assert.equal((await direct.docker.info()).Swarm.LocalNodeState, 'active', 'baseline refused the leave: the engine is still in its swarm');
    const left = await attempt(() => audit.docker.swarmLeave({ force: true }));
    assert.deepEqual(normaliseForSide(valueOf(left, 'swarm leave through audit'), audit), { buffer: '' });
    assert.equal((await direct.docker.info()).Swarm.LocalNodeState, 'inactive');
  });
});
