// `dockgate certs init`: a new CA (ECDSA P-256 by default, RSA 4096 on request), a server certificate for
// the given DNS names and IP addresses, an empty CRL, an empty inventory and the revocation journal with
// that first CRL, in a directory that holds no CA yet. Everything is made in memory first, then written; a failure part-way removes what this run wrote.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { caLayout, type CaLayout } from './ca-layout.js';
import { createCaCertificate, createServerCertificate, sha256Fingerprint } from './certificate-profiles.js';
import { CertsError } from './certs-error.js';
import { signCrl } from './crl.js';
import { emptyInventory, writeInventory } from './inventory.js';
import { appendToJournal } from './revocation-journal.js';
import { generateKeyPair, type KeyType } from './key-pair.js';
import { checkHost, checkIp, DAY_MS, wholeSeconds } from './names.js';
import { toPem } from '../x509/pem.js';
import { ensureDirectory, exists, checkPrivate, writeNewFile } from './safe-files.js';
import { canonicalSerial } from '../x509/serial.js';

export const DEFAULT_CA_DAYS = 3650;
export const DEFAULT_SERVER_DAYS = 825;
export const DEFAULT_CRL_DAYS = 180;
/** Certificates start a few minutes in the past, so that a server whose clock is a little behind accepts them. */
export const BACKDATE_MS = 5 * 60_000;

export interface InitOptions {
  dir: string;
  /** DNS names of the server (subjectAltName DNS). */
  hosts: readonly string[];
  /** IP addresses of the server (subjectAltName IP). */
  ips: readonly string[];
  keyType?: KeyType;
  /** Validity of the server certificate (default 825 days). */
  days?: number;
  /** Validity of the CA (default 3650 days). */
  caDays?: number;
  /** nextUpdate of the CRL (default 180 days). */
  crlDays?: number;
  /** The time to issue at; tests pass another. */
  now?: Date;
}

export interface CertificateSummary {
  file: string;
  serial: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint: string;
}

export interface InitResult {
  layout: CaLayout;
  keyType: KeyType;
  ca: CertificateSummary;
  server: CertificateSummary & { san: string[] };
  crlNextUpdate: Date;
}

function checkNames(hosts: readonly string[], ips: readonly string[]): { hosts: string[]; ips: string[] } {
  if (hosts.length + ips.length === 0) throw new CertsError("give the server's names: at least one --host NAME or --ip ADDR (clients check the address they connect to against them)");
  const checkedHosts = hosts.map(checkHost);
  const checkedIps = ips.map(checkIp);
  for (const list of [checkedHosts, checkedIps]) {
    const twice = list.find((value, index) => list.indexOf(value) !== index);
    if (twice !== undefined) throw new CertsError(`${list === checkedHosts ? '--host' : '--ip'} ${twice} is given twice`);
  }
  return { hosts: checkedHosts, ips: checkedIps };
}

/** Refuses a directory that already holds any part of a CA: overwriting it would orphan every certificate it issued. */
function checkNoCa(layout: CaLayout): void {
  const caParts = [layout.caCert, layout.caKey].filter(exists);
  if (caParts.length > 0) {
    throw new CertsError(
      `${layout.dir} already holds a CA (${caParts.join(', ')}): refusing to overwrite it, which would invalidate every certificate it issued. Issue client certificates with "dockgate certs issue NAME --dir ${layout.dir} --out DIR"; to start over, move ${layout.dir} away first`,
    );
  }
  const others = [layout.serverCert, layout.serverKey, layout.crl, layout.inventory, layout.journal, layout.issuedDir].filter(exists);
  if (others.length > 0) throw new CertsError(`${layout.dir} already holds ${others.join(', ')}: refusing to overwrite; use an empty or new directory`);
}

function summary(file: string, cert: { serialNumber: string; subject: string; notBefore: Date; notAfter: Date; rawData: ArrayBuffer }): CertificateSummary {
  return { file, serial: canonicalSerial(cert.serialNumber), subject: cert.subject, notBefore: cert.notBefore, notAfter: cert.notAfter, fingerprint: sha256Fingerprint(cert.rawData) };
}

export async function initCa(options: InitOptions): Promise<InitResult> {
  const layout = caLayout(options.dir);
  const names = checkNames(options.hosts, options.ips);
  const keyType = options.keyType ?? 'ecdsa';
  const caDays = options.caDays ?? DEFAULT_CA_DAYS;
  const serverDays = options.days ?? DEFAULT_SERVER_DAYS;
  const crlDays = options.crlDays ?? DEFAULT_CRL_DAYS;
  if (serverDays > caDays) throw new CertsError(`--days ${serverDays} is longer than the CA's validity (--ca-days ${caDays}): a certificate cannot outlive its CA`);
  checkNoCa(layout);

  const now = wholeSeconds(options.now ?? new Date());
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const caKeys = await generateKeyPair(keyType);
  const caCert = await createCaCertificate(caKeys, [{ O: ['dockgate'] }, { CN: [`dockgate CA ${randomBytes(4).toString('hex')}`] }], {
    notBefore,
    notAfter: new Date(now.getTime() + caDays * DAY_MS),
  });
  const issuer = { cert: caCert, keys: caKeys };
  const serverKeys = await generateKeyPair(keyType);
  const serverCert = await createServerCertificate(issuer, serverKeys, names, { notBefore, notAfter: new Date(now.getTime() + serverDays * DAY_MS) });
  const crlNextUpdate = new Date(now.getTime() + crlDays * DAY_MS);
  const crlPem = await signCrl(issuer, { number: 1, thisUpdate: now, nextUpdate: crlNextUpdate, entries: [] });

  // Written in this order: a CA key without a certificate is harmless, a certificate without its key useless.
  const created: string[] = [];
  const createdDirs: string[] = [];
  try {
    if (ensureDirectory(layout.dir, 0o755)) createdDirs.push(layout.dir);
    if (ensureDirectory(layout.privateDir, 0o700)) createdDirs.push(layout.privateDir);
    else checkPrivate(layout.privateDir, `chmod 0700 ${layout.privateDir}`);
    if (ensureDirectory(layout.issuedDir, 0o755)) createdDirs.push(layout.issuedDir);
    const write = (path: string, data: string, mode: number): void => {
      writeNewFile(path, data, mode);
      created.push(path);
    };
    write(layout.caKey, caKeys.privateKeyPem, 0o400);
    write(layout.caCert, toPem('CERTIFICATE', caCert.rawData), 0o644);
    write(layout.serverKey, serverKeys.privateKeyPem, 0o400);
    write(layout.serverCert, toPem('CERTIFICATE', serverCert.rawData), 0o644);
    write(layout.crl, crlPem, 0o644);
    writeInventory(layout.inventory, { ...emptyInventory(), crlNumber: 1 });
    created.push(layout.inventory);
    appendToJournal(layout.journal, [], { number: 1, thisUpdate: now, nextUpdate: crlNextUpdate, revokedCount: 0 });
    created.push(layout.journal);
  } catch (err) {
    for (const path of created.reverse()) rmSync(path, { force: true });
    for (const dir of createdDirs.reverse()) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    layout,
    keyType,
    ca: summary(layout.caCert, caCert),
    server: { ...summary(layout.serverCert, serverCert), san: [...names.hosts.map((h) => `DNS:${h}`), ...names.ips.map((ip) => `IP:${ip}`)] },
    crlNextUpdate,
  };
}
