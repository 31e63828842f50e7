// Warnings about certificates that expire soon or have expired, and CRLs whose nextUpdate is near or past,
// for the gateway's logs (at start and periodically) and for `dockgate audit`. Given a dockgate CA
// directory: its CA, server certificate, CRL and every client certificate in its inventory that is not
// revoked. Given PEM files: every certificate and CRL in them, classified by their extensions. Synchronous
// and never throwing: a file that cannot be read is itself a warning (`unreadable`).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { caLayout } from './ca-layout.js';
import { commonName, parseCertificates } from './certificate-file.js';
import { certificateStatus, daysUntil, DEFAULT_THRESHOLD_DAYS } from './certificate-status.js';
import { parseCrl } from './crl.js';
import { readInventory } from './inventory.js';
import { pemBlocks } from '../x509/pem.js';
import { exists, readText } from './safe-files.js';
import { describeName } from '../x509/der.js';
import { canonicalSerial } from '../x509/serial.js';
import { x509 } from './x509.js';

export type WarningKind = 'ca' | 'server' | 'client' | 'certificate' | 'crl';

export interface ExpiryWarning {
  /** `certificate` when a file's certificate is neither a CA, a server nor a client certificate. */
  kind: WarningKind | 'file';
  status: 'expiring-soon' | 'expired' | 'unreadable';
  file: string;
  /** The certificate's CN (or subject), the CRL's issuer. */
  subject?: string;
  serial?: string;
  /** Client certificates from an inventory. */
  groups?: string[];
  /** notAfter, or a CRL's nextUpdate (ISO 8601). */
  expires?: string;
  /** Whole days until `expires`; negative once past. */
  daysLeft?: number;
  /** One line for a log or a report, with what to do. */
  message: string;
}

function kindOf(cert: x509.X509Certificate): WarningKind {
  if (cert.getExtension(x509.BasicConstraintsExtension)?.ca === true) return 'ca';
  const usages = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  if (usages.includes(x509.ExtendedKeyUsage.serverAuth)) return 'server';
  if (usages.includes(x509.ExtendedKeyUsage.clientAuth)) return 'client';
  return 'certificate';
}

const LABEL: Record<WarningKind, string> = {
  ca: 'CA certificate',
  server: 'server certificate',
  client: 'client certificate',
  certificate: 'certificate',
  crl: 'CRL',
};

function when(daysLeft: number, expires: Date): string {
  const date = expires.toISOString();
  if (daysLeft < 0) return `expired on ${date} (${-daysLeft} day${daysLeft === -1 ? '' : 's'} ago)`;
  return `expires on ${date} (in ${daysLeft} day${daysLeft === 1 ? '' : 's'})`;
}

interface CertificateFacts {
  kind: WarningKind;
  file: string;
  subject: string;
  serial: string;
  groups?: string[];
  notAfter: Date;
}

function advice(facts: CertificateFacts, dir: string | undefined): string {
  const d = dir ?? 'DIR';
  switch (facts.kind) {
    case 'ca':
      return 'every certificate it issued stops working with it: make a new CA (dockgate certs init in another directory) and move clients to it';
    case 'server':
      return `clients refuse the server once it expires: run "dockgate certs renew-server --dir ${d}" and restart serve`;
    case 'client': {
      const groups = (facts.groups ?? []).map((g) => ` --group ${g}`).join('');
      return `issue a new one: dockgate certs issue ${facts.subject} --dir ${d}${groups} --out DIR`;
    }
    default:
      return 'replace it before it expires';
  }
}

function certificateWarning(facts: CertificateFacts, now: Date, thresholdDays: number, dir: string | undefined): ExpiryWarning | undefined {
  const status = certificateStatus(facts.notAfter, now, thresholdDays, false);
  if (status === 'valid' || status === 'revoked') return undefined;
  const daysLeft = daysUntil(facts.notAfter, now);
  return {
    kind: facts.kind,
    status,
    file: facts.file,
    subject: facts.subject,
    serial: facts.serial,
    ...(facts.groups !== undefined ? { groups: facts.groups } : {}),
    expires: facts.notAfter.toISOString(),
    daysLeft,
    message: `${LABEL[facts.kind]} ${facts.file} (CN ${facts.subject}, serial ${facts.serial}) ${when(daysLeft, facts.notAfter)}: ${advice(facts, dir)}`,
  };
}

