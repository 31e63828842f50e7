// The HAProxy target: Debian's haproxy running bench/haproxy.cfg in the foreground, listening on a unix
// socket in front of the engine's socket. Killed when the benchmark exits, however it exits.

import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onProcessExit } from '../../test/support/cleanup-on-exit.js';
import { pingStatus } from '../../test/support/raw-http.js';

const CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', 'haproxy.cfg');
const READY_TIMEOUT_MS = 10_000;
const INSTALL_HINT = 'haproxy is missing: run `bash bench/install-bench-deps.sh` (apt-get install haproxy)';

export interface HaproxyOptions {
  engineSocket: string;
  listenSocket: string;
  /** Keep engine connections open between requests instead of one per request (the popular proxy's way). */
  serverKeepAlive: boolean;
}

export interface Haproxy {
  pid: number;
  socketPath: string;
  version: string;
  stop(): Promise<void>;
}

export function haproxyVersion(): string {
  const result = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) throw new Error(INSTALL_HINT);
  return /HAProxy version (\S+)/.exec(result.stdout)?.[1] ?? 'unknown';
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const version = haproxyVersion();
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], DGB_LISTEN: options.listenSocket, DGB_ENGINE: options.engineSocket };
  if (options.serverKeepAlive) env['DGB_SERVER_KEEPALIVE'] = '1';
  const check = spawnSync('haproxy', ['-c', '-q', '-f', CONFIG], { env, encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy -c -f ${CONFIG} refused the configuration:\n${check.stdout}${check.stderr}`);

  const child = spawn('haproxy', ['-db', '-f', CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const cancelExitKill = onProcessExit(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      cancelExitKill();
      resolve();
    });
    child.once('error', (error) => {
      output += `\n(spawn failed: ${error.message})`;
      resolve();
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const stop = async (): Promise<void> => {
    if (gone) return;
    child.kill('SIGTERM'); // HAProxy's hard stop: closes every connection at once
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = { name: 'haproxy', host: `unix://${options.listenSocket}` };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await pingStatus(endpoint)) !== 200) {
    if (gone || Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not answer /_ping on ${options.listenSocket}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { pid: child.pid!, socketPath: options.listenSocket, version, stop };
}
