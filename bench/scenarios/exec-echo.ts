// exec_echo: `docker exec -i bench-exec cat`, as the CLI does it (exec create with the CLI's body shape,
// then exec start hijacked with `Upgrade: tcp`), then one line at a time written to cat's stdin and timed
// until it is back on the multiplexed stdout stream. A new exec per target per round; the first lines of
// each session are a warm-up. p50/p99 over the round trips of all sessions. A target whose exec start is
// not upgraded (HAProxy 2.4-3.0) cannot carry stdin at all; it is reported as such and left out.

import type { Socket } from 'node:net';
import { expectJson, hijack, httpRequest, type Target, type TargetName } from '../support/http.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { rotated, Samples } from '../support/stats.js';
import { RUNNING_CONTAINERS } from '../support/stack.js';

const CONTAINER = RUNNING_CONTAINERS[0];

/**
 * The exec start was answered 200 instead of 101: the Upgrade header did not reach the engine. HAProxy 2.4 to
 * 3.0 (Debian 12 ships 2.6) drop it from requests that carry a body, as exec start does (haproxy/haproxy#2684,
 * fixed in 3.1); the engine then hijacks without an upgrade, stdin never gets through, and the Docker CLI
 * (28) gives up with "unable to upgrade to tcp, received 200".
 */
class NotUpgraded extends Error {
  constructor(readonly target: TargetName) {
    super(
      `exec start through ${target} was answered 200, not 101: the Upgrade header did not reach the engine, so stdin cannot get through (\`docker exec -i\` fails with "unable to upgrade to tcp, received 200")`,
    );
  }
}
const WARMUP_LINES = 10;
const ECHO_TIMEOUT_MS = 10_000;

/** Reads the engine's multiplexed stream (8-byte frame headers, Tty false) and hands over stdout text. */
class StdoutReader {
  private pending: Buffer = Buffer.alloc(0);
  private text = '';
  private waiter: { line: string; resolve: () => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;
  private failure: Error | undefined;

  constructor(socket: Socket, first: Buffer) {
    socket.on('data', (chunk: Buffer) => this.push(chunk));
    socket.on('end', () => this.fail(new Error('the exec stream ended')));
    socket.on('error', (error) => this.fail(error));
    if (first.length > 0) this.push(first);
  }

  private push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      if (this.pending[0] === 1) this.text += this.pending.subarray(8, 8 + size).toString('utf8');
      else if (this.pending[0] === 2) this.fail(new Error(`stderr: ${this.pending.subarray(8, 8 + size).toString('utf8')}`));
      this.pending = this.pending.subarray(8 + size);
    }
    this.check();
  }

  private check(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    const at = this.text.indexOf(waiter.line);
    if (at === -1) return;
    this.text = this.text.slice(at + waiter.line.length);
    clearTimeout(waiter.timer);
    this.waiter = undefined;
    waiter.resolve();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    this.waiter = undefined;
    waiter.reject(error);
  }

  /** Resolves once `line` has come back on stdout. */
  expect(line: string): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no echo of ${JSON.stringify(line)} within ${ECHO_TIMEOUT_MS} ms`)), ECHO_TIMEOUT_MS);
      this.waiter = { line, resolve, reject, timer };
      this.check();
    });
  }
}

async function session(target: Target, apiVersion: string, echoes: number, deadline: number, samples: Samples): Promise<void> {
  const exec = expectJson<{ Id: string }>(
    await httpRequest(target, 'POST', `/v${apiVersion}/containers/${CONTAINER}/exec`, {
      // The CLI's exec create body (docker exec -i), with stdin attached.
      body: JSON.stringify({
        User: '',
        Privileged: false,
        Tty: false,
        AttachStdin: true,
        AttachStderr: true,
        AttachStdout: true,
        Detach: false,
        DetachKeys: '',
        Env: null,
        WorkingDir: '',
        Cmd: ['cat'],
      }),
      headers: { 'Content-Type': 'application/json' },
    }),
    201,
    `exec create through ${target.name}`,
  );
  const { socket, rest, upgraded } = await hijack(target, 'POST', `/v${apiVersion}/exec/${exec.Id}/start`, { Detach: false, Tty: false });
  if (!upgraded) {
    socket.destroy();
    throw new NotUpgraded(target.name);
  }
  try {
    const reader = new StdoutReader(socket, rest);
    for (let i = 0; i < WARMUP_LINES + echoes && (i < WARMUP_LINES || performance.now() < deadline); i++) {
      const line = `echo ${target.name} ${i}\n`;
      const started = performance.now();
      socket.write(line);
      await reader.expect(line);
      if (i >= WARMUP_LINES) samples.add(performance.now() - started);
    }
    // stdin closed: cat exits and the engine ends the stream.
    socket.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    socket.destroy();
  }
}

export async function runExecEcho(targets: readonly Target[], apiVersion: string, settings: Settings['exec'], results: Results, log: (line: string) => void): Promise<void> {
  // A first session per target, of a few lines, tells which targets can carry `docker exec -i` at all.
  const able: Target[] = [];
  for (const target of targets) {
    try {
      await session(target, apiVersion, 0, performance.now() + settings.sliceSeconds * 1000, new Samples());
      able.push(target);
    } catch (error) {
      if (!(error instanceof NotUpgraded)) throw error;
      results.notes.push(`exec_echo, ${target.name}: not measured: ${error.message}.`);
      log(`  exec_echo ${target.name}: not measured: ${error.message}`);
    }
  }
  const samples = new Map<TargetName, Samples>(able.map((t) => [t.name, new Samples()]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const target of rotated(able, round)) {
      await session(target, apiVersion, settings.echoes, performance.now() + settings.sliceSeconds * 1000, samples.get(target.name)!);
    }
  }
  for (const target of able) {
    const pooled = samples.get(target.name)!;
    results.add('exec_echo', target.name, 'p50_ms', pooled.percentile(50), 'ms');
    results.add('exec_echo', target.name, 'p99_ms', pooled.percentile(99), 'ms');
    log(`  exec_echo ${target.name}: ${pooled.length} round trips`);
  }
}
