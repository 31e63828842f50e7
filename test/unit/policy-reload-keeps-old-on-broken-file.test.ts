// Reloading: a changed policy file (also one replaced by rename, as editors save) is loaded and handed
// over; SIGHUP reloads on demand; a broken new file is reported with file:line:column and the running
// policy stays in place; a file written in place in two steps is never loaded half-written.
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, realpathSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PolicyFileError } from '../../src/policy/policy-file-error.js';
import type { RulePolicy } from '../../src/policy/rule-policy.js';
import { watchPolicyFile } from '../../src/policy/watch-policy-file.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-reload-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

function events() {
  const reloads: RulePolicy[] = [];
  const errors: Error[] = [];
  let wake: (() => void) | undefined;
  const next = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  return {
    reloads,
    errors,
    next,
    onReload: (p: RulePolicy) => {
      reloads.push(p);
      wake?.();
    },
    onError: (e: Error) => {
      errors.push(e);
      wake?.();
    },
  };
}

// The watcher does not keep the process alive (the gateway's listeners do); this timer does, here.
async function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out waiting for a reload')), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

test('a file change reloads; a broken file reports its position and keeps the old policy; SIGHUP reloads', async () => {
  const file = join(tmp, 'policy.yaml');
  writeFileSync(file, 'rules:\n  - profile: baseline\n');
  const seen = events();
  const watcher = watchPolicyFile(file, seen.onReload, seen.onError, { debounceMs: 20, settleMs: 100, sighup: true });
  try {
    await new Promise((r) => setTimeout(r, 50));
    let waiting = seen.next();
    writeFileSync(file, 'rules:\n  - profile: restricted\n    name: tight\n');
    await within(waiting);
    assert.equal(seen.reloads.length, 1);
    assert.equal(seen.reloads[0]!.rules[0]!.rule, 'policy.tight');

    waiting = seen.next();
    writeFileSync(file, 'rules:\n  - profile: restricted\n    privilegd: true\n');
    await within(waiting);
    assert.equal(seen.reloads.length, 1, 'a broken file hands over no policy');
    const error = seen.errors.at(-1);
    assert.ok(error instanceof PolicyFileError);
    assert.match(error.message, /policy\.yaml:3:5: rules\[0\]\.privilegd: unknown key/);

    waiting = seen.next();
    writeFileSync(join(tmp, 'policy.yaml.new'), 'rules:\n  - profile: audit\n    name: renamed\n');
    renameSync(join(tmp, 'policy.yaml.new'), file);
    await within(waiting);
    assert.equal(seen.reloads.at(-1)!.rules[0]!.rule, 'policy.renamed');

    waiting = seen.next();
    const count = seen.reloads.length;
    process.kill(process.pid, 'SIGHUP');
    await within(waiting);
    assert.equal(seen.reloads.length, count + 1, 'SIGHUP reloads even an unchanged file');
  } finally {
    watcher.close();
  }
});

test('reload() resolves after the new policy or the error is delivered', async () => {
  const file = join(tmp, 'other.yaml');
  writeFileSync(file, 'rules: [\n');
  const seen = events();
  const watcher = watchPolicyFile(file, seen.onReload, seen.onError, { sighup: false });
  try {
    await watcher.reload();
    assert.equal(seen.errors.length, 1);
    assert.match(seen.errors[0]!.message, /other\.yaml:\d+:\d+: YAML: /);
    writeFileSync(file, 'rules:\n  - profile: read-only\n');
    await watcher.reload();
    assert.equal(seen.reloads.length, 1);
  } finally {
    watcher.close();
  }
});

test('a file written in place in two steps, with a pause, is loaded whole and never half-written', async () => {
  const file = join(tmp, 'in-place.yaml');
  writeFileSync(file, 'rules:\n  - profile: read-only\n    name: before\n');
  const seen = events();
  const watcher = watchPolicyFile(file, seen.onReload, seen.onError, { debounceMs: 20, settleMs: 400, sighup: false });
  try {
    await new Promise((r) => setTimeout(r, 50));
    const waiting = seen.next();
    // The first half parses on its own, and grants more than the whole: the except list is not there yet.
    const fd = openSync(file, 'r+');
    ftruncateSync(fd, 0);
    writeSync(fd, 'rules:\n  - profile: baseline\n    name: half\n', 0);
    await new Promise((r) => setTimeout(r, 250));
    writeSync(fd, '    except: [container.*]\n', Buffer.byteLength('rules:\n  - profile: baseline\n    name: half\n'));
    closeSync(fd);
    await within(waiting);
    assert.equal(seen.reloads.length, 1, 'one reload: the whole file');
    assert.deepEqual(seen.reloads[0]!.rules[0]!.operations.except, ['container.*']);
  } finally {
    watcher.close();
  }
});
