// Acceptance 4: who is asking ends up in the audit trail. A unix client running as uid 65534 (nobody)
// is recorded with its uid, gid, pid and names as the kernel reported them; mutual-TLS clients are
// recorded with the subject, SANs, fingerprint and serial of the certificate they presented, checked
// against what openssl itself reads from that certificate.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readAuditTrail, waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import { dockerOk } from '../support/docker-cli.js';
import { dockerAsUser, type DockerAsUserResult } from '../support/docker-as-user.js';
import { startEngine } from '../support/engine.js';
import { startGateway } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';
import { createTestPki, type TestPki } from '../support/test-certs.js';

const NOBODY = 65534;

/** The account names the host's user database gives an id (`getent`), as the gateway should report them. */
function accountName(database: 'passwd' | 'group', id: number): string {
  const entry = execFileSync('getent', [database, String(id)], { encoding: 'utf8' });
  const name = entry.split(':')[0];
  if (name === undefined || name === '') throw new Error(`getent ${database} ${id}: no name`);
  return name;
}

/** `openssl x509 -noout -<field>`'s value, e.g. the fingerprint `AB:CD:...` or the serial in hex. */
function opensslField(certPath: string, args: string[]): string {
  const out = execFileSync('openssl', ['x509', '-in', certPath, '-noout', ...args], { encoding: 'utf8' }).trim();
  const value = out.slice(out.indexOf('=') + 1);
  if (value === out) throw new Error(`openssl x509 ${args.join(' ')}: unexpected output ${out}`);
  return value;
}

/** Runs the docker CLI as uid/gid 65534 with no supplementary groups; resolves with its pid and output. */
function dockerAsNobody(args: string[], host: string, home: string): Promise<DockerAsUserResult> {
  return dockerAsUser(NOBODY, args, host, home);
}

/**
 * The records a step added to the audit trail, which must all parse. `done` records are written after the
 * response (not durably), so they may reach the file a moment after the CLI exits: wait until `isComplete`
 * holds, then until the file stops growing.
 */
