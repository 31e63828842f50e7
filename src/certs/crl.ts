// The certificate revocation list: X.509 CRL v2 signed by the CA, with thisUpdate and nextUpdate, the
// authority key identifier and a CRL number that grows with every CRL the CA signs, one entry per revoked
// certificate with its revocation date and reason. Written as `X509 CRL` PEM, which OpenSSL and Node's
// tls (`crl` option) read. Read back with the same reader as the TLS listener's (src/x509/crl.ts).
import type { Issuer } from './certificate-profiles.js';
import { CertsError } from './certs-error.js';
import { pemBlocks, toPem } from '../x509/pem.js';
import { createPublicKey } from 'node:crypto';
import { crlSignedBy, readCrl, type ParsedCrl as ReadCrl } from '../x509/crl.js';
import { x509 } from './x509.js';

const CRL_NUMBER_OID = '2.5.29.20';
const CRL_REASON_OID = '2.5.29.21';

/** RFC 5280 reason codes a `certs revoke --reason` may give (certificateHold and removeFromCRL are not supported). */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export interface CrlEntry {
  /** Canonical serial (upper-case hex, no sign byte). */
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

/** DER INTEGER of a non-negative safe integer, minimally encoded. */
function derInteger(value: number): Uint8Array<ArrayBuffer> {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  if (bytes.length === 0 || bytes[0]! >= 0x80) bytes.unshift(0);
  return new Uint8Array([0x02, bytes.length, ...bytes]);
}

export interface SignCrlOptions {
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: readonly CrlEntry[];
}

/** Signs a CRL; returns its PEM. */
export async function signCrl(issuer: Issuer, options: SignCrlOptions): Promise<string> {
  const ski = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski === null) throw new CertsError('the CA certificate has no subject key identifier');
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.cert.subjectName,
    thisUpdate: options.thisUpdate,
    nextUpdate: options.nextUpdate,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: issuer.keys.signingAlgorithm,
    extensions: [new x509.AuthorityKeyIdentifierExtension(ski.keyId), new x509.Extension(CRL_NUMBER_OID, false, derInteger(options.number))],
    entries: options.entries.map((entry) => ({
      serialNumber: entry.serial,
      revocationDate: entry.revokedAt,
      // Every entry carries its reason code, `unspecified` included (RFC 5280 prefers it left out): the
      // generator writes an empty crlEntryExtensions sequence for an entry without extensions, which DER
      // does not allow (SIZE 1..MAX).
      extensions: [new x509.Extension(CRL_REASON_OID, false, new Uint8Array([0x0a, 0x01, REVOCATION_REASONS[entry.reason]]))],
    })),
  });
  return toPem('X509 CRL', crl.rawData);
}

export interface ParsedCrl {
  /** The CRL as read (src/x509/crl.ts): its issuer, and its signed bytes for checking who signed it. */
  read: ReadCrl;
  /** The CRL number, when it has one that is a safe integer (the certs tool numbers from 1). */
  number: number | undefined;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
  /** The revoked certificates, by canonical serial. */
  revoked: Map<string, CrlEntry>;
}

/** The reason of an entry as `certs revoke` names it; a code it does not give (certificateHold, ...) reads as unspecified. */
function reasonName(code: number | undefined): RevocationReason {
  const name = (Object.keys(REVOCATION_REASONS) as RevocationReason[]).find((reason) => REVOCATION_REASONS[reason] === code);
  return name ?? 'unspecified';
}

/** Reads a CRL PEM (`X509 CRL`); throws a CertsError naming `file` when it is not one. */
export function parseCrl(pem: string, file: string): ParsedCrl {
  const block = pemBlocks(pem).find((b) => b.label === 'X509 CRL');
  if (block === undefined) throw new CertsError(`${file}: no "X509 CRL" PEM block in it`);
  let read: ReadCrl;
  try {
    read = readCrl(Buffer.from(block.der));
  } catch (err) {
    throw new CertsError(`${file}: not a readable CRL (${(err as Error).message})`);
  }
  const revoked = new Map<string, CrlEntry>();
  for (const entry of read.revoked) revoked.set(entry.serial, { serial: entry.serial, revokedAt: entry.revokedAt, reason: reasonName(entry.reasonCode) });
  return {
    read,
    number: read.number !== undefined && read.number <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(read.number) : undefined,
    thisUpdate: read.thisUpdate,
    nextUpdate: read.nextUpdate,
    revoked,
  };
}

/** Whether the CA of `caCert` signed the CRL (one signed with another key, or an algorithm dockgate does not check, was not). */
export function signedByCa(crl: ParsedCrl, caCert: x509.X509Certificate): boolean {
  try {
    return crlSignedBy(crl.read, createPublicKey({ key: Buffer.from(caCert.publicKey.rawData), format: 'der', type: 'spki' }));
  } catch {
    return false;
  }
}
