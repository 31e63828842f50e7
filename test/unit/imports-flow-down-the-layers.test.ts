// The folders of src/ are layers in the order docs/architecture.md writes them (its one line of folder
// names joined by arrows): a folder imports only from itself and the folders before it. A folder missing
// from that line, or an import that runs back up, fails here with the file and the import.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

/** The order as docs/architecture.md writes it: the one line of `folder` names joined by arrows. */
function writtenOrder(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const lines = doc.split('\n').filter((line) => /^`[a-z0-9-]+`( → `[a-z0-9-]+`)+$/.test(line.trim()));
  assert.equal(lines.length, 1, 'docs/architecture.md has one line of folders in import order (`errors` → `log` → ...)');
  return [...lines[0]!.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]!);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top folder of src/ a file belongs to; undefined for files at the root (the package entry, above every layer). */
function layerOf(file: string): string | undefined {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
function importsOf(text: string): string[] {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]!);
}

test('docs/architecture.md lists every folder of src/ once', () => {
  const order = writtenOrder();
  assert.equal(new Set(order).size, order.length, `a folder is listed twice: ${order.join(', ')}`);
  const folders = readdirSync(SRC, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  assert.deepEqual([...order].sort(), folders);
});

test('every import of src/ runs down the written order (a folder imports itself and those before it)', () => {
  const order = writtenOrder();
  const rank = new Map(order.map((folder, i) => [folder, i]));
  const upward: string[] = [];
  let checked = 0;
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    if (from === undefined) continue;
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const to = layerOf(resolve(dirname(file), specifier));
      checked += 1;
      assert.notEqual(to, undefined, `${relative(ROOT, file)} imports ${specifier}, at the root of src/ (the package entry imports the layers, not the other way)`);
      if (rank.get(to!)! > rank.get(from)!) upward.push(`${relative(ROOT, file)} (${from}) imports ${specifier} (${to})`);
    }
  }
  assert.ok(checked > 300, `only ${checked} imports found: the reader of imports is broken`);
  assert.deepEqual(upward, [], 'imports that run back up the layers');
});

test('the reader of imports sees static, type-only, re-exported and dynamic imports', () => {
  const text = [
    "import { a } from '../route/a.js';",
    "import type { B } from '../judge/b.js';",
    "export { c } from './c.js';",
    "const d = await import('../policy/d.js');",
    'import {',
    '  e,',
    "} from '../inspect/e.js';",
    "import '../log/side-effect.js';",
  ].join('\n');
  assert.deepEqual(importsOf(text), ['../route/a.js', '../judge/b.js', './c.js', '../policy/d.js', '../inspect/e.js', '../log/side-effect.js']);
});
