// Runs the real docker CLI (or another client) as another uid/gid (setpriv, no supplementary groups), so the
// gateway's unix listener sees that peer: its pid is the client's own, since setpriv execs it in place.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export interface DockerAsUserResult {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `command` as `uid`, with the docker CLI's environment pointed at `host`; `home` must be writable by `uid`. */
export function spawnAsUser(uid: number, command: string, args: readonly string[], host: string, home: string): ChildProcessByStdio<null, Readable, Readable> {
  return spawn('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', command, ...args], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      DOCKER_CONFIG: join(home, '.docker'),
      DOCKER_HOST: host,
      DOCKER_CLI_HINTS: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `command` as `uid` to its end (killed after a minute), collecting what it wrote. */
export function runAsUser(uid: number, command: string, args: readonly string[], host: string, home: string): Promise<DockerAsUserResult> {
  return new Promise((resolve, reject) => {
    const child = spawnAsUser(uid, command, args, host, home);
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

/** The docker CLI as `uid`; `home` must be writable by `uid` (the CLI keeps its config there). */
export function dockerAsUser(uid: number, args: readonly string[], host: string, home: string): Promise<DockerAsUserResult> {
  return runAsUser(uid, 'docker', args, host, home);
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/** A raw HTTP GET over the unix socket `socket`, by a node process running as `uid`: what a plain HTTP client sees. */
export async function httpGetAsUser(uid: number, socket: string, path: string, home: string): Promise<HttpAnswer> {
  const script = [
    'const [socketPath, path] = process.argv.slice(-2);',
    "require('node:http').get({ socketPath, path }, (res) => {",
    "  let body = ''; res.setEncoding('utf8'); res.on('data', (c) => (body += c));",
    "  res.on('end', () => process.stdout.write(JSON.stringify({ status: res.statusCode, body })));",
    "}).on('error', (e) => { console.error(e.message); process.exit(2); });",
  ].join('\n');
  const run = await runAsUser(uid, process.execPath, ['-e', script, socket, path], '', home);
  if (run.code !== 0) throw new Error(`GET ${path} as uid ${uid} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as HttpAnswer;
}
