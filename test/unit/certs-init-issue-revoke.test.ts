// `dockgate certs`: the files init and issue write and their modes, what the certificates say (checked by
// openssl, not by the library that made them), chains that verify, CRLs that list exactly the revoked
// serials, list statuses, refusals, and the expiry warnings serve and audit use.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { certificateExpiryWarnings, initCa, issueClient, listCertificates, revokeCertificates, type CertificateListing } from '../../src/certs/index.js';
import { assertCertsRefused, certs, certsOk, type CertsRun } from '../support/certs-cli-run.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-certs-')));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const newDir = (name: string): string => join(tmp, `${++dirs}-${name}`);

const DAY = 86_400_000;

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function opensslRun(...args: string[]): CertsRun {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const certText = (file: string): string => openssl('x509', '-in', file, '-noout', '-text');
const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
/** `openssl x509 -serial`: upper-case hex, as the inventory, list and Node's TLS peer certificate print it. */
const serialOf = (file: string): string =>
  openssl('x509', '-in', file, '-noout', '-serial')
    .trim()
    .replace(/^serial=/, '');

/** The extension block of `openssl x509 -text` that follows `name`, as one line. */
function extension(text: string, name: string): string {
  const match = new RegExp(`${name}:( critical)? *\\n\\s+(.*)`).exec(text);
  assert.ok(match, `no ${name} in\n${text}`);
  return `${match[1] === undefined ? '' : 'critical: '}${match[2]!.trim()}`;
}

function samePublicKey(keyFile: string, certFile: string): boolean {
  const fromKey = createPublicKey(createPrivateKey(readFileSync(keyFile))).export({ format: 'der', type: 'spki' });
  const fromCert = new X509Certificate(readFileSync(certFile)).publicKey.export({ format: 'der', type: 'spki' });
  return fromKey.equals(fromCert);
}

describe('certs init', () => {
  const dir = newDir('ca');
  let output = '';

  test('writes the CA, the server certificate and key, an empty CRL and the inventory, with their modes', () => {
    output = certsOk('init', '--dir', dir, '--host', 'localhost', '--host', 'Docker.Example.Test', '--ip', '127.0.0.1', '--ip', '::1');
    assert.equal(mode(join(dir, 'server-key.pem')), '0400');
    assert.equal(mode(join(dir, 'private')), '0700');
    assert.equal(mode(join(dir, 'private', 'ca-key.pem')), '0400');
    assert.equal(mode(join(dir, 'ca.pem')), '0644');
    assert.equal(mode(join(dir, 'server-cert.pem')), '0644');
    assert.equal(mode(join(dir, 'crl.pem')), '0644');
    // PKCS#8, which Node's tls, OpenSSL and Go read for EC and RSA keys alike.
    for (const key of ['server-key.pem', 'private/ca-key.pem']) assert.match(readFileSync(join(dir, key), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'issued.json'), 'utf8')), { version: 1, crlNumber: 1, certificates: [] });
    assert.match(output, /--tls-ca .*ca\.pem --tls-cert .*server-cert\.pem --tls-key .*server-key\.pem/);
  });

  test('the CA: self-signed, CA:TRUE with pathlen 0, keyCertSign and cRLSign, ECDSA P-256', () => {
    const text = certText(join(dir, 'ca.pem'));
    assert.equal(extension(text, 'X509v3 Basic Constraints'), 'critical: CA:TRUE, pathlen:0');
    assert.equal(extension(text, 'X509v3 Key Usage'), 'critical: Certificate Sign, CRL Sign');
    assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
    const subject = openssl('x509', '-in', join(dir, 'ca.pem'), '-noout', '-subject').trim();
    const issuer = openssl('x509', '-in', join(dir, 'ca.pem'), '-noout', '-issuer').trim();
    assert.equal(subject.replace(/^subject=/, ''), issuer.replace(/^issuer=/, ''), 'self-signed');
    assert.match(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'ca.pem')), /: OK/);
  });

  test('the server certificate: the DNS and IP SANs asked for, serverAuth, digitalSignature, and it verifies against the CA', () => {
    const file = join(dir, 'server-cert.pem');
    const text = certText(file);
    assert.equal(extension(text, 'X509v3 Subject Alternative Name'), 'DNS:localhost, DNS:docker.example.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    assert.equal(extension(text, 'X509v3 Extended Key Usage'), 'TLS Web Server Authentication');
    assert.equal(extension(text, 'X509v3 Key Usage'), 'critical: Digital Signature');
    assert.equal(extension(text, 'X509v3 Basic Constraints'), 'critical: CA:FALSE');
    assert.match(text, /NIST CURVE: P-256/);
    assert.match(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', file), /server-cert\.pem: OK/);
    assert.ok(samePublicKey(join(dir, 'server-key.pem'), file), 'server-key.pem is the key of server-cert.pem');
    // Node's own check of the names a client connects to.
    const node = new X509Certificate(readFileSync(file));
    assert.equal(node.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(node.checkHost('localhost'), 'localhost');
    assert.equal(node.checkIP('127.0.0.2'), undefined);
  });

  test('serials are random, positive and at most 128 bits', () => {
    const serials = ['ca.pem', 'server-cert.pem'].map((f) => serialOf(join(dir, f)));
    assert.notEqual(serials[0], serials[1]);
    for (const serial of serials) {
      assert.match(serial, /^[0-9A-F]+$/);
      assert.ok(serial.length >= 16 && serial.length <= 32, `serial ${serial} is 128 random bits`);
    }
    // Positive: a DER INTEGER whose first content byte has the top bit set carries a 00 sign byte.
    for (const file of ['ca.pem', 'server-cert.pem']) assert.doesNotMatch(openssl('asn1parse', '-in', join(dir, file)), /INTEGER\s+:-/);
  });

  test('the initial CRL: v2, signed by the CA, CRL number 1, thisUpdate and nextUpdate, no revoked certificates', () => {
    const crl = openssl('crl', '-in', join(dir, 'crl.pem'), '-noout', '-text');
    assert.match(crl, /Version 2 \(0x1\)/);
    assert.match(crl, /X509v3 CRL Number: \n\s+1\n/);
    assert.match(crl, /Last Update: /);
    assert.match(crl, /Next Update: /);
    assert.match(crl, /No Revoked Certificates/);
    assert.match(opensslRun('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout').stderr, /verify OK/);
  });

  test('refuses to overwrite an existing CA, and leaves it as it was', () => {
    const before = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const key = readFileSync(join(dir, 'private', 'ca-key.pem'), 'utf8');
    assertCertsRefused(certs('init', '--dir', dir, '--host', 'other.example.test'), /already holds a CA .*refusing to overwrite it/);
    assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), before);
    assert.equal(readFileSync(join(dir, 'private', 'ca-key.pem'), 'utf8'), key);
  });

  test('refuses what it cannot put in a certificate, each with one line', () => {
    assertCertsRefused(certs('init', '--dir', newDir('none')), /at least one --host NAME or --ip ADDR/);
    assertCertsRefused(certs('init', '--dir', newDir('bad-host'), '--host', '*.example.test'), /--host "\*\.example\.test": not a DNS name/);
    assertCertsRefused(certs('init', '--dir', newDir('ip-as-host'), '--host', '127.0.0.1'), /give it as --ip 127\.0\.0\.1/);
    assertCertsRefused(certs('init', '--dir', newDir('bad-ip'), '--ip', '300.1.1.1'), /--ip "300\.1\.1\.1": not an IPv4 or IPv6 address/);
    assertCertsRefused(certs('init', '--dir', newDir('bad-type'), '--ip', '127.0.0.1', '--key-type', 'dsa'), /--key-type dsa: expected ecdsa .* or rsa/);
    assertCertsRefused(certs('init', '--dir', newDir('zero-days'), '--ip', '127.0.0.1', '--days', '0'), /--days 0: expected a whole number of days/);
  });
});

