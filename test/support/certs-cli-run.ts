// Runs `dockgate certs ...` (test/support/certs-cli.ts) in a child process for unit tests, and the
// assertions every certs test makes about how it ended.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export interface CertsRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function certs(...args: string[]): CertsRun {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/certs-cli.ts', 'certs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function certsOk(...args: string[]): string {
  const run = certs(...args);
  assert.equal(run.status, 0, `dockgate certs ${args.join(' ')}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return run.stdout;
}

/** A refusal: non-zero exit, exactly one line `dockgate: ...` on stderr, no stack trace. */
export function assertCertsRefused(run: CertsRun, pattern: RegExp): void {
  assert.notEqual(run.status, 0, `expected a refusal\nstdout: ${run.stdout}`);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0]!, /^dockgate: \S/);
  assert.match(lines[0]!, pattern);
}
