// A certificate serial has one spelling everywhere (src/x509/serial.ts): upper-case hex byte pairs without
// the sign byte, as OpenSSL and Node print it (`0A1B`, never `A1B`). The audit records (Node's
// `serialNumber`), `certs list` and the revocation journal (the certs tool), and the TLS listener's CRL
// check (src/x509/der.ts and crl.ts, once per handshake) must all agree, or a revoked certificate whose serial
// starts with a small byte would be listed under one spelling and looked up under another.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseCrl } from '../../src/certs/crl.js';
import { parseRevocationList, revokes } from '../../src/listen/revocation-list.js';
import { readCrl } from '../../src/x509/crl.js';
import { certificateNames } from '../../src/x509/der.js';
import { normaliseSerial } from '../../src/x509/serial.js';

let dir: string;
/** Certificates by serial as given to openssl, all revoked by crl.pem. */
const certs = new Map<string, string>();

const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
const crlDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----[A-Z0-9 ]+-----/g, '').replace(/\s+/g, ''), 'base64');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-serials-'));
  const ca = 'req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca-key.pem -out ca.pem -subj /CN=serials-CA -days 2 -set_serial 1';
  openssl(...ca.split(' '), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'client-key.pem', '-out', 'client.csr', '-subj', '/CN=client');
  const index: string[] = [];
  // A serial whose first byte is below 0x10, one whose first byte needs a sign byte in DER, one of 16 bytes.
  for (const serial of ['0A1B', '8A1B', '01F2E3D4C5B6A798897A6B5C4D3E2F10']) {
    openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-set_serial', `0x${serial}`, '-days', '1', '-out', `${serial}.pem`);
    certs.set(serial, join(dir, `${serial}.pem`));
    index.push(`R\t300101000000Z\t250101000000Z\t${serial}\tunknown\t/CN=client`);
  }
  writeFileSync(join(dir, 'index.txt'), `${index.join('\n')}\n`);
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(join(dir, 'ca.cnf'), `[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = ${dir}/index.txt\ncrlnumber = ${dir}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n`);
  openssl('ca', '-gencrl', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca-key.pem', '-out', 'crl.pem');
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('Node, the DER reader and the certs tool spell a certificate serial the same way', () => {
  for (const [serial, file] of certs) {
    const cert = new X509Certificate(readFileSync(file));
    assert.equal(cert.serialNumber, serial, 'Node prints byte pairs, as the audit records carry them');
    assert.equal(certificateNames(cert.raw).serial, serial, 'the listener reads the same spelling from the DER');
    assert.equal(normaliseSerial(serial.toLowerCase().replace(/^0/, '')), serial, 'a serial typed without its leading zero is read as the same one');
    assert.equal(normaliseSerial(serial.toLowerCase().match(/../g)!.join(':')), serial);
  }
});

test('a CRL lists its serials in that spelling for the listener and for the certs tool alike', () => {
  const pem = readFileSync(join(dir, 'crl.pem'), 'latin1');
  assert.deepEqual(
    readCrl(crlDer(pem))
      .revoked.map((entry) => entry.serial)
      .sort(),
    [...certs.keys()].sort(),
  );
  assert.deepEqual([...parseCrl(pem, 'crl.pem').revoked.keys()].sort(), [...certs.keys()].sort());
});

test('the listener finds each of those certificates revoked', () => {
  const list = parseRevocationList('crl.pem', readFileSync(join(dir, 'crl.pem'), 'latin1'), readFileSync(join(dir, 'ca.pem')));
  for (const file of certs.values()) assert.equal(revokes(list, new X509Certificate(readFileSync(file)).raw), true, file);
});
