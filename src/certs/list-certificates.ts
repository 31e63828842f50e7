// `dockgate certs list`: the CA, the server certificate and every client certificate issued, each with
// its validity and status. A certificate counts as revoked when the inventory or crl.pem says so; where
// they disagree (a command stopped between writing the two), the entry says so and how to mend it.
import { caLayout } from './ca-layout.js';
import { commonName, readCertificate, subjectAltNames } from './certificate-file.js';
import { certificateStatus, daysUntil, DEFAULT_THRESHOLD_DAYS, type CertificateStatus } from './certificate-status.js';
import { CertsError } from './certs-error.js';
import { parseCrl, type ParsedCrl } from './crl.js';
import { readInventory } from './inventory.js';
import { exists, readText } from './safe-files.js';
import { canonicalSerial } from './serial.js';
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
  /** Set when the inventory and crl.pem disagree about this certificate. */
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
  const inventory = readInventory(layout.inventory);
  let crl: ParsedCrl | undefined;
  if (exists(layout.crl)) crl = parseCrl(readText(layout.crl, 'the CRL'), layout.crl);

  const certificates: CertificateListing[] = [];
  for (const [kind, file] of [['ca', layout.caCert], ['server', layout.serverCert]] as const) {
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
      ...(inCrl !== undefined ? { revokedAt: inCrl.toISOString() } : {}),
      file,
    });
  }
  for (const record of inventory.certificates) {
    const notAfter = new Date(record.notAfter);
    const inCrl = crl?.revoked.get(record.serial);
    const revoked = record.revokedAt !== undefined || inCrl !== undefined;
    let note: string | undefined;
    if (record.revokedAt !== undefined && inCrl === undefined) note = `revoked, but ${layout.crl} does not list it yet: run "dockgate certs crl --dir ${dir}"`;
    if (record.revokedAt === undefined && inCrl !== undefined) note = `${layout.crl} lists it as revoked, but the inventory does not`;
    const revokedAt = record.revokedAt ?? inCrl?.toISOString();
    certificates.push({
      kind: 'client',
      serial: record.serial,
      cn: record.cn,
      groups: record.groups,
      san: [],
      notBefore: record.notBefore,
      notAfter: record.notAfter,
      daysLeft: daysUntil(notAfter, now),
      status: certificateStatus(notAfter, now, threshold, revoked),
      ...(revokedAt !== undefined ? { revokedAt } : {}),
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      ...(note !== undefined ? { note } : {}),
      file: join(layout.issuedDir, `${record.serial}.pem`),
    });
  }
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
  };
}
