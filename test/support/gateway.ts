// The gateway under test, run as shipped: `node bin/dockgate.js serve ...`, its own process. bin/ loads
// the compiled CLI from dist/ (`npm run build`; scripts/test.sh builds before the end-to-end tests, and
// a dist/ that is missing, or older than src/, is reported here).
//
// One set of options covers every use: the engine to forward to, `--listen` specs with their query
// options (mode, owner, group), a mutual-TLS listener, an audit log path of the caller's choosing (so that
// a restarted gateway writes on in the same file), the profile, and any further arguments verbatim
// (`--min-api-version`, `--grace-period`, or a whole command line that serve must refuse). Then either
// spawnGateway (nothing awaited), startGateway (until every listener answers), startGatewayInFront (the
// usual layout in front of a private engine), or runGatewayExpectingFailure (start-up failures); and
// waitForGatewayOutput, for a line the gateway is expected to log.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onProcessExit } from './cleanup-on-exit.js';
import type { Endpoint } from './endpoint.js';
import type { Engine } from './engine.js';
import { freeLoopbackPort } from './free-port.js';
import { pingStatus } from './raw-http.js';
import type { TestPki } from './test-certs.js';

export type Profile = 'baseline' | 'restricted' | 'read-only' | 'audit';

export interface GatewayOptions {
  /** The engine's socket path: `--upstream unix://PATH`. */
  upstream?: string;
  /**
   * `--listen` specs exactly as on the command line, query options included (`unix:///dir/gw.sock?mode=0666`).
   * Each unix listener is also an endpoint of the gateway (without the options).
   */
  listen?: readonly string[];
  /** Adds a mutual-TLS listener on a free loopback port with this PKI's server certificate; its endpoint authenticates as alice. */
  tls?: TestPki;
  profile?: Profile;
  /** `--audit-log`. */
  auditLog?: string;
  /** Further arguments after all the above, verbatim. */
  args?: readonly string[];
  /** Environment variables added to this process's (`--compat docker-socket-proxy` reads its variables there). */
  env?: Readonly<Record<string, string>>;
  /** A command the gateway runs under, which execs it (`ip netns exec NS` does): the pid stays the gateway's. */
  wrapper?: readonly string[];
}

/**
 * When a gateway counts as started: 'ping-ok', once every listener answers GET /_ping with 200 (the engine's
 * answer, through the gateway); 'answering', once every listener answers it at all, as it does with a 502
 * while the engine is unreachable.
 */
export type Readiness = 'ping-ok' | 'answering';

export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the process had exited and its output was all read. */
  at: number;
}

export interface Gateway {
  pid: number;
  /** The command line, for messages. */
  commandLine: string;
  /** One per listener the options name: the unix ones in the order given, then the TLS one. */
  endpoints: readonly Endpoint[];
  /** The first unix listener (`gateway-unix`), if any. */
  unix: Endpoint | undefined;
  /** The TLS listener (`gateway-tls`, authenticating as alice), when started with a PKI. */
  tls: Endpoint | undefined;
  auditLog: string | undefined;
  /** Everything the gateway wrote so far: its operational log (stderr, JSON lines) and, unexpectedly, stdout. */
  output(): string;
  /** The exit, once it happened. */
  exit(): GatewayExit | undefined;
  /** Resolves when the process has exited, for whatever reason, and its output is complete. */
  exited: Promise<GatewayExit>;
  /** Peak resident set size of the gateway process so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** Sends a signal without waiting; nothing once the process is gone. */
  signal(signal: NodeJS.Signals): void;
  /** Waits until every endpoint is ready; if the gateway exits or the time runs out, kills it and throws with its output. */
  waitUntilReady(readiness?: Readiness): Promise<void>;
  /** Fails with the gateway's output if the process has exited. */
  assertRunning(): void;
  /** After the tests: fails with the gateway's output if it died meanwhile, else stop(). */
  stopRunning(): Promise<GatewayExit>;
  /** SIGTERM, then SIGKILL if it has not exited after STOP_TIMEOUT_MS. Safe to call once it is gone: resolves with the exit. */
  stop(): Promise<GatewayExit>;
  /** SIGKILL; resolves with the exit. */
  kill(): Promise<GatewayExit>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'dockgate.js');
const BUILT_CLI = join(REPO_ROOT, 'dist', 'cli', 'main.js');
const READY_TIMEOUT_MS = 30_000;
/** Longer than the gateway's default --grace-period (10 s) and any the tests give; then SIGKILL. */
const STOP_TIMEOUT_MS = 20_000;

let buildChecked = false;

