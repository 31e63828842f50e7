// What the host-escape suites share: a private engine with host directories laid out for mount attacks,
// dockgate in front of it under a container-inspecting profile (`baseline`, `restricted`) with
// `--allow-bind`, raw HTTP to either side, the Docker-format refusal a test expects, and the proof that
// a refused request left the engine untouched: the same objects before and after (containers with
// their configuration and exec sessions, volumes, networks, images, plugins, swarm services) and no
// engine event while it was handled. Also a loopback trap that counts connections, for requests that
// would make the engine fetch a URL or contact a registry.

import assert from 'node:assert/strict';
import { before } from 'node:test';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { docker, dockerOk, type DockerResult } from './docker-cli.js';
import { openSocket, type Endpoint } from './endpoint.js';
import { startEngine, type Engine } from './engine.js';
import { startGatewayInFront } from './gateway.js';
import { useTeardown } from './teardown.js';

export const IMAGE = 'busybox:test';
/** The API version the Docker CLI negotiates with this engine; raw requests use it too. */
export const API = '/v1.41';

// ---------------------------------------------------------------------------------------------------
// Host directories

export interface HostLayout {
  /** `<engine dir>/srv/data`: the bind root granted with `--allow-bind`. Holds `x/file`, `v1..2/file`, `etc-link -> /etc`, `sock-link -> engine socket`. */
  root: string;
  /** `<engine dir>/srv/database`: shares a string prefix with `root` but is not under it. Holds `secret`. */
  lookalike: string;
  /** `<engine dir>/srv/ro-data`: a root granted with `:ro`. Holds `file`. */
  roRoot: string;
  /** `<engine dir>/hostdir`: a host directory under no root. Holds `marker` (content `host secret\n`). */
  hostDir: string;
}

export const HOST_MARKER = 'host secret\n';

/** Lays out the directories below the engine's own (removed with it). */
export function layOutHost(engine: Engine): HostLayout {
  const srv = join(engine.dir, 'srv');
  const root = join(srv, 'data');
  const lookalike = join(srv, 'database');
  const roRoot = join(srv, 'ro-data');
  const hostDir = join(engine.dir, 'hostdir');
  for (const dir of [join(root, 'x'), join(root, 'v1..2'), lookalike, roRoot, hostDir]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(root, 'x', 'file'), 'allowed\n');
  writeFileSync(join(root, 'v1..2', 'file'), 'dots\n');
  writeFileSync(join(lookalike, 'secret'), 'lookalike secret\n');
  writeFileSync(join(roRoot, 'file'), 'read-only root\n');
  writeFileSync(join(hostDir, 'marker'), HOST_MARKER);
  // Planted by a container that could write into the allowed root, or by anyone with access to it.
  symlinkSync('/etc', join(root, 'etc-link'));
  symlinkSync(engine.socketPath, join(root, 'sock-link'));
  return { root, lookalike, roRoot, hostDir };
}

// ---------------------------------------------------------------------------------------------------
// The gateway

export interface GatewayUnderTest {
  /** `baseline`, `restricted`, ...: for assertion messages. */
  name: string;
  endpoint: Endpoint;
  auditLog: string;
  commandLine: string;
  output(): string;
  /** Fails with the gateway's output if it died during the tests, else stops it. */
  stopRunning(): Promise<unknown>;
}

export interface GatewayConfig {
  name: string;
  /** `--profile NAME`, or `--policy FILE` when the name is a path to a policy file. */
  profile?: string;
  policy?: string;
  /** `--allow-bind` values, `PATH` or `PATH:ro`. */
  allowBind?: readonly string[];
}