async function recordsSince(auditLog: string, offset: number, isComplete: (records: AuditLine[]) => boolean): Promise<AuditLine[]> {
  const awaited = await waitForAuditTrail(auditLog, offset, isComplete, 10_000);
  if (!awaited.complete) {
    assert.fail(`the expected audit records did not appear within 10 s; the step added:\n${awaited.trail.records.map((r) => JSON.stringify(r)).join('\n')}`);
  }
  for (let size = -1; size !== statSync(auditLog).size;) {
    size = statSync(auditLog).size;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const trail = readAuditTrail(auditLog, offset);
  assert.deepEqual(trail.badLines, [], 'every audit line parses as a JSON object');
  assert.equal(trail.tornTail, undefined, 'the audit trail ends with a complete line');
  return trail.records;
}

const hasContainerList = (records: AuditLine[]): boolean => records.some((r) => r.operation === 'container.list' && r.phase === 'done');

/** `docker ps` makes a `container.list` request; its `done` record must say it was answered with 200. */
function containerListRecord(records: AuditLine[], listener: string): AuditLine {
  const list = records.filter((r) => r.operation === 'container.list' && r.phase === 'done');
  assert.equal(list.length, 1, `one container.list done record for docker ps, got:\n${records.map((r) => JSON.stringify(r)).join('\n')}`);
  const record = list[0]!;
  assert.equal(record.status, 200);
  assert.equal(record.decision, 'allow');
  assert.equal(record.listener, listener);
  return record;
}

describe('identity recorded for unix and TLS peers', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  /** Outside the engine's 0700 directory: nobody must be able to reach the gateway's socket. */
  let publicDir: string;
  let socketPath: string;
  let unixListener: string;
  let tlsListener: string;
  let auditLog: string;
  let pki: TestPki;

  before(
    async () => {
      publicDir = teardown.tempDir('/tmp/dgi-', 0o755);
      const engine = await startEngine();
      teardown.add(() => engine.stop());
      socketPath = join(publicDir, 'gateway.sock');
      unixListener = `unix://${socketPath}?mode=0666`;
      auditLog = join(engine.dir, 'audit.jsonl');
      pki = createTestPki(engine.dir);
      const gateway = await startGateway({ upstream: engine.socketPath, listen: [unixListener], tls: pki, profile: 'audit', auditLog });
      teardown.add(() => gateway.stopRunning());
      tlsListener = gateway.tls!.host;
      // The readiness probes (one /_ping per listener) are recorded too: let their records land first,
      // so that each test sees only the records of its own client.
      await recordsSince(auditLog, 0, (records) => records.filter((r) => r.operation === 'system.ping' && r.phase === 'done').length >= 2);
    },
    { timeout: 90_000 },
  );

  it('records a unix client running as uid 65534 with its uid, gid, pid, user and group', async () => {
    const mode = statSync(socketPath).mode & 0o777;
    assert.equal(mode.toString(8), '666', 'the listener socket has the mode asked with ?mode=0666');

    const home = mkdtempSync(join(publicDir, 'home-'));
    chownSync(home, NOBODY, NOBODY);
    const offset = statSync(auditLog).size;
    const result = await dockerAsNobody(['ps'], `unix://${socketPath}`, home);
    assert.equal(result.code, 0, `docker ps as nobody through the gateway\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.match(result.stdout, /^CONTAINER ID\s+IMAGE/);

    const records = await recordsSince(auditLog, offset, hasContainerList);
    const expected = {
      kind: 'unix',
      listener: unixListener,
      uid: NOBODY,
      gid: NOBODY,
      pid: result.pid,
      user: accountName('passwd', NOBODY),
      group: accountName('group', NOBODY),
    };
    assert.equal(expected.user, 'nobody');
    containerListRecord(records, unixListener);
    // Nothing else talked to the gateway meanwhile: every record of this step is the CLI's.
    for (const record of records) {
      assert.deepEqual(record.identity, expected, `identity of ${record.phase} record ${record.method} ${record.path}`);
    }
  });

  /**
   * Runs `docker ps` through the TLS listener with the client certificate in `tlsDir`: every record of the
   * step names the peer's address and that certificate, its fingerprint and serial as openssl reads them.
   */
  async function assertTlsClientRecorded(tlsDir: string, subject: { cn: string; o: string[]; ou: string[]; san: string[] }): Promise<void> {
    const cert = join(tlsDir, 'cert.pem');
    const offset = statSync(auditLog).size;
    await dockerOk(['ps'], { name: 'gateway-tls', host: tlsListener, tlsDir });
    const records = await recordsSince(auditLog, offset, hasContainerList);
    containerListRecord(records, tlsListener);
    for (const record of records) {
      const { address, ...identity } = record.identity;
      assert.match(String(address), /^127\.0\.0\.1:\d+$/, 'the peer address is recorded');
      assert.deepEqual(
        identity,
        {
          kind: 'tls',
          listener: tlsListener,
          ...subject,
          fingerprint: opensslField(cert, ['-fingerprint', '-sha256']),
          serial: opensslField(cert, ['-serial']),
        },
        `identity of ${record.phase} record ${record.method} ${record.path}`,
      );
    }
  }

  it('records a TLS client with CN alice (test-certs.ts) with its subject, fingerprint and serial', async () => {
    await assertTlsClientRecorded(pki.aliceDir, { cn: 'alice', o: [], ou: [], san: [] });
  });

  it('records a TLS client certificate with O, OU and SANs of every kind', async () => {
    const san = ['DNS:alice.dockgate.test', 'IP:127.0.0.2', 'email:alice@dockgate.test', 'URI:spiffe://dockgate.test/alice'];
    const clientDir = pki.issueClient({ cn: 'alice', o: 'Dockgate Tests', ou: 'Operations', san });
    // san: the form src/identify/identity.ts documents for TlsPeer.san, which policies will match on.
    await assertTlsClientRecorded(clientDir, { cn: 'alice', o: ['Dockgate Tests'], ou: ['Operations'], san });
  });
});
