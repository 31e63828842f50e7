// The TLS files of `tcp://` listeners, read and checked once before anything is bound, so that a wrong
// file stops the gateway with a message naming the option and the file, not an OpenSSL error code.
// The CRL (`--tls-crl`) is read here too at start-up; tls-context.ts reloads it while serving.
import { readTlsFile, type FileWarning } from './tls-file.js';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { casWithoutCrl, loadRevocationList, type RevocationList } from './revocation-list.js';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
  /** `--tls-crl`: the CA's certificate revocation list (DIR/crl.pem of `dockgate certs`). */
  crl?: string;
}

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  revocation?: RevocationList;
}

/** The secure-context options of a mutual-TLS listener: TLS 1.2 or newer, the CRL checked when there is one. */
export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return {
    ca: material.ca,
    cert: material.cert,
    key: material.key,
    minVersion: 'TLSv1.2',
    ...(material.revocation && { crl: material.revocation.pems }),
  };
}

function readOption(option: string, file: string, marker: RegExp, expected: string, warn: FileWarning, secret = false): Buffer {
  const content = readTlsFile(option, file, warn, secret);
  if (!marker.test(content.toString('latin1'))) throw new Error(`${option} ${file}: not a PEM ${expected}`);
  return content;
}

export function loadTlsMaterial(files: TlsFiles, warn: FileWarning = () => undefined): TlsMaterial {
  const material: TlsMaterial = {
    ca: readOption('--tls-ca', files.ca, /-----BEGIN CERTIFICATE-----/, 'certificate', warn),
    cert: readOption('--tls-cert', files.cert, /-----BEGIN CERTIFICATE-----/, 'certificate', warn),
    key: readOption('--tls-key', files.key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key', warn, true),
  };
  try {
    createSecureContext({ ca: material.ca, cert: material.cert, key: material.key });
  } catch (err) {
    throw new Error(`--tls-cert ${files.cert} with --tls-key ${files.key} and --tls-ca ${files.ca}: unusable (${(err as Error).message})`);
  }
  if (files.crl !== undefined) {
    material.revocation = loadRevocationList(files.crl, material.ca, warn);
    const uncovered = casWithoutCrl(material.revocation, material.ca);
    if (uncovered.length > 0) {
      // With CRL checking on, OpenSSL refuses every client of a CA that has no CRL: say so now, not per handshake.
      throw new Error(`--tls-crl ${files.crl}: has no CRL for ${uncovered.join('; ')} of --tls-ca ${files.ca}, whose clients would all be refused`);
    }
  }
  return material;
}
