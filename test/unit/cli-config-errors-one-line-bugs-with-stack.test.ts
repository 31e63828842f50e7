// The command line's failures: an operator's mistake (a ConfigError, and what a loader of the operator's
// input threw) is one line `dockgate: ...` without a stack; anything else is a bug and comes with its stack.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { failureReport } from '../../src/cli/failure-report.js';
import { asConfigError, ConfigError, loadingConfig } from '../../src/errors/config-error.js';

test('a ConfigError is its message on one line, without a stack', () => {
  const report = failureReport(new ConfigError('--grace-period soon: expected a number of seconds'));
  assert.equal(report, 'dockgate: --grace-period soon: expected a number of seconds\n');
});

test('a ConfigError quoting a file is shown inert, still one line', () => {
  assert.equal(failureReport(new ConfigError('bad value "\u001b[2J\nx"')), 'dockgate: bad value "\\e[2J\\nx"\n');
});

test('any other error is a bug: reported as one, with its stack', () => {
  const bug = new TypeError("Cannot read properties of undefined (reading 'path')");
  const report = failureReport(bug);
  assert.match(report, /^dockgate: internal error \(a bug; please report it with what follows\): TypeError: Cannot read properties of undefined/);
  assert.match(report, /^\s+at .*cli-config-errors-one-line-bugs-with-stack\.test\.ts/m, report);
});

test("a loader's plain errors become ConfigErrors with the same message; programming errors stay bugs", async () => {
  const fromLoader = asConfigError(new Error('--listen unix://gw.sock: the path must be absolute'));
  assert.ok(fromLoader instanceof ConfigError);
  assert.equal(fromLoader.message, '--listen unix://gw.sock: the path must be absolute');
  assert.ok(asConfigError(new TypeError('x is not a function')) instanceof TypeError);
  await assert.rejects(
    loadingConfig(() => Promise.reject(new Error('cannot read /etc/dockgate/policy.yaml (ENOENT)'))),
    (err: unknown) => err instanceof ConfigError && err.message === 'cannot read /etc/dockgate/policy.yaml (ENOENT)',
  );
  await assert.rejects(
    loadingConfig(() => [].map(undefined as never)),
    TypeError,
  );
});

test('dockgate with a bad flag: exit 2, one line on stderr, no stack trace', () => {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'policy', 'explain', '--profile', 'baseline', '--identity', 'alice', '--method', 'GET', '--path', '/_ping'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stderr, 'dockgate: --identity alice: expected key=value pairs such as uid=1000,gid=1000 or cn=alice\n');
});
