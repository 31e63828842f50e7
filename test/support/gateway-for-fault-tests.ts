// Runs `dockgate serve` from the sources with any command line, for the tests of faults and edges that
// the shared helpers (gateway.ts, gateway-for-audit-tests.ts) do not reach: an engine that is not there
// (so /_ping answers 502 and readiness means "answers HTTP at all"), --min-api-version, --grace-period,
// listener options, start-up failures that must exit with one line. Also reads whole raw responses,
// so that a test can compare the gateway's answer with the engine's byte for byte.

import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onProcessExit } from './cleanup-on-exit.js';
import { openSocket, type Endpoint } from './endpoint.js';
import { sendRaw } from './raw-http.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 30_000;
/** Longer than any --grace-period these tests give; after it the gateway is SIGKILLed. */
const STOP_TIMEOUT_MS = 20_000;

export interface ServeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when the process exited. */
  at: number;
}

export interface ServeProcess {
  pid: number;
  child: ChildProcess;
  /** The command line, for messages. */
  commandLine: string;
  /** Everything the process wrote to stderr (and stdout) so far. */
  output(): string;
  /** The exit, once it happened. */
  exit(): ServeExit | undefined;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<ServeExit>;
  /** Sends a signal without waiting. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM (SIGKILL after 20 s); resolves with the exit. Safe to call after the process is gone. */
  stop(): Promise<ServeExit>;
}

/** Starts `node --import tsx src/cli/main.ts serve ARGS` without waiting for anything. */
export function spawnServe(args: readonly string[]): ServeProcess {
  const argv = ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'serve', ...args];
  const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const cancelExitKill = onProcessExit(() => child.kill('SIGKILL'));
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  let exit: ServeExit | undefined;
  const exited = new Promise<ServeExit>((resolveExit) => {
    child.on('error', (error) => {
      output += `\n(spawn failed: ${error.message})`;
      exit ??= { code: null, signal: null, at: Date.now() };
      cancelExitKill();
      resolveExit(exit);
    });
    // 'close': the exit has happened and both pipes are drained, so output() is complete.
    child.on('close', (code, signal) => {
      exit ??= { code, signal, at: Date.now() };
      cancelExitKill();
      resolveExit(exit);
    });
  });
  if (child.pid === undefined) throw new Error(`cannot spawn node ${argv.join(' ')}`);
  return {
    pid: child.pid,
    child,
    commandLine: `dockgate serve ${args.join(' ')}`,
    output: () => output,
    exit: () => exit,
    exited,
    signal: (signal) => {
      if (exit === undefined) child.kill(signal);
    },
    async stop() {
      if (exit !== undefined) return exit;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Whether the endpoint answers GET /_ping with any HTTP response (a 502 counts: the gateway is up, the engine may not be). */
export function answersHttp(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolveReady) => {
    const req = httpRequest({ createConnection: () => openSocket(endpoint), path: '/_ping', timeout: 1_000 }, (res) => {
      res.resume();
      resolveReady(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveReady(false));
    req.end();
  });
}

/** Starts `serve ARGS` and waits until every endpoint in `ready` answers HTTP; fails with the gateway's output if it does not. */
export async function startServe(args: readonly string[], ready: readonly Endpoint[]): Promise<ServeProcess> {
  const gateway = spawnServe(args);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const endpoint of ready) {
    while (!(await answersHttp(endpoint))) {
      const exit = gateway.exit();
      const problem =
        (exit !== undefined ? `it exited (code ${exit.code}, signal ${exit.signal})` : undefined) ??
        (Date.now() > deadline ? `${endpoint.host} did not answer within ${READY_TIMEOUT_MS} ms` : undefined);
      if (problem !== undefined) {
        gateway.signal('SIGKILL');
        await gateway.exited;
        throw new Error(`gateway did not start: ${problem}\ncommand: ${gateway.commandLine}\n--- gateway output ---\n${gateway.output()}`);
      }
      await new Promise((wait) => setTimeout(wait, 50));
    }
  }
  return gateway;
}

export interface FailedServe {
  exit: ServeExit;
  /** True when the process did not exit on its own within the time allowed and was killed. */
  timedOut: boolean;
  output: string;
}

/** Runs `serve ARGS` that is expected to fail at start-up; kills it if it is still running after `timeoutMs`. */
export async function runServeExpectingFailure(args: readonly string[], timeoutMs = 15_000): Promise<FailedServe> {
  const gateway = spawnServe(args);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    gateway.signal('SIGKILL');
  }, timeoutMs);
  const exit = await gateway.exited;
  clearTimeout(timer);
  return { exit, timedOut, output: gateway.output() };
}

/** A whole HTTP/1.1 response read off a connection the peer closed. */
export interface WholeResponse {
  status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Map<string, string>;
  /** The body with chunked framing removed. */
  body: string;
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) throw new Error(`truncated chunked body: ${JSON.stringify(bytes.toString('latin1'))}`);
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1').split(';')[0]!, 16);
    if (!Number.isInteger(size)) throw new Error(`bad chunk size in ${JSON.stringify(bytes.toString('latin1'))}`);
    if (size === 0) return Buffer.concat(parts);
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** Parses everything a peer sent in answer to one request on a connection it then closed. */
export function parseWholeResponse(bytes: Buffer): WholeResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no complete response head in ${JSON.stringify(bytes.toString('latin1'))}`);
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(statusLine.split(' ')[1]);
  if (!/^HTTP\/1\.[01] \d{3}/.test(statusLine)) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = bytes.subarray(end + 4);
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') body = dechunk(body);
  else if (headers.has('content-length')) body = body.subarray(0, Number(headers.get('content-length')));
  return { status, headers, body: body.toString('utf8') };
}

/**
 * Writes `head` (request line and headers, CRLF-separated, without the blank line) and `body` exactly as given
 * on a fresh connection, and reads the whole answer. The request should carry `Connection: close`.
 */
export async function exchangeRaw(endpoint: Endpoint, head: string, body = ''): Promise<WholeResponse> {
  const received = sendRaw(endpoint, Buffer.from(`${head}\r\n\r\n${body}`, 'latin1'));
  return parseWholeResponse(await received.end(20_000));
}
