// `--tls-crl` is read and checked against `--tls-ca` before it is put in force: a CRL of another CA, one
// whose signature does not verify, an unreadable or truncated one is refused with the reason (OpenSSL would
// otherwise refuse every client with "unable to get CRL"), and a good one yields the revoked serials by
// issuer that open connections are checked against, and its CRL number (which tells a newer CRL from an older). CAs and CRLs made by openssl: ECDSA and RSA.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { casWithoutCrl, loadRevocationList, parseRevocationList, revokes } from '../../src/listen/revocation-list.js';

let dir: string;

function openssl(args: string[], cwd = dir): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

interface Ca {
  cert: string;
  key: string;
  config: string;
  /** Issues a client certificate; returns its PEM file. */
  issue(cn: string): string;
  revoke(certFile: string): void;
  /** Signs a CRL of everything revoked so far; returns its PEM file. */
  crl(name: string): string;
}

function makeCa(name: string, keyArgs: string[]): Ca {
  const home = join(dir, name);
  mkdirSync(join(home, 'new'), { recursive: true });
  writeFileSync(join(home, 'index.txt'), '');
  writeFileSync(join(home, 'crlnumber'), '1000\n');
  const key = join(home, 'ca-key.pem');
  const cert = join(home, 'ca.pem');
  const config = join(home, 'ca.cnf');
  writeFileSync(
    config,
    [
      '[ ca ]',
      'default_ca = d',
      '[ d ]',
      `database = ${home}/index.txt`,
      `crlnumber = ${home}/crlnumber`,
      `new_certs_dir = ${home}/new`,
      'rand_serial = yes',
      'default_md = sha256',
      'default_days = 2',
      'default_crl_days = 7',
      'policy = p',
      'unique_subject = no',
      '[ p ]',
      'commonName = supplied',
      '[ client ]',
      'basicConstraints = critical,CA:FALSE',
      'extendedKeyUsage = clientAuth',
      '',
    ].join('\n'),
  );
  openssl(['genpkey', ...keyArgs, '-out', key]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-subj',
    `/CN=${name}`,
    '-days',
    '2',
    '-out',
    cert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  let n = 0;
  return {
    cert,
    key,
    config,
    issue(cn) {
      const clientKey = join(home, `${cn}-key.pem`);
      const csr = join(home, `${cn}.csr`);
      const out = join(home, `${cn}.pem`);
      openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', clientKey]);
      openssl(['req', '-new', '-key', clientKey, '-subj', `/CN=${cn}`, '-out', csr]);
      openssl(['ca', '-batch', '-notext', '-config', config, '-cert', cert, '-keyfile', key, '-in', csr, '-out', out, '-extensions', 'client']);
      return out;
    },
    revoke(certFile) {
      openssl(['ca', '-config', config, '-cert', cert, '-keyfile', key, '-revoke', certFile]);
    },
    crl(label) {
      const out = join(home, `${label}-${++n}.crl.pem`);
      openssl(['ca', '-config', config, '-cert', cert, '-keyfile', key, '-gencrl', '-out', out]);
      return out;
    },
  };
}

let ecdsa: Ca;
let rsa: Ca;
let other: Ca;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockgate-crl-'));
  ecdsa = makeCa('ecdsa CA', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  rsa = makeCa('rsa CA', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
  other = makeCa('other CA', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
});

after(() => rmSync(dir, { recursive: true, force: true }));

const der = (file: string): Buffer => new X509Certificate(readFileSync(file)).raw;

for (const name of ['ecdsa', 'rsa'] as const) {
  test(`a CRL signed by the ${name} CA: its revoked serials, dates and issuer; it revokes exactly what it lists`, () => {
    const ca = name === 'ecdsa' ? ecdsa : rsa;
    const kept = ca.issue('kept');
    const gone = ca.issue('gone');
    const empty = loadRevocationList(ca.crl('empty'), readFileSync(ca.cert));
    assert.equal(empty.crls.length, 1);
    assert.equal(empty.crls[0]!.issuer, `CN=${name} CA`);
    assert.equal(empty.crls[0]!.revokedCount, 0);
    assert.equal(revokes(empty, der(gone)), false);

    ca.revoke(gone);
    const list = loadRevocationList(ca.crl('one'), readFileSync(ca.cert));
    assert.equal(list.crls[0]!.revokedCount, 1);
    assert.equal(revokes(list, der(gone)), true);
    assert.equal(revokes(list, der(kept)), false);
    const { thisUpdate, nextUpdate } = list.crls[0]!;
    assert.ok(Math.abs(thisUpdate.getTime() - Date.now()) < 60_000, 'thisUpdate is now');
    assert.ok(nextUpdate !== undefined && Math.abs(nextUpdate.getTime() - thisUpdate.getTime() - 7 * 86_400_000) < 1000, 'nextUpdate is 7 days later');
    assert.equal(list.pems.length, 1, 'one PEM per CRL, as Node takes them');
  });
}

test('the CRL number is read as OpenSSL writes it, up to the 20 octets RFC 5280 allows', () => {
  const ca = makeCa('numbered CA', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const numberOf = (label: string): bigint | undefined => loadRevocationList(ca.crl(label), readFileSync(ca.cert)).crls[0]!.number;
  // `openssl ca` keeps the next number in hex: 1000 is 4096.
  assert.equal(numberOf('first'), 4096n);
  assert.equal(numberOf('second'), 4097n);
  const big = '7f0102030405060708090a0b0c0d0e0f10111213';
  writeFileSync(join(dir, 'numbered CA', 'crlnumber'), `${big}\n`);
  assert.equal(numberOf('big'), BigInt(`0x${big}`));
});

test('a serial of another issuer is not revoked by a CRL that lists the same number', () => {
  const mine = ecdsa.issue('same-serial');
  ecdsa.revoke(mine);
  const list = loadRevocationList(ecdsa.crl('serials'), Buffer.concat([readFileSync(ecdsa.cert), readFileSync(other.cert)]));
  const otherCert = other.issue('other-client');
  assert.equal(revokes(list, der(otherCert)), false);
  assert.deepEqual(casWithoutCrl(list, Buffer.concat([readFileSync(ecdsa.cert), readFileSync(other.cert)])), ['CN=other CA'], 'the other CA has no CRL: all its clients would be refused');
});

test("a CRL of another CA is refused, naming its issuer and --tls-ca's CAs", () => {
  assert.throws(() => loadRevocationList(other.crl('foreign'), readFileSync(ecdsa.cert)), /issued by CN=other CA, which is not a CA of --tls-ca \(CN=ecdsa CA\)/);
});

test('a CRL that names the CA but carries a signature that does not verify is refused', () => {
  const good = readFileSync(ecdsa.crl('tampered'), 'latin1');
  const bytes = Buffer.from(good.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  // Change the last digit of thisUpdate's seconds (a UTCTime, tag 0x17, 13 characters): still a valid
  // date, still the CA's name, but no longer what the CA signed.
  const at = bytes.indexOf(Buffer.from([0x17, 0x0d]));
  assert.ok(at > 0);
  const digit = at + 2 + 11;
  bytes[digit] = 0x30 + ((bytes[digit]! - 0x30 + 1) % 10);
  const tampered = `-----BEGIN X509 CRL-----\n${bytes.toString('base64')}\n-----END X509 CRL-----\n`;
  assert.throws(
    () => parseRevocationList('crl.pem', tampered, readFileSync(ecdsa.cert)),
    /^Error: --tls-crl crl\.pem: the CRL names CN=ecdsa CA as its issuer but that CA's signature on it does not verify$/,
  );
});

test('files that are not CRLs, or are cut short, are refused with the reason', () => {
  const ca = readFileSync(ecdsa.cert);
  const good = readFileSync(ecdsa.crl('cut'), 'latin1');
  const bytes = Buffer.from(good.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const cases: [string, RegExp][] = [
    ['', /no PEM CRL in it/],
    [readFileSync(ecdsa.cert, 'latin1'), /no PEM CRL in it/],
    ['-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n', /the CRL is unreadable/],
    [`-----BEGIN X509 CRL-----\n${bytes.subarray(0, bytes.length - 20).toString('base64')}\n-----END X509 CRL-----\n`, /the CRL is unreadable \(DER value runs past its end\)/],
    [`-----BEGIN X509 CRL-----\n${Buffer.concat([bytes, Buffer.from([0x05, 0x00])]).toString('base64')}\n-----END X509 CRL-----\n`, /the CRL is unreadable \(trailing data/],
  ];
  for (const [text, message] of cases)
    assert.throws(
      () => parseRevocationList('crl.pem', text, ca),
      (err: Error) => err.message.startsWith('--tls-crl crl.pem: ') && message.test(err.message),
      text.slice(0, 40),
    );
  assert.throws(() => loadRevocationList(join(dir, 'missing.pem'), ca), /--tls-crl .*missing\.pem: cannot read it \(ENOENT\)/);
});