/**
 * bin/ runs dist/: without a build there is nothing to test. A build older than a source file is only
 * warned about: scripts/test.sh builds right before the end-to-end tests, and someone may be editing
 * src/ while they run; a file run on its own after an edit, though, would test the old code.
 */
function checkBuild(): void {
  if (buildChecked) return;
  const rebuild = 'run `npm run build` (scripts/test.sh does, before the end-to-end tests)';
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: ${rebuild}`);
  buildChecked = true;
  const builtAt = statSync(BUILT_CLI).mtimeMs;
  const srcDir = join(REPO_ROOT, 'src');
  const newer = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && statSync(join(srcDir, file)).mtimeMs > builtAt);
  if (newer.length > 0) console.error(`warning: the gateway under test (dist/) is older than src/${newer.slice(0, 3).join(', src/')}: ${rebuild}`);
}

function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

async function isReady(endpoint: Endpoint, readiness: Readiness): Promise<boolean> {
  const status = await pingStatus(endpoint);
  return readiness === 'answering' ? status !== undefined : status === 200;
}

/** Starts `dockgate serve` with the options and returns at once, without waiting for anything. */
export async function spawnGateway(options: GatewayOptions): Promise<Gateway> {
  checkBuild();
  const unixListeners = (options.listen ?? []).filter((spec) => spec.startsWith('unix://'));
  const unixEndpoints = unixListeners.map((spec, index): Endpoint => ({ name: index === 0 ? 'gateway-unix' : `gateway-unix-${index + 1}`, host: spec.split('?')[0]! }));
  // The gateway takes no port 0, so it cannot pick a free port itself.
  const tls: Endpoint | undefined = options.tls === undefined ? undefined : { name: 'gateway-tls', host: `tcp://127.0.0.1:${await freeLoopbackPort()}`, tlsDir: options.tls.aliceDir };

  const args: string[] = [];
  if (options.upstream !== undefined) args.push('--upstream', `unix://${options.upstream}`);
  for (const spec of options.listen ?? []) args.push('--listen', spec);
  if (tls !== undefined) args.push('--listen', tls.host);
  if (options.profile !== undefined) args.push('--profile', options.profile);
  if (options.auditLog !== undefined) args.push('--audit-log', options.auditLog);
  if (options.tls !== undefined) {
    const { ca, cert, key } = options.tls.server;
    args.push('--tls-ca', ca, '--tls-cert', cert, '--tls-key', key);
  }
  args.push(...(options.args ?? []));
  const wrapper = options.wrapper ?? [];
  const commandLine = `${Object.entries(options.env ?? {})
    .map(([name, value]) => `${name}=${value} `)
    .join('')}${wrapper.map((word) => `${word} `).join('')}node bin/dockgate.js serve ${args.join(' ')}`;

  const argv = [process.execPath, BIN, 'serve', ...args];
  const child = spawn(wrapper[0] ?? argv[0]!, [...wrapper.slice(1), ...(wrapper.length > 0 ? argv : argv.slice(1))], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const cancelExitKill = onProcessExit(() => child.kill('SIGKILL'));
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk)); // nothing expected there; keep it visible
  let exit: GatewayExit | undefined;
  const exited = new Promise<GatewayExit>((resolveExit) => {
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      exit ??= { code, signal, at: Date.now() };
      cancelExitKill();
      resolveExit(exit);
    };
    // A process that could not be spawned emits 'error', and perhaps nothing else.
    child.on('error', (error) => {
      output += `\n(spawn failed: ${error.message})`;
      ended(null, null);
    });
    // 'close': the exit has happened and both pipes are drained, so output() is complete.
    child.on('close', ended);
  });
  const pid = child.pid;
  if (pid === undefined) {
    await exited;
    throw new Error(`cannot spawn ${commandLine}: ${output}`);
  }

  const endWith = async (signal: NodeJS.Signals): Promise<GatewayExit> => {
    if (exit !== undefined) return exit;
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  const assertRunning = (): void => {
    if (exit !== undefined) {
      assert.fail(`the gateway had died (code ${exit.code}, signal ${exit.signal})\ncommand: ${commandLine}\n--- gateway output ---\n${output}`);
    }
  };
  const endpoints = tls === undefined ? unixEndpoints : [...unixEndpoints, tls];

  return {
    pid,
    commandLine,
    endpoints,
    unix: unixEndpoints[0],
    tls,
    auditLog: options.auditLog,
    output: () => output,
    exit: () => exit,
    exited,
    peakRssBytes: () => peakRss(pid),
    signal(signal) {
      if (exit === undefined) child.kill(signal);
    },
    async waitUntilReady(readiness = 'ping-ok') {
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (const endpoint of endpoints) {
        while (!(await isReady(endpoint, readiness))) {
          const problem =
            (exit !== undefined ? `it exited (code ${exit.code}, signal ${exit.signal})` : undefined) ??
            (Date.now() > deadline ? `${endpoint.host} was not ready (${readiness}) within ${READY_TIMEOUT_MS} ms` : undefined);
          if (problem !== undefined) {
            await endWith('SIGKILL');
            throw new Error(`gateway did not start: ${problem}\ncommand: ${commandLine}\n--- gateway output ---\n${output}`);
          }
          await new Promise((wait) => setTimeout(wait, 50));
        }
      }
    },
    assertRunning,
    stopRunning() {
      assertRunning();
      return endWith('SIGTERM');
    },
    stop: () => endWith('SIGTERM'),
    kill: () => endWith('SIGKILL'),
  };
}

