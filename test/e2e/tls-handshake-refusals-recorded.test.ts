// Issue 4, acceptance 2: a mutual-TLS listener refuses, at the handshake and before any request is read,
// a client with no certificate, with a certificate from another CA, an expired one, one without the
// clientAuth extended key usage (none at all, or serverAuth only), and a revoked one, with the revocation
// taking effect without restarting serve (`dockgate certs revoke` rewrites DIR/crl.pem, serve reloads
// it; a connection that is open when its certificate is revoked is closed). Each refusal fails the real
// docker CLI and a raw TLS client, and leaves a `phase: "connection"` audit record and a log line naming
// its cause. The PKI is `dockgate certs`; openssl signs with its CA key what certs issue will not make.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { attemptTls, dockgateCli, logLines, settledAuditSize, waitForConnectionRecords, type ConnectionLine } from '../support/connection-attempts.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { pingStatus } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';
import { issueUnusualClient } from '../support/unusual-client-certs.js';

interface Refused {
  name: string;
  certDir: () => string;
  noClientCertificate?: boolean;
  cause: string;
  /** What the docker CLI's attempt is refused for, when it is not `cause`. */
  cliCause?: string;
  /** What the record's reason must say. */
  reason: RegExp;
  /** The CN of the certificate the record reports as presented; none when no certificate was. */
  cn?: string;
}

