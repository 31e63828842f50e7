// Compose projects written for a unit test: files in a fresh directory (removed after the tests), and the
// place of a piece of their text, so that a test names the key it expects a field to point at
// (`spot(file, 'privileged:')`) rather than counting lines and columns.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import type { SourceLocation } from '../../src/check/checked-request.js';

/** Writes `files` (relative path → text) under a new directory named `name` and returns that directory. */
export function composeProject(files: Readonly<Record<string, string>>, name = 'app'): string {
  const root = mkdtempSync(join(tmpdir(), 'dgcompose-unit-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** The 1-based line and column where the `nth` (0-based) occurrence of `needle` starts in `file`. */
export function spot(file: string, needle: string, nth = 0): SourceLocation {
  const text = readFileSync(file, 'utf8');
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`${needle} (occurrence ${nth}) is not in ${file}`);
  }
  const before = text.slice(0, index).split('\n');
  return { file, line: before.length, column: before.at(-1)!.length + 1 };
}