describe('certs issue', () => {
  const dir = newDir('ca');
  const out = join(newDir('client'), 'alice');
  let output = '';

  test('writes ca.pem, cert.pem and key.pem (0400) into a new 0700 directory', async () => {
    await initCa({ dir, hosts: ['localhost'], ips: ['127.0.0.1'] });
    output = certsOk('issue', 'alice', '--dir', dir, '--group', 'ci', '--group', 'ops', '--out', out);
    assert.equal(mode(out), '0700');
    assert.equal(mode(join(out, 'key.pem')), '0400');
    assert.equal(readFileSync(join(out, 'ca.pem'), 'utf8'), readFileSync(join(dir, 'ca.pem'), 'utf8'));
    assert.ok(samePublicKey(join(out, 'key.pem'), join(out, 'cert.pem')), 'key.pem is the key of cert.pem');
    assert.match(readFileSync(join(out, 'key.pem'), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(output, new RegExp(`DOCKER_HOST=tcp://localhost:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=${out} docker ps`));
  });

  test('CN = the name, each group as an O and an OU attribute; clientAuth, digitalSignature; verifies as a TLS client', () => {
    const file = join(out, 'cert.pem');
    assert.equal(openssl('x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253').trim(), 'subject=CN=alice,OU=ops,OU=ci,O=ops,O=ci');
    // What Node's tls hands the gateway (getPeerCertificate().subject reads the same attributes as lists).
    assert.equal(new X509Certificate(readFileSync(file)).subject, 'O=ci\nO=ops\nOU=ci\nOU=ops\nCN=alice');
    const text = certText(file);
    assert.equal(extension(text, 'X509v3 Extended Key Usage'), 'TLS Web Client Authentication');
    assert.equal(extension(text, 'X509v3 Key Usage'), 'critical: Digital Signature');
    assert.equal(extension(text, 'X509v3 Basic Constraints'), 'critical: CA:FALSE');
    assert.match(text, /NIST CURVE: P-256/);
    assert.match(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslclient', file), /cert\.pem: OK/);
    assert.notEqual(opensslRun('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', file).status, 0, 'not usable as a server certificate');
  });

  test('is recorded in the inventory and kept in DIR/issued/SERIAL.pem', () => {
    const serial = serialOf(join(out, 'cert.pem'));
    const inventory = JSON.parse(readFileSync(join(dir, 'issued.json'), 'utf8')) as { certificates: Record<string, unknown>[] };
    assert.equal(inventory.certificates.length, 1);
    const record = inventory.certificates[0]!;
    assert.equal(record['serial'], serial);
    assert.equal(record['cn'], 'alice');
    assert.deepEqual(record['groups'], ['ci', 'ops']);
    assert.equal(record['revokedAt'], undefined);
    const node = new X509Certificate(readFileSync(join(out, 'cert.pem')));
    assert.equal(record['fingerprint'], node.fingerprint256);
    assert.equal(new Date(record['notAfter'] as string).getTime(), new Date(node.validTo).getTime());
    assert.equal(readFileSync(join(dir, 'issued', `${serial}.pem`), 'utf8'), readFileSync(join(out, 'cert.pem'), 'utf8'));
  });

  test('refuses to overwrite OUT, bad names and groups, and a validity beyond the CA', () => {
    assertCertsRefused(certs('issue', 'alice', '--dir', dir, '--out', out), /already holds ca\.pem, cert\.pem, key\.pem: refusing to overwrite/);
    assertCertsRefused(certs('issue', 'alice smith', '--dir', dir, '--out', newDir('x')), /NAME "alice smith": use 1 to 64 letters/);
    assertCertsRefused(certs('issue', 'alice', '--dir', dir, '--group', 'ci,ops', '--out', newDir('x')), /--group "ci,ops": use 1 to 64 letters/);
    assertCertsRefused(certs('issue', 'alice', '--dir', dir, '--group', 'ci', '--group', 'ci', '--out', newDir('x')), /--group ci is given twice/);
    assertCertsRefused(certs('issue', 'alice', '--dir', dir, '--days', '40000', '--out', newDir('x')), /--days 40000: expected a whole number of days from 1 to 36500/);
    assertCertsRefused(certs('issue', 'alice', '--dir', dir, '--days', '5000', '--out', newDir('x')), /--days 5000 would outlive the CA/);
    assertCertsRefused(certs('issue', 'alice', '--dir', newDir('no-ca'), '--out', newDir('x')), /holds no CA .*dockgate certs init/);
  });

  test('refuses a CA key that others can read', () => {
    const caKey = join(dir, 'private', 'ca-key.pem');
    execFileSync('chmod', ['0644', caKey]);
    try {
      assertCertsRefused(certs('issue', 'bob', '--dir', dir, '--out', newDir('x')), /ca-key\.pem has mode 0644: group and others must have no access to it \(chmod 0400 /);
    } finally {
      execFileSync('chmod', ['0400', caKey]);
    }
  });

  test('concurrent issues on one CA all land in the inventory (the lock serialises them)', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((i) => issueClient({ dir, name: `runner-${i}`, groups: ['ci'], out: join(newDir('runner'), 'out') })));
    const inventory = JSON.parse(readFileSync(join(dir, 'issued.json'), 'utf8')) as { certificates: { serial: string }[] };
    for (const result of results)
      assert.ok(
        inventory.certificates.some((c) => c.serial === result.record.serial),
        `runner ${result.record.cn} recorded`,
      );
    assert.equal(new Set(inventory.certificates.map((c) => c.serial)).size, inventory.certificates.length);
  });
});

describe('certs renew-server', () => {
  test('a new server key and certificate for the same names, or for the names given; both modes kept', async () => {
    const dir = newDir('ca');
    await initCa({ dir, hosts: ['localhost'], ips: ['127.0.0.1'], days: 10 });
    const cert = join(dir, 'server-cert.pem');
    const key = join(dir, 'server-key.pem');
    const before = serialOf(cert);
    const output = certsOk('renew-server', '--dir', dir);
    const after = serialOf(cert);
    assert.notEqual(after, before);
    assert.match(output, new RegExp(`serial ${after}, replacing ${before}\\) for DNS:localhost, IP:127\\.0\\.0\\.1`));
    assert.equal(extension(certText(cert), 'X509v3 Subject Alternative Name'), 'DNS:localhost, IP Address:127.0.0.1');
    assert.ok(samePublicKey(key, cert), 'the new key belongs to the new certificate');
    assert.equal(mode(key), '0400');
    assert.equal(mode(cert), '0644');
    assert.match(openssl('verify', '-CAfile', join(dir, 'ca.pem'), '-purpose', 'sslserver', cert), /: OK/);
    assert.equal(certificateExpiryWarnings(dir).filter((w) => w.kind === 'server').length, 0, 'the 10-day certificate was replaced by an 825-day one');

    certsOk('renew-server', '--dir', dir, '--host', 'docker.example.test', '--ip', '10.0.0.5');
    assert.equal(extension(certText(cert), 'X509v3 Subject Alternative Name'), 'DNS:docker.example.test, IP Address:10.0.0.5');
  });
});

describe('RSA on request', () => {
  test('--key-type rsa: RSA 4096 for the CA, the server (with keyEncipherment) and the clients it issues', async () => {
    const dir = newDir('rsa');
    certsOk('init', '--dir', dir, '--ip', '127.0.0.1', '--key-type', 'rsa');
    const out = join(newDir('rsa-client'), 'out');
    await issueClient({ dir, name: 'carol', out });
    for (const file of [join(dir, 'ca.pem'), join(dir, 'server-cert.pem'), join(out, 'cert.pem')]) {
      const text = certText(file);
      assert.match(text, /Public Key Algorithm: rsaEncryption\n\s+Public-Key: \(4096 bit\)/, file);
      assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/, file);
    }
    assert.equal(extension(certText(join(dir, 'server-cert.pem')), 'X509v3 Key Usage'), 'critical: Digital Signature, Key Encipherment');
    assert.equal(extension(certText(join(out, 'cert.pem')), 'X509v3 Key Usage'), 'critical: Digital Signature');
    assert.match(openssl('verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server-cert.pem'), join(out, 'cert.pem')), /server-cert\.pem: OK\n.*cert\.pem: OK/);
    assert.equal(createPrivateKey(readFileSync(join(out, 'key.pem'))).asymmetricKeyDetails?.modulusLength, 4096);
    const crl = opensslRun('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout');
    assert.match(crl.stderr, /verify OK/);
  });
});

