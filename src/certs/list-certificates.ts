// `dockgate certs list`: the CA, the server certificate and every client certificate issued (those of the
// inventory, and any the inventory lost that DIR/issued/ still holds), each with its validity and status.
// A certificate counts as revoked when any of the CA's records says so (the journal, crl.pem, the
// inventory); where they disagree (a command stopped between its writes, an inventory restored from an
// earlier copy, an older crl.pem put back), the entry says so and how to mend it, and what concerns no
// listed certificate is listed apart (`problems`).
import { caLayout } from './ca-layout.js';
import { commonName, readCertificate, subjectAltNames } from './certificate-file.js';
import { certificateStatus, daysUntil, DEFAULT_THRESHOLD_DAYS, type CertificateStatus } from './certificate-status.js';
import { CertsError } from './certs-error.js';
import { describeDisagreement, everyRevocation, readRevocationRecords, revocationDisagreements } from './revocation-state.js';
import { exists } from './safe-files.js';
import { canonicalSerial } from '../x509/serial.js';
import { join } from 'node:path';

export interface CertificateListing {
  kind: 'ca' | 'server' | 'client';
  serial: string;
  cn: string;
  /** Client certificates: the groups (O and OU). */
  groups: string[];
  /** Server certificate: `DNS:name`, `IP:addr`. */
  san: string[];
  notBefore: string;
  notAfter: string;
  /** Whole days until notAfter; negative once expired. */
  daysLeft: number;
  status: CertificateStatus;
  revokedAt?: string;
  reason?: string;
  /** Set when the CA's records disagree about this certificate: what differs, and the command that mends it. */
  note?: string;
  file: string;
}

export interface CrlSummary {
  file: string;
  number: number | undefined;
  thisUpdate: string;
  nextUpdate: string | undefined;
  revokedCount: number;
  /** The CRL itself lapses: after nextUpdate a server that checks it refuses every client. */
  status: Exclude<CertificateStatus, 'revoked'>;
}

export interface Listing {
  certificates: CertificateListing[];
  crl: CrlSummary | undefined;
  /** Disagreements of the CA's records about no listed certificate (an older crl.pem, a revoked serial no record knows), each with its mend. */
  problems: string[];
}

export interface ListOptions {
  now?: Date;
  /** Below this many days before notAfter a certificate is `expiring-soon` (default 30). */
  thresholdDays?: number;
}

export function listCertificates(dir: string, options: ListOptions = {}): Listing {
  const layout = caLayout(dir);
  const now = options.now ?? new Date();
  const threshold = options.thresholdDays ?? DEFAULT_THRESHOLD_DAYS;
  if (!exists(layout.caCert)) throw new CertsError(`${layout.dir} holds no CA (${layout.caCert} is missing)`);
  const records = readRevocationRecords(layout);
  const { crl } = records;
  const revocations = everyRevocation(records);
  const disagreements = revocationDisagreements(records);

  const certificates: CertificateListing[] = [];
  for (const [kind, file] of [
    ['ca', layout.caCert],
    ['server', layout.serverCert],
  ] as const) {
    if (!exists(file)) continue;
    const cert = readCertificate(file, `the ${kind} certificate`);
    const serial = canonicalSerial(cert.serialNumber);
    const inCrl = crl?.revoked.get(serial);
    certificates.push({
      kind,
      serial,
      cn: commonName(cert),
      groups: [],
      san: kind === 'server' ? subjectAltNames(cert) : [],
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      daysLeft: daysUntil(cert.notAfter, now),
      status: certificateStatus(cert.notAfter, now, threshold, inCrl !== undefined),
      ...(inCrl !== undefined ? { revokedAt: inCrl.revokedAt.toISOString() } : {}),
      file,
    });
  }
  const listed = new Set(records.inventory.certificates.map((c) => c.serial));
  const clients = [...records.inventory.certificates, ...[...records.copies.records.values()].filter((c) => !listed.has(c.serial))];
  for (const record of clients) {
    const notAfter = new Date(record.notAfter);
    const revocation = revocations.get(record.serial);
    const notes = disagreements.filter((d) => d.serial === record.serial).map((d) => d.message);
    const revokedAt = record.revokedAt ?? revocation?.revokedAt.toISOString();
    const reason = record.reason ?? revocation?.reason;
    certificates.push({
      kind: 'client',
      serial: record.serial,
      cn: record.cn,
      groups: record.groups,
      san: [],
      notBefore: record.notBefore,
      notAfter: record.notAfter,
      daysLeft: daysUntil(notAfter, now),
      status: certificateStatus(notAfter, now, threshold, revocation !== undefined),
      ...(revokedAt !== undefined ? { revokedAt } : {}),
      ...(reason !== undefined ? { reason } : {}),
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      file: join(layout.issuedDir, `${record.serial}.pem`),
    });
  }
  const shown = new Set(clients.map((c) => c.serial));
  return {
    certificates,
    crl:
      crl === undefined
        ? undefined
        : {
            file: layout.crl,
            number: crl.number,
            thisUpdate: crl.thisUpdate.toISOString(),
            nextUpdate: crl.nextUpdate?.toISOString(),
            revokedCount: crl.revoked.size,
            status: crl.nextUpdate === undefined ? 'valid' : (certificateStatus(crl.nextUpdate, now, threshold, false) as CrlSummary['status']),
          },
    problems: disagreements.filter((d) => d.serial === undefined || !shown.has(d.serial)).map(describeDisagreement),
  };
}
