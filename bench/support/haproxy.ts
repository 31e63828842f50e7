// The HAProxy target: Debian's haproxy running bench/haproxy.cfg in the foreground, listening on a unix
// socket in front of the engine's socket (HAProxy's SIGTERM, its hard stop, closes every connection at once).

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';

const CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', 'haproxy.cfg');
const INSTALL_HINT = 'haproxy is missing: run `bash bench/install-bench-deps.sh` (apt-get install haproxy)';

export interface HaproxyOptions {
  engineSocket: string;
  listenSocket: string;
  /** Keep engine connections open between requests instead of one per request (the popular proxy's way). */
  serverKeepAlive: boolean;
}

export interface Haproxy extends ProxyProcess {
  version: string;
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

  const proxy = await startProxyProcess({ name: 'haproxy', command: 'haproxy', args: ['-db', '-f', CONFIG], env, listenSocket: options.listenSocket });
  return { ...proxy, version };
}