/** `dockgate serve --profile P [--allow-bind ...] --audit-log ...` as shipped, on a unix socket below the engine's directory. */
export async function startDockgate(engine: Engine, config: GatewayConfig): Promise<GatewayUnderTest> {
  const args = [
    ...(config.policy === undefined ? ['--profile', config.profile ?? 'baseline'] : ['--policy', config.policy]),
    ...(config.allowBind ?? []).flatMap((path) => ['--allow-bind', path]),
  ];
  const gateway = await startGatewayInFront(engine, { args });
  return {
    name: config.name,
    endpoint: { ...gateway.unix, name: `gateway-${config.name}` },
    auditLog: gateway.auditLog,
    commandLine: gateway.commandLine,
    output: () => gateway.output(),
    stopRunning: () => gateway.stopRunning(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Raw HTTP

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SendOptions {
  /** Serialised with JSON.stringify, sent as application/json unless `contentType` says otherwise. */
  json?: unknown;
  /** Sent as given (a JSON text with tricks JSON.stringify cannot write, a tar, a form). */
  body?: string | Buffer;
  /** The Content-Type header; null: none at all. Default: application/json when there is a body. */
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Send the body with Transfer-Encoding: chunked, in two chunks, instead of a Content-Length. */
  chunked?: boolean;
  timeoutMs?: number;
}

/**
 * One request on a fresh connection. A `101` answer (an upgrade the engine or gateway accepted) resolves
 * with status 101 and the connection closed at once: nothing is sent over it.
 */
export function send(endpoint: Endpoint, method: string, path: string, options: SendOptions = {}): Promise<HttpResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const body = options.body ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  const headers: Record<string, string | number> = { Host: 'docker', ...options.headers };
  const contentType = options.contentType === undefined ? (body === undefined ? null : 'application/json') : options.contentType;
  if (contentType !== null) headers['Content-Type'] = contentType;
  if (body !== undefined) {
    if (options.chunked === true) headers['Transfer-Encoding'] = 'chunked';
    else headers['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolveResult, reject) => {
    const req = httpRequest({ createConnection: () => openSocket(endpoint), method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolveResult({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('upgrade', (res, socket: Socket) => {
      socket.destroy();
      resolveResult({ status: res.statusCode ?? 101, headers: res.headers, body: '' });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${endpoint.name}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined && options.chunked === true) {
      const bytes = Buffer.from(body);
      const half = Math.floor(bytes.length / 2);
      req.write(bytes.subarray(0, half));
      setTimeout(() => req.end(bytes.subarray(half)), 20);
    } else {
      req.end(body);
    }
  });
}

/** The JSON answer of a request that must succeed with one of `statuses`. */
export async function sendOk<T = unknown>(endpoint: Endpoint, method: string, path: string, options: SendOptions = {}, statuses: readonly number[] = [200, 201, 204]): Promise<T> {
  const res = await send(endpoint, method, path, options);
  if (!statuses.includes(res.status)) throw new Error(`${method} ${path} on ${endpoint.name}: status ${res.status}: ${res.body}`);
  return (res.body.trim() === '' ? undefined : JSON.parse(res.body)) as T;
}

// ---------------------------------------------------------------------------------------------------
// Refusals

/** `dockgate: <what> denied by <rule>: <why>. <fix>` (src/errors/catalogue.ts). */
const REFUSAL = /^dockgate: (?<what>.+?) denied by (?<rule>[^\s:]+): (?<why>.+?)\. (?<fix>\S.*)$/s;

export interface Refusal {
  message: string;
  rule: string;
  why: string;
  fix: string;
}

function parseRefusal(message: string, what: string): Refusal {
  const match = REFUSAL.exec(message.trim());
  assert.ok(match?.groups, `${what}: the message does not read "dockgate: ... denied by <rule>: <why>. <fix>":\n${message}`);
  const { rule = '', why = '', fix = '' } = match.groups;
  return { message, rule, why, fix };
}

export interface RefusalExpectation {
  /** Allowed statuses; default 403. */
  status?: number | readonly number[];
  /** What the message must name (the offending field or value), so the refusal is for the right reason. */
  mentions?: RegExp;
}

/** Asserts a raw answer is the gateway's refusal: status, `Dockgate-Decision: deny`, Docker-format message naming the rule and a fix. */
export function assertRefused(res: HttpResult, what: string, expected: RefusalExpectation = {}): Refusal {
  const statuses = expected.status === undefined ? [403] : typeof expected.status === 'number' ? [expected.status] : expected.status;
  assert.ok(statuses.includes(res.status), `${what}: status ${res.status}, expected ${statuses.join(' or ')} (a refusal)\n${res.body}`);
  assert.equal(res.headers['dockgate-decision'], 'deny', `${what}: Dockgate-Decision header\n${res.body}`);
  let message: unknown;
  try {
    message = (JSON.parse(res.body) as { message?: unknown }).message;
  } catch {
    assert.fail(`${what}: the body is not a Docker-style {"message": ...}: ${res.body}`);
  }
  assert.equal(typeof message, 'string', `${what}: a Docker-style {"message": ...} body: ${res.body}`);
  const refusal = parseRefusal(message as string, what);
  assert.notEqual(refusal.rule, 'route.known', `${what}: refused only as an unknown route, not judged:\n${refusal.message}`);
  if (expected.mentions !== undefined) assert.match(refusal.message, expected.mentions, `${what}: the message does not name what was refused`);
  return refusal;
}

/** Asserts the Docker CLI printed the gateway's refusal (`Error response from daemon: dockgate: ... denied by ...`). */
export function assertCliRefused(result: DockerResult, what: string, mentions?: RegExp): Refusal {
  assert.notEqual(result.code, 0, `${what}: the CLI succeeded through the gateway\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  const line = /Error response from daemon: (dockgate: .*)$/m.exec(result.stderr);
  assert.ok(line?.[1] !== undefined, `${what}: no "Error response from daemon: dockgate: ..." from the CLI\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  const refusal = parseRefusal(line[1], what);
  assert.notEqual(refusal.rule, 'route.known', `${what}: refused only as an unknown route, not judged:\n${refusal.message}`);
  if (mentions !== undefined) assert.match(refusal.message, mentions, `${what}: the message does not name what was refused`);
  return refusal;
}

/** Asserts a raw answer was forwarded (no Dockgate-Decision) with one of `statuses`. */
export function assertForwarded(res: HttpResult, what: string, statuses: readonly number[] = [200, 201, 204]): void {
  assert.equal(res.headers['dockgate-decision'], undefined, `${what}: the gateway answered itself: ${res.body}`);
  assert.ok(statuses.includes(res.status), `${what}: status ${res.status}: ${res.body}`);
}

// ---------------------------------------------------------------------------------------------------
// The engine's state and events

interface ContainerSummary {
  Id: string;
}

/**
 * Everything a refused request could have created or changed, read on the engine's own socket: every
 * container with its configuration, host configuration, mounts, state and exec sessions; volumes with
 * their options; networks; images; plugins; and, in swarm mode, services with their spec versions.
 */
export async function engineState(engine: Engine): Promise<string> {
  const direct = engine.endpoint;
  const containers = await sendOk<ContainerSummary[]>(direct, 'GET', `${API}/containers/json?all=1`);
  const details = [];
  for (const { Id } of containers.sort((a, b) => a.Id.localeCompare(b.Id))) {
    const c = await sendOk<Record<string, unknown> & { State: Record<string, unknown> }>(direct, 'GET', `${API}/containers/${Id}/json`);
    details.push({
      Id,
      Name: c['Name'],
      Image: c['Image'],
      State: { Status: c.State['Status'], StartedAt: c.State['StartedAt'], Pid: c.State['Pid'] },
      Config: c['Config'],
      HostConfig: c['HostConfig'],
      Mounts: c['Mounts'],
      ExecIDs: c['ExecIDs'],
    });
  }
  const volumes = (await sendOk<{ Volumes: { Name: string; Driver: string; Options: unknown }[] | null }>(direct, 'GET', `${API}/volumes`)).Volumes ?? [];
  const networks = await sendOk<{ Id: string; Name: string; Driver: string; Options: unknown }[]>(direct, 'GET', `${API}/networks`);
  const images = await sendOk<{ Id: string; RepoTags: unknown }[]>(direct, 'GET', `${API}/images/json?all=1`);
  const plugins = await sendOk<{ Id: string; Name: string; Enabled: boolean }[]>(direct, 'GET', `${API}/plugins`);
  const info = await sendOk<{ Swarm?: { LocalNodeState?: string } }>(direct, 'GET', `${API}/info`);
  const services =
    info.Swarm?.LocalNodeState === 'active'
      ? (await sendOk<{ ID: string; Version: unknown; Spec: unknown }[]>(direct, 'GET', `${API}/services`)).map(({ ID, Version, Spec }) => ({ ID, Version, Spec }))
      : 'no swarm';
  return JSON.stringify(
    {
      containers: details,
      volumes: volumes.map(({ Name, Driver, Options }) => ({ Name, Driver, Options })).sort((a, b) => a.Name.localeCompare(b.Name)),
      networks: networks.map(({ Id, Name, Driver, Options }) => ({ Id, Name, Driver, Options })).sort((a, b) => a.Id.localeCompare(b.Id)),
      images: images.map(({ Id, RepoTags }) => ({ Id, RepoTags })).sort((a, b) => a.Id.localeCompare(b.Id)),
      plugins: plugins.map(({ Id, Name, Enabled }) => ({ Id, Name, Enabled })),
      services: Array.isArray(services) ? services.sort((a, b) => a.ID.localeCompare(b.ID)) : services,
    },
    null,
    1,
  );
}

export interface EventWatch {
  /** Ends the subscription and resolves with every event seen since it began. */
  stop(): Promise<unknown[]>;
}

/** Subscribes to the engine's `/events`; resolves once the engine has answered, i.e. the subscription is live. */
export function watchEngineEvents(engine: Engine): Promise<EventWatch> {
  return new Promise((resolveWatch, reject) => {
    let text = '';
    const req = httpRequest({ socketPath: engine.socketPath, method: 'GET', path: `${API}/events`, headers: { Host: 'docker' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /events: status ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('error', () => {});
      resolveWatch({
        async stop() {
          req.destroy();
          return text
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as unknown);
        },
      });
    });
    req.on('error', (error) => reject(error));
    req.end();
  });
}

const SETTLE_MS = 400;

/**
 * Runs `step` (which sends the refused request) and proves the engine kept no trace of it: no engine
 * event from the moment before it was sent until a moment after it was answered, and the same objects
 * and configurations afterwards.
 */
export async function withoutEngineTrace(engine: Engine, what: string, step: () => Promise<void>): Promise<void> {
  const before = await engineState(engine);
  const watch = await watchEngineEvents(engine);
  try {
    await step();
    // Anything the engine had been asked to do would have shown by now.
    await new Promise((wait) => setTimeout(wait, SETTLE_MS));
  } catch (error) {
    await watch.stop();
    throw error;
  }
  const events = await watch.stop();
  assert.deepEqual(events, [], `${what}: the engine saw events while the request was refused`);
  assert.equal(await engineState(engine), before, `${what}: the engine's objects changed`);
}

// ---------------------------------------------------------------------------------------------------
// Direct proofs: the same request on the engine's own socket does reach the host

export interface ContainerInspect {
  Id: string;
  Name: string;
  Config: Record<string, unknown> & { User?: string; WorkingDir?: string };
  HostConfig: Record<string, unknown>;
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
}

let proofCount = 0;

/** Creates a container directly on the engine from `body`, inspects it and removes it; resolves with the inspect document. */
export async function createDirectAndInspect(engine: Engine, body: unknown, options: SendOptions = {}): Promise<ContainerInspect> {
  const name = `proof-${++proofCount}-${process.pid}`;
  const sendOptions: SendOptions = typeof body === 'string' ? { ...options, body } : { ...options, json: body };
  const res = await send(engine.endpoint, 'POST', `${API}/containers/create?name=${name}`, sendOptions);
  assert.equal(res.status, 201, `directly on the engine, the same create is accepted: ${res.body}`);
  const inspect = await sendOk<ContainerInspect>(engine.endpoint, 'GET', `${API}/containers/${name}/json`);
  await removeContainer(engine, name);
  return inspect;
}

export async function removeContainer(engine: Engine, ref: string): Promise<void> {
  await sendOk(engine.endpoint, 'DELETE', `${API}/containers/${encodeURIComponent(ref)}?force=1&v=1`, {}, [204, 404]);
}

export async function removeVolume(engine: Engine, name: string): Promise<void> {
  await sendOk(engine.endpoint, 'DELETE', `${API}/volumes/${encodeURIComponent(name)}?force=1`, {}, [204, 404]);
}

// ---------------------------------------------------------------------------------------------------
// A loopback trap

export interface Trap {
  port: number;
  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string;
  /** `127.0.0.1:<port>`, as a registry host. */
  hostPort: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** A TCP listener on loopback that answers anything with 404 and counts who came: the engine, if it fetched. */
export function startTrap(): Promise<Trap> {
  return new Promise((resolveTrap, reject) => {
    let count = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      count++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) {
        reject(new Error('trap has no port'));
        return;
      }
      const port = address.port;
      resolveTrap({
        port,
        url: (path) => `http://127.0.0.1:${port}${path}`,
        hostPort: `127.0.0.1:${port}`,
        connections: () => count,
        close: () =>
          new Promise((resolveClose) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => resolveClose());
          }),
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------

/** Suite set-up limit: engine start and image import take seconds, more means a hang. */
export const SETUP_TIMEOUT_MS = 180_000;

// ---------------------------------------------------------------------------------------------------
// Container-create attacks, the shape most classes take

export interface CreateAttack {
  /** `docker create` options that express the attack, when the CLI can. */
  cli?: string[];
  /** The container-create body sent raw; Image (busybox:test) and Cmd (`true`) are added unless given. */
  body: Record<string, unknown>;
  /** What the refusal must name (the offending field or value), so it is refused for the right reason. */
  mentions: RegExp;
  /** Statuses accepted for the raw refusal (default 403). */
  status?: number[];
  /** Proves, on the engine's own socket, that the same body reaches the host (from its inspect document, or by running something harmless). */
  proof?: (inspect: ContainerInspect) => void | Promise<void>;
  /** This engine (API 1.41) rejects the body itself; the gateway must refuse it all the same rather than forward it. */
  engineRejects?: RegExp;
  /** Volumes the direct proof makes and must remove. */
  proofVolumes?: string[];
}

/**
 * Sends the attack through the gateway (with the CLI when it can express it, and raw), asserts the refusal
 * and that the engine kept no trace; then sends the same body to the engine directly and runs its proof.
 */
export async function checkCreateAttack(engine: Engine, gateway: GatewayUnderTest, name: string, attack: CreateAttack): Promise<void> {
  const body = { Image: IMAGE, Cmd: ['true'], ...attack.body };
  await withoutEngineTrace(engine, name, async () => {
    if (attack.cli !== undefined) {
      const result = await docker(['create', ...attack.cli, IMAGE, 'true'], gateway.endpoint);
      assertCliRefused(result, `docker create ${attack.cli.join(' ')} (${gateway.name})`, attack.mentions);
    }
    const res = await send(gateway.endpoint, 'POST', `${API}/containers/create?name=attack`, { json: body });
    assertRefused(res, `${name} (raw, ${gateway.name})`, { mentions: attack.mentions, ...(attack.status === undefined ? {} : { status: attack.status }) });
  });

  if (attack.engineRejects !== undefined) {
    const direct = await send(engine.endpoint, 'POST', `${API}/containers/create`, { json: body });
    assert.ok(direct.status >= 400, `this engine rejects it itself: ${direct.status} ${direct.body}`);
    assert.match(direct.body, attack.engineRejects);
    return;
  }
  try {
    const inspect = await createDirectAndInspect(engine, body);
    await attack.proof?.(inspect);
  } finally {
    for (const volume of attack.proofVolumes ?? []) await removeVolume(engine, volume);
  }
}

/** The namespace a process is in, as `net:[4026531840]`; `/proc/self/ns/<kind>` of this test process is the host's. */
export function namespaceOf(listing: string): string {
  const match = /-> (\w+:\[\d+\])/.exec(listing);
  if (match?.[1] === undefined) throw new Error(`no namespace link in: ${listing}`);
  return match[1];
}

/** What `restricted` asks of every container: a non-root user (given separately), all capabilities dropped, no-new-privileges, limits. */
export const RESTRICTED_CLI: string[] = ['--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--memory', '64m', '--pids-limit', '64', '--cpus', '0.5'];

/** The same as a create body; `user` undefined leaves Config.User out (the image's default applies). */
export function restrictedBody(user: string | undefined, hostConfig: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...(user === undefined ? {} : { User: user }),
    HostConfig: { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Memory: 64 * 1024 * 1024, PidsLimit: 64, NanoCpus: 500_000_000, ...hostConfig },
  };
}

/** Harmless: runs `cmd` in a throwaway container made directly on the engine with `options`, returns its output. */
export async function runDirect(engine: Engine, options: readonly string[], cmd: readonly string[]): Promise<string> {
  return dockerOk(['run', '--rm', ...options, IMAGE, ...cmd], engine.endpoint);
}

// ---------------------------------------------------------------------------------------------------
// Suite set-up

export interface GuardedEngine {
  engine: Engine;
  host: HostLayout;
  /** The gateway started under this name; throws why it did not start, if it did not. */
  gateway(name: string): GatewayUnderTest;
}

export interface GuardedEngineOptions {
  /** The gateways to start in front of the engine, once the host layout exists. */
  gateways: (engine: Engine, host: HostLayout) => GatewayConfig[];
  /** Objects made on the engine directly before the gateways start (containers with host access, volumes). */
  prepare?: (engine: Engine, host: HostLayout) => Promise<void>;
}

/**
 * Registers `before`/`after` hooks that start one private engine, lay out the host directories, run
 * `prepare`, and start each gateway. A gateway that cannot start (a profile not wired yet) fails only the
 * tests that use it.
 */
export function useGuardedEngine(options: GuardedEngineOptions): () => GuardedEngine {
  let engine: Engine | undefined;
  let host: HostLayout | undefined;
  const gateways = new Map<string, GatewayUnderTest>();
  const failures = new Map<string, unknown>();
  const teardown = useTeardown();
  before(
    async () => {
      const started = await startEngine();
      teardown.add(() => started.stop());
      engine = started;
      host = layOutHost(started);
      await options.prepare?.(started, host);
      for (const config of options.gateways(started, host)) {
        try {
          const gateway = await startDockgate(started, config);
          teardown.add(() => gateway.stopRunning());
          gateways.set(config.name, gateway);
        } catch (error) {
          failures.set(config.name, error);
        }
      }
    },
    { timeout: SETUP_TIMEOUT_MS },
  );
  return () => {
    if (engine === undefined || host === undefined) throw new Error('the engine did not start (see the before hook)');
    return {
      engine,
      host,
      gateway(name) {
        const gateway = gateways.get(name);
        if (gateway !== undefined) return gateway;
        const failure = failures.get(name);
        throw failure instanceof Error ? failure : new Error(`no gateway named ${name}: ${String(failure)}`);
      },
    };
  };
}

/** Harmless: creates a container from a raw body directly on the engine, starts it, waits, returns its stdout, removes it. */
export async function runRawDirect(engine: Engine, body: Record<string, unknown>): Promise<string> {
  const { Id } = await sendOk<{ Id: string }>(engine.endpoint, 'POST', `${API}/containers/create`, { json: body });
  try {
    await sendOk(engine.endpoint, 'POST', `${API}/containers/${Id}/start`);
    await sendOk(engine.endpoint, 'POST', `${API}/containers/${Id}/wait`);
    return await dockerOk(['logs', Id], engine.endpoint);
  } finally {
    await removeContainer(engine, Id);
  }
}

/**
 * Waits until the engine has emitted no event for `quietMs` (swarm converges in the background after a
 * service is created, updated or removed), so that the next test's event window sees only its own request.
 */
export async function waitForQuietEngine(engine: Engine, quietMs = 1_500, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const watch = await watchEngineEvents(engine);
    await new Promise((wait) => setTimeout(wait, quietMs));
    const events = await watch.stop();
    if (events.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the engine did not settle within ${timeoutMs} ms; last events: ${JSON.stringify(events).slice(0, 500)}`);
  }
}
