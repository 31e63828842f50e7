// Undoing a suite's set-up in one place: what a `before` hook or a test starts (an engine, gateways,
// directories) is registered right after it is started, and one `after` hook ends it all, newest first,
// like nested try/finally blocks. Every step runs even if an earlier one failed; the first failure is
// thrown once all have run (later ones are printed), so a gateway that died during the tests fails the suite and the engine is
// stopped all the same.

import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { after } from 'node:test';

/** Stopping gateways and an engine (its containers, containerd) takes seconds; more means something hangs. */
export const TEARDOWN_TIMEOUT_MS = 120_000;

export class Teardown {
  private steps: (() => unknown)[] = [];

  /** Registers `step` to run after the tests, before everything registered earlier. */
  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** A new directory `PREFIX*`, removed after the tests; `mode` when it must be other than 0700 (e.g. traversable by all). */
  tempDir(prefix: string, mode?: number): string {
    const dir = mkdtempSync(prefix);
    if (mode !== undefined) chmodSync(dir, mode);
    this.add(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** Runs every registered step, newest first, and forgets them; rejects with the first failure. */
  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    for (const later of failures.slice(1)) console.error('teardown: a later step failed as well:', later);
    if (failures.length > 0) throw failures[0];
  }
}

/**
 * Registers an `after` hook for the enclosing suite (with a timeout of its own: a suite's timeout does not
 * cover hooks) that runs the returned Teardown.
 */
export function useTeardown(timeoutMs = TEARDOWN_TIMEOUT_MS): Teardown {
  const teardown = new Teardown();
  after(() => teardown.run(), { timeout: timeoutMs });
  return teardown;
}
