// Runs the real docker CLI (the first `docker` on PATH) against one endpoint, isolated from the
// machine's own Docker configuration, contexts and environment.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onProcessExit } from './cleanup-on-exit.js';

export interface DockerOptions {
  /** The endpoint's name, for error messages (an Endpoint can be passed as the options). */
  name?: string | undefined;
  /** DOCKER_HOST. */
  host: string;
  /** DOCKER_CERT_PATH (with DOCKER_TLS_VERIFY=1) when the host speaks mutual TLS. */
  tlsDir?: string | undefined;
  /** Piped to the CLI's stdin, which is then closed; without it stdin is closed at once. */
  input?: Buffer | string;
  env?: Record<string, string>;
  /** The CLI is killed and the call rejected after this long. */
  timeoutMs?: number;
}

export interface DockerResult {
  /** Exit code; null when the CLI was ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** How long a followed CLI has to exit after SIGINT before it is killed. */
const STOP_GRACE_MS = 10_000;

let configDir: string | undefined;

/** An empty DOCKER_CONFIG, so that no credentials, context or plugin of this machine takes part. */
function emptyConfigDir(): string {
  if (configDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'dockgate-cli-'));
    onProcessExit(() => rmSync(dir, { recursive: true, force: true }));
    configDir = dir;
  }
  return configDir;
}

function cliEnv(options: DockerOptions): NodeJS.ProcessEnv {
  const config = emptyConfigDir();
  return {
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: config,
    DOCKER_CONFIG: config,
    DOCKER_HOST: options.host,
    DOCKER_CLI_HINTS: 'false',
    // There is no buildx here: ask for the classic builder explicitly rather than rely on a fallback.
    DOCKER_BUILDKIT: '0',
    // `script` runs its command with $SHELL.
    SHELL: '/bin/sh',
    ...(options.tlsDir === undefined ? {} : { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: options.tlsDir }),
    ...options.env,
  };
}

function describe(command: string, args: readonly string[], options: DockerOptions): string {
  return `${command} ${args.join(' ')} (${options.name ?? 'DOCKER_HOST'}: ${options.host})`;
}

/** 'close': stdin gets `input` (if any) and then EOF. 'hold-open': stdin gets `input` (if any) and stays open until the command exits. */
type StdinMode = 'close' | 'hold-open';

/**
 * The warning the engine puts in every create answer while the host's net.ipv4.ip_forward is 0, and the
 * CLI prints: a fact about the machine the tests run on (the private engines run with --iptables=false and
 * never turn forwarding on), not about what is being tested, so it is left out of what the CLI printed
 * (on stdout too: under `script`, for -it, the CLI's stderr is the terminal).
 */
const IP_FORWARD_WARNING = /^WARNING: IPv4 forwarding is disabled\. Networking will not work\.\r?\n/gm;

function run(command: string, args: readonly string[], options: DockerOptions, stdinMode: StdinMode): Promise<DockerResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: cliEnv(options) });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // Under `script` (docker run -it) the CLI's stderr reaches the terminal, which is stdout here.
    const output = () => ({
      stdout: Buffer.concat(stdout).toString().replace(IP_FORWARD_WARNING, ''),
      stderr: Buffer.concat(stderr).toString().replace(IP_FORWARD_WARNING, ''),
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const { stdout: out, stderr: err } = output();
      reject(new Error(`${describe(command, args, options)} timed out after ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    // The CLI may exit before reading all its input; that shows in its output, not as EPIPE here.
    child.stdin.on('error', () => {});
    if (stdinMode === 'close') child.stdin.end(options.input);
    else if (options.input !== undefined) child.stdin.write(options.input);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, ...output() });
    });
  });
}

/** Runs `docker ARGS` and resolves with its exit code and output, whatever the exit code. */
export function docker(args: readonly string[], options: DockerOptions): Promise<DockerResult> {
  return run('docker', args, options, 'close');
}

/** Runs `docker ARGS`, resolves with its stdout, and rejects with both outputs unless it exits 0. */
export async function dockerOk(args: readonly string[], options: DockerOptions): Promise<string> {
  const result = await docker(args, options);
  if (result.code !== 0) {
    throw new Error(`${describe('docker', args, options)} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Runs `docker ARGS`, writing `input` to its stdin but never closing it: when the stdin of an attach ends,
 * dockerd ends the whole attachment, output included (for a container without StdinOnce).
 */
export function dockerWithOpenStdin(args: readonly string[], options: DockerOptions): Promise<DockerResult> {
  return run('docker', args, options, 'hold-open');
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs `docker ARGS` with its stdin and stdout on a pseudo-terminal (util-linux `script`), as `-it` requires.
 * script's own stdin is held open and never written: at EOF script would type an end-of-file character
 * into the terminal, which the container may or may not see depending on timing.
 */
export function dockerInTerminal(args: readonly string[], options: DockerOptions): Promise<DockerResult> {
  const commandLine = ['docker', ...args].map(shellQuote).join(' ');
  return run('script', ['--quiet', '--return', '--command', commandLine, '/dev/null'], options, 'hold-open');
}

export interface FollowedDocker {
  /** Resolves with stdout so far once `isComplete(stdout)` holds; rejects on timeout or when the CLI exits first. */
  waitForOutput(isComplete: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  /** What it has printed on stdout so far. */
  output(): string;
  /** Whether the CLI is still running, i.e. still following. */
  isRunning(): boolean;
  /** Interrupts the CLI as a user's Ctrl-C would, and resolves with what it printed. */
  stop(): Promise<DockerResult>;
}

/** Starts `docker ARGS` with its stdin, stdout and stderr piped, for a test that types into it while it runs (`exec -i`, `attach`). */
export function spawnDocker(args: readonly string[], options: DockerOptions): ChildProcessWithoutNullStreams {
  const child = spawn('docker', args, { env: cliEnv(options) });
  const stopOnExit = onProcessExit(() => child.kill('SIGKILL'));
  child.on('close', stopOnExit);
  child.stdin.on('error', () => {}); // the CLI may exit before reading all its input
  return child;
}

/** Starts a long-running `docker ARGS` (`logs -f`, `events`) whose output is read while it runs. */
export function followDocker(args: readonly string[], options: DockerOptions): FollowedDocker {
  const child = spawn('docker', args, { env: cliEnv(options), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<void>((resolve) =>
    child.on('close', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  child.on('error', () => {}); // surfaces as an early exit in waitForOutput
  const stopOnExit = onProcessExit(() => child.kill('SIGKILL'));
  const what = describe('docker', args, options);

  return {
    async waitForOutput(isComplete, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      while (!isComplete(stdout)) {
        if (exitCode !== undefined) throw new Error(`${what} exited ${exitCode} early\nstdout: ${stdout}\nstderr: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`${what}: expected output did not come in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return stdout;
    },
    output: () => stdout,
    isRunning: () => exitCode === undefined,
    async stop() {
      if (exitCode === undefined) child.kill('SIGINT');
      // A CLI that ignores the interrupt (a stream the gateway failed to end) must not hang the test and
      // hide the assertion that found it: it is killed after a grace period.
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await closed;
      clearTimeout(killer);
      stopOnExit();
      return { code: exitCode ?? null, stdout, stderr };
    },
  };
}
