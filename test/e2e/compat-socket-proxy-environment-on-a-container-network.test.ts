// Issue 16, the drop-in: `dockgate serve --compat docker-socket-proxy` with the environment a compose file
// gives tecnativa/docker-socket-proxy (CONTAINERS=1 POST=1), run as in a container: inside a network
// namespace of its own (test/support/network-namespace.ts), with no listener given, so that it listens
// where that image does, :2375 on its network, limited to that network's subnet. The real docker CLI
// works through it; a privileged create is refused by the compat rule all the same; an image call
// (IMAGES unset) is refused naming the variable; a browser's request and a dotted Host are refused;
// a client from outside the subnet is closed at accept; and `dockgate audit` reports the listener.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { runAuditCli } from '../support/audit-cli.js';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { settledAuditSize, waitForConnectionRecords } from '../support/connection-attempts.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { assertRefusedToStart, runGatewayExpectingFailure, spawnGateway, waitForGatewayOutput, type Gateway } from '../support/gateway.js';
import { makeNetworkNamespace, type NetworkNamespace } from '../support/network-namespace.js';
import { useTeardown } from '../support/teardown.js';

interface Answer {
  status: number;
  body: string;
}

/** One plain-HTTP GET with exactly these headers, from `localAddress` when given. */
function get(host: string, path: string, headers: Record<string, string>, localAddress?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: 2375, path, headers, setHost: false, timeout: 20_000, ...(localAddress !== undefined && { localAddress }) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

describe('serve --compat docker-socket-proxy on a container network', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let net: NetworkNamespace;
  let gateway: Gateway;
  let auditLog: string;
  let endpoint: { name: string; host: string };
  const listener = (): string => `tcp://${net.inside}:2375?allow=subnet`;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      net = makeNetworkNamespace();
      teardown.add(() => net.remove());
      auditLog = join(mkdtempSync(join(engine.dir, 'compat-')), 'audit.jsonl');
      gateway = await spawnGateway({
        upstream: engine.socketPath,
        auditLog,
        args: ['--compat', 'docker-socket-proxy'],
        env: { CONTAINERS: '1', POST: '1' },
        wrapper: ['ip', 'netns', 'exec', net.name],
      });
      teardown.add(() => gateway.stopRunning());
      await waitForGatewayOutput(gateway, 'dockgate is serving', 20_000);
      endpoint = { name: 'compat', host: `tcp://${net.address}:2375` };
    },
    { timeout: 120_000 },
  );

  test("with no listener given it binds the namespace's address on :2375, its subnet only, and says so", () => {
    const line = gateway
      .output()
      .split('\n')
      .find((l) => l.includes('listening on plain HTTP without authentication (--insecure-listen)'));
    assert.ok(line !== undefined, gateway.output());
    const logged = JSON.parse(line) as Record<string, unknown>;
    assert.equal(logged['listener'], listener());
    assert.equal(logged['address'], net.address);
    assert.equal(logged['port'], 2375);
    assert.deepEqual(logged['allow'], [net.subnet]);
    assert.match(gateway.output(), /serving the docker-socket-proxy environment/);
  });

  test('docker ps and docker run work, recorded under compat.docker-socket-proxy with the peer address', async () => {
    const offset = await settledAuditSize(auditLog);
    assert.match(await dockerOk(['ps'], endpoint), /^CONTAINER ID\s+IMAGE/);
    assert.equal(await dockerOk(['run', '--rm', BUSYBOX_IMAGE, 'echo', 'hello from the drop-in'], endpoint), 'hello from the drop-in\n');
    const { trail, complete } = await waitForAuditTrail(auditLog, offset, (rs) => rs.some((r) => r.operation === 'container.attach' && r.phase === 'done'));
    assert.ok(complete, trail.records.map((r) => JSON.stringify(r)).join('\n'));
    for (const record of trail.records.filter((r) => r.phase === 'done')) {
      assert.equal(record.decision, 'allow', JSON.stringify(record));
      assert.equal(record.rule, 'compat.docker-socket-proxy', JSON.stringify(record));
      assert.equal(record.listener, listener());
      assert.equal(record.identity.kind, 'tcp');
      assert.match(String(record.identity['address']), new RegExp(`^${net.hostAddress.replaceAll('.', '\\.')}:\\d+$`));
    }
  });

  test('a privileged create is refused with CONTAINERS=1 POST=1, naming the compat rule, and nothing is created', async () => {
    const result = await docker(['run', '--rm', '--privileged', '--name', 'compat-privileged', BUSYBOX_IMAGE, 'true'], endpoint);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /container\.create \(POST \/containers\/create\) denied by compat\.docker-socket-proxy: HostConfig\.Privileged: /);
    assert.equal(await dockerOk(['ps', '-a', '--filter', 'name=compat-privileged', '--format', '{{.Names}}'], engine.endpoint), '');
  });

  test('docker images is refused while IMAGES is unset, naming the variable to set', async () => {
    const result = await docker(['images'], endpoint);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /image\.list \(GET \/images\/json\) denied by compat\.docker-socket-proxy: image\.list is not granted by the docker-socket-proxy environment \(tecnativa\): it needs IMAGES=1/,
    );
    assert.match(result.stderr, /Set IMAGES=1 in the environment of dockgate serve --compat docker-socket-proxy/);
  });

  test("a compose service name passes as Host; a browser's Origin and a dotted Host are refused", async () => {
    assert.equal((await get(net.address, '/_ping', { Host: 'socket-proxy:2375' })).status, 200);
    const origin = await get(net.address, '/v1.41/containers/json', { Host: 'socket-proxy:2375', Origin: 'http://evil.example' });
    assert.equal(origin.status, 403);
    assert.match(origin.body, /denied by browser\.origin: /);
    const rebound = await get(net.address, '/v1.41/containers/json', { Host: 'evil.example:2375' });
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /denied by browser\.host: .*accepted: a single-label name such as socket-proxy:2375, an IP address\)/);
  });

  test('a client outside the subnet is closed at accept, and the refusal is recorded', async () => {
    const offset = await settledAuditSize(auditLog);
    await assert.rejects(get(net.address, '/_ping', { Host: 'socket-proxy:2375' }, net.outsideAddress), /socket hang up|ECONNRESET/);
    const records = await waitForConnectionRecords(auditLog, offset, (rs) => rs.some((r) => r.rule === 'listener.network'), 'outside client');
    const refused = records.find((r) => r.rule === 'listener.network')!;
    assert.equal(refused.listener, listener());
    assert.match(refused.reason, new RegExp(`${net.outsideAddress.replaceAll('.', '\\.')} is not in the listener's allowed networks \\(${net.subnet.replaceAll('.', '\\.')}\\)`));
  });

  test('dockgate audit reports the plain listener off loopback, with its severity and a fix', async () => {
    const run = await runAuditCli(['--host', `unix://${engine.socketPath}`, '--format', 'json', '--fail-on', 'none']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { targets: Array<{ findings: Array<{ id: string; severity: string; subject?: string; evidence: string[]; remediation: string }> }> };
    const findings = report.targets.flatMap((t) => t.findings).filter((f) => f.id === 'gateway.plain-listener');
    assert.equal(findings.length, 1, JSON.stringify(report.targets.flatMap((t) => t.findings).map((f) => f.id)));
    const finding = findings[0]!;
    assert.equal(finding.subject, `tcp://${net.address}:2375`);
    assert.equal(finding.severity, 'medium');
    assert.ok(
      finding.evidence.some((e) => e.startsWith(`dockgate serve (pid ${gateway.pid}, `)),
      finding.evidence.join('\n'),
    );
    assert.ok(
      finding.evidence.some((e) => e.includes('--compat docker-socket-proxy with no listener')),
      finding.evidence.join('\n'),
    );
    assert.match(finding.remediation, /allow=/);
  });
});

