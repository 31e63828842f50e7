// Issue 4, acceptance 3 (networks): a tcp listener's `?allow=CIDR` closes connections from other networks
// at accept, before the TLS handshake: nothing is read from them, nothing is sent to them, and each is
// logged (with the running count for its listener) and recorded as a `listener.network` connection
// record. Two loopback addresses stand for two networks: listener A (127.0.0.1) allows 127.0.0.1/32 only,
// listener B (127.0.0.1) allows 127.0.0.2/32 only; clients connect from 127.0.0.1 (the docker CLI) or from
// 127.0.0.2 (a raw client bound to it with localAddress).

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { readAuditTrail } from '../support/audit-log-reader.js';
import { attemptTls, dockgateCli, logLines, settledAuditSize, waitForConnectionRecords } from '../support/connection-attempts.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';

/** Connects from `localAddress` with plain TCP, sends bytes, and reports what came back before the close. */
function rawTcp(port: number, localAddress: string): Promise<{ received: number; error?: string }> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port, localAddress });
    let received = 0;
    let error: string | undefined;
    socket.on('connect', () => socket.write('\x16\x03\x01\x00\x05hello'));
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('error', (err: Error & { code?: string }) => (error ??= err.code ?? err.message));
    const timer = setTimeout(() => socket.destroy(new Error('not closed within 10 s')), 10_000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, ...(error !== undefined && { error }) });
    });
  });
}

describe('a listener accepts only the client networks of its allow-list', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown();
  let aliceDir: string;
  let portA: number;
  let portB: number;
  let listenerA: string;
  let listenerB: string;
  let auditLog: string;
  let gateway: Gateway;

  before(
    async () => {
      const engine = await startEngine();
      teardown.add(() => engine.stop());
      const dir = mkdtempSync(join(engine.dir, 'allow-'));
      const caDir = join(dir, 'ca');
      dockgateCli(['certs', 'init', '--dir', caDir, '--host', 'localhost', '--ip', '127.0.0.1']);
      aliceDir = join(dir, 'alice');
      dockgateCli(['certs', 'issue', 'alice', '--dir', caDir, '--group', 'ci', '--out', aliceDir]);
      portA = await freeLoopbackPort();
      portB = await freeLoopbackPort();
      listenerA = `tcp://127.0.0.1:${portA}?allow=127.0.0.1/32`;
      listenerB = `tcp://127.0.0.1:${portB}?allow=127.0.0.2/32`;
      auditLog = join(dir, 'audit.jsonl');
      gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [`unix://${join(dir, 'gw.sock')}`, listenerA, listenerB],
        auditLog,
        args: ['--tls-ca', join(caDir, 'ca.pem'), '--tls-cert', join(caDir, 'server-cert.pem'), '--tls-key', join(caDir, 'server-key.pem')],
      });
      teardown.add(() => gateway.stopRunning());
    },
    { timeout: 120_000 },
  );

  test('from an allowed network: the docker CLI (127.0.0.1 on A) and a client bound to 127.0.0.2 (on B) are served', async () => {
    assert.match(await dockerOk(['ps'], { name: 'A from 127.0.0.1', host: `tcp://127.0.0.1:${portA}`, tlsDir: aliceDir }), /^CONTAINER ID/);
    const fromB = await attemptTls(portB, { certDir: aliceDir, localAddress: '127.0.0.2' });
    assert.equal(fromB.handshake, true, JSON.stringify(fromB));
    assert.match(fromB.response, /^HTTP\/1\.1 200 /);
  });

  test('from 127.0.0.2 on A (only 127.0.0.1/32 allowed): closed at accept, before any TLS byte, logged and recorded', async () => {
    const offset = await settledAuditSize(auditLog);
    const tls = await attemptTls(portA, { certDir: aliceDir, localAddress: '127.0.0.2' });
    assert.equal(tls.handshake, false, 'the TLS handshake never completes');
    assert.equal(tls.response, '');
    assert.ok(tls.error !== undefined, 'the client sees the connection closed during its handshake');
    const tcp = await rawTcp(portA, '127.0.0.2');
    assert.equal(tcp.received, 0, 'not one byte (no ServerHello, no alert) is sent to a refused network');

    const records = await waitForConnectionRecords(auditLog, offset, (rs) => rs.length >= 2, 'refused at accept');
    assert.equal(records.length, 2, JSON.stringify(records));
    for (const record of records) {
      assert.equal(record.decision, 'deny');
      assert.equal(record.rule, 'listener.network');
      assert.equal(record.cause, 'network-not-allowed');
      assert.equal(record.listener, listenerA);
      assert.match(String(record.remote), /^127\.0\.0\.2:\d+$/);
      assert.match(record.reason, /127\.0\.0\.2 is not in the listener's allowed networks \(127\.0\.0\.1\/32\)/);
      assert.equal(record.certificate, undefined, 'no handshake, no certificate');
    }
    const logged = logLines(gateway.output()).filter((l) => l['listener'] === listenerA && l['cause'] === 'network-not-allowed');
    assert.deepEqual(
      logged.map((l) => l['refused']),
      [1, 2],
      'each refusal is logged with the running count of its listener and cause',
    );
    assert.ok(logged.every((l) => l['rule'] === 'listener.network' && String(l['remote']).startsWith('127.0.0.2:')));
  });

  test('from 127.0.0.1 on B (only 127.0.0.2/32 allowed): the docker CLI is refused, and counted apart from A', async () => {
    const offset = await settledAuditSize(auditLog);
    const cli = await docker(['ps'], { name: 'B from 127.0.0.1', host: `tcp://127.0.0.1:${portB}`, tlsDir: aliceDir });
    assert.notEqual(cli.code, 0, `docker ps from a network B does not allow must fail\nstdout: ${cli.stdout}\nstderr: ${cli.stderr}`);
    const records = await waitForConnectionRecords(auditLog, offset, (rs) => rs.length >= 1, 'refused at accept');
    for (const record of records) {
      assert.equal(record.listener, listenerB);
      assert.equal(record.rule, 'listener.network');
      assert.match(String(record.remote), /^127\.0\.0\.1:\d+$/);
    }
    const logged = logLines(gateway.output()).filter((l) => l['listener'] === listenerB && l['cause'] === 'network-not-allowed');
    assert.equal(logged[0]?.['refused'], 1, 'B counts its own refusals');
    // No request of the refused client reached the pipeline: no request record names listener B.
    const trail = readAuditTrail(auditLog, offset);
    assert.deepEqual(
      trail.records.filter((r) => r.phase !== ('connection' as string)),
      [],
    );
  });
});
