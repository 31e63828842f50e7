// The gateway under test, run from the sources as its own process in front of a private engine:
// a unix listener in the engine's directory and, optionally, a mutual-TLS listener on 127.0.0.1.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onProcessExit } from './cleanup-on-exit.js';
import { openSocket, type Endpoint } from './endpoint.js';
import type { Engine } from './engine.js';
import { freeLoopbackPort } from './free-port.js';
import type { TestPki } from './test-certs.js';

export interface GatewayOptions {
  profile: 'audit' | 'read-only';
  /** When given, the gateway also listens with mutual TLS on 127.0.0.1, with this PKI's server certificate. */
  pki?: TestPki;
}

export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Gateway {
  pid: number;
  unix: Endpoint;
  /** Present when started with a PKI; the CLI authenticates as alice. */
  tls: Endpoint | undefined;
  auditLogPath: string;
  /** Everything the gateway wrote to stderr so far (its operational log, JSON lines). */
  stderr(): string;
  /** Peak resident set size of the gateway process so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** SIGTERM, then SIGKILL if it has not exited after a grace period. Rejects if it had already died. */
  stop(): Promise<GatewayExit>;
  /** SIGKILL. */
  kill(): Promise<GatewayExit>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 30_000;
/** Longer than the gateway's default --grace-period (10 s) for open streams to finish. */
const STOP_GRACE_MS = 15_000;

function answersPing(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolveReady) => {
    const req = httpRequest({ createConnection: () => openSocket(endpoint), path: '/_ping', timeout: 1_000 }, (res) => {
      res.resume();
      resolveReady(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveReady(false));
    req.end();
  });
}

function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export async function startGateway(engine: Engine, options: GatewayOptions): Promise<Gateway> {
  const dir = mkdtempSync(join(engine.dir, 'gw-'));
  const socketPath = join(dir, 'gateway.sock');
  const auditLogPath = join(dir, 'audit.jsonl');
  // The gateway takes no port 0, so it cannot pick a free port itself.
  const tlsPort = options.pki === undefined ? undefined : await freeLoopbackPort();

  const args = [
    '--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'serve',
    '--upstream', `unix://${engine.socketPath}`,
    '--listen', `unix://${socketPath}`,
    '--profile', options.profile,
    '--audit-log', auditLogPath,
  ];
  if (options.pki !== undefined && tlsPort !== undefined) {
    const { ca, cert, key } = options.pki.server;
    args.push('--listen', `tcp://127.0.0.1:${tlsPort}`, '--tls-ca', ca, '--tls-cert', cert, '--tls-key', key);
  }

  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const cancelExitKill = onProcessExit(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk)); // nothing expected there; keep it visible
  let exit: GatewayExit | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<GatewayExit>((resolveExit) => {
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      exit ??= { code, signal };
      cancelExitKill();
      resolveExit(exit);
    };
    child.on('exit', ended);
    // A process that could not be spawned emits no 'exit'.
    child.on('error', (error) => {
      spawnError = error;
      ended(null, null);
    });
  });

  const stopWith = async (signal: NodeJS.Signals): Promise<GatewayExit> => {
    if (exit !== undefined) return exit;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  const unix: Endpoint = { name: 'gateway-unix', host: `unix://${socketPath}` };
  const tls: Endpoint | undefined =
    options.pki === undefined ? undefined : { name: 'gateway-tls', host: `tcp://127.0.0.1:${tlsPort}`, tlsDir: options.pki.aliceDir };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const endpoint of tls === undefined ? [unix] : [unix, tls]) {
    while (!(await answersPing(endpoint))) {
      const problem =
        spawnError?.message ??
        (exit !== undefined ? `it exited (code ${exit.code}, signal ${exit.signal})` : undefined) ??
        (Date.now() > deadline ? `${endpoint.host} did not answer /_ping within ${READY_TIMEOUT_MS} ms` : undefined);
      if (problem !== undefined) {
        await stopWith('SIGKILL');
        throw new Error(`gateway did not start: ${problem}\n--- gateway stderr ---\n${stderr}`);
      }
      await new Promise((wait) => setTimeout(wait, 100));
    }
  }

  const pid = child.pid;
  if (pid === undefined) throw new Error('gateway has no pid');
  return {
    pid,
    unix,
    tls,
    auditLogPath,
    stderr: () => stderr,
    peakRssBytes: () => peakRss(pid),
    async stop() {
      if (exit !== undefined) {
        throw new Error(`the gateway had died during the tests (code ${exit.code}, signal ${exit.signal})\n--- gateway stderr ---\n${stderr}`);
      }
      return stopWith('SIGTERM');
    },
    kill: () => stopWith('SIGKILL'),
  };
}