describe('serve --compat refuses an environment it would have to guess at, before it opens anything', () => {
  const refusals: Array<{ name: string; env: Record<string, string>; args: string[]; says: RegExp }> = [
    {
      name: 'CONTAINERS=true (off for the proxy)',
      env: { CONTAINERS: 'true' },
      args: [],
      says: /CONTAINERS="true": docker-socket-proxy reads its variables as numbers, so it would take this as off/,
    },
    { name: 'a LIBPOD_* grant', env: { LIBPOD_CONTAINERS: '1' }, args: [], says: /LIBPOD_CONTAINERS=1: grants part of Podman's API/ },
    { name: 'SOCKET_PATH against another --upstream', env: { SOCKET_PATH: '/run/other.sock' }, args: ['--upstream', 'unix:///run/docker.sock'], says: /name different engine sockets/ },
    { name: '--compat with --profile', env: {}, args: ['--profile', 'audit'], says: /--compat docker-socket-proxy and --profile go separately/ },
    { name: '--compat with --preset', env: {}, args: ['--preset', 'traefik'], says: /--compat docker-socket-proxy and --preset go separately/ },
    { name: 'no listener in a namespace with loopback alone', env: {}, args: [], says: /no interface besides loopback/ },
  ];
  for (const refusal of refusals) {
    test(refusal.name, async () => {
      const failure = await runGatewayExpectingFailure({
        args: ['--compat', 'docker-socket-proxy', ...refusal.args, ...(refusal.name.startsWith('no listener') ? [] : ['--listen', 'unix:///nonexistent-dir/never.sock'])],
        env: refusal.env,
        wrapper: ['unshare', '--net'],
      });
      assert.match(assertRefusedToStart(failure), refusal.says);
    });
  }
});
