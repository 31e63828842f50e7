// The certificate revocation list of `--tls-crl` (DIR/crl.pem from `dockgate certs`): read, checked
// against the CA of `--tls-ca` before it is used, and kept as the set of revoked serials per issuer.
//
// Checked because OpenSSL would not say it is wrong, only refuse every client: a CRL that is not signed
// by the CA, or names another issuer, makes every handshake fail with "unable to get CRL". A file that
// does not pass is reported and the list in force stays (see tls-context.ts).
import { X509Certificate, type KeyObject } from 'node:crypto';
import { readTlsFile, type FileWarning } from './tls-file.js';
import { createSecureContext } from 'node:tls';
import { crlSignedBy, readCrl, type ParsedCrl } from '../x509/crl.js';
import { certificateNames, describeName } from '../x509/der.js';
import { pemBlocks } from '../x509/pem.js';

/** One CRL of the file, for logs, expiry warnings and telling a newer CRL from an older one. */
export interface CrlSummary {
  /** The issuer as a readable name (`CN=dockgate CA`). */
  issuer: string;
  /** The issuer's name as compared (hex of its DER). */
  issuerKey: string;
  /** The cRLNumber extension (RFC 5280 5.2.3): it grows with every CRL the issuer signs. */
  number?: bigint;
  thisUpdate: Date;
  /** When the issuer promised the next list; past it, OpenSSL refuses every client of that issuer. */
  nextUpdate?: Date;
  revokedCount: number;
}

export interface RevocationList {
  file: string;
  /** One PEM block per CRL: Node's `crl` option reads one CRL per entry. */
  pems: string[];
  crls: CrlSummary[];
  /** Revoked serials (in the one form of src/x509/serial.ts, as Node prints `serialNumber`) by issuer name (hex of its DER). */
  revoked: ReadonlyMap<string, ReadonlySet<string>>;
}

interface CaEntry {
  subjectDer: Buffer;
  subject: string;
  publicKey: KeyObject;
}

function caEntries(caPem: Buffer): CaEntry[] {
  return pemBlocks(caPem.toString('latin1'))
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block) => {
      const cert = new X509Certificate(Buffer.from(block.der));
      const { subject } = certificateNames(cert.raw);
      return { subjectDer: subject.bytes, subject: describeName(subject), publicKey: cert.publicKey };
    });
}

/**
 * Reads `file` and checks every CRL in it: it parses as DER (and as OpenSSL will read it), names a CA of
 * `caPem` as its issuer, and carries that CA's signature. Throws an Error saying what is wrong.
 */
export function loadRevocationList(file: string, caPem: Buffer, warn: FileWarning = () => undefined): RevocationList {
  return parseRevocationList(file, readTlsFile('--tls-crl', file, warn).toString('latin1'), caPem);
}

export function parseRevocationList(file: string, text: string, caPem: Buffer): RevocationList {
  const blocks = pemBlocks(text).filter((block) => block.label === 'X509 CRL');
  const pems = blocks.map((block) => block.text);
  if (pems.length === 0) throw new Error(`--tls-crl ${file}: no PEM CRL in it (expected -----BEGIN X509 CRL-----, as dockgate certs writes DIR/crl.pem)`);
  const cas = caEntries(caPem);
  const crls: CrlSummary[] = [];
  const revoked = new Map<string, Set<string>>();
  blocks.forEach((block, index) => {
    const which = pems.length === 1 ? 'the CRL' : `CRL ${index + 1}`;
    let crl: ParsedCrl;
    try {
      crl = readCrl(Buffer.from(block.der));
    } catch (err) {
      throw new Error(`--tls-crl ${file}: ${which} is unreadable (${(err as Error).message})`);
    }
    const issuer = describeName(crl.issuer);
    const ca = cas.find((c) => c.subjectDer.equals(crl.issuer.bytes));
    if (ca === undefined) {
      throw new Error(`--tls-crl ${file}: ${which} is issued by ${issuer}, which is not a CA of --tls-ca (${cas.map((c) => c.subject).join('; ')})`);
    }
    let valid: boolean;
    try {
      valid = crlSignedBy(crl, ca.publicKey);
    } catch (err) {
      throw new Error(`--tls-crl ${file}: ${which} is ${(err as Error).message}`);
    }
    if (!valid) throw new Error(`--tls-crl ${file}: ${which} names ${issuer} as its issuer but that CA's signature on it does not verify`);
    const key = crl.issuer.bytes.toString('hex');
    const serials = revoked.get(key) ?? new Set<string>();
    for (const entry of crl.revoked) serials.add(entry.serial);
    revoked.set(key, serials);
    crls.push({
      issuer,
      issuerKey: key,
      ...(crl.number !== undefined && { number: crl.number }),
      thisUpdate: crl.thisUpdate,
      ...(crl.nextUpdate && { nextUpdate: crl.nextUpdate }),
      revokedCount: crl.revoked.length,
    });
  });
  // What OpenSSL will load: a list it cannot read would fail every later handshake instead of this one check.
  try {
    createSecureContext({ ca: caPem, crl: pems });
  } catch (err) {
    throw new Error(`--tls-crl ${file}: OpenSSL cannot use it (${(err as Error).message})`);
  }
  return { file, pems, crls, revoked };
}

/** Whether the list revokes the certificate (DER), by its issuer's name and its serial. */
export function revokes(list: RevocationList, certificateDer: Buffer): boolean {
  const { issuer, serial } = certificateNames(certificateDer);
  return list.revoked.get(issuer.bytes.toString('hex'))?.has(serial) ?? false;
}

/** CAs of `caPem` that no CRL of the list covers: with CRL checking on, OpenSSL refuses all their clients. */
export function casWithoutCrl(list: RevocationList, caPem: Buffer): string[] {
  return caEntries(caPem)
    .filter((ca) => !list.revoked.has(ca.subjectDer.toString('hex')))
    .map((ca) => ca.subject);
}
