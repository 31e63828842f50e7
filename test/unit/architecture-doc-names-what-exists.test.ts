// docs/architecture.md walks requests through files and functions by name: every file it names
// (`gateway/gateway.ts`, or a bare `read-body.ts`) must exist, and every function or type it
// names (`decideRequest`, `RequestBody`) must be declared there, so a rename that forgets the document fails.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
const spans = [...doc.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
const files = sourceFiles(SRC);

test('every file docs/architecture.md names exists', () => {
  const paths = new Set(files.map((file) => relative(SRC, file)));
  const names = new Set(files.map((file) => basename(file)));
  const named = spans.filter((span) => /^[a-z0-9./-]+\.ts$/.test(span));
  assert.ok(named.length > 40, `only ${named.length} files named: the reader is broken`);
  // A path is from the repository's root (`test/unit/...`) or from src/ or one of its folders (`schemas/mount.ts` in inspect/).
  const exists = (span: string): boolean => (span.includes('/') ? existsSync(join(ROOT, span)) || [...paths].some((path) => path === span || path.endsWith(`/${span}`)) : names.has(span));
  const missing = named.filter((span) => !exists(span));
  assert.deepEqual(missing, [], 'files the document names that src/ does not have');
});

test('every function and type docs/architecture.md names is declared in src/', () => {
  const source = files.map((file) => readFileSync(file, 'utf8')).join('\n');
  // camelCase and PascalCase words: function, method, class, interface and type names.
  const named = [...new Set(spans.filter((span) => /^[A-Za-z]+$/.test(span) && /[a-z][A-Z]|^[A-Z][a-z]+[A-Z]/.test(span)))];
  assert.ok(named.length > 20, `only ${named.length} names found: the reader is broken`);
  const declared = (name: string): boolean =>
    new RegExp(`(?:function|class|interface|type|const|let)\\s+${name}\\b|^\\s*(?:(?:private|async|readonly|static)\\s+)*${name}\\s*[(<:=?]`, 'm').test(source);
  assert.deepEqual(
    named.filter((name) => !declared(name)),
    [],
    'names the document uses that src/ does not declare',
  );
});
