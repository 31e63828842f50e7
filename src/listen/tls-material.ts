// The TLS files of `tcp://` listeners, read and checked once before anything is bound, so that a wrong
// file stops the gateway with a message naming the option and the file, not an OpenSSL error code.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function readOption(option: string, file: string, marker: RegExp, expected: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch (err) {
    throw new Error(`${option} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!marker.test(content.toString('latin1'))) throw new Error(`${option} ${file}: not a PEM ${expected}`);
  return content;
}

export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  const material = {
    ca: readOption('--tls-ca', files.ca, /-----BEGIN CERTIFICATE-----/, 'certificate'),
    cert: readOption('--tls-cert', files.cert, /-----BEGIN CERTIFICATE-----/, 'certificate'),
    key: readOption('--tls-key', files.key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key'),
  };
  try {
    createSecureContext(material);
  } catch (err) {
    throw new Error(`--tls-cert ${files.cert} with --tls-key ${files.key} and --tls-ca ${files.ca}: unusable (${(err as Error).message})`);
  }
  return material;
}
