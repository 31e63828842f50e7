// Configuration as intended against the daemon as it runs: a TCP listener no configuration declares (and
// on every interface: critical), a declared host nobody listens on, a socket-activated TCP port from
// docker.socket, settings the running engine does not follow (userns-remap, live-restore), a key given
// both as a flag and in daemon.json; and the engine's own warnings when the real listeners are unknown.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkApiExposure } from '../../src/audit/checks/api-exposure.js';
import { checkDaemonOptions } from '../../src/audit/checks/daemon-options.js';
import type { ActualListener, AuditContext, DaemonFacts, DeclaredHost } from '../../src/audit/context.js';
import type { EngineInfo } from '../../src/audit/engine-documents.js';
import { Collector } from '../../src/audit/finding.js';
import { AccountDb } from '../../src/audit/host/accounts.js';
import { DaemonConfig, parseDockerdArgs, parseHostSpec } from '../../src/audit/host/daemon-config.js';

function listener(address: string, port: number, probe: ActualListener['probe']): ActualListener {
  return { socket: { protocol: address.includes(':') ? 'tcp6' : 'tcp', address, port, listening: true, inode: 1000 + port, uid: 0 }, probe, probeDetail: `probe said ${probe}` };
}

function context(options: { args?: string[]; file?: Record<string, unknown>; declared?: DeclaredHost[]; listeners?: ActualListener[]; info?: EngineInfo }): AuditContext {
  const flags = parseDockerdArgs(options.args ?? []);
  const daemon: DaemonFacts = {
    process: { pid: 4242, ppid: 1, comm: 'dockerd', argv: ['dockerd', ...(options.args ?? [])], uid: 0, gid: 0, kernelThread: false },
    foundBy: 'test',
    rootless: false,
    config: new DaemonConfig(flags, new Map(Object.entries(options.file ?? {})), '/etc/docker/daemon.json'),
    configFile: { path: '/nonexistent/daemon.json', state: 'absent' },
    declared: options.declared ?? [],
    ...(options.listeners !== undefined && { tcpListeners: options.listeners }),
  };
  const accounts = new AccountDb([{ name: 'root', uid: 0, gid: 0, home: '/root' }], []);
  return {
    host: 'unix:///run/docker.sock',
    scope: 'local',
    info: options.info ?? { SecurityOptions: ['name=seccomp,profile=builtin'], Warnings: [], LiveRestoreEnabled: true },
    bridge: null,
    daemon,
    accounts: () => accounts,
    collector: new Collector(),
    options: { allowProcesses: [], maxContainers: 10_000, now: new Date() },
  };
}

const ids = (ctx: AuditContext) => ctx.collector.findings.map((f) => `${f.id} ${f.subject ?? ''}`.trim());

describe('listeners: declared against real', () => {
  test('a plaintext listener on every interface that nothing declares: critical, and undeclared', () => {
    const ctx = context({ declared: [{ spec: parseHostSpec('unix:///run/docker.sock', false), source: 'dockerd flag' }], listeners: [listener('0.0.0.0', 2375, 'plaintext')] });
    checkApiExposure(ctx);
    assert.deepEqual(ids(ctx), ['api.tcp-plaintext tcp://0.0.0.0:2375', 'api.listener-undeclared tcp://0.0.0.0:2375']);
    assert.equal(ctx.collector.findings[0]!.severity, 'critical');
  });

  test('docker.socket ListenStream= declares a socket-activated port; a declared host nobody listens on is reported', () => {
    const ctx = context({
      args: ['-H', 'fd://', '-H', 'tcp://10.0.0.5:2376', '--tlsverify'],
      declared: [
        { spec: { kind: 'tcp', raw: '2375', address: '', port: 2375 }, source: 'docker.socket ListenStream= (/lib/systemd/system/docker.socket)' },
        { spec: parseHostSpec('tcp://10.0.0.5:2376', true), source: 'dockerd flag' },
      ],
      listeners: [listener('::', 2375, 'tls-no-verify')],
    });
    checkApiExposure(ctx);
    assert.deepEqual(ids(ctx), ['api.tcp-no-client-verify tcp://[::]:2375', 'api.listener-declared-absent tcp://10.0.0.5:2376']);
    assert.ok(ctx.collector.findings[0]!.evidence.some((e) => e.includes('tlsverify true (from dockerd flag)')));
  });

  test("TLS with client verification passes; unreadable listeners fall back on the engine's warnings and say so", () => {
    const verified = context({ declared: [{ spec: parseHostSpec('tcp://0.0.0.0:2376', true), source: 'daemon.json' }], listeners: [listener('0.0.0.0', 2376, 'tls-verify')] });
    checkApiExposure(verified);
    assert.deepEqual(ids(verified), []);
    const unknown = context({ info: { Warnings: ['WARNING: API is accessible on http://0.0.0.0:2375 without encryption.'] } });
    checkApiExposure(unknown);
    assert.deepEqual(ids(unknown), ['api.tcp-plaintext tcp://0.0.0.0:2375']);
    assert.ok(unknown.collector.notChecked.some((n) => n.area === 'api.listeners'));
  });
});

describe('settings the running daemon does not follow', () => {
  test('userns-remap and live-restore configured, not in effect; hosts given both ways', () => {
    const ctx = context({
      args: ['-H', 'unix:///run/docker.sock'],
      file: { 'userns-remap': 'default', 'live-restore': true, hosts: ['tcp://127.0.0.1:2375'], 'no-new-privileges': true, 'userland-proxy': false },
      info: { SecurityOptions: ['name=seccomp,profile=builtin'], LiveRestoreEnabled: false, Swarm: { LocalNodeState: 'inactive' } },
    });
    checkDaemonOptions(ctx);
    const found = ids(ctx);
    assert.ok(found.includes('daemon.userns-remap-not-active'), found.join('\n'));
    assert.ok(!found.includes('daemon.userns-remap-off'), found.join('\n'));
    assert.ok(found.includes('daemon.config-not-applied live-restore'), found.join('\n'));
    assert.ok(found.includes('daemon.config-conflict hosts'), found.join('\n'));
  });
});
