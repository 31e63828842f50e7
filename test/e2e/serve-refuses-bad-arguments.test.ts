// `dockgate serve` with a command line it cannot honour exits at once, non-zero, with one line on stderr
// that starts `dockgate:` and says what is wrong (naming the option or file at fault), no stack trace, and
// nothing left behind: no socket bound, no staging directory. No engine is needed: every case fails
// before the gateway would talk to one, and the upstream named is a path where nothing listens.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { freeLoopbackPort } from '../support/free-port.js';
import { assertRefusedToStart, runGatewayExpectingFailure } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';

interface Case {
  name: string;
  /** Arguments after `serve`; `DIR` is replaced by the test's directory, `PORT` by a free loopback port. */
  args: string[];
  /** What the one line must contain, besides starting with `dockgate:`. */
  mentions: (string | RegExp)[];
}

const LONG_NAME = 'x'.repeat(120);

const CASES: Case[] = [
  // --listen forms
  { name: 'a relative unix path', args: ['--listen', 'unix://gw.sock'], mentions: ['--listen', 'absolute'] },
  { name: 'an empty unix path', args: ['--listen', 'unix://'], mentions: ['--listen'] },
  { name: 'a scheme that is neither unix nor tcp', args: ['--listen', 'http://127.0.0.1:2375'], mentions: ['--listen', 'http://127.0.0.1:2375'] },
  { name: 'a bare path without unix://', args: ['--listen', 'DIR/gw.sock'], mentions: ['--listen'] },
  { name: 'a unix path longer than sun_path allows', args: ['--listen', `unix://DIR/${LONG_NAME}.sock`], mentions: ['--listen', '107'] },
  { name: 'an unknown unix listener option', args: ['--listen', 'unix://DIR/gw.sock?perm=0600'], mentions: ['--listen', 'perm'] },
  { name: 'an owner that does not exist', args: ['--listen', 'unix://DIR/gw.sock?owner=dockgate-no-such-user'], mentions: ['dockgate-no-such-user'] },
  { name: 'a group that does not exist', args: ['--listen', 'unix://DIR/gw.sock?group=dockgate-no-such-group'], mentions: ['dockgate-no-such-group'] },
  { name: 'an empty owner', args: ['--listen', 'unix://DIR/gw.sock?owner='], mentions: ['--listen', 'owner'] },
  { name: 'a directory that does not exist', args: ['--listen', 'unix://DIR/missing/gw.sock'], mentions: ['DIR/missing'] },
  { name: 'a tcp listener without a port', args: ['--listen', 'tcp://127.0.0.1'], mentions: ['--listen', 'port'] },
  { name: 'a tcp listener with a path', args: ['--listen', 'tcp://127.0.0.1:PORT/docker'], mentions: ['--listen', 'path'] },
  // bad modes
  { name: 'a mode that is not octal', args: ['--listen', 'unix://DIR/gw.sock?mode=999'], mentions: ['--listen', 'mode'] },
  { name: 'a mode that is a word', args: ['--listen', 'unix://DIR/gw.sock?mode=rw-rw----'], mentions: ['--listen', 'mode'] },
  { name: 'an empty mode', args: ['--listen', 'unix://DIR/gw.sock?mode='], mentions: ['--listen', 'mode'] },
  { name: 'a mode with execute bits', args: ['--listen', 'unix://DIR/gw.sock?mode=0777'], mentions: ['--listen', 'mode'] },
  { name: 'a mode with setuid bits', args: ['--listen', 'unix://DIR/gw.sock?mode=4660'], mentions: ['--listen', 'mode'] },
  { name: 'a mode given twice (which one was meant?)', args: ['--listen', 'unix://DIR/gw.sock?mode=0660&mode=0600'], mentions: ['--listen', 'mode'] },
  // profiles
  { name: 'an unknown profile', args: ['--listen', 'unix://DIR/gw.sock', '--profile', 'permissive'], mentions: ['--profile', 'permissive', 'audit', 'read-only'] },
  // presets, and a listener's own preset or profile
  { name: 'an unknown preset', args: ['--listen', 'unix://DIR/gw.sock', '--preset', 'nginx'], mentions: ['--preset', 'nginx', 'traefik', 'github-actions-runner'] },
  { name: 'a preset and a profile', args: ['--listen', 'unix://DIR/gw.sock', '--preset', 'traefik', '--profile', 'baseline'], mentions: ['--preset', '--profile', 'separately'] },
  { name: 'a preset and a policy file', args: ['--listen', 'unix://DIR/gw.sock', '--preset', 'traefik', '--policy', 'DIR/policy.yaml'], mentions: ['--policy', '--preset', 'separately'] },
  {
    name: 'bind roots for a preset that creates no container',
    args: ['--listen', 'unix://DIR/gw.sock', '--preset', 'traefik', '--allow-bind', 'DIR'],
    mentions: ['--allow-bind', 'traefik'],
  },
  { name: "a listener's unknown preset", args: ['--listen', 'unix://DIR/gw.sock?preset=nginx'], mentions: ['--listen', "unknown preset 'nginx'", 'autoheal'] },
  { name: 'a listener with both preset= and profile=', args: ['--listen', 'unix://DIR/gw.sock?preset=traefik&profile=audit'], mentions: ['--listen', 'preset=', 'profile='] },
  // tcp without TLS, and TLS files that are not usable
  { name: 'a tcp listener without TLS files', args: ['--listen', 'tcp://127.0.0.1:PORT'], mentions: ['--tls-ca', '--tls-cert', '--tls-key'] },
  {
    name: 'a unix listener and a tcp listener without TLS files (nothing is opened before the refusal)',
    args: ['--listen', 'unix://DIR/gw.sock', '--listen', 'tcp://127.0.0.1:PORT'],
    mentions: ['--tls-ca'],
  },
  { name: 'only one of the three TLS files', args: ['--listen', 'tcp://127.0.0.1:PORT', '--tls-ca', 'DIR/ca.pem'], mentions: ['--tls-ca', '--tls-cert', '--tls-key'] },
  {
    name: 'TLS files that do not exist',
    args: ['--listen', 'tcp://127.0.0.1:PORT', '--tls-ca', 'DIR/no-ca.pem', '--tls-cert', 'DIR/no-cert.pem', '--tls-key', 'DIR/no-key.pem'],
    mentions: [/DIR\/no-(ca|cert|key)\.pem/],
  },
  {
    name: 'TLS files that are not PEM',
    args: ['--listen', 'tcp://127.0.0.1:PORT', '--tls-ca', 'DIR/junk.pem', '--tls-cert', 'DIR/junk.pem', '--tls-key', 'DIR/junk.pem'],
    mentions: [/--tls-(ca|cert|key)|DIR\/junk\.pem/],
  },
  // upstreams that are not unix sockets
  { name: 'a tcp upstream', args: ['--upstream', 'tcp://127.0.0.1:2375', '--listen', 'unix://DIR/gw.sock'], mentions: ['--upstream', 'unix://'] },
  { name: 'an http upstream', args: ['--upstream', 'http://127.0.0.1:2375', '--listen', 'unix://DIR/gw.sock'], mentions: ['--upstream'] },
  { name: 'a relative unix upstream', args: ['--upstream', 'unix://docker.sock', '--listen', 'unix://DIR/gw.sock'], mentions: ['--upstream', 'absolute'] },
  // other options
  { name: 'a negative grace period', args: ['--listen', 'unix://DIR/gw.sock', '--grace-period', '-1'], mentions: ['--grace-period'] },
  { name: 'a grace period that is not a number', args: ['--listen', 'unix://DIR/gw.sock', '--grace-period', 'soon'], mentions: ['--grace-period'] },
  { name: 'a minimum API version that is not a version', args: ['--listen', 'unix://DIR/gw.sock', '--min-api-version', 'latest'], mentions: ['--min-api-version', 'latest'] },
  // limits and timeouts
  { name: 'no connections at all', args: ['--listen', 'unix://DIR/gw.sock', '--max-connections', '0'], mentions: ['--max-connections 0', 'at least 1'] },
  { name: 'a fractional concurrency limit', args: ['--listen', 'unix://DIR/gw.sock', '--max-concurrent-requests', '2.5'], mentions: ['--max-concurrent-requests 2.5', 'whole number'] },
  { name: 'a rate that is not a number', args: ['--listen', 'unix://DIR/gw.sock', '--max-requests-per-second', 'many'], mentions: ['--max-requests-per-second many'] },
  { name: 'a burst without a rate', args: ['--listen', 'unix://DIR/gw.sock', '--burst', '10'], mentions: ['--burst', '--max-requests-per-second'] },
  { name: 'a burst of zero', args: ['--listen', 'unix://DIR/gw.sock', '--max-requests-per-second', '10', '--burst', '0'], mentions: ['--burst 0', 'at least 1'] },
  { name: 'a headers timeout of zero (no timeout is no defence)', args: ['--listen', 'unix://DIR/gw.sock', '--headers-timeout', '0'], mentions: ['--headers-timeout 0', 'above 0'] },
  { name: 'a negative body timeout', args: ['--listen', 'unix://DIR/gw.sock', '--body-timeout', '-5'], mentions: ['--body-timeout -5'] },
  { name: 'a keep-alive timeout over a day', args: ['--listen', 'unix://DIR/gw.sock', '--keep-alive-timeout', '100000'], mentions: ['--keep-alive-timeout 100000', '86400'] },
  { name: 'a body memory that is no size', args: ['--listen', 'unix://DIR/gw.sock', '--body-memory', 'lots'], mentions: ['--body-memory lots', '64m'] },
  {
    name: "a client's share above the total",
    args: ['--listen', 'unix://DIR/gw.sock', '--spool-disk', '4g', '--spool-disk-per-identity', '8g'],
    mentions: ['--spool-disk-per-identity 8g', '--spool-disk 4g'],
  },
  { name: 'an audit log in a directory that does not exist', args: ['--listen', 'unix://DIR/gw.sock', '--audit-log', 'DIR/missing/audit.jsonl'], mentions: ['DIR/missing/audit.jsonl'] },
  {
    name: 'an unknown audit outage mode',
    args: ['--listen', 'unix://DIR/gw.sock', '--audit-outage', 'sometimes'],
    mentions: ['--audit-outage', 'sometimes', 'reads-continue', 'refuse-all'],
  },
  {
    name: 'an unknown audit sync point',
    args: ['--listen', 'unix://DIR/gw.sock', '--audit-sync', 'never'],
    mentions: ['--audit-sync', 'never', 'before-answer', 'before-forward'],
  },
  { name: 'refuse-all without an audit log (stderr never fails)', args: ['--listen', 'unix://DIR/gw.sock', '--audit-outage', 'refuse-all'], mentions: ['--audit-outage', '--audit-log'] },
  { name: 'an unknown body reading', args: ['--listen', 'unix://DIR/gw.sock', '--bodies', 'lenient'], mentions: ['--bodies', 'lenient', 'canonical', 'strict'] },
  // privilege drop
  { name: 'a user that does not exist', args: ['--listen', 'unix://DIR/gw.sock', '--user', 'nosuchuser'], mentions: ['--user', 'nosuchuser'] },
  { name: 'a group that does not exist', args: ['--listen', 'unix://DIR/gw.sock', '--user', 'nobody', '--group', 'dockgate-no-such-group'], mentions: ['--group', 'dockgate-no-such-group'] },
  { name: '--group without --user', args: ['--listen', 'unix://DIR/gw.sock', '--group', 'docker'], mentions: ['--group', '--user'] },
  { name: 'dropping to root', args: ['--listen', 'unix://DIR/gw.sock', '--user', 'root'], mentions: ['--user', 'root'] },
  { name: 'dropping to the root group', args: ['--listen', 'unix://DIR/gw.sock', '--user', 'nobody', '--group', '0'], mentions: ['--group', 'root group'] },
  { name: 'a numeric user without an entry and without --group', args: ['--listen', 'unix://DIR/gw.sock', '--user', '54321'], mentions: ['--user 54321', '--group'] },
];