describe('certs revoke and the CRL', () => {
  const dir = newDir('ca');
  const issued: Record<string, string> = {};

  test('revoking by NAME revokes every certificate with that CN, says how many, and the CRL lists exactly them', async () => {
    await initCa({ dir, hosts: ['localhost'], ips: [] });
    for (const [key, name] of [
      ['alice1', 'alice'],
      ['alice2', 'alice'],
      ['bob', 'bob'],
    ] as const) {
      issued[key] = join(newDir(key), 'out');
      await issueClient({ dir, name, groups: ['ci'], out: issued[key] });
    }
    const output = certsOk('revoke', 'alice', '--dir', dir);
    const [a1, a2, b] = [serialOf(join(issued['alice1']!, 'cert.pem')), serialOf(join(issued['alice2']!, 'cert.pem')), serialOf(join(issued['bob']!, 'cert.pem'))];
    assert.match(output, new RegExp(`^revoked 2 certificates with CN alice: (${a1}, ${a2}|${a2}, ${a1})$`, 'm'));
    assert.match(output, /CRL number 2, 2 revoked certificates/);

    const crl = openssl('crl', '-in', join(dir, 'crl.pem'), '-noout', '-text');
    assert.match(crl, /X509v3 CRL Number: \n\s+2\n/);
    assert.match(crl, /X509v3 Authority Key Identifier/);
    const listed = [...crl.matchAll(/Serial Number: ([0-9A-F]+)\n\s+Revocation Date: /g)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), [a1, a2].sort());
    assert.doesNotMatch(crl, new RegExp(b));
    assert.match(opensslRun('crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout').stderr, /verify OK/);
  });

  test('openssl verify with the CRL refuses the revoked certificates and accepts the others', () => {
    const check = (out: string): CertsRun => opensslRun('verify', '-crl_check', '-CAfile', join(dir, 'ca.pem'), '-CRLfile', join(dir, 'crl.pem'), join(out, 'cert.pem'));
    assert.match(check(issued['alice1']!).stdout + check(issued['alice1']!).stderr, /certificate revoked/);
    assert.match(check(issued['alice2']!).stdout + check(issued['alice2']!).stderr, /certificate revoked/);
    assert.equal(check(issued['bob']!).status, 0);
  });

  test('revoking by SERIAL (any case, with colons) revokes that one; the CRL number grows', () => {
    const serial = serialOf(join(issued['bob']!, 'cert.pem'));
    const spelled = serial.toLowerCase().match(/../g)!.join(':');
    const output = certsOk('revoke', spelled, '--dir', dir, '--reason', 'keyCompromise');
    assert.match(output, new RegExp(`^revoked 1 certificate with serial ${serial}: ${serial}$`, 'm'));
    const crl = openssl('crl', '-in', join(dir, 'crl.pem'), '-noout', '-text');
    assert.match(crl, /X509v3 CRL Number: \n\s+3\n/);
    assert.match(crl, new RegExp(`Serial Number: ${serial}\\n\\s+Revocation Date: .*\\n\\s+CRL entry extensions:\\n\\s+X509v3 CRL Reason Code: \\n\\s+Key Compromise`));
    assert.equal([...crl.matchAll(/Serial Number: /g)].length, 3);
  });

  test('revoking what was revoked before changes nothing but says so; an unknown name is refused', () => {
    assert.match(certsOk('revoke', 'alice', '--dir', dir), /nothing to revoke: every certificate with CN alice was revoked before/);
    assertCertsRefused(certs('revoke', 'mallory', '--dir', dir), /no certificate with CN "mallory" or serial "mallory"/);
    assertCertsRefused(certs('revoke', 'alice', '--dir', dir, '--reason', 'boredom'), /--reason boredom: expected one of unspecified, keyCompromise/);
  });

  test('a lost crl.pem is rebuilt whole from the inventory by the next revoke or certs crl', () => {
    rmSync(join(dir, 'crl.pem'));
    assert.match(certsOk('crl', '--dir', dir), /CRL number 5, 3 revoked certificates/);
    const crl = openssl('crl', '-in', join(dir, 'crl.pem'), '-noout', '-text');
    assert.equal([...crl.matchAll(/Serial Number: /g)].length, 3);
  });
});

