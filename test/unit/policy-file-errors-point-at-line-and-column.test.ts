// A policy file that cannot be used is refused with the file, line and column of each problem, in
// words that say what is allowed there: unknown keys (with the keys allowed and a likely spelling),
// wrong types, unknown operations, bind roots that do not exist, YAML syntax and duplicate keys.
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { PolicyFileError } from '../../src/policy/policy-file-error.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-policy-errors-')));
after(() => rmSync(tmp, { recursive: true, force: true }));

function problems(text: string): Array<[number, number, string]> {
  try {
    loadPolicy(text.endsWith('\n') ? text : `${text}\n`, { name: 'p.yaml' });
  } catch (err) {
    assert.ok(err instanceof PolicyFileError, String(err));
    return err.problems.map((p) => [p.line, p.column, p.message]);
  }
  assert.fail('the policy loaded');
}

function first(text: string): [number, number, string] {
  return problems(text)[0]!;
}

describe('policy file errors', () => {
  test('a typo in a key gives its line and column, the keys allowed there and the likely spelling', () => {
    const [line, column, message] = first(['rules:', '  - name: ci', '    match: { uid: 1000 }', '    profile: baseline', '    constraints:', '      privilegd: true'].join('\n'));
    assert.deepEqual([line, column], [6, 7]);
    assert.match(message, /^rules\[0\]\.constraints\.privilegd: unknown key "privilegd" \(did you mean "privileged"\?\); allowed keys here: allow-bind, privileged, /);
  });

  test('the error message starts with file:line:column', () => {
    try {
      loadPolicy('rules:\n  - profile: baseline\n    mdoe: warn\n', { name: 'policy.yaml' });
      assert.fail('loaded');
    } catch (err) {
      assert.ok(err instanceof PolicyFileError);
      assert.match(err.message, /^policy\.yaml:3:5: rules\[0\]\.mdoe: unknown key "mdoe" \(did you mean "mode"\?\)/);
      assert.equal(err.line, 3);
      assert.equal(err.column, 5);
    }
  });

  test('a wrong type points at the value and says what was expected', () => {
    assert.deepEqual(first('rules:\n  - profile: baseline\n    constraints:\n      privileged: yes\n'), [4, 19, 'rules[0].constraints.privileged: expected true or false, got yes']);
    assert.deepEqual(first('rules:\n  - profile: baseline\n    match:\n      uid: bob\n').slice(0, 2), [4, 12]);
  });

  test('an unknown mode, profile or namespace lists the allowed values', () => {
    assert.deepEqual(first('rules:\n  - profile: baseline\n    mode: enforcing\n'), [3, 11, 'rules[0].mode: expected enforce or warn']);
    assert.deepEqual(first('rules:\n  - profile: strict\n'), [2, 14, 'rules[0].profile: expected one of: baseline, restricted, read-only, audit']);
    assert.match(first('rules:\n  - profile: baseline\n    constraints:\n      host-namespaces: [pid, mount]\n')[2], /expected one of: pid, ipc, uts, user, cgroup, network/);
  });

  test('an operation pattern that names nothing known is refused where it is written', () => {
    const [line, column, message] = first('rules:\n  - operations:\n      - container.create\n      - contianer.*\n');
    assert.deepEqual([line, column], [4, 9]);
    assert.match(message, /"contianer\.\*" names no known operation \(did you mean container\?\)/);
  });

  test('a bind root that does not exist on the host is refused', () => {
    const [line, column, message] = first(`rules:\n  - profile: baseline\n    constraints:\n      allow-bind: [${tmp}, ${tmp}/missing:ro]\n`);
    assert.deepEqual([line, column], [4, 20 + tmp.length + 2]);
    assert.match(message, /cannot be resolved on this host \(ENOENT\)/);
  });

  test('sizes and CPU counts must read as such', () => {
    assert.deepEqual(first('rules:\n  - profile: restricted\n    defaults:\n      memory: lots\n'), [
      4,
      15,
      'rules[0].defaults.memory: expected a size such as 512m, 2g or a number of bytes',
    ]);
    assert.deepEqual(first('rules:\n  - profile: restricted\n    constraints:\n      cpus: { max: -1 }\n').slice(0, 2), [4, 20]);
  });

  test('YAML syntax errors and duplicate keys have positions too', () => {
    assert.deepEqual(first('rules:\n  - profile: baseline\n    mode: warn\n    mode: enforce\n').slice(0, 2), [4, 5]);
    assert.match(first('rules:\n  - profile: baseline\n    mode: warn\n    mode: enforce\n')[2], /^YAML: Map keys must be unique/);
    assert.equal(first('rules: [\n')[2].startsWith('YAML: '), true);
  });

  test('a rule needs operations or a profile; audit takes no constraints; rule names are unique', () => {
    assert.deepEqual(first('rules:\n  - name: x\n    mode: warn\n'), [
      2,
      5,
      'rules[0]: a rule needs operations, or a profile or preset to take them from (baseline, restricted, read-only, audit; or an application preset)',
    ]);
    assert.deepEqual(first('rules:\n  - profile: audit\n    constraints: { privileged: false }\n').slice(0, 2), [3, 18]);
    assert.deepEqual(first('rules:\n  - name: a\n    profile: baseline\n  - name: a\n    profile: audit\n'), [4, 11, 'rules[1].name: the rule name "a" is already used by rules[0]']);
  });

  test('an empty file and a file without rules are refused', () => {
    assert.match(first('# nothing\n')[2], /empty/);
    assert.match(first('version: 1\n')[2], /rules/);
    assert.match(first('rules: []\n')[2], /at least one rule/);
  });

  test('every problem is reported, in file order', () => {
    const all = problems('rules:\n  - profile: baseline\n    constraints:\n      privilegd: true\n      memory: { max: huge }\n    mode: sometimes\n');
    assert.deepEqual(
      all.map(([l]) => l),
      [4, 5, 6],
    );
  });

  test('a file that cannot be read names the file', () => {
    assert.throws(
      () => loadPolicy(`${tmp}/absent.yaml`),
      (err: unknown) => err instanceof PolicyFileError && /absent\.yaml:1:1: cannot read the policy file \(ENOENT\)/.test(err.message),
    );
  });
});
