// `dockgate certs renew-server`: a new server key and certificate from the CA, for the same names as the
// one in place unless others are given; server-cert.pem and server-key.pem are replaced atomically (the
// key first: a key newer than its certificate is refused by serve at start, never half-read). A running
// serve keeps the old pair until it is restarted.
import { openCa } from './certificate-authority.js';
import { readCertificate, subjectAltNames } from './certificate-file.js';
import { createServerCertificate, sha256Fingerprint } from './certificate-profiles.js';
import { CertsError } from './certs-error.js';
import { BACKDATE_MS, DEFAULT_SERVER_DAYS, type CertificateSummary } from './init-ca.js';
import { generateKeyPair } from './key-pair.js';
import { checkHost, checkIp, DAY_MS, wholeSeconds } from './names.js';
import { toPem } from '../x509/pem.js';
import { exists, replaceFile, withLock } from './safe-files.js';
import { canonicalSerial } from '../x509/serial.js';

export interface RenewServerOptions {
  dir: string;
  /** New DNS names; with `ips`, replaces the names of the current certificate. */
  hosts?: readonly string[];
  ips?: readonly string[];
  days?: number;
  now?: Date;
}

export async function renewServer(options: RenewServerOptions): Promise<CertificateSummary & { san: string[]; replaced: string | undefined }> {
  const now = wholeSeconds(options.now ?? new Date());
  const ca = await openCa(options.dir, now);
  const layout = ca.layout;
  return withLock(layout.lock, async () => {
    let hosts = (options.hosts ?? []).map(checkHost);
    let ips = (options.ips ?? []).map(checkIp);
    let replaced: string | undefined;
    if (exists(layout.serverCert)) {
      const current = readCertificate(layout.serverCert, 'the server certificate');
      replaced = canonicalSerial(current.serialNumber);
      if (hosts.length + ips.length === 0) {
        const names = subjectAltNames(current);
        hosts = names.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
        ips = names.filter((n) => n.startsWith('IP:')).map((n) => n.slice(3));
      }
    }
    if (hosts.length + ips.length === 0) throw new CertsError("give the server's names: at least one --host NAME or --ip ADDR");
    const days = options.days ?? DEFAULT_SERVER_DAYS;
    const notAfter = new Date(now.getTime() + days * DAY_MS);
    if (notAfter.getTime() > ca.cert.notAfter.getTime()) throw new CertsError(`--days ${days} would outlive the CA, which expires on ${ca.cert.notAfter.toISOString()}: give fewer days`);
    const keys = await generateKeyPair(ca.keys.keyType);
    const cert = await createServerCertificate(ca, keys, { hosts, ips }, { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter });
    replaceFile(layout.serverKey, keys.privateKeyPem, 0o400);
    replaceFile(layout.serverCert, toPem('CERTIFICATE', cert.rawData), 0o644);
    return {
      file: layout.serverCert,
      serial: canonicalSerial(cert.serialNumber),
      subject: cert.subject,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      fingerprint: sha256Fingerprint(cert.rawData),
      san: [...hosts.map((h) => `DNS:${h}`), ...ips.map((ip) => `IP:${ip}`)],
      replaced,
    };
  });
}
