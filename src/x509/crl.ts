// Reads an X.509 CRL (RFC 5280 5.1) from its DER: issuer, dates, CRL number, the revoked serials with their
// dates and reasons, and the signed bytes with their signature. The one CRL reader: the TLS listener reads
// `--tls-crl` with it, and the certs tool reads the CRL it signed before it signs the next. Strict, like
// der.ts: a field out of place or left over is an error, not skipped.
import { verify, type KeyObject } from 'node:crypto';
import { TAG, children, expectTag, isTime, oid, readSingle, time, unsignedInteger, type DerNode } from './der.js';
import { serialOfInteger } from './serial.js';

/** One revoked certificate of a CRL. */
export interface RevokedEntry {
  /** In the canonical form (serial.ts). */
  serial: string;
  revokedAt: Date;
  /** The reasonCode entry extension (RFC 5280 5.3.1), if the entry has one. */
  reasonCode?: number;
}

export interface ParsedCrl {
  /** The signed part, whole: what the signature covers. */
  tbs: DerNode;
  signatureOid: string;
  signature: Buffer;
  /** The issuer's Name; compared by its DER bytes, described for messages with describeName. */
  issuer: DerNode;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** The cRLNumber extension (RFC 5280 5.2.3): it grows with every CRL the issuer signs. */
  number?: bigint;
  revoked: RevokedEntry[];
}

const CRL_NUMBER = '2.5.29.20';
const REASON_CODE = '2.5.29.21';

/** The value (an OCTET STRING's content) of each extension in an Extensions SEQUENCE, by OID. */
function extensionValues(list: DerNode | undefined, what: string): Map<string, Buffer> {
  const values = new Map<string, Buffer>();
  for (const extension of children(expectTag(list, TAG.SEQUENCE, what))) {
    const parts = children(expectTag(extension, TAG.SEQUENCE, 'an extension'));
    // extnID, critical (optional), extnValue: an OCTET STRING holding the value's DER.
    values.set(oid(parts[0]!), expectTag(parts.at(-1), TAG.OCTET_STRING, 'an extension value').content);
  }
  return values;
}

function revokedEntry(entry: DerNode): RevokedEntry {
  const [serial, date, extensions, ...extra] = children(expectTag(entry, TAG.SEQUENCE, 'a revoked entry'));
  if (!isTime(date) || extra.length > 0) throw new Error('a malformed revoked entry');
  const reason = extensions === undefined ? undefined : extensionValues(extensions, 'the entry extensions').get(REASON_CODE);
  const reasonCode = reason === undefined ? undefined : expectTag(readSingle(reason), TAG.ENUMERATED, 'a reason code').content[0];
  return { serial: serialOfInteger(expectTag(serial, TAG.INTEGER, 'a serial number').content), revokedAt: time(date!), ...(reasonCode !== undefined && { reasonCode }) };
}

/** Parses one CRL's DER; throws an Error saying what is wrong with it. */
export function readCrl(der: Buffer): ParsedCrl {
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
  const revoked: RevokedEntry[] = [];
  if (fields[i]?.tag === TAG.SEQUENCE) {
    for (const entry of children(fields[i++]!)) revoked.push(revokedEntry(entry));
  }
  let number: bigint | undefined;
  if (fields[i]?.tag === TAG.CONTEXT_0) {
    // [0] EXPLICIT Extensions
    const value = extensionValues(children(fields[i++]!)[0], 'the CRL extensions').get(CRL_NUMBER);
    if (value !== undefined) number = unsignedInteger(readSingle(value));
  }
  if (i !== fields.length) throw new Error('unexpected fields in the signed part of the CRL');
  const [outerOid] = children(expectTag(algorithm, TAG.SEQUENCE, 'a signature algorithm'));
  const [innerOid] = children(innerAlgorithm);
  const signatureOid = oid(outerOid!);
  if (oid(innerOid!) !== signatureOid) throw new Error('the signature algorithm inside and outside the signed part differ');
  const bits = expectTag(signatureValue, TAG.BIT_STRING, 'a signature');
  if (bits.content[0] !== 0) throw new Error('the signature is not a whole number of bytes');
  return { tbs: tbs!, signatureOid, signature: bits.content.subarray(1), issuer, thisUpdate, ...(nextUpdate && { nextUpdate }), ...(number !== undefined && { number }), revoked };
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

/** Whether `publicKey` signed the CRL; throws for a signature algorithm dockgate does not check. */
export function crlSignedBy(crl: ParsedCrl, publicKey: KeyObject): boolean {
  const digest = SIGNATURE_DIGESTS[crl.signatureOid];
  if (digest === undefined) throw new Error(`signed with an algorithm dockgate does not check (${crl.signatureOid})`);
  try {
    return verify(digest, crl.tbs.bytes, publicKey, crl.signature);
  } catch {
    return false; // a key of another type: not this CA's signature
  }
}
