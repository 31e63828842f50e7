// `dockgate audit` against real engines in insecure configurations: a loopback TCP listener without TLS
// (declared in a pretty-printed daemon.json, where a same-line `host.*tcp://` regex sees nothing), TLS
// without client verification, a world-writable socket every user can really reach, a privileged
// container that was never started, an exited container with `/:/host:ro` and ports on every IPv4 and
// IPv6 address, a running container with the engine socket mounted. Each expected finding is asserted;
// the JSON and SARIF reports validate against their schemas; --fail-on sets the exit code. The
// docker-bench-security mistakes (AUDIT-NOTES) are each shown to be got right here or in the unit tests.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { findingsOf, runAuditCli, validateReport, validateSarif, type Report } from '../support/audit-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { useTeardown } from '../support/teardown.js';
import { createTestPki, type TestPki } from '../support/test-certs.js';
import { startGatewayInFront } from '../support/gateway.js';

const HOOK_TIMEOUT_MS = 120_000;

function parseReport(stdout: string): Report {
  return JSON.parse(stdout) as Report;
}

describe('dockgate audit finds what makes an engine unsafe', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let plain: Engine;
  let tlsEngine: Engine;
  let plainPort: number;
  let tlsPort: number;
  /** A bind source whose name needs escaping in JSON: a quote, a backslash and a tab. */
  let oddDir: string;
  let report: Report;
  let pki: TestPki;
  let jsonRun: { code: number | null; stdout: string; stderr: string };

  before(
    async () => {
      [plainPort, tlsPort] = [await freeLoopbackPort(), await freeLoopbackPort()];
      const pkiDir = teardown.tempDir('/tmp/dga-pki-');
      pki = createTestPki(pkiDir);
      [plain, tlsEngine] = await Promise.all([
        startEngine({ hostsInConfig: [`tcp://127.0.0.1:${plainPort}`], socketMode: 0o666, dirMode: 0o755, image: true }),
        startEngine({
          image: false,
          args: ['-H', `tcp://127.0.0.1:${tlsPort}`, '--tls', '--tlsverify=false', '--tlscacert', pki.server.ca, '--tlscert', pki.server.cert, '--tlskey', pki.server.key],
        }),
      ]);
      teardown.add(() => plain.stop());
      teardown.add(() => tlsEngine.stop());
      const on = plain.endpoint;
      oddDir = join(plain.dir, 'odd "name"\\with\ttab');
      mkdirSync(oddDir);
      await dockerOk(['create', '--name', 'priv', '--privileged', BUSYBOX_IMAGE, 'true'], on);
      await dockerOk(['run', '--name', 'rootro', '-v', '/:/host:ro', '-p', '18080:80', '-p', '[::]:18081:81', BUSYBOX_IMAGE, 'true'], on);
      await dockerOk(['run', '-d', '--name', 'sock', '-v', `${plain.socketPath}:/var/run/docker.sock`, '-v', `${oddDir}:/odd`, BUSYBOX_IMAGE, 'sleep', '600'], on);
      // `stat -c %a` says 477, and 477 <= 644 passes docker-bench's 3.18, yet every user may write the file.
      chmodSync(plain.configFile!, 0o477);
      jsonRun = await runAuditCli(['--host', `unix://${plain.socketPath}`, '--format', 'json', '--fail-on', 'high']);
      report = parseReport(jsonRun.stdout);
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test('a TCP listener without TLS is found by what really listens, though daemon.json spreads "hosts" over lines', () => {
    const config = readFileSync(plain.configFile!, 'utf8');
    // docker-bench 2.7: `grep -E "host.*tcp://"` on daemon.json sees no TCP host here ...
    assert.equal(/host.*tcp:\/\//.test(config.split('\n').find((l) => l.includes('hosts')) ?? ''), false, config);
    // ... while dockerd holds the socket, answers plain HTTP, and warns about it.
    const [found] = findingsOf(report, 'api.tcp-plaintext');
    assert.ok(found, JSON.stringify(report.targets[0]!.findings.map((f) => f.id)));
    assert.equal(found.subject, `tcp://127.0.0.1:${plainPort}`);
    assert.equal(found.severity, 'high', 'loopback only: high, not critical');
    assert.equal(found.cis, '2.7');
    assert.ok(
      found.evidence.some((e) => e.includes(`answered 200 without TLS`)),
      found.evidence.join('\n'),
    );
    assert.ok(
      found.evidence.some((e) => e.includes('socket inode')),
      found.evidence.join('\n'),
    );
  });

  test('TLS without client verification is found, and so is what the audit itself could do over it', async () => {
    const run = await runAuditCli(['--host', `unix://${tlsEngine.socketPath}`, '--format', 'json', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const local = parseReport(run.stdout);
    const [found] = findingsOf(local, 'api.tcp-no-client-verify');
    assert.ok(found, JSON.stringify(local.targets[0]!.findings.map((f) => f.id)));
    assert.equal(found.subject, `tcp://127.0.0.1:${tlsPort}`);
    assert.ok(
      found.evidence.some((e) => /without a client certificate answered 200/.test(e)),
      found.evidence.join('\n'),
    );
    assert.equal(findingsOf(local, 'api.tcp-plaintext').length, 0);
    // Its TLS files: the test PKI's two-day certificates expire within 30 days, and the CA key lies next to the CA.
    assert.ok(
      findingsOf(local, 'tls.cert-expiring').some((f) => f.subject?.startsWith(pki.server.cert)),
      JSON.stringify(local.targets[0]!.findings.map((f) => [f.id, f.subject])),
    );
    assert.ok(findingsOf(local, 'tls.ca-key-on-host').some((f) => f.subject === join(pki.dir, 'ca-key.pem')));
    // Through the API only (--host tcp://): the audit got in without a certificate, which says it all.
    const remote = await runAuditCli(['--host', `tcp://127.0.0.1:${tlsPort}`, '--format', 'json', '--fail-on', 'high']);
    const remoteReport = parseReport(remote.stdout);
    assert.equal(remote.code, 1, remote.stderr);
    assert.equal(remoteReport.targets[0]!.scope, 'remote');
    assert.ok(findingsOf(remoteReport, 'api.tcp-no-client-verify').some((f) => f.evidence.some((e) => e.includes('without presenting a client certificate'))));
    for (const area of ['socket', 'tls.material', 'host', 'api.listeners', 'engine.authorization']) {
      assert.ok(
        remoteReport.targets[0]!.notChecked.some((n) => n.area === area),
        `${area} is reported not checked for a remote engine`,
      );
    }
  });

  test('a world-writable socket is critical (mode tested as bits), and really is reachable by every user', () => {
    const [found] = findingsOf(report, 'socket.world-writable');
    assert.ok(found);
    assert.equal(found.severity, 'critical');
    assert.ok(
      found.evidence.some((e) => e.includes('mode 0666')),
      found.evidence.join('\n'),
    );
    // The claim holds: nobody (uid 65534, no groups) gets the engine's answer.
    const script = `require('node:http').get({ socketPath: process.argv[1], path: '/_ping', agent: false }, (r) => { r.resume(); console.log(r.statusCode); }).on('error', (e) => console.log(e.code))`;
    const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, '-e', script, plain.socketPath], { encoding: 'utf8', cwd: '/' });
    assert.equal(probe.stdout.trim(), '200', probe.stderr);
  });

  test('a daemon.json of mode 0477 is writable by every user, whatever 477 <= 644 says', () => {
    const [found] = findingsOf(report, 'files.config-writable').filter((f) => f.subject === plain.configFile);
    assert.ok(found, JSON.stringify(findingsOf(report, 'files.config-writable')));
    assert.equal(found.severity, 'high');
    assert.ok(
      found.evidence.some((e) => e.includes('writable by every user (mode 0477)')),
      found.evidence.join('\n'),
    );
  });

  test('containers are judged whether running or stopped: privileged (never started), / read-only (exited), engine socket (running)', () => {
    const privileged = findingsOf(report, 'container.privileged');
    assert.deepEqual(
      privileged.map((f) => f.subject),
      ['priv'],
    );
    assert.equal(privileged[0]!.severity, 'critical');
    assert.ok(privileged[0]!.evidence[0]!.includes('created: one docker start away'), privileged[0]!.evidence.join('\n'));

    const root = findingsOf(report, 'container.host-root-mount');
    assert.deepEqual(
      root.map((f) => f.subject),
      ['rootro'],
    );
    assert.equal(root[0]!.severity, 'critical', 'read-only, but the engine socket below / still accepts connections');
    assert.ok(
      root[0]!.evidence.some((e) => e.includes('read-only bind of the host root /')),
      root[0]!.evidence.join('\n'),
    );
    assert.ok(root[0]!.evidence[0]!.includes('exited'), root[0]!.evidence.join('\n'));

    const socket = findingsOf(report, 'container.engine-socket-mount');
    assert.deepEqual(
      socket.map((f) => f.subject),
      ['sock'],
    );
    assert.equal(socket[0]!.cis, '5.32');
    assert.ok(
      socket[0]!.evidence.some((e) => e.includes(plain.socketPath)),
      socket[0]!.evidence.join('\n'),
    );
  });

  test('ports published on every interface are found for IPv4 and IPv6, also on a stopped container', () => {
    const [ports] = findingsOf(report, 'container.port-all-interfaces');
    assert.ok(ports);
    assert.equal(ports.subject, 'rootro');
    assert.ok(
      ports.evidence.some((e) => e.includes('80/tcp') && e.includes('every IPv4 and IPv6')),
      ports.evidence.join('\n'),
    );
    assert.ok(
      ports.evidence.some((e) => e.includes('81/tcp: :::18081')),
      ports.evidence.join('\n'),
    );
  });

  test('the JSON report is valid against docs/audit-report.schema.json, names escaped, and --fail-on high exits 1', () => {
    assert.equal(jsonRun.code, 1, jsonRun.stderr);
    assert.equal(report.exitCode, 1);
    assert.deepEqual(validateReport(report), []);
    // The bind source with a quote, a backslash and a tab came through JSON intact.
    const odd = findingsOf(report, 'container.host-bind').flatMap((f) => f.evidence);
    assert.ok(
      odd.some((e) => e.includes(oddDir)),
      odd.join('\n'),
    );
    assert.ok(report.summary['critical']! >= 4, JSON.stringify(report.summary));
  });

  test('SARIF 2.1.0 output validates against the published schema and carries every finding', async () => {
    const run = await runAuditCli(['--host', `unix://${plain.socketPath}`, '--format', 'sarif', '--fail-on', 'critical']);
    assert.equal(run.code, 1, `${run.stderr}\n${run.stdout.slice(0, 3000)}`);
    const sarif = JSON.parse(run.stdout) as { version: string; runs: Array<{ results: Array<{ ruleId: string; level: string; properties: { cis?: string } }> }> };
    assert.deepEqual(validateSarif(sarif), []);
    assert.equal(sarif.version, '2.1.0');
    const ids = sarif.runs[0]!.results.map((r) => r.ruleId);
    for (const id of ['api.tcp-plaintext', 'socket.world-writable', 'container.privileged', 'container.host-root-mount', 'container.engine-socket-mount']) assert.ok(ids.includes(id), id);
    assert.equal(sarif.runs[0]!.results.find((r) => r.ruleId === 'container.privileged')!.level, 'error');
  });

  test('the text report groups by severity, has no colour off a terminal, and ends with a summary line', async () => {
    const run = await runAuditCli(['--host', `unix://${plain.socketPath}`, '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.includes('\x1b['), false);
    const critical = run.stdout.indexOf('CRITICAL (');
    const low = run.stdout.indexOf('LOW (');
    assert.ok(critical !== -1 && low > critical, run.stdout.slice(0, 400));
    assert.match(run.stdout.trimEnd().split('\n').at(-1)!, /^Summary: \d+ critical, \d+ high, \d+ medium, \d+ low, \d+ info; \d+ not checked/);
  });

  test('dockgate in front does not protect an engine whose raw socket everyone can still reach', async () => {
    const gateway = await startGatewayInFront(plain, { profile: 'baseline' });
    try {
      const run = await runAuditCli(['--host', `unix://${plain.socketPath}`, '--format', 'json', '--fail-on', 'none']);
      const fronted = parseReport(run.stdout);
      const [bypass] = findingsOf(fronted, 'gateway.bypassable');
      assert.ok(bypass, JSON.stringify(fronted.targets[0]!.findings.map((f) => f.id)));
      assert.ok(
        bypass.evidence.some((e) => e.includes(`dockgate serve (pid ${gateway.pid}`)),
        bypass.evidence.join('\n'),
      );
      assert.ok(
        bypass.evidence.some((e) => e.includes('every user')),
        bypass.evidence.join('\n'),
      );
      assert.equal(findingsOf(fronted, 'engine.no-authorization').length, 0);
    } finally {
      await gateway.stop();
    }
  });

  test('several --host at once; an engine that cannot be reached is not checked, never passed, and exits 3', async () => {
    const missing = join(plain.dir, 'nothing-here.sock');
    const run = await runAuditCli(['--host', `unix://${missing}`, '--host', `tcp://127.0.0.1:${plainPort}`, '--format', 'json', '--fail-on', 'critical']);
    const both = parseReport(run.stdout);
    assert.equal(both.targets.length, 2);
    assert.equal(both.targets[0]!.reachable, false);
    assert.ok(both.targets[0]!.notChecked.some((n) => n.area === 'engine'));
    assert.equal(both.targets[1]!.scope, 'remote');
    assert.ok(findingsOf(both, 'api.tcp-plaintext', 1).length === 1);
    // The remote plaintext engine is high (loopback), below --fail-on critical ... but its containers are critical.
    assert.equal(run.code, 1);
    const onlyMissing = await runAuditCli(['--host', `unix://${missing}`, '--format', 'json']);
    assert.equal(onlyMissing.code, 3, onlyMissing.stdout);
    assert.deepEqual(validateReport(JSON.parse(onlyMissing.stdout)), []);
    // Bad arguments are 2, never mistaken for findings (1).
    for (const bad of [
      ['--fail-on', 'bogus'],
      ['--host', 'ftp://example'],
      ['--format', 'xml'],
    ]) {
      const refused = await runAuditCli(bad);
      assert.equal(refused.code, 2, `${bad.join(' ')}: ${refused.stderr}`);
      assert.match(refused.stderr, /^dockgate: /);
    }
  });
});
