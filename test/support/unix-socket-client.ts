// Builds test/support/unix-socket-client.c, static, into a directory that tests bind-mount into their
// containers: the test image has no client that can reach a unix socket.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('./unix-socket-client.c', import.meta.url));

/** Compiles the client into `dir` and returns its path there. */
export function buildUnixSocketClient(dir: string): string {
  const binary = join(dir, 'unix-socket-client');
  execFileSync('cc', ['-static', '-O2', '-Wall', '-Werror', '-o', binary, SOURCE], { stdio: 'pipe' });
  return binary;
}
