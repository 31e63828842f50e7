// The copies of the client certificates the CA issued, DIR/issued/SERIAL.pem, written before the inventory
// records them (issue-client.ts). An inventory restored from an earlier copy lacks the certificates issued
// since; their records are read back from these copies, so that they are listed and can be revoked by name.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CaLayout } from './ca-layout.js';
import { commonName, readCertificate } from './certificate-file.js';
import { sha256Fingerprint } from './certificate-profiles.js';
import { BACKDATE_MS } from './init-ca.js';
import type { IssuedRecord } from './inventory.js';
import type { KeyType } from './key-pair.js';
import { exists } from './safe-files.js';
import { canonicalSerial } from '../x509/serial.js';

export interface IssuedCopies {
  /** The record of each copy, by serial, as `certs issue` wrote it. */
  records: Map<string, IssuedRecord>;
  /** Copies that do not read, one message each. */
  unreadable: string[];
}

function keyTypeOf(algorithm: string): KeyType {
  return algorithm === 'ECDSA' ? 'ecdsa' : 'rsa';
}

export function readIssuedCopies(layout: CaLayout): IssuedCopies {
  const copies: IssuedCopies = { records: new Map(), unreadable: [] };
  if (!exists(layout.issuedDir)) return copies;
  for (const name of readdirSync(layout.issuedDir)
    .filter((n) => n.endsWith('.pem'))
    .sort()) {
    const file = join(layout.issuedDir, name);
    try {
      const cert = readCertificate(file, 'a copy of an issued certificate');
      const serial = canonicalSerial(cert.serialNumber);
      if (name !== `${serial}.pem`) {
        copies.unreadable.push(`${file} holds the certificate of serial ${serial}, not the one its name says`);
        continue;
      }
      copies.records.set(serial, {
        serial,
        cn: commonName(cert),
        // Each group is both an O and an OU attribute (certificate-profiles.ts).
        groups: cert.subjectName.getField('O'),
        keyType: keyTypeOf(cert.publicKey.algorithm.name),
        notBefore: cert.notBefore.toISOString(),
        notAfter: cert.notAfter.toISOString(),
        fingerprint: sha256Fingerprint(cert.rawData),
        // `certs issue` starts a certificate BACKDATE_MS before it issues it.
        issuedAt: new Date(cert.notBefore.getTime() + BACKDATE_MS).toISOString(),
      });
    } catch (err) {
      copies.unreadable.push((err as Error).message);
    }
  }
  return copies;
}
