// Rootless engines are understood (docker-bench has no notion of them): the socket belongs to the daemon's
// user, the daemon is not root, and remapping is not asked for, while the same socket under a rootful
// daemon is a finding. Reports: JSON stays valid whatever the strings hold (docker-bench builds JSON
// with printf and breaks on quotes), the exit code follows --fail-on, and text has colour only when asked.

import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkDaemonOptions } from '../../src/audit/checks/daemon-options.js';
import { checkSocketAccess } from '../../src/audit/checks/socket-access.js';
import type { AuditContext, DaemonFacts } from '../../src/audit/context.js';
import type { EngineInfo } from '../../src/audit/engine-documents.js';
import { Collector } from '../../src/audit/finding.js';
import { renderText } from '../../src/audit/format/text.js';
import { AccountDb } from '../../src/audit/host/accounts.js';
import { DaemonConfig } from '../../src/audit/host/daemon-config.js';
import { buildReport, EXIT_FINDINGS, EXIT_UNREACHABLE } from '../../src/audit/report.js';
import { validateReport } from '../support/audit-cli.js';

const ALICE = 54_321;

function context(dir: string, socketPath: string, rootless: boolean): AuditContext {
  const info: EngineInfo = {
    SecurityOptions: rootless ? ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'] : ['name=seccomp,profile=builtin'],
    LiveRestoreEnabled: true,
    LoggingDriver: 'journald',
    Warnings: [],
  };
  const daemon: DaemonFacts = {
    process: { pid: 2 ** 22 + 7, ppid: 1, comm: 'dockerd', argv: ['dockerd'], uid: rootless ? ALICE : 0, gid: rootless ? ALICE : 0, kernelThread: false },
    foundBy: 'test',
    rootless,
    config: new DaemonConfig(
      new Map(),
      new Map([
        ['no-new-privileges', true],
        ['userland-proxy', false],
      ]),
    ),
    configFile: { path: join(dir, 'daemon.json'), state: 'absent' },
    declared: [{ spec: { kind: 'unix', raw: `unix://${socketPath}`, path: socketPath }, source: 'dockerd flag' }],
    tcpListeners: [],
    unixListeners: [socketPath],
  };
  const accounts = new AccountDb(
    [
      { name: 'root', uid: 0, gid: 0, home: '/root' },
      { name: 'alice', uid: ALICE, gid: ALICE, home: dir },
    ],
    [{ name: 'alice', gid: ALICE, members: [] }],
  );
  return {
    host: `unix://${socketPath}`,
    scope: 'local',
    info,
    bridge: null,
    socketPath,
    daemon,
    accounts: () => accounts,
    collector: new Collector(),
    options: { allowProcesses: [], maxContainers: 10_000, now: new Date() },
  };
}