function crlWarning(file: string, issuer: string, nextUpdate: Date | undefined, now: Date, thresholdDays: number, dir: string | undefined): ExpiryWarning | undefined {
  if (nextUpdate === undefined) return undefined;
  const status = certificateStatus(nextUpdate, now, thresholdDays, false);
  if (status === 'valid' || status === 'revoked') return undefined;
  const daysLeft = daysUntil(nextUpdate, now);
  const past = daysLeft < 0 || status === 'expired';
  return {
    kind: 'crl',
    status,
    file,
    subject: issuer,
    expires: nextUpdate.toISOString(),
    daysLeft,
    message: `CRL ${file} ${past ? 'passed' : 'reaches'} its nextUpdate ${nextUpdate.toISOString()}${past ? '' : ` (in ${daysLeft} day${daysLeft === 1 ? '' : 's'})`}: a server that checks an outdated CRL refuses every client; sign it again with "dockgate certs crl --dir ${dir ?? 'DIR'}"`,
  };
}

function unreadable(file: string, err: unknown): ExpiryWarning {
  return { kind: 'file', status: 'unreadable', file, message: `cannot check ${file} for expiry: ${err instanceof Error ? err.message : String(err)}` };
}

function fileWarnings(file: string, now: Date, thresholdDays: number, dir: string | undefined, kind?: WarningKind): ExpiryWarning[] {
  try {
    const text = readText(file, 'a certificate or CRL');
    const warnings: (ExpiryWarning | undefined)[] = [];
    const labels = new Set(pemBlocks(text).map((b) => b.label));
    if (labels.has('CERTIFICATE')) {
      for (const cert of parseCertificates(text, file)) {
        const facts = { kind: kind ?? kindOf(cert), file, subject: commonName(cert), serial: canonicalSerial(cert.serialNumber), notAfter: cert.notAfter };
        warnings.push(certificateWarning(facts, now, thresholdDays, dir));
      }
    }
    if (labels.has('X509 CRL')) {
      const crl = parseCrl(text, file);
      warnings.push(crlWarning(file, describeName(crl.read.issuer), crl.nextUpdate, now, thresholdDays, dir));
    }
    if (!labels.has('CERTIFICATE') && !labels.has('X509 CRL')) throw new Error('no certificate or X509 CRL PEM block in it');
    return warnings.filter((w): w is ExpiryWarning => w !== undefined);
  } catch (err) {
    return [unreadable(file, err)];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Warnings for a dockgate CA directory (`certificateExpiryWarnings('/etc/dockgate/tls')`) or for PEM files
 * (`certificateExpiryWarnings([ca, cert, crl])`): certificates past notAfter or less than `thresholdDays`
 * (default 30) before it, CRLs likewise for nextUpdate. Revoked client certificates are left out.
 */
export function certificateExpiryWarnings(source: string | readonly string[], now: Date = new Date(), thresholdDays: number = DEFAULT_THRESHOLD_DAYS): ExpiryWarning[] {
  if (typeof source !== 'string' || !isDirectory(source)) {
    return (typeof source === 'string' ? [source] : source).flatMap((file) => fileWarnings(file, now, thresholdDays, undefined));
  }
  const layout = caLayout(source);
  const warnings = [
    ...fileWarnings(layout.caCert, now, thresholdDays, source, 'ca'),
    ...(exists(layout.serverCert) ? fileWarnings(layout.serverCert, now, thresholdDays, source, 'server') : []),
    ...(exists(layout.crl) ? fileWarnings(layout.crl, now, thresholdDays, source) : []),
  ];
  if (exists(layout.inventory)) {
    try {
      for (const record of readInventory(layout.inventory).certificates) {
        if (record.revokedAt !== undefined) continue;
        const facts = {
          kind: 'client' as const,
          file: join(layout.issuedDir, `${record.serial}.pem`),
          subject: record.cn,
          serial: record.serial,
          groups: record.groups,
          notAfter: new Date(record.notAfter),
        };
        const warning = certificateWarning(facts, now, thresholdDays, source);
        if (warning !== undefined) warnings.push(warning);
      }
    } catch (err) {
      warnings.push(unreadable(layout.inventory, err));
    }
  }
  return warnings;
}
