// Issue 14, class 1: a revocation cannot be undone quietly. On the real mutual-TLS listener, with the CA
// and CRLs of `dockgate certs` as shipped and the real docker CLI: a revoked certificate stays refused
// after an older CRL, correctly signed by the same CA, is put in place while serve runs (the gateway
// refuses that CRL, keeps the newer one and warns with both numbers); and after the inventory is restored
// from an earlier copy and `certs crl` and `certs revoke` run again (the new CRLs keep every revocation).
// Both states are reported by `certs list` and by `dockgate audit` (gateway.revocations-disagree), and
// no longer once `certs crl` has mended them.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { findingsOf, runAuditCli, type Report } from '../support/audit-cli.js';
import { attemptTls, dockgateCli, logLines, settledAuditSize, waitForConnectionRecords } from '../support/connection-attempts.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { pingStatus } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

interface Listed {
  kind: string;
  serial: string;
  cn: string;
  status: string;
  note?: string;
}

describe('revocations only move forward: an older CRL or a restored inventory brings no certificate back', { timeout: 8 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let dir: string;
  let caDir: string;
  let crl: string;
  let host: string;
  let port: number;
  let auditLog: string;
  let gateway: Gateway;
  const clients: Record<string, string> = {};
  const serials: Record<string, string> = {};

  const issue = (name: string): void => {
    clients[name] = join(dir, name);
    dockgateCli(['certs', 'issue', name, '--dir', caDir, '--group', 'ci', '--out', clients[name]]);
    serials[name] = execFileSync('openssl', ['x509', '-in', join(clients[name], 'cert.pem'), '-noout', '-serial'], { encoding: 'utf8' })
      .trim()
      .replace(/^serial=/, '');
  };

  /** Puts `file` in place of crl.pem the way a restore or a copy tool would: written beside, renamed over. */
  const putCrl = (file: string): void => {
    copyFileSync(file, `${crl}.restoring`);
    renameSync(`${crl}.restoring`, crl);
  };

  /** The gateway's log lines from `offset` (of its output) on, once one of them satisfies `found`. */
  async function waitForLog(offset: number, found: (line: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
    for (const deadline = Date.now() + 15_000; ;) {
      const line = logLines(gateway.output().slice(offset)).find(found);
      if (line !== undefined) return line;
      gateway.assertRunning();
      if (Date.now() > deadline) assert.fail(`${what}: no such log line\n${gateway.output().slice(offset)}`);
      await new Promise((wait) => setTimeout(wait, 50));
    }
  }

  const reloadedTo =
    (number: number) =>
    (line: Record<string, unknown>): boolean =>
      line['msg'] === 'CRL reloaded; new handshakes are checked against it' && (line['crls'] as { number?: string }[])[0]?.number === String(number);

  /** The docker CLI and a raw TLS client are both refused, and a certificate-revoked record names the certificate. */
  async function assertRefused(name: string): Promise<void> {
    const offset = await settledAuditSize(auditLog);
    const cli = await docker(['ps'], { name, host, tlsDir: clients[name] });
    assert.notEqual(cli.code, 0, `docker ps with ${name}'s revoked certificate must fail\nstdout: ${cli.stdout}\nstderr: ${cli.stderr}`);
    const raw = await attemptTls(port, { certDir: clients[name]! });
    assert.equal(raw.response, '', `${name}: the gateway must not answer`);
    const records = await waitForConnectionRecords(
      auditLog,
      offset,
      (rs) => rs.filter((r) => r.cause === 'certificate-revoked' && r.certificate?.cn === name).length >= 2,
      `${name} refused`,
    );
    for (const record of records.filter((r) => r.certificate?.cn === name)) assert.equal(record.certificate?.serial, serials[name]);
  }

  async function assertServed(name: string): Promise<void> {
    assert.match(await dockerOk(['ps'], { name, host, tlsDir: clients[name] }), /^CONTAINER ID/);
  }

  function list(): { certificates: Listed[]; problems: string[]; crl: { number: number } } {
    return JSON.parse(dockgateCli(['certs', 'list', '--dir', caDir, '--format', 'json'])) as { certificates: Listed[]; problems: string[]; crl: { number: number } };
  }

  async function auditFindings(): Promise<Report['targets'][number]['findings']> {
    const run = await runAuditCli(['--host', `unix://${engine.socketPath}`, '--format', 'json', '--fail-on', 'none']);
    assert.equal(run.code, 0, `dockgate audit\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr}`);
    return findingsOf(JSON.parse(run.stdout) as Report, 'gateway.revocations-disagree');
  }

  /** The serials the CRL file lists, read by openssl (which also checks its signature by the CA). */
  function crlSerials(): string[] {
    const text = execFileSync('openssl', ['crl', '-in', crl, '-CAfile', join(caDir, 'ca.pem'), '-noout', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!).sort();
  }

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      dir = teardown.tempDir(join(engine.dir, 'revocations-'));
      caDir = join(dir, 'ca');
      crl = join(caDir, 'crl.pem');
      dockgateCli(['certs', 'init', '--dir', caDir, '--host', 'localhost', '--ip', '127.0.0.1']);
      for (const name of ['alice', 'carol', 'erin']) issue(name);
      // The backups an operator might restore later: the inventory as it was then, and CRL number 1.
      copyFileSync(join(caDir, 'issued.json'), join(dir, 'issued-earlier.json'));
      copyFileSync(crl, join(dir, 'crl-1.pem'));
      issue('dave');
      dockgateCli(['certs', 'revoke', 'carol', '--dir', caDir]);

      port = await freeLoopbackPort();
      host = `tcp://127.0.0.1:${port}`;
      auditLog = join(dir, 'audit.jsonl');
      gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [`unix://${join(dir, 'gw.sock')}`, host],
        auditLog,
        args: ['--tls-ca', join(caDir, 'ca.pem'), '--tls-cert', join(caDir, 'server-cert.pem'), '--tls-key', join(caDir, 'server-key.pem'), '--tls-crl', crl],
      });
      teardown.add(() => gateway.stopRunning());
      for (const deadline = Date.now() + 30_000; (await pingStatus({ name: 'alice', host, tlsDir: clients['alice']! })) !== 200;) {
        gateway.assertRunning();
        if (Date.now() > deadline) assert.fail(`${host} did not answer /_ping with alice's certificate\n${gateway.output()}`);
        await new Promise((wait) => setTimeout(wait, 100));
      }
    },
    { timeout: 180_000 },
  );

  test('to begin with: CRL number 2 is in force, carol is refused and alice served', async () => {
    assert.deepEqual(crlSerials(), [serials['carol']]);
    await assertRefused('carol');
    await assertServed('alice');
    assert.deepEqual(list().problems, []);
    assert.deepEqual(await auditFindings(), [], 'records that agree are no finding');
  });

  test('an older CRL, validly signed by the CA, put in place while serving is refused with a warning naming both numbers; carol stays refused', async () => {
    // It is a good CRL of this CA: only its age is wrong.
    const verified = spawnSync('openssl', ['crl', '-in', join(dir, 'crl-1.pem'), '-CAfile', join(caDir, 'ca.pem'), '-noout'], { encoding: 'utf8' });
    assert.match(verified.stderr, /verify OK/);
    let offset = gateway.output().length;
    putCrl(join(dir, 'crl-1.pem'));
    const warning = await waitForLog(offset, (l) => /older than the one in force/.test(String(l['msg'])), 'the older CRL is refused');
    assert.equal(warning['level'], 40, 'a warning, not an ordinary reload');
    assert.deepEqual([(warning['refused'] as { number: string }).number, (warning['inForce'] as { number: string }).number], ['1', '2']);
    assert.match(String(warning['msg']), /CRL number 1 of .*CRL number 2 of .* is in force/);
    assert.doesNotMatch(gateway.output().slice(offset), /CRL reloaded/);
    await assertRefused('carol');

    // SIGHUP forces a reload of the same file: refused again.
    offset = gateway.output().length;
    gateway.signal('SIGHUP');
    await waitForLog(offset, (l) => /older than the one in force/.test(String(l['msg'])), 'SIGHUP: the older CRL is refused again');
    await assertRefused('carol');
    await assertServed('alice');

    // certs list and the audit both say that crl.pem is older than the newest CRL the CA signed.
    const listing = list();
    assert.equal(listing.crl.number, 1);
    assert.ok(
      listing.problems.some((p) => /crl\.pem is CRL number 1 of .*older than number 2 .*an older CRL was put back/.test(p)),
      listing.problems.join('\n'),
    );
    const carol = listing.certificates.find((c) => c.cn === 'carol')!;
    assert.equal(carol.status, 'revoked');
    assert.match(carol.note ?? '', /crl\.pem does not list it yet/);
    const table = dockgateCli(['certs', 'list', '--dir', caDir]);
    assert.match(table, /the CA's records disagree:\n {2}crl\.pem is CRL number 1 /);

    const [found, ...more] = await auditFindings();
    assert.ok(found !== undefined && more.length === 0, 'one finding for the CA directory');
    assert.equal(found.severity, 'high', 'the CRL in place would admit a revoked certificate once serve restarts');
    assert.equal(found.subject, caDir);
    const evidence = found.evidence.join('\n');
    assert.match(evidence, new RegExp(`dockgate serve \\(pid ${gateway.pid}\\) checks client certificates against ${crl}`));
    assert.match(evidence, /crl\.pem is CRL number 1 .*older than number 2/);
    assert.match(evidence, new RegExp(`serial ${serials['carol']} \\(CN carol\\): .*crl\\.pem does not list it yet`));
  });

  test('certs revoke with the older CRL in place keeps carol in the new CRL', async () => {
    const offset = gateway.output().length;
    dockgateCli(['certs', 'revoke', 'dave', '--dir', caDir]);
    assert.deepEqual(crlSerials(), [serials['carol'], serials['dave']].sort());
    await waitForLog(offset, reloadedTo(3), 'CRL number 3 is put in force');
    await assertRefused('carol');
    await assertRefused('dave');
  });

  test('an inventory restored from an earlier copy is reported; certs crl and certs revoke then keep every revocation', async () => {
    copyFileSync(join(dir, 'issued-earlier.json'), join(caDir, 'issued.json'));

    // certs list: carol's revocation and dave's whole record are missing from the inventory; both still revoked.
    let listing = list();
    const byName = (name: string): Listed => listing.certificates.find((c) => c.cn === name)!;
    assert.equal(byName('carol').status, 'revoked');
    assert.match(byName('carol').note ?? '', /issued\.json does not record it \(restored from an earlier copy\?\)/);
    assert.equal(byName('dave').status, 'revoked', 'dave, missing from the restored inventory, is listed from issued/ as revoked');
    assert.match(byName('dave').note ?? '', /issued\.json does not list the certificate/);
    // The audit: the CRL in place is complete, so only the records lag behind.
    const [found] = await auditFindings();
    assert.equal(found?.severity, 'medium');
    assert.match(found.evidence.join('\n'), new RegExp(`serial ${serials['carol']} \\(CN carol\\): .*issued\\.json does not record it`));
    assert.match(found.evidence.join('\n'), new RegExp(`serial ${serials['dave']} \\(CN dave\\): .*issued\\.json does not list the certificate`));

    let offset = gateway.output().length;
    const refreshed = dockgateCli(['certs', 'crl', '--dir', caDir]);
    assert.match(refreshed, /CRL number 4, 2 revoked certificates/);
    assert.match(refreshed, new RegExp(`kept revoked 1 certificate .*${serials['carol']} \\(CN carol\\)`));
    assert.match(refreshed, new RegExp(`listed again in the inventory 1 certificate .*${serials['dave']} \\(CN dave\\)`));
    assert.deepEqual(crlSerials(), [serials['carol'], serials['dave']].sort());
    await waitForLog(offset, reloadedTo(4), 'CRL number 4 is put in force');
    await assertRefused('carol');
    await assertRefused('dave');

    // Again from the earlier copy, and this time a revocation of another certificate signs the next CRL.
    copyFileSync(join(dir, 'issued-earlier.json'), join(caDir, 'issued.json'));
    offset = gateway.output().length;
    const revoked = dockgateCli(['certs', 'revoke', 'erin', '--dir', caDir]);
    assert.match(revoked, /CRL number 5, 3 revoked certificates/);
    assert.deepEqual(crlSerials(), [serials['carol'], serials['dave'], serials['erin']].sort());
    await waitForLog(offset, reloadedTo(5), 'CRL number 5 is put in force');
    for (const name of ['carol', 'dave', 'erin']) await assertRefused(name);
    await assertServed('alice');

    // Mended: the records agree again, and neither certs list nor the audit reports anything.
    listing = list();
    assert.deepEqual(listing.problems, []);
    assert.deepEqual(
      listing.certificates.filter((c) => c.note !== undefined),
      [],
    );
    assert.deepEqual(
      listing.certificates
        .filter((c) => c.kind === 'client')
        .map((c) => `${c.cn}:${c.status}`)
        .sort(),
      ['alice:valid', 'carol:revoked', 'dave:revoked', 'erin:revoked'],
    );
    assert.deepEqual(await auditFindings(), []);
  });
});