describe('serve refuses command lines it cannot honour: non-zero exit, one line, no stack trace', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown();
  let dir: string;
  let port: number;

  before(async () => {
    dir = teardown.tempDir('/tmp/dga-');
    port = await freeLoopbackPort();
  });

  for (const testCase of CASES) {
    test(testCase.name, async () => {
      // Each case gets an empty directory of its own (plus a junk file), so leftovers are seen.
      const caseDir = mkdtempSync(join(dir, 'c-'));
      writeFileSync(join(caseDir, 'junk.pem'), 'this is not a certificate\n');
      const fill = (text: string): string => text.replaceAll('DIR', caseDir).replaceAll('PORT', String(port));
      const args = testCase.args.map(fill);
      const withUpstream = args.includes('--upstream') ? args : ['--upstream', `unix://${caseDir}/no-engine.sock`, ...args];

      const failure = await runGatewayExpectingFailure({ args: withUpstream }, 10_000);
      const shown = `${failure.commandLine}\n--- output ---\n${failure.output}`;
      const line = assertRefusedToStart(failure);
      for (const mention of testCase.mentions) {
        if (typeof mention === 'string') assert.ok(line.includes(fill(mention)), `the message should mention ${JSON.stringify(fill(mention))}\n${shown}`);
        else assert.match(line, new RegExp(fill(mention.source)), shown);
      }
      // Nothing left behind: no socket, no staging directory, no other file.
      const left = readdirSync(caseDir).filter((name) => name !== 'junk.pem');
      assert.deepEqual(left, [], `left behind in the listener directory\n${shown}`);
    });
  }

  // Commander's own parse errors print its usage after the error (showHelpAfterError), so they are held
  // only to what matters for scripts and operators: a non-zero exit, the option named first, no stack trace.
  test('an unknown option: non-zero exit, the option named on the first line, no stack trace', async () => {
    const caseDir = mkdtempSync(join(dir, 'c-'));
    const failure = await runGatewayExpectingFailure({ upstream: `${caseDir}/no-engine.sock`, listen: [`unix://${caseDir}/gw.sock`], args: ['--no-such-option'] }, 10_000);
    assert.equal(failure.timedOut, false, failure.output);
    assert.notEqual(failure.exit.code, 0, failure.output);
    assert.notEqual(failure.exit.code, null, failure.output);
    assert.doesNotMatch(failure.output, /^\s+at /m, failure.output);
    assert.match(failure.output.split('\n')[0]!, /--no-such-option/, failure.output);
    assert.deepEqual(readdirSync(caseDir), []);
  });
});
