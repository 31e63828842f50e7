// Issue 14, class 7, on the real mutual-TLS listener. A client certificate whose subject names several CNs
// (in separate RDNs, or together in one multi-valued RDN) identifies no one: dockgate took the first where
// Go's crypto/x509 takes the last, so the connection is refused (`ambiguous-subject`) and recorded, while a
// certificate with one CN from the same CA is served. And an address that fails TLS handshakes faster than
// --max-failed-handshakes-per-second has its further connections closed at accept, before a handshake,
// each recorded as a connection refusal (`limits.tls-handshakes`); another address is served meanwhile,
// and the address itself once its rate has fallen.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { attemptTls, dockgateCli, logLines, settledAuditSize, waitForConnectionRecords } from '../support/connection-attempts.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { pingStatus } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';
import { issueUnusualClient } from '../support/unusual-client-certs.js';

const FAILURES_PER_SECOND = 1;

describe('TLS peers: several CNs identify no one; an address failing handshakes in a loop is stopped at accept', { timeout: 6 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let dir: string;
  let caDir: string;
  const clients: Record<string, string> = {};

  /** A gateway with a mutual-TLS listener on a free port, ready once alice's /_ping answers. */
  async function tlsGateway(name: string, args: readonly string[] = []): Promise<{ gateway: Gateway; port: number; host: string; auditLog: string }> {
    const port = await freeLoopbackPort();
    const host = `tcp://127.0.0.1:${port}`;
    const auditLog = join(dir, `${name}-audit.jsonl`);
    const gateway = await startGateway({
      upstream: engine.socketPath,
      listen: [`unix://${join(dir, `${name}.sock`)}`, host],
      auditLog,
      args: ['--tls-ca', join(caDir, 'ca.pem'), '--tls-cert', join(caDir, 'server-cert.pem'), '--tls-key', join(caDir, 'server-key.pem'), ...args],
    });
    teardown.add(() => gateway.stopRunning());
    for (const deadline = Date.now() + 30_000; (await pingStatus({ name: 'alice', host, tlsDir: clients['alice']! })) !== 200;) {
      gateway.assertRunning();
      if (Date.now() > deadline) assert.fail(`${host} did not answer /_ping with alice's certificate\n${gateway.output()}`);
      await new Promise((wait) => setTimeout(wait, 100));
    }
    return { gateway, port, host, auditLog };
  }

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      dir = mkdtempSync(join(engine.dir, 'tls-peers-'));
      caDir = join(dir, 'ca');
      dockgateCli(['certs', 'init', '--dir', caDir, '--host', 'localhost', '--ip', '127.0.0.1']);
      clients['alice'] = join(dir, 'alice');
      dockgateCli(['certs', 'issue', 'alice', '--dir', caDir, '--group', 'ci', '--out', clients['alice']]);
      const signer = { caCert: join(caDir, 'ca.pem'), caKey: join(caDir, 'private', 'ca-key.pem'), parentDir: dir, extensions: ['extendedKeyUsage=clientAuth'] };
      clients['two-rdns'] = issueUnusualClient({ ...signer, cn: 'two-rdns', subject: '/O=ci/OU=ci/CN=alice/CN=root' });
      clients['one-rdn'] = issueUnusualClient({ ...signer, cn: 'one-rdn', subject: '/O=ci/OU=ci/CN=alice+CN=root' });
      // Another CA's client certificate, presented by a client that trusts our server: a handshake that fails on the gateway's side.
      const otherCa = join(dir, 'other-ca');
      dockgateCli(['certs', 'init', '--dir', otherCa, '--host', 'localhost', '--ip', '127.0.0.1']);
      clients['mallory'] = join(dir, 'mallory');
      dockgateCli(['certs', 'issue', 'mallory', '--dir', otherCa, '--out', clients['mallory']]);
      copyFileSync(join(caDir, 'ca.pem'), join(clients['mallory'], 'ca.pem'));
    },
    { timeout: 120_000 },
  );

  test('a certificate naming several CNs is refused at the connection and recorded with every name; one CN of the same CA is served', async () => {
    const { gateway, port, host, auditLog } = await tlsGateway('cns');
    for (const [client, how] of [
      ['two-rdns', 'in two RDNs'],
      ['one-rdn', 'in one multi-valued RDN'],
    ] as const) {
      const offset = await settledAuditSize(auditLog);
      const cli = await docker(['ps'], { name: `${client} (CN=alice and CN=root ${how})`, host, tlsDir: clients[client] });
      assert.notEqual(cli.code, 0, `docker ps must fail\nstdout: ${cli.stdout}\nstderr: ${cli.stderr}`);
      assert.doesNotMatch(cli.stdout, /CONTAINER ID/);
      const raw = await attemptTls(port, { certDir: clients[client]! });
      assert.equal(raw.response, '', 'no request is answered');
      const records = await waitForConnectionRecords(auditLog, offset, (rs) => rs.filter((r) => r.cause === 'ambiguous-subject').length >= 2, client);
      for (const record of records.filter((r) => r.cause === 'ambiguous-subject')) {
        assert.equal(record.rule, 'tls.handshake');
        assert.equal(record.decision, 'deny');
        assert.match(record.reason, /identifies no one: its subject names 2 CNs \(("alice", "root"|"root", "alice")\), and readers disagree/);
        assert.equal(record.certificate?.cn, undefined, 'the record names none of the CNs as the CN');
        assert.deepEqual(record.certificate?.o, ['ci']);
        for (const key of ['method', 'path', 'identity']) assert.equal(key in record, false, 'no request was read');
      }
    }
    const logged = logLines(gateway.output()).filter((l) => l['cause'] === 'ambiguous-subject');
    assert.match(String(logged[0]?.['fix']), /exactly one CN/);
    assert.match(await dockerOk(['ps'], { name: 'alice', host, tlsDir: clients['alice'] }), /^CONTAINER ID/);
  });

  test(`past ${FAILURES_PER_SECOND} failed handshake per second, an address is closed at accept and recorded; another address is served; later the address too`, async () => {
    const { port, host, auditLog } = await tlsGateway('floods', ['--max-failed-handshakes-per-second', String(FAILURES_PER_SECOND)]);
    const offset = await settledAuditSize(auditLog);
    const attempts = [];
    for (let i = 0; i < 10; i++) attempts.push(await attemptTls(port, { certDir: clients['mallory']! }));
    // Closed before the handshake: the client's side never completes one.
    assert.ok(attempts.filter((a) => !a.handshake).length >= 5, JSON.stringify(attempts));
    assert.ok(attempts.every((a) => a.response === ''));

    const records = await waitForConnectionRecords(
      auditLog,
      offset,
      (rs) => rs.filter((r) => r.cause === 'unknown-ca' || r.cause === 'too-many-failed-handshakes').length >= 10,
      'ten attempts',
    );
    const handshakes = records.filter((r) => r.cause === 'unknown-ca');
    const stopped = records.filter((r) => r.cause === 'too-many-failed-handshakes');
    assert.ok(handshakes.length >= 1 && handshakes.length <= 3, `only the first attempts cost a handshake: ${handshakes.length} did`);
    assert.equal(handshakes.length + stopped.length, 10);
    for (const record of stopped) {
      assert.equal(record.rule, 'limits.tls-handshakes');
      assert.match(String(record.remote), /^127\.0\.0\.1:\d+$/);
      assert.match(record.reason, /^127\.0\.0\.1 failed more than 1 TLS handshakes per second \(--max-failed-handshakes-per-second\)/);
      assert.equal(record.certificate, undefined, 'closed before any certificate was presented');
    }

    // Another address is not held back by this one's failures.
    const fromOther = await attemptTls(port, { certDir: clients['alice']!, localAddress: '127.0.0.2' });
    assert.match(fromOther.response, /^HTTP\/1\.1 200 /);
    // The address itself is served again once its failures have been paid back.
    for (const deadline = Date.now() + 15_000; (await docker(['ps'], { name: 'alice', host, tlsDir: clients['alice'] })).code !== 0;) {
      if (Date.now() > deadline) assert.fail('127.0.0.1 was never served again');
      await new Promise((wait) => setTimeout(wait, 250));
    }
    assert.match(await dockerOk(['ps'], { name: 'alice', host, tlsDir: clients['alice'] }), /^CONTAINER ID/);
  });
});
