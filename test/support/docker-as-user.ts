// Runs the real docker CLI as another uid/gid (setpriv, no supplementary groups), so the gateway's unix
// listener sees that peer: its pid is the CLI's own, since setpriv execs docker in place.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface DockerAsUserResult {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `home` must be writable by `uid` (the CLI keeps its config there). */
export function dockerAsUser(uid: number, args: readonly string[], host: string, home: string): Promise<DockerAsUserResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', 'docker', ...args], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        DOCKER_CONFIG: join(home, '.docker'),
        DOCKER_HOST: host,
        DOCKER_CLI_HINTS: 'false',
        // There is no buildx here: ask for the classic builder explicitly rather than rely on a fallback.
        DOCKER_BUILDKIT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (child.pid === undefined) reject(new Error('setpriv has no pid'));
      else resolve({ pid: child.pid, code, stdout, stderr });
    });
  });
}