describe('a rootless engine is audited as what it is', () => {
  let dir: string;
  let socketPath: string;
  let server: Server;

  before(async () => {
    dir = mkdtempSync('/tmp/dga-unit-');
    chmodSync(dir, 0o755);
    socketPath = join(dir, 'docker.sock');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    chownSync(socketPath, ALICE, ALICE);
    chmodSync(socketPath, 0o600);
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("rootless: the socket is its user's, the daemon is not root, no remapping is asked for", () => {
    const ctx = context(dir, socketPath, true);
    checkDaemonOptions(ctx);
    checkSocketAccess(ctx);
    const ids = ctx.collector.findings.map((f) => f.id);
    for (const id of ['socket.owner', 'daemon.runs-as-root', 'daemon.userns-remap-off', 'socket.world-writable', 'socket.mode'])
      assert.equal(ids.includes(id), false, `${id} in ${ids.join(', ')}`);
  });

  test('the same socket under a rootful daemon: its owner is root-equivalent, and the daemon is root without remapping', () => {
    const ctx = context(dir, socketPath, false);
    checkDaemonOptions(ctx);
    checkSocketAccess(ctx);
    const ids = ctx.collector.findings.map((f) => f.id);
    for (const id of ['socket.owner', 'daemon.runs-as-root', 'daemon.userns-remap-off']) assert.ok(ids.includes(id), `${id} missing from ${ids.join(', ')}`);
    const owner = ctx.collector.findings.find((f) => f.id === 'socket.owner')!;
    assert.equal(owner.severity, 'high');
    assert.ok(
      owner.evidence.some((e) => e.includes('alice owns the socket')),
      owner.evidence.join('\n'),
    );
  });
});

describe("the socket's group: members by gid, primary groups included, and the directories above", () => {
  test('every user of the gid is listed with how; a directory others cannot enter lowers the severity', async () => {
    const dir = mkdtempSync('/tmp/dga-unit-');
    const socketPath = join(dir, 'docker.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const GID = 54_000;
      chownSync(socketPath, 0, GID);
      chmodSync(socketPath, 0o660);
      const accounts = new AccountDb(
        [
          { name: 'root', uid: 0, gid: 0, home: '/root' },
          { name: 'carol', uid: 54_002, gid: GID, home: '/home/carol' },
          { name: 'bob', uid: 54_001, gid: 100, home: '/home/bob' },
        ],
        [{ name: 'ops', gid: GID, members: ['bob'] }],
      );
      const judge = (dirMode: number) => {
        chmodSync(dir, dirMode);
        const ctx = { ...context(dir, socketPath, false), accounts: () => accounts, collector: new Collector() };
        checkSocketAccess(ctx);
        return ctx.collector.findings.find((f) => f.id === 'socket.group-members');
      };
      const open = judge(0o755);
      assert.ok(open);
      assert.equal(open.severity, 'medium');
      assert.ok(
        open.evidence.some((e) => e.includes('carol (primary group ops)') && e.includes('bob (member of ops)')),
        open.evidence.join('\n'),
      );
      const closed = judge(0o700);
      assert.equal(closed?.severity, 'low');
      assert.ok(
        closed.evidence.some((e) => e.includes(`only ${dir} (mode 0700) keeps them out`)),
        closed.evidence.join('\n'),
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reports', () => {
  const nasty = 'quote " backslash \\ newline \n tab \t nul \u0000 bell \u0007 emoji 🐳 </script>';
  const target = (findings: Parameters<typeof buildReport>[0][number]['findings'], reachable = true) => ({
    host: 'unix:///run/docker.sock',
    scope: 'local' as const,
    reachable,
    engine: null,
    findings,
    notChecked: [{ area: 'socket.acl', reason: nasty }],
  });

  test('JSON stays valid and schema-conformant whatever the strings hold', () => {
    const report = buildReport([target([{ id: 'container.host-bind', severity: 'low', title: 'x', subject: nasty, evidence: [nasty], remediation: nasty }])], 'high', new Date(), '0.1.0');
    const text = JSON.stringify(report);
    const back = JSON.parse(text) as typeof report;
    assert.equal(back.targets[0]!.findings[0]!.subject, nasty);
    assert.deepEqual(validateReport(back), []);
  });

  test('the exit code follows --fail-on, and an unreachable engine is 3, never 0', () => {
    const high = [{ id: 'api.tcp-plaintext', severity: 'high' as const, title: 't', evidence: ['e'], remediation: 'r' }];
    assert.equal(buildReport([target(high)], 'high', new Date(), 'v').exitCode, EXIT_FINDINGS);
    assert.equal(buildReport([target(high)], 'critical', new Date(), 'v').exitCode, 0);
    assert.equal(buildReport([target(high)], 'none', new Date(), 'v').exitCode, 0);
    assert.equal(buildReport([target([], false)], 'high', new Date(), 'v').exitCode, EXIT_UNREACHABLE);
  });

  test('text: grouped by severity, colour only when asked', () => {
    const findings = [
      { id: 'container.no-pids-limit', severity: 'low' as const, title: 'l', evidence: ['e'], remediation: 'r' },
      { id: 'container.privileged', severity: 'critical' as const, title: 'c', evidence: ['e'], remediation: 'r', cis: '5.5' },
    ];
    const report = buildReport([target(findings)], 'high', new Date(), 'v');
    const plain = renderText(report, { colour: false });
    assert.equal(plain.includes('\x1b['), false);
    assert.ok(plain.indexOf('CRITICAL (1)') < plain.indexOf('LOW (1)'));
    assert.match(plain, /container\.privileged \[CIS 5\.5\]/);
    assert.match(plain, /Summary: 1 critical, 0 high, 0 medium, 1 low, 0 info; 1 not checked — failing/);
    assert.ok(renderText(report, { colour: true }).includes('\x1b[1;31m'));
  });
});
