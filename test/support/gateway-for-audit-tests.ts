// Spawns the gateway from the sources with exactly the command line an audit test needs, for what the
// shared helper (gateway.ts) does not offer: listener options (`?mode=0666` in a directory other users can
// traverse), a mutual-TLS listener next to it, and an audit log path kept across restarts (SIGKILL tests).
// Also reads an audit trail back, telling complete lines from a torn last one.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onProcessExit } from './cleanup-on-exit.js';
import { openSocket, type Endpoint } from './endpoint.js';
import type { ServerTlsFiles } from './test-certs.js';

export interface SpawnOptions {
  /** The engine's socket path. */
  upstreamSocket: string;
  /** `--listen` arguments, as given on the command line. */
  listen: string[];
  tls?: ServerTlsFiles;
  profile: 'audit' | 'read-only';
  auditLog: string;
  /** Endpoints that must answer `/_ping` before the gateway counts as started (one per listener). */
  ready: Endpoint[];
}

export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnedGateway {
  pid: number;
  /** The gateway's stderr (operational log) so far. */
  stderr(): string;
  /** Whether the process has exited (for whatever reason). */
  hasExited(): boolean;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<GatewayExit>;
  /** SIGTERM, SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<GatewayExit>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 30_000;
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

export async function spawnGateway(options: SpawnOptions): Promise<SpawnedGateway> {
  const args = [
    '--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'serve',
    '--upstream', `unix://${options.upstreamSocket}`,
    ...options.listen.flatMap((listen) => ['--listen', listen]),
    '--profile', options.profile,
    '--audit-log', options.auditLog,
  ];
  if (options.tls !== undefined) args.push('--tls-ca', options.tls.ca, '--tls-cert', options.tls.cert, '--tls-key', options.tls.key);

  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const cancelExitKill = onProcessExit(() => child.kill('SIGKILL'));
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let exit: GatewayExit | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<GatewayExit>((resolveExit) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      cancelExitKill();
      resolveExit(exit);
    }),
  );
  child.on('error', (error) => (spawnError = error));

  const endWith = async (signal: NodeJS.Signals): Promise<GatewayExit> => {
    if (exit !== undefined) return exit;
    child.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const endpoint of options.ready) {
    while (!(await answersPing(endpoint))) {
      const problem =
        spawnError?.message ??
        (exit !== undefined ? `it exited (code ${exit.code}, signal ${exit.signal})` : undefined) ??
        (Date.now() > deadline ? `${endpoint.host} did not answer /_ping within ${READY_TIMEOUT_MS} ms` : undefined);
      if (problem !== undefined) {
        await endWith('SIGKILL');
        throw new Error(`gateway did not start: ${problem}\ncommand: node ${args.join(' ')}\n--- gateway stderr ---\n${output}`);
      }
      await new Promise((wait) => setTimeout(wait, 50));
    }
  }
  if (child.pid === undefined) throw new Error('the gateway has no pid');
  return {
    pid: child.pid,
    stderr: () => output,
    hasExited: () => exit !== undefined,
    kill: () => endWith('SIGKILL'),
    stop: () => endWith('SIGTERM'),
  };
}

/** One audit record as the tests read it: only the fields they look at are typed. */
export interface AuditLine {
  time: string;
  id: string;
  phase: 'forwarding' | 'done';
  listener: string;
  identity: Record<string, unknown> & { kind: string };
  method: string;
  path: string;
  operation?: string;
  target?: { kind: string; ref: string };
  decision: string;
  rule: string;
  reason: string;
  status?: number;
  created?: string[];
}

export interface AuditTrail {
  records: AuditLine[];
  /** Complete lines (ending in a newline) that are not JSON objects, with their 1-based line numbers. */
  badLines: { line: number; text: string }[];
  /** The last line when the file does not end with a newline (a write cut short by a kill). */
  tornTail: string | undefined;
}

/** Reads a JSON Lines audit trail, from `fromByte` on (to look only at what a step added). */
export function readAuditTrail(path: string, fromByte = 0): AuditTrail {
  const text = readFileSync(path).subarray(fromByte).toString('utf8');
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const records: AuditLine[] = [];
  const badLines: { line: number; text: string }[] = [];
  lines.forEach((line, index) => {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      records.push(value as AuditLine);
    } catch {
      badLines.push({ line: index + 1, text: line.slice(0, 300) });
    }
  });
  return { records, badLines, tornTail: last === '' ? undefined : last };
}