/** Starts `dockgate serve` with the options and waits until every listener is ready. */
export async function startGateway(options: GatewayOptions & { readiness?: Readiness }): Promise<Gateway> {
  const gateway = await spawnGateway(options);
  await gateway.waitUntilReady(options.readiness);
  return gateway;
}

export interface GatewayInFront extends Gateway {
  unix: Endpoint;
  auditLog: string;
}

/**
 * The usual gateway in front of a private engine: a unix listener and an audit log in a directory of their
 * own below the engine's (which goes away with the engine), plus whatever else the options ask for.
 */
export async function startGatewayInFront(
  engine: Engine,
  options: Omit<GatewayOptions, 'upstream' | 'listen' | 'auditLog'> & { /** A policy file's text, written beside the socket and given as `--policy`. */ policy?: string },
): Promise<GatewayInFront> {
  const dir = mkdtempSync(join(engine.dir, 'gw-'));
  const auditLog = join(dir, 'audit.jsonl');
  const { policy, ...rest } = options;
  const policyArgs: string[] = [];
  if (policy !== undefined) {
    writeFileSync(join(dir, 'policy.yaml'), policy);
    policyArgs.push('--policy', join(dir, 'policy.yaml'));
  }
  const args = [...policyArgs, ...(rest.args ?? [])];
  const gateway = await startGateway({ ...rest, args, upstream: engine.socketPath, listen: [`unix://${join(dir, 'gateway.sock')}`], auditLog });
  return { ...gateway, unix: gateway.unix!, auditLog };
}

export interface FailedStart {
  exit: GatewayExit;
  /** True when the process did not exit on its own within the time allowed and was killed. */
  timedOut: boolean;
  output: string;
  commandLine: string;
}

/** Runs `dockgate serve` expected to fail at start-up; kills it if it is still running after `timeoutMs`. */
export async function runGatewayExpectingFailure(options: GatewayOptions, timeoutMs = 15_000): Promise<FailedStart> {
  const gateway = await spawnGateway(options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    gateway.signal('SIGKILL');
  }, timeoutMs);
  const exit = await gateway.exited;
  clearTimeout(timer);
  return { exit, timedOut, output: gateway.output(), commandLine: gateway.commandLine };
}

/** Waits until the gateway's output contains `needle`; fails with the output if it exits or the time runs out. */
export async function waitForGatewayOutput(gateway: Gateway, needle: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!gateway.output().includes(needle)) {
    gateway.assertRunning();
    if (Date.now() > deadline) assert.fail(`the gateway did not write ${JSON.stringify(needle)} within ${timeoutMs} ms\n--- gateway output ---\n${gateway.output()}`);
    await new Promise((wait) => setTimeout(wait, 50));
  }
}

/**
 * Asserts how serve refuses a command line or a situation it cannot honour: it exits by itself, non-zero,
 * with one line on its output that starts `dockgate:` (once) and no stack trace. Returns that line.
 */
export function assertRefusedToStart(failure: FailedStart): string {
  const shown = `${failure.commandLine}\n--- output ---\n${failure.output}`;
  assert.equal(failure.timedOut, false, `serve kept running instead of refusing to start\n${shown}`);
  assert.notEqual(failure.exit.code, 0, `serve exited 0\n${shown}`);
  assert.notEqual(failure.exit.code, null, `serve died of a signal: ${JSON.stringify(failure.exit)}\n${shown}`);
  assert.doesNotMatch(failure.output, /^\s+at /m, `stack trace\n${shown}`);
  const lines = failure.output.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected exactly one line\n${shown}`);
  const line = lines[0]!;
  assert.match(line, /^dockgate: \S/, shown);
  assert.doesNotMatch(line, /^dockgate: dockgate:/, `the prefix is doubled\n${shown}`);
  return line;
}
