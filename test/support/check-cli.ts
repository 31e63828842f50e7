// `dockgate check` as shipped (node bin/dockgate.js check ...; scripts/test.sh builds dist/ first).
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'bin', 'dockgate.js');

export interface CheckRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `dockgate check ARGS` with only PATH and `env` in its environment. */
export function runCheckCli(args: readonly string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CheckRun> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [BIN, 'check', ...args],
      { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}
