// Where everything of a dockgate CA directory lives. The public part (what `serve` reads: the CA
// certificate, its own certificate and key, the CRL; and the records of what was issued and revoked) sits
// in DIR; the CA's private key sits apart in DIR/private/ (0700), which serve never reads, so that it can
// be kept on another machine or offline.
import { join, resolve } from 'node:path';

export interface CaLayout {
  dir: string;
  /** The CA certificate: `serve --tls-ca`, and OUT/ca.pem of every issued client directory. */
  caCert: string;
  /** `serve --tls-cert`. */
  serverCert: string;
  /** `serve --tls-key`, mode 0400. */
  serverKey: string;
  /** The certificate revocation list, signed by the CA; `certs init` writes an empty one. */
  crl: string;
  /** Every client certificate issued, with its revocation if any (JSON): a view, rebuilt from the journal where they differ. */
  inventory: string;
  /** Every revocation and every CRL signed, appended and never rewritten (JSON Lines): what a new CRL is built from. */
  journal: string;
  /** A copy of every client certificate issued, as `<SERIAL>.pem`. */
  issuedDir: string;
  /** Mode 0700: the CA key and the lock. */
  privateDir: string;
  /** The CA's private key, mode 0400. */
  caKey: string;
  /** Held while a command changes the CA's state (issue, revoke, crl). */
  lock: string;
}

export function caLayout(dir: string): CaLayout {
  const root = resolve(dir);
  const privateDir = join(root, 'private');
  return {
    dir: root,
    caCert: join(root, 'ca.pem'),
    serverCert: join(root, 'server-cert.pem'),
    serverKey: join(root, 'server-key.pem'),
    crl: join(root, 'crl.pem'),
    inventory: join(root, 'issued.json'),
    journal: join(root, 'revocations.jsonl'),
    issuedDir: join(root, 'issued'),
    privateDir,
    caKey: join(privateDir, 'ca-key.pem'),
    lock: join(privateDir, 'lock'),
  };
}
