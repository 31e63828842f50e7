// The certificate revocation list of `--tls-crl` (DIR/crl.pem from `dockgate certs`): read, checked
// against the CA of `--tls-ca` before it is used, and kept as the set of revoked serials per issuer.
//
// Checked because OpenSSL would not say it is wrong, only refuse every client: a CRL that is not signed
// by the CA, or names another issuer, makes every handshake fail with "unable to get CRL". A file that
// does not pass is reported and the list in force stays (see tls-context.ts).
import { X509Certificate, verify, type KeyObject } from 'node:crypto';
import { readTlsFile, type FileWarning } from './tls-file.js';
import { createSecureContext } from 'node:tls';
import { TAG, certificateNames, children, describeName, expectTag, isTime, oid, readSingle, serialHex, time, unsignedInteger, type DerNode } from './der.js';

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
  /** Revoked serials (as Node prints `serialNumber`) by issuer name (hex of its DER). */
  revoked: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Signature algorithms a CA may sign its CRL with, and the digest node:crypto verifies them with. */
const SIGNATURE_DIGESTS: Readonly<Record<string, string | null>> = {
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.3.101.112': null, // Ed25519
};

const PEM_CRL = /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

interface CaEntry {
  subjectDer: Buffer;
  subject: string;
  publicKey: KeyObject;
}

function caEntries(caPem: Buffer): CaEntry[] {
  return (caPem.toString('latin1').match(PEM_CERT) ?? []).map((pem) => {
    const cert = new X509Certificate(pem);
    const { subject } = certificateNames(cert.raw);
    return { subjectDer: subject.bytes, subject: describeName(subject), publicKey: cert.publicKey };
  });
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----(BEGIN|END) X509 CRL-----/g, '').replace(/\s+/g, ''), 'base64');
}

interface ParsedCrl {
  tbs: DerNode;
  signatureOid: string;
  signature: Buffer;
  issuer: DerNode;
  thisUpdate: Date;
  nextUpdate?: Date;
  number?: bigint;
  serials: string[];
}

const CRL_NUMBER = '2.5.29.20';

/** The cRLNumber in `[0] EXPLICIT Extensions`, if there is one. */
function crlNumber(extensions: DerNode): bigint | undefined {
  const [list] = children(extensions);
  for (const extension of children(expectTag(list, TAG.SEQUENCE, 'the CRL extensions'))) {
    const parts = children(expectTag(extension, TAG.SEQUENCE, 'a CRL extension'));
    if (oid(parts[0]!) !== CRL_NUMBER) continue;
    // extnID, critical (optional), extnValue: an OCTET STRING holding the INTEGER.
    return unsignedInteger(readSingle(expectTag(parts.at(-1), TAG.OCTET_STRING, 'the CRL number').content));
  }
  return undefined;
}

function parseCrl(der: Buffer): ParsedCrl {
  const [tbs, algorithm, signatureValue, ...extra] = children(expectTag(readSingle(der), TAG.SEQUENCE, 'a CRL'));
  if (extra.length > 0) throw new Error('unexpected fields after the signature');
  const fields = children(expectTag(tbs, TAG.SEQUENCE, 'the signed part of the CRL'));
  let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0;
  const innerAlgorithm = expectTag(fields[i++], TAG.SEQUENCE, 'a signature algorithm');
  const issuer = expectTag(fields[i++], TAG.SEQUENCE, 'an issuer name');
  const thisUpdateNode = fields[i++];
  if (!isTime(thisUpdateNode)) throw new Error('expected thisUpdate');
  const thisUpdate = time(thisUpdateNode!);
  let nextUpdate: Date | undefined;
  if (isTime(fields[i])) nextUpdate = time(fields[i++]!);
  const serials: string[] = [];
  if (fields[i]?.tag === TAG.SEQUENCE) {
    for (const entry of children(fields[i++]!)) serials.push(serialHex(children(expectTag(entry, TAG.SEQUENCE, 'a revoked entry'))[0]!));
  }
  let number: bigint | undefined;
  if (fields[i]?.tag === TAG.CONTEXT_0) number = crlNumber(fields[i++]!);
  if (i !== fields.length) throw new Error('unexpected fields in the signed part of the CRL');
  const [outerOid] = children(expectTag(algorithm, TAG.SEQUENCE, 'a signature algorithm'));
  const [innerOid] = children(innerAlgorithm);
  const signatureOid = oid(outerOid!);
  if (oid(innerOid!) !== signatureOid) throw new Error('the signature algorithm inside and outside the signed part differ');
  const bits = expectTag(signatureValue, TAG.BIT_STRING, 'a signature');
  if (bits.content[0] !== 0) throw new Error('the signature is not a whole number of bytes');
  return { tbs: tbs!, signatureOid, signature: bits.content.subarray(1), issuer, thisUpdate, ...(nextUpdate && { nextUpdate }), ...(number !== undefined && { number }), serials };
}

function signedBy(crl: ParsedCrl, ca: CaEntry): boolean {
  const digest = SIGNATURE_DIGESTS[crl.signatureOid];
  if (digest === undefined) throw new Error(`signed with an algorithm dockgate does not check (${crl.signatureOid})`);
  try {
    return verify(digest, crl.tbs.bytes, ca.publicKey, crl.signature);
  } catch {
    return false; // a key of another type: not this CA's signature
  }
}

/**
 * Reads `file` and checks every CRL in it: it parses as DER (and as OpenSSL will read it), names a CA of
 * `caPem` as its issuer, and carries that CA's signature. Throws an Error saying what is wrong.
 */
export function loadRevocationList(file: string, caPem: Buffer, warn: FileWarning = () => undefined): RevocationList {
  return parseRevocationList(file, readTlsFile('--tls-crl', file, warn).toString('latin1'), caPem);
}

export function parseRevocationList(file: string, text: string, caPem: Buffer): RevocationList {
  const pems = text.match(PEM_CRL) ?? [];
  if (pems.length === 0) throw new Error(`--tls-crl ${file}: no PEM CRL in it (expected -----BEGIN X509 CRL-----, as dockgate certs writes DIR/crl.pem)`);
  const cas = caEntries(caPem);
  const crls: CrlSummary[] = [];
  const revoked = new Map<string, Set<string>>();
  pems.forEach((pem, index) => {
    const which = pems.length === 1 ? 'the CRL' : `CRL ${index + 1}`;
    let crl: ParsedCrl;
    try {
      crl = parseCrl(pemToDer(pem));
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
      valid = signedBy(crl, ca);
    } catch (err) {
      throw new Error(`--tls-crl ${file}: ${which} is ${(err as Error).message}`);
    }
    if (!valid) throw new Error(`--tls-crl ${file}: ${which} names ${issuer} as its issuer but that CA's signature on it does not verify`);
    const key = crl.issuer.bytes.toString('hex');
    const serials = revoked.get(key) ?? new Set<string>();
    for (const serial of crl.serials) serials.add(serial);
    revoked.set(key, serials);
    crls.push({
      issuer,
      issuerKey: key,
      ...(crl.number !== undefined && { number: crl.number }),
      thisUpdate: crl.thisUpdate,
      ...(crl.nextUpdate && { nextUpdate: crl.nextUpdate }),
      revokedCount: crl.serials.length,
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
