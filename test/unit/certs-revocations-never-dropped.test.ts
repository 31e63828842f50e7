// `dockgate certs` never drops a revocation: every revocation and every CRL is appended to the journal
// (DIR/revocations.jsonl), and each new CRL lists what the journal, the current crl.pem and the inventory
// hold. An inventory restored from an earlier copy, an older crl.pem put back, a journal missing (a CA
// from before it) are reported by `certs list` and mended by the next `certs crl` or `certs revoke`; what
// cannot be trusted or would go backwards (a crl.pem another key signed, a clock behind the last CRL, a
// journal line cut off) stops the command with one line naming the fix. Text read from the CA's files is
// printed inert.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { initCa, issueClient, listCertificates, refreshCrl, revokeCertificates } from '../../src/certs/index.js';
import { assertCertsRefused, certs, certsOk } from '../support/certs-cli-run.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-revocations-')));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const newDir = (name: string): string => join(tmp, `${++dirs}-${name}`);

/** The serials crl.pem lists, and its number, read by openssl (which also checks the CA's signature). */
function crlOf(dir: string): { number: number; serials: string[] } {
  const text = execFileSync('openssl', ['crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { number: Number(/X509v3 CRL Number: \n\s+(\d+)/.exec(text)?.[1]), serials: [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]!).sort() };
}

function journalOf(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'revocations.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A CA with clients alice, carol and erin, the inventory saved as it was then, then dave issued and carol revoked. */
async function caWithHistory(): Promise<{ dir: string; serials: Record<string, string>; earlier: string }> {
  const dir = newDir('ca');
  await initCa({ dir, hosts: ['localhost'], ips: [] });
  const serials: Record<string, string> = {};
  for (const name of ['alice', 'carol', 'erin']) serials[name] = (await issueClient({ dir, name, groups: ['ci'], out: join(newDir(name), 'out') })).record.serial;
  const earlier = join(dir, '..', `${dirs}-issued-earlier.json`);
  copyFileSync(join(dir, 'issued.json'), earlier);
  serials['dave'] = (await issueClient({ dir, name: 'dave', out: join(newDir('dave'), 'out') })).record.serial;
  await revokeCertificates({ dir, target: 'carol', reason: 'keyCompromise' });
  return { dir, serials, earlier };
}

describe('the revocation journal', () => {
  test('init starts it with CRL number 1; each revoke appends its revocations, then its CRL', async () => {
    const { dir, serials } = await caWithHistory();
    assert.equal((statSync(join(dir, 'revocations.jsonl')).mode & 0o777).toString(8), '644');
    const lines = journalOf(dir);
    assert.deepEqual(
      lines.map((l) => l['event']),
      ['crl', 'revoked', 'crl'],
    );
    assert.deepEqual({ ...lines[1], revokedAt: 'T' }, { event: 'revoked', serial: serials['carol'], cn: 'carol', revokedAt: 'T', reason: 'keyCompromise' });
    assert.deepEqual([lines[0]!['number'], lines[2]!['number'], lines[2]!['revoked']], [1, 2, 1]);
    assert.deepEqual(listCertificates(dir).problems, []);
  });
});

describe('an inventory restored from an earlier copy', () => {
  test('certs list reports the revocation and the certificate it lost, both still revoked', async () => {
    const { dir, serials, earlier } = await caWithHistory();
    await revokeCertificates({ dir, target: 'dave' });
    copyFileSync(earlier, join(dir, 'issued.json'));
    const listing = listCertificates(dir);
    const entry = (cn: string) => listing.certificates.find((c) => c.cn === cn)!;
    assert.equal(entry('carol').status, 'revoked');
    assert.equal(entry('carol').reason, 'keyCompromise');
    assert.match(
      entry('carol').note ?? '',
      /revoked on \S+ \(revocations\.jsonl, crl\.pem\), but issued\.json does not record it \(restored from an earlier copy\?\): every new CRL keeps it revoked; run "dockgate certs crl --dir /,
    );
    assert.equal(entry('dave').status, 'revoked', 'listed from issued/, where its copy is');
    assert.match(
      entry('dave').note ?? '',
      /issued\.json does not list the certificate \(restored from an earlier copy\?\): run "dockgate certs crl --dir .*" to list it again from issued\//,
    );
    assert.equal(entry('alice').note, undefined);
    assert.deepEqual(listing.problems, []);

    const table = certsOk('list', '--dir', dir);
    assert.match(table, new RegExp(`^client\\s+${serials['carol']}\\s+carol\\s+ci\\s+\\S+\\s+revoked \\S+ \\(revoked on .*issued\\.json does not record it`, 'm'));
    assert.match(table, new RegExp(`^client\\s+${serials['dave']}\\s+dave\\s+-\\s+\\S+\\s+revoked \\S+ \\(`, 'm'));
  });

  test('certs crl keeps every revocation and says what it brought back; the records then agree', async () => {
    const { dir, serials, earlier } = await caWithHistory();
    await revokeCertificates({ dir, target: 'dave' });
    copyFileSync(earlier, join(dir, 'issued.json'));
    const output = certsOk('crl', '--dir', dir);
    assert.match(output, /CRL number 4, 2 revoked certificates/);
    assert.match(output, new RegExp(`kept revoked 1 certificate that the inventory listed as not revoked .*: ${serials['carol']} \\(CN carol\\)`));
    assert.match(output, new RegExp(`listed again in the inventory 1 certificate it had lost, from .*/issued/: ${serials['dave']} \\(CN dave\\)`));
    assert.deepEqual(crlOf(dir), { number: 4, serials: [serials['carol'], serials['dave']].sort() });
    const inventory = JSON.parse(readFileSync(join(dir, 'issued.json'), 'utf8')) as {
      crlNumber: number;
      certificates: { cn: string; revokedAt?: string; reason?: string; issuedAt: string; groups: string[] }[];
    };
    assert.equal(inventory.crlNumber, 4);
    assert.deepEqual(
      inventory.certificates.map((c) => `${c.cn}:${c.revokedAt === undefined ? 'valid' : c.reason}`),
      ['alice:valid', 'carol:keyCompromise', 'erin:valid', 'dave:unspecified'],
    );
    const listing = listCertificates(dir);
    assert.deepEqual(listing.problems, []);
    assert.deepEqual(
      listing.certificates.filter((c) => c.note !== undefined),
      [],
    );
  });

  test('certs revoke after the restore: the new CRL keeps the earlier revocations, and a certificate the copy lacked can be revoked by name', async () => {
    const { dir, serials, earlier } = await caWithHistory();
    copyFileSync(earlier, join(dir, 'issued.json'));
    const output = certsOk('revoke', 'dave', '--dir', dir);
    assert.match(output, new RegExp(`^revoked 1 certificate with CN dave: ${serials['dave']}$`, 'm'));
    assert.match(output, /CRL number 3, 2 revoked certificates/);
    assert.deepEqual(crlOf(dir).serials, [serials['carol'], serials['dave']].sort());
    copyFileSync(earlier, join(dir, 'issued.json'));
    assert.match(certsOk('revoke', 'carol', '--dir', dir), /nothing to revoke: every certificate with CN carol was revoked before/);
    assert.deepEqual(crlOf(dir).serials, [serials['carol'], serials['dave']].sort());
  });

  test('a revoked serial that neither the inventory nor issued/ know is reported apart, and stays in every CRL', async () => {
    const { dir, serials, earlier } = await caWithHistory();
    await revokeCertificates({ dir, target: 'dave' });
    copyFileSync(earlier, join(dir, 'issued.json'));
    rmSync(join(dir, 'issued', `${serials['dave']}.pem`));
    const { problems } = listCertificates(dir);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0]!,
      new RegExp(
        `^serial ${serials['dave']} \\(CN dave\\): revoked on \\S+ \\(revocations\\.jsonl, crl\\.pem\\), but neither issued\\.json nor issued/ know the certificate: every new CRL keeps listing it$`,
      ),
    );
    assert.match(certsOk('list', '--dir', dir), new RegExp(`the CA's records disagree:\\n  serial ${serials['dave']} \\(CN dave\\): `));
    await refreshCrl({ dir });
    assert.ok(crlOf(dir).serials.includes(serials['dave']!));
  });
});

describe('an older crl.pem put back', () => {
  test('is reported as older than the newest CRL signed; the next CRL is numbered above that one and lists every revocation', async () => {
    const { dir, serials } = await caWithHistory();
    const second = join(newDir('crl'));
    copyFileSync(join(dir, 'crl.pem'), second);
    await revokeCertificates({ dir, target: 'erin' });
    copyFileSync(second, join(dir, 'crl.pem'));
    const listing = listCertificates(dir);
    assert.equal(listing.crl?.number, 2);
    assert.deepEqual(listing.problems.length, 1);
    assert.match(
      listing.problems[0]!,
      /^crl\.pem is CRL number 2 of \S+, older than number 3 of \S+ that this CA signed \(revocations\.jsonl\): an older CRL was put back \(or a command stopped before writing the newer one\)\. A running serve keeps the newer one, but would load this one when it starts; run "dockgate certs crl --dir /,
    );
    assert.match(listing.certificates.find((c) => c.cn === 'erin')!.note ?? '', /crl\.pem does not list it yet/);
    assert.equal(listing.certificates.find((c) => c.cn === 'carol')!.note, undefined);

    await refreshCrl({ dir });
    assert.deepEqual(crlOf(dir), { number: 4, serials: [serials['carol'], serials['erin']].sort() });
    assert.deepEqual(listCertificates(dir).problems, []);
  });
});

describe('a CA directory from before the journal', () => {
  test('is reported, and the next certs crl starts the journal with every revocation it finds', async () => {
    const { dir, serials } = await caWithHistory();
    rmSync(join(dir, 'revocations.jsonl'));
    assert.deepEqual(
      listCertificates(dir).problems.map((p) => p.replace(/--dir [^"]+/, '--dir D')),
      ['revocations.jsonl is missing (a CA directory from before the revocation journal?): run "dockgate certs crl --dir D" to start it from the CRL and the inventory'],
    );
    assert.match(certsOk('crl', '--dir', dir), /CRL number 3, 1 revoked certificate.*\n {2}started the revocation journal .*revocations\.jsonl with 1 revocation$/m);
    assert.deepEqual(
      journalOf(dir).map((l) => `${String(l['event'])}:${String(l['serial'] ?? l['number'])}`),
      [`revoked:${serials['carol']}`, 'crl:3'],
    );
    assert.deepEqual(listCertificates(dir).problems, []);
  });
});

describe('what cannot be trusted stops the command, with one line naming the fix', () => {
  test('a crl.pem that another CA signed is not taken into the new CRL', async () => {
    const { dir } = await caWithHistory();
    const other = newDir('other');
    await initCa({ dir: other, hosts: ['localhost'], ips: [] });
    copyFileSync(join(other, 'crl.pem'), join(dir, 'crl.pem'));
    assertCertsRefused(
      certs('crl', '--dir', dir),
      /crl\.pem is not signed by this CA: its revocations cannot be taken into the new CRL; move it away \(the journal, .*revocations\.jsonl, and the inventory hold the revocations\) and run the command again/,
    );
  });

  test('a clock behind the last CRL: a CRL signed now would look older than the one in force', async () => {
    const { dir } = await caWithHistory();
    await assert.rejects(
      refreshCrl({ dir, now: new Date(Date.now() - 3_600_000) }),
      /the clock of this host \(\S+\) is behind the thisUpdate of the last CRL \(\S+\): serve would refuse a CRL signed now as older than the one in force; correct the clock/,
    );
  });

  test('a journal line cut off, or not a journal entry', async () => {
    const { dir } = await caWithHistory();
    const journal = join(dir, 'revocations.jsonl');
    const good = readFileSync(journal, 'utf8');
    appendFileSync(journal, '{"event":"revoked","serial":"0A');
    assertCertsRefused(certs('revoke', 'erin', '--dir', dir), /revocations\.jsonl: its last line is cut off .*: remove that incomplete line, then run the command again/);
    writeFileSync(journal, `${good}{"event":"revoked","serial":"not hex"}\n`);
    assertCertsRefused(certs('list', '--dir', dir), /revocations\.jsonl line 4: not a revocation journal entry \(serial: .*\): mend or remove that line/);
  });
});

test("certs list prints what it read from the CA's files inert: control characters in a name cannot act on the terminal", async () => {
  const { dir } = await caWithHistory();
  const inventoryFile = join(dir, 'issued.json');
  const inventory = JSON.parse(readFileSync(inventoryFile, 'utf8')) as { certificates: { cn: string; groups: string[] }[] };
  inventory.certificates[0]!.cn = 'alice\u001b]0;owned\u0007\u001b[2J';
  inventory.certificates[0]!.groups = ['ci\u202e'];
  writeFileSync(inventoryFile, JSON.stringify(inventory));
  const table = certsOk('list', '--dir', dir);
  assert.doesNotMatch(table, /[\u001b\u0007\u202e]/u);
  assert.match(table, /alice\\e\]0;owned\\u0007\\e\[2J\s+ci\\u202e /);
  // JSON stays exact.
  assert.equal((JSON.parse(certsOk('list', '--dir', dir, '--format', 'json')) as { certificates: { cn: string }[] }).certificates[2]!.cn, 'alice\u001b]0;owned\u0007\u001b[2J');
});