describe('TLS handshake refusals are refused before any request and recorded', { timeout: 6 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let dir: string;
  let caDir: string;
  let port: number;
  let host: string;
  let listener: string;
  let auditLog: string;
  let gateway: Gateway;
  const clients: Record<string, string> = {};

  const issue = (name: string, group: string): string => {
    const out = join(dir, name);
    dockgateCli(['certs', 'issue', name, '--dir', caDir, '--group', group, '--out', out]);
    return out;
  };

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      dir = mkdtempSync(join(engine.dir, 'tls-'));
      caDir = join(dir, 'ca');
      dockgateCli(['certs', 'init', '--dir', caDir, '--host', 'localhost', '--ip', '127.0.0.1']);
      clients['alice'] = issue('alice', 'ci');
      clients['carol'] = issue('carol', 'ci');
      // DOCKER_CERT_PATH with only ca.pem: the CLI verifies the server but has no certificate to present.
      mkdirSync(join(dir, 'ca-only'));
      copyFileSync(join(caDir, 'ca.pem'), join(dir, 'ca-only', 'ca.pem'));

      // Another CA's client certificate, presented by a client that trusts our server (so that it is the
      // gateway, not the client, that refuses).
      const otherCa = join(dir, 'other-ca');
      dockgateCli(['certs', 'init', '--dir', otherCa, '--host', 'localhost', '--ip', '127.0.0.1']);
      clients['mallory'] = join(dir, 'mallory');
      dockgateCli(['certs', 'issue', 'mallory', '--dir', otherCa, '--group', 'ci', '--out', clients['mallory']]);
      copyFileSync(join(caDir, 'ca.pem'), join(clients['mallory'], 'ca.pem'));

      const signer = { caCert: join(caDir, 'ca.pem'), caKey: join(caDir, 'private', 'ca-key.pem'), parentDir: dir };
      clients['expired'] = issueUnusualClient({ ...signer, cn: 'expired-eve', extensions: ['extendedKeyUsage=clientAuth'], startDate: '20240101000000Z', endDate: '20240201000000Z' });
      clients['no-eku'] = issueUnusualClient({ ...signer, cn: 'no-eku-nick', extensions: [] });
      clients['server-eku'] = issueUnusualClient({ ...signer, cn: 'server-eku-sam', extensions: ['extendedKeyUsage=serverAuth'] });

      port = await freeLoopbackPort();
      listener = `tcp://127.0.0.1:${port}`;
      host = listener;
      auditLog = join(dir, 'audit.jsonl');
      gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [`unix://${join(dir, 'gw.sock')}`, listener],
        auditLog,
        args: ['--tls-ca', join(caDir, 'ca.pem'), '--tls-cert', join(caDir, 'server-cert.pem'), '--tls-key', join(caDir, 'server-key.pem'), '--tls-crl', join(caDir, 'crl.pem')],
      });
      teardown.add(() => gateway.stopRunning());
      const deadline = Date.now() + 30_000;
      while ((await pingStatus({ name: 'alice', host, tlsDir: clients['alice'] })) !== 200) {
        gateway.assertRunning();
        if (Date.now() > deadline) assert.fail(`${host} did not answer /_ping with alice's certificate\n${gateway.output()}`);
        await new Promise((wait) => setTimeout(wait, 100));
      }
    },
    { timeout: 180_000 },
  );

  /** The docker CLI fails, a raw TLS client gets no answer, and a connection record per attempt names the cause. */
  async function assertRefused(c: Refused): Promise<void> {
    let offset = await settledAuditSize(auditLog);
    const certDir = c.certDir();
    const cli = await docker(['version', '--format', '{{.Server.Version}}'], {
      name: c.name,
      host,
      ...(c.noClientCertificate ? { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'ca-only') } } : { tlsDir: certDir }),
    });
    assert.notEqual(cli.code, 0, `${c.name}: docker version must fail\nstdout: ${cli.stdout}\nstderr: ${cli.stderr}`);
    assert.doesNotMatch(cli.stdout, /\d+\.\d+/, `${c.name}: no server version may come back`);
    const cliCause = c.cliCause ?? c.cause;
    const byCli = await waitForConnectionRecords(auditLog, offset, (rs) => rs.some((r) => r.cause === cliCause), `${c.name} (docker CLI)`);
    assertRecords(
      c,
      byCli.filter((r) => r.cause === cliCause),
      cliCause === c.cause,
    );

    offset = await settledAuditSize(auditLog);
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const raw = await attemptTls(port, { certDir, maxVersion, ...(c.noClientCertificate && { noClientCertificate: true }) });
      assert.equal(raw.response, '', `${c.name} over ${maxVersion}: the gateway must not answer a request (got ${JSON.stringify(raw.response.slice(0, 80))})`);
    }
    const byRaw = await waitForConnectionRecords(auditLog, offset, (rs) => rs.filter((r) => r.cause === c.cause).length >= 2, `${c.name} (raw TLS)`);
    assertRecords(c, byRaw, true);

    const logged = logLines(gateway.output()).filter((l) => l['cause'] === c.cause && l['listener'] === listener);
    assert.ok(logged.length >= 2, `the refusals are logged with their cause\n${gateway.output().slice(-3000)}`);
    assert.equal(typeof logged.at(-1)!['refused'], 'number', 'each log line carries the running count of its listener and cause');
  }

  function assertRecords(c: Refused, records: ConnectionLine[], certificatePresented: boolean): void {
    assert.ok(records.length > 0);
    for (const record of records) {
      assert.equal(record.decision, 'deny');
      assert.equal(record.rule, 'tls.handshake');
      assert.equal(record.listener, listener);
      assert.match(String(record.remote), /^127\.0\.0\.1:\d+$/);
      if (certificatePresented) assert.match(record.reason, c.reason, JSON.stringify(record));
      if (c.cn === undefined || !certificatePresented) assert.equal(record.certificate, undefined, 'no certificate was presented');
      else assert.equal(record.certificate?.cn, c.cn, JSON.stringify(record));
      // Nothing of a request reached the trail: a connection record has no method, path or identity.
      for (const key of ['method', 'path', 'identity']) assert.equal(key in record, false, `${key} in ${JSON.stringify(record)}`);
    }
  }

  const cases: Refused[] = [
    { name: 'no client certificate', certDir: () => clients['alice']!, noClientCertificate: true, cause: 'no-client-certificate', reason: /presented no certificate/ },
    // Go's TLS client presents a certificate only if its issuer is among the CAs the server asks for:
    // the docker CLI sends none, and only the raw client presents mallory's certificate.
    {
      name: "another CA's certificate",
      certDir: () => clients['mallory']!,
      cause: 'unknown-ca',
      cliCause: 'no-client-certificate',
      reason: /not signed by the CA of --tls-ca/,
      cn: 'mallory',
    },
    { name: 'an expired certificate', certDir: () => clients['expired']!, cause: 'certificate-expired', reason: /expired on 2024-02-01/, cn: 'expired-eve' },
    { name: 'a certificate without any extended key usage', certDir: () => clients['no-eku']!, cause: 'no-client-auth-usage', reason: /no extended key usage/, cn: 'no-eku-nick' },
    { name: 'a certificate for serverAuth only', certDir: () => clients['server-eku']!, cause: 'no-client-auth-usage', reason: /serverAuth, without clientAuth/, cn: 'server-eku-sam' },
  ];

  for (const c of cases) {
    test(`refuses ${c.name}`, () => assertRefused(c));
  }

  test('a client that speaks plain HTTP, or only TLS 1.1, is refused at the handshake and recorded', async () => {
    const offset = await settledAuditSize(auditLog);
    const plain = await new Promise<string>((resolve) => {
      const socket = connectTcp({ host: '127.0.0.1', port }, () => socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n'));
      let received = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
      socket.on('error', () => {});
      socket.on('close', () => resolve(received));
    });
    assert.doesNotMatch(plain, /^HTTP\/1\.1 200/, 'plain HTTP is not served');
    const old = await new Promise<string>((resolve) => {
      const socket = connectTls({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(join(caDir, 'ca.pem')), minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
      let error = '';
      socket.on('error', (err: Error & { code?: string }) => (error ||= err.code ?? err.message));
      socket.on('secureConnect', () => socket.destroy());
      socket.on('close', () => resolve(error));
    });
    assert.match(old, /PROTOCOL_VERSION|UNSUPPORTED|NO_PROTOCOLS/, 'a TLS 1.1 client is refused by the server');
    const records = await waitForConnectionRecords(auditLog, offset, (rs) => rs.some((r) => r.cause === 'not-tls') && rs.some((r) => r.cause === 'tls-version'), 'plain HTTP and TLS 1.1');
    for (const record of records) {
      assert.equal(record.rule, 'tls.handshake');
      assert.match(String(record.remote), /^127\.0\.0\.1:\d+$/);
    }
    assert.match(records.find((r) => r.cause === 'not-tls')!.reason, /did not speak TLS/);
    assert.match(records.find((r) => r.cause === 'tls-version')!.reason, /older than 1\.2/);
  });

  test('a certificate revoked while serve runs: admitted before, refused after, its open connection closed', async () => {
    const carol = clients['carol']!;
    const alice = clients['alice']!;
    assert.match(await dockerOk(['ps'], { name: 'carol', host, tlsDir: carol }), /^CONTAINER ID/);

    // An open keep-alive connection of carol's, answered once before the revocation.
    const open: TLSSocket = connectTls({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(join(carol, 'ca.pem')),
      cert: readFileSync(join(carol, 'cert.pem')),
      key: readFileSync(join(carol, 'key.pem')),
    });
    let received = '';
    const closed = new Promise<void>((resolve) => open.on('close', () => resolve()));
    open.on('error', () => {});
    open.setEncoding('latin1').on('data', (chunk: string) => (received += chunk));
    await new Promise<void>((resolve) => open.once('secureConnect', () => resolve()));
    open.write('GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n');
    for (const deadline = Date.now() + 10_000; !received.includes('\r\n\r\nOK');) {
      if (Date.now() > deadline) assert.fail(`carol's keep-alive connection got no answer: ${JSON.stringify(received)}`);
      await new Promise((wait) => setTimeout(wait, 20));
    }

    const offset = await settledAuditSize(auditLog);
    const outputBefore = gateway.output().length;
    dockgateCli(['certs', 'revoke', 'carol', '--dir', caDir]);
    await waitForConnectionRecords(auditLog, offset, (rs) => rs.some((r) => r.cause === 'revoked-while-connected'), 'the open connection of the revoked certificate is closed and recorded');
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error("carol's open connection was not closed")), 10_000))]);
    assert.match(gateway.output().slice(outputBefore), /CRL reloaded/);

    const cli = await docker(['ps'], { name: 'carol (revoked)', host, tlsDir: carol });
    assert.notEqual(cli.code, 0, `docker ps with a revoked certificate must fail\nstdout: ${cli.stdout}\nstderr: ${cli.stderr}`);
    const raw = await attemptTls(port, { certDir: carol });
    assert.equal(raw.response, '');
    const records = await waitForConnectionRecords(auditLog, offset, (rs) => rs.filter((r) => r.cause === 'certificate-revoked').length >= 2, 'revoked');
    const revoked = records.filter((r) => r.cause === 'certificate-revoked');
    for (const record of revoked) {
      assert.equal(record.rule, 'tls.handshake');
      assert.equal(record.certificate?.cn, 'carol');
      assert.match(record.reason, /revoked by the CRL/);
    }
    const dropped = records.find((r) => r.cause === 'revoked-while-connected') as ConnectionLine;
    assert.equal(dropped.rule, 'tls.revocation');
    assert.equal(dropped.certificate?.cn, 'carol');

    // The revocation is carol's only: alice, of the same CA and group, is still served.
    assert.match(await dockerOk(['ps'], { name: 'alice', host, tlsDir: alice }), /^CONTAINER ID/);
  });

  test('a CRL that does not load keeps the one in force (and says why); a good one written later is reloaded, also on SIGHUP', async () => {
    const crl = join(caDir, 'crl.pem');
    const good = readFileSync(crl);
    let outputBefore = gateway.output().length;
    writeFileSync(crl, '-----BEGIN X509 CRL-----\nnot a CRL\n-----END X509 CRL-----\n');
    for (const deadline = Date.now() + 10_000; !/the CRL does not load/.test(gateway.output().slice(outputBefore));) {
      if (Date.now() > deadline) assert.fail(`no log line about the broken CRL\n${gateway.output().slice(outputBefore)}`);
      await new Promise((wait) => setTimeout(wait, 50));
    }
    // Still in force: carol stays revoked, alice stays admitted.
    assert.equal((await docker(['ps'], { name: 'carol', host, tlsDir: clients['carol']! })).code === 0, false, 'carol is still refused');
    assert.match(await dockerOk(['ps'], { name: 'alice', host, tlsDir: clients['alice']! }), /^CONTAINER ID/);

    outputBefore = gateway.output().length;
    writeFileSync(crl, good);
    for (const deadline = Date.now() + 10_000; !/CRL reloaded/.test(gateway.output().slice(outputBefore));) {
      if (Date.now() > deadline) assert.fail(`the good CRL was not reloaded\n${gateway.output().slice(outputBefore)}`);
      await new Promise((wait) => setTimeout(wait, 50));
    }
    outputBefore = gateway.output().length;
    gateway.signal('SIGHUP');
    for (const deadline = Date.now() + 10_000; !/CRL reloaded/.test(gateway.output().slice(outputBefore));) {
      if (Date.now() > deadline) assert.fail(`SIGHUP did not reload the CRL\n${gateway.output().slice(outputBefore)}`);
      await new Promise((wait) => setTimeout(wait, 50));
    }
    gateway.assertRunning();
    assert.match(await dockerOk(['ps'], { name: 'alice', host, tlsDir: clients['alice']! }), /^CONTAINER ID/);
  });

  test('serve warns at start-up about a server certificate, CA or CRL that expires within 30 days', async () => {
    const soon = join(dir, 'expiring-ca');
    dockgateCli(['certs', 'init', '--dir', soon, '--host', 'localhost', '--ip', '127.0.0.1', '--days', '10', '--ca-days', '20', '--crl-days', '5']);
    const warned = await startGateway({
      upstream: engine.socketPath,
      listen: [`unix://${join(dir, 'warned.sock')}`, `tcp://127.0.0.1:${await freeLoopbackPort()}`],
      args: ['--tls-ca', join(soon, 'ca.pem'), '--tls-cert', join(soon, 'server-cert.pem'), '--tls-key', join(soon, 'server-key.pem'), '--tls-crl', join(soon, 'crl.pem')],
    });
    try {
      // The log is written asynchronously: wait for the three warnings rather than read it once.
      const hasAll = (): boolean => ['server', 'ca', 'crl'].every((kind) => logLines(warned.output()).some((l) => l['kind'] === kind));
      for (const deadline = Date.now() + 10_000; !hasAll() && Date.now() < deadline;) await new Promise((wait) => setTimeout(wait, 50));
      const warnings = logLines(warned.output()).filter((l) => l['level'] === 40);
      const about = (kind: string): Record<string, unknown> | undefined => warnings.find((l) => l['kind'] === kind);
      // Whole days left, rounded down: a moment after init, 10 days are 9 and a bit.
      assert.ok([9, 10].includes(Number(about('server')?.['daysLeft'])), `server certificate\n${warned.output()}`);
      assert.ok([19, 20].includes(Number(about('ca')?.['daysLeft'])), 'CA certificate');
      assert.ok([4, 5].includes(Number(about('crl')?.['daysLeft'])), 'CRL nextUpdate');
      assert.match(String(about('server')?.['msg']), /server certificate .* expires on/);
    } finally {
      await warned.stop();
    }
  });
});
