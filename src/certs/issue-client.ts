// `dockgate certs issue NAME`: a client certificate signed by the CA, written in Docker's DOCKER_CERT_PATH
// layout (OUT/ca.pem, OUT/cert.pem, OUT/key.pem) and recorded in the inventory before its key is handed out.
// The key has the CA's key type. Subject: CN = NAME, and each group as both an O and an OU attribute, so
// that a policy selects the group with `match: { ou: G }` or `match: { o: G }` alike.
import { join, resolve } from 'node:path';
import { openCa } from './certificate-authority.js';
import { createClientCertificate, sha256Fingerprint } from './certificate-profiles.js';
import { readCertificate, subjectAltNames } from './certificate-file.js';
import { CertsError } from './certs-error.js';
import { readInventory, writeInventory, type IssuedRecord } from './inventory.js';
import { generateKeyPair } from './key-pair.js';
import { checkGroups, checkSubjectName, DAY_MS, wholeSeconds } from './names.js';
import { toPem } from '../x509/pem.js';
import { checkOwnDirectory, ensureDirectory, exists, withLock, writeNewFile } from './safe-files.js';
import { BACKDATE_MS } from './init-ca.js';
import { canonicalSerial } from '../x509/serial.js';

export const DEFAULT_CLIENT_DAYS = 365;

export interface IssueOptions {
  dir: string;
  /** The subject CN. */
  name: string;
  /** Each becomes an O and an OU attribute of the subject. */
  groups?: readonly string[];
  /** Validity in days (default 365). */
  days?: number;
  /** The DOCKER_CERT_PATH directory to write; created 0700 when missing. */
  out: string;
  /** The time to issue at; tests pass one in the past to make expired certificates. */
  now?: Date;
}

export interface IssueResult {
  record: IssuedRecord;
  files: { dir: string; ca: string; cert: string; key: string; copy: string };
  /** `tcp://NAME:2376` for the server certificate's first name, for the usage hint. */
  dockerHost: string | undefined;
}

function serverAddress(serverCert: string): string | undefined {
  if (!exists(serverCert)) return undefined;
  try {
    const first = subjectAltNames(readCertificate(serverCert, 'the server certificate'))[0];
    if (first === undefined) return undefined;
    const host = first.replace(/^(DNS|IP):/, '');
    return `tcp://${host.includes(':') ? `[${host}]` : host}:2376`;
  } catch {
    return undefined;
  }
}

export async function issueClient(options: IssueOptions): Promise<IssueResult> {
  const name = checkSubjectName('NAME', options.name);
  const groups = checkGroups(options.groups ?? []);
  const days = options.days ?? DEFAULT_CLIENT_DAYS;
  const out = resolve(options.out);
  checkOwnDirectory(out);
  const files = { dir: out, ca: join(out, 'ca.pem'), cert: join(out, 'cert.pem'), key: join(out, 'key.pem') };
  const taken = [files.ca, files.cert, files.key].filter(exists);
  if (taken.length > 0) throw new CertsError(`${out} already holds ${taken.map((f) => f.slice(out.length + 1)).join(', ')}: refusing to overwrite; give another --out`);

  const now = wholeSeconds(options.now ?? new Date());
  const ca = await openCa(options.dir, now);
  const layout = ca.layout;
  return withLock(layout.lock, async () => {
    const inventory = readInventory(layout.inventory);
    const notAfter = new Date(now.getTime() + days * DAY_MS);
    if (notAfter.getTime() > ca.cert.notAfter.getTime()) {
      throw new CertsError(`--days ${days} would outlive the CA, which expires on ${ca.cert.notAfter.toISOString()}: give fewer days`);
    }
    const keys = await generateKeyPair(ca.keys.keyType);
    const cert = await createClientCertificate(ca, keys, { name, groups }, { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter });
    const serial = canonicalSerial(cert.serialNumber);
    if (inventory.certificates.some((c) => c.serial === serial)) throw new CertsError(`serial ${serial} was issued before (random serials collided): run the command again`);
    const record: IssuedRecord = {
      serial,
      cn: name,
      groups,
      keyType: keys.keyType,
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      fingerprint: sha256Fingerprint(cert.rawData),
      issuedAt: now.toISOString(),
    };
    const certPem = toPem('CERTIFICATE', cert.rawData);
    // Recorded first: a certificate whose key reached OUT is always in the inventory, so it can be revoked.
    const copy = join(layout.issuedDir, `${serial}.pem`);
    ensureDirectory(layout.issuedDir, 0o755);
    writeNewFile(copy, certPem, 0o644);
    writeInventory(layout.inventory, { ...inventory, certificates: [...inventory.certificates, record] });
    ensureDirectory(out, 0o700);
    writeNewFile(files.ca, toPem('CERTIFICATE', ca.cert.rawData), 0o644);
    writeNewFile(files.cert, certPem, 0o644);
    writeNewFile(files.key, keys.privateKeyPem, 0o400);
    return { record, files: { ...files, copy }, dockerHost: serverAddress(layout.serverCert) };
  });
}
