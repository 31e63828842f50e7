// A hardened engine: userns-remap with sane subordinate id ranges, the socket at dockerd's 0660 (group
// root), no TCP listener, no-new-privileges and live restore on, and one benign container (limits, no
// host access). `dockgate audit` reports none of the findings the insecure engines get, and
// `--fail-on high` exits 0. /etc/subuid, /etc/subgid and the dockremap account are put back as they were.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { findingsOf, runAuditCli, validateReport, validateSarif, type Report } from '../support/audit-cli.js';
import { prepareUsernsRemap, startEngine, type Engine } from '../support/engine.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { startGatewayInFront } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;

/** What the insecure configurations produce, and a hardened one must not. */
const INSECURE_FINDINGS = [
  'api.tcp-plaintext',
  'api.tcp-no-client-verify',
  'api.listener-undeclared',
  'socket.world-writable',
  'socket.mode',
  'socket.owner',
  'socket.group-members',
  'socket.containerd',
  'container.privileged',
  'container.host-root-mount',
  'container.engine-socket-mount',
  'container.sensitive-mount',
  'container.port-all-interfaces',
  'container.no-memory-limit',
  'container.no-pids-limit',
  'container.no-new-privileges',
  'daemon.userns-remap-off',
  'daemon.userns-remap-not-active',
  'daemon.subid-ranges',
  'daemon.no-new-privileges-off',
  'daemon.live-restore-off',
  'daemon.config-not-applied',
  'daemon.config-invalid',
  'daemon.config-conflict',
];

describe('dockgate audit on a hardened engine', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let report: Report;
  let run: { code: number | null; stdout: string; stderr: string };

  before(
    async () => {
      teardown.add(prepareUsernsRemap());
      engine = await startEngine({ daemonJson: { 'userns-remap': 'default', 'no-new-privileges': true, 'live-restore': true, group: 'root' }, dirMode: 0o711, image: true });
      teardown.add(() => engine.stop());
      await dockerOk(['run', '-d', '--name', 'benign', '--memory', '64m', '--pids-limit', '64', '--cap-drop', 'ALL', BUSYBOX_IMAGE, 'sleep', '600'], engine.endpoint);
      run = await runAuditCli(['--host', `unix://${engine.socketPath}`, '--format', 'json', '--fail-on', 'high']);
      report = JSON.parse(run.stdout) as Report;
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test('the engine remaps user namespaces, and the audit sees it', () => {
    assert.equal((report.targets[0] as unknown as { engine: { userNamespaceRemap: boolean } }).engine.userNamespaceRemap, true);
  });

  test('none of the insecure findings', () => {
    const ids = report.targets[0]!.findings.map((f) => f.id);
    const unexpected = ids.filter((id) => INSECURE_FINDINGS.includes(id));
    assert.deepEqual(
      unexpected,
      [],
      JSON.stringify(
        report.targets[0]!.findings.filter((f) => unexpected.includes(f.id)),
        null,
        2,
      ),
    );
    assert.equal(findingsOf(report, 'daemon.userns-remap-off').length, 0);
    // Every check ran: nothing is not-checked because a check broke.
    assert.deepEqual(
      report.targets[0]!.notChecked.filter((n) => n.reason.startsWith('the check failed')),
      [],
    );
  });

  test('--fail-on high exits 0: nothing high or critical', () => {
    const severe = report.targets[0]!.findings.filter((f) => f.severity === 'high' || f.severity === 'critical');
    assert.deepEqual(severe, []);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(report.exitCode, 0);
  });

  test('with dockgate in front and the raw socket closed to everyone else, nothing is left to authorize or bypass', async () => {
    const gateway = await startGatewayInFront(engine, { profile: 'baseline' });
    try {
      const fronted = await runAuditCli(['--host', `unix://${engine.socketPath}`, '--format', 'json']);
      assert.equal(fronted.code, 0, fronted.stderr);
      const ids = (JSON.parse(fronted.stdout) as Report).targets[0]!.findings.map((f) => f.id);
      assert.equal(ids.includes('gateway.bypassable'), false);
      assert.equal(ids.includes('engine.no-authorization'), false);
      assert.ok(findingsOf(report, 'engine.no-authorization').length === 1, 'without the gateway, nothing authorizes requests');
    } finally {
      await gateway.stop();
    }
  });

  test('the reports still validate', async () => {
    assert.deepEqual(validateReport(report), []);
    const sarif = await runAuditCli(['--host', `unix://${engine.socketPath}`, '--format', 'sarif']);
    assert.equal(sarif.code, 0, sarif.stderr);
    assert.deepEqual(validateSarif(JSON.parse(sarif.stdout)), []);
  });
});