describe('certs list', () => {
  const dir = newDir('ca');
  const now = Date.now();

  test('shows the CA, the server and every client with expiry and status: valid, expiring soon, expired, revoked', async () => {
    await initCa({ dir, hosts: ['localhost'], ips: ['127.0.0.1'] });
    await issueClient({ dir, name: 'valid-one', groups: ['ci'], out: join(newDir('v'), 'out') });
    await issueClient({ dir, name: 'soon', days: 10, out: join(newDir('s'), 'out') });
    // Issued 400 days ago for 30 days: expired (the test-only `now`; the CLI has no such flag).
    await issueClient({ dir, name: 'old', days: 30, now: new Date(now - 400 * DAY), out: join(newDir('o'), 'out') });
    await issueClient({ dir, name: 'gone', out: join(newDir('g'), 'out') });
    await revokeCertificates({ dir, target: 'gone' });

    const listing = JSON.parse(certsOk('list', '--dir', dir, '--format', 'json')) as { certificates: CertificateListing[]; crl: { number: number; revokedCount: number; status: string } };
    const byName = Object.fromEntries(listing.certificates.map((c) => [`${c.kind}:${c.cn}`, c]));
    assert.deepEqual(
      listing.certificates.map((c) => [c.kind, c.cn.startsWith('dockgate CA ') ? 'CA' : c.cn, c.status]),
      [
        ['ca', 'CA', 'valid'],
        ['server', 'localhost', 'valid'],
        ['client', 'valid-one', 'valid'],
        ['client', 'soon', 'expiring-soon'],
        ['client', 'old', 'expired'],
        ['client', 'gone', 'revoked'],
      ],
    );
    assert.deepEqual(byName['client:valid-one']!.groups, ['ci']);
    assert.deepEqual(byName['server:localhost']!.san, ['DNS:localhost', 'IP:127.0.0.1']);
    assert.ok(byName['client:soon']!.daysLeft === 9 || byName['client:soon']!.daysLeft === 10);
    assert.ok(byName['client:old']!.daysLeft < -360);
    assert.ok(byName['client:gone']!.revokedAt);
    assert.equal(listing.crl.revokedCount, 1);
    assert.equal(listing.crl.status, 'valid');

    const table = certsOk('list', '--dir', dir);
    assert.match(table, /^KIND\s+SERIAL\s+CN\s+GROUPS \/ NAMES\s+NOT AFTER\s+STATUS$/m);
    assert.match(table, /^client\s+[0-9A-F]+\s+soon\s+-\s+\S+\s+expiring soon \(\d+ days left\)$/m);
    assert.match(table, /^client\s+[0-9A-F]+\s+old\s+-\s+\S+\s+expired \d+ days ago$/m);
    assert.match(table, /^client\s+[0-9A-F]+\s+gone\s+-\s+\S+\s+revoked \S+$/m);
    assert.match(table, /^CRL .*crl\.pem: number 2, 1 revoked, next update due /m);
  });

  test('a revocation the CRL does not show yet is flagged with the command that mends it', () => {
    const inventoryFile = join(dir, 'issued.json');
    const inventory = JSON.parse(readFileSync(inventoryFile, 'utf8')) as { certificates: { cn: string; revokedAt?: string }[] };
    inventory.certificates.find((c) => c.cn === 'valid-one')!.revokedAt = new Date().toISOString();
    writeFileSync(inventoryFile, JSON.stringify(inventory));
    const entry = listCertificates(dir).certificates.find((c) => c.cn === 'valid-one')!;
    assert.equal(entry.status, 'revoked');
    assert.match(entry.note ?? '', /does not list it yet: run "dockgate certs crl --dir /);
  });

  test('an inventory that does not read is an error, not an empty list', () => {
    writeFileSync(join(dir, 'issued.json'), '{"version":1,"certificates":[{"serial":"zz"}]}');
    assertCertsRefused(certs('list', '--dir', dir), /issued\.json: not a dockgate inventory .*restore it from a backup/);
  });
});

describe('certificateExpiryWarnings', () => {
  const dir = newDir('ca');
  const now = new Date();

  test('a CA directory: expiring and expired client certificates, not valid or revoked ones', async () => {
    await initCa({ dir, hosts: ['localhost'], ips: [], days: 20 });
    await issueClient({ dir, name: 'fine', out: join(newDir('f'), 'out') });
    await issueClient({ dir, name: 'soon', groups: ['ci'], days: 5, out: join(newDir('s'), 'out') });
    await issueClient({ dir, name: 'old', days: 1, now: new Date(now.getTime() - 10 * DAY), out: join(newDir('o'), 'out') });
    await issueClient({ dir, name: 'revoked-old', days: 1, now: new Date(now.getTime() - 10 * DAY), out: join(newDir('r'), 'out') });
    await revokeCertificates({ dir, target: 'revoked-old' });

    const warnings = certificateExpiryWarnings(dir, now, 30);
    const summary = warnings.map((w) => `${w.kind}:${w.subject}:${w.status}`).sort();
    assert.deepEqual(summary, ['client:old:expired', 'client:soon:expiring-soon', 'server:localhost:expiring-soon']);
    const soon = warnings.find((w) => w.subject === 'soon')!;
    assert.match(
      soon.message,
      /^client certificate .*\(CN soon, serial [0-9A-F]+\) expires on \S+ \(in [45] days\): issue a new one: dockgate certs issue soon --dir .* --group ci --out DIR$/,
    );
    assert.match(warnings.find((w) => w.subject === 'old')!.message, /expired on \S+ \(9 days ago\)/);
  });

  test('later on: the CA, the server certificate and the CRL past their dates', () => {
    const later = new Date(now.getTime() + 4000 * DAY);
    const kinds = certificateExpiryWarnings(dir, later, 30)
      .filter((w) => w.kind !== 'client')
      .map((w) => `${w.kind}:${w.status}`)
      .sort();
    assert.deepEqual(kinds, ['ca:expired', 'crl:expired', 'server:expired']);
    const crl = certificateExpiryWarnings(dir, new Date(now.getTime() + 170 * DAY), 30).find((w) => w.kind === 'crl')!;
    assert.equal(crl.status, 'expiring-soon');
    assert.match(crl.message, /sign it again with "dockgate certs crl --dir /);
  });

  test('PEM files: classified by their extensions; an unreadable file is a warning, not an exception', () => {
    const garbage = join(tmp, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    const warnings = certificateExpiryWarnings([join(dir, 'server-cert.pem'), join(dir, 'ca.pem'), garbage, join(dir, 'missing.pem')], now, 30);
    assert.deepEqual(
      warnings.map((w) => `${w.kind}:${w.status}`),
      ['server:expiring-soon', 'file:unreadable', 'file:unreadable'],
    );
    assert.equal(certificateExpiryWarnings(join(dir, 'ca.pem'), now, 30).length, 0);
  });
});
