// Runs the real docker CLI (or another client) as another uid/gid (setpriv, no supplementary groups), so
// the gateway's unix listener sees that peer: its pid is the client's own, since setpriv execs it in place.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface DockerAsUserResult {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The docker CLI's environment for `host`; `home` must be writable by the uid it runs as (the CLI keeps its config there). */
export function cliEnvironment(host: string, home: string): Record<string, string> {
  return { HOME: home, DOCKER_CONFIG: join(home, '.docker'), DOCKER_HOST: host, DOCKER_CLI_HINTS: 'false' };
}

/** `home` must be writable by `uid` (the CLI keeps its config there). */
export function dockerAsUser(uid: number, args: readonly string[], host: string, home: string): Promise<DockerAsUserResult> {
  return runAsUser(uid, ['docker', ...args], cliEnvironment(host, home));
}

/** Starts any command as that uid/gid (e.g. curl, a client that is not the CLI), with PATH and the given environment only. */
export function spawnAsUser(uid: number, command: readonly string[], env: Record<string, string> = {}): ChildProcessByStdio<null, Readable, Readable> {
  return spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', ...command], {
    env: { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs any command as that uid/gid to its end (killed after a minute), collecting what it wrote. */
export function runAsUser(uid: number, command: readonly string[], env: Record<string, string> = {}): Promise<DockerAsUserResult> {
  return new Promise((resolve, reject) => {
    const child = spawnAsUser(uid, command, env);
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
