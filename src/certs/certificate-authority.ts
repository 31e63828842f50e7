// A dockgate CA directory opened for signing: the CA certificate and its private key, checked to belong
// together, the key checked to be private (0400-ish, in a 0700 directory), and the CA still valid.
import { caLayout, type CaLayout } from './ca-layout.js';
import type { Issuer } from './certificate-profiles.js';
import { readCertificate } from './certificate-file.js';
import { CertsError } from './certs-error.js';
import { loadKeyPair } from './key-pair.js';
import { checkPrivate, exists, readText } from './safe-files.js';

export interface OpenCa extends Issuer {
  layout: CaLayout;
}

export async function openCa(dir: string, now: Date): Promise<OpenCa> {
  const layout = caLayout(dir);
  if (!exists(layout.caCert)) {
    throw new CertsError(`${layout.dir} holds no CA (${layout.caCert} is missing): create one with "dockgate certs init --dir ${dir} --host NAME --ip ADDR"`);
  }
  const cert = readCertificate(layout.caCert, 'the CA certificate');
  if (!exists(layout.caKey)) {
    throw new CertsError(`${layout.caKey} is missing: signing needs the CA's private key (bring back the private/ directory if it was moved away)`);
  }
  checkPrivate(layout.privateDir, `chmod 0700 ${layout.privateDir}`);
  checkPrivate(layout.caKey, `chmod 0400 ${layout.caKey}`);
  const keys = await loadKeyPair(readText(layout.caKey, 'the CA private key'), layout.caKey);
  if (!Buffer.from(cert.publicKey.rawData).equals(keys.spki)) {
    throw new CertsError(`${layout.caKey} is not the private key of ${layout.caCert}`);
  }
  if (cert.notAfter.getTime() <= now.getTime()) {
    throw new CertsError(`the CA in ${layout.caCert} expired on ${cert.notAfter.toISOString()}: it cannot sign any more; make a new CA with "dockgate certs init" in another directory`);
  }
  return { layout, cert, keys };
}
