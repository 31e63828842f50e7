// Reading certificates back from PEM files, with errors that name the file.
import { AmbiguousSubjectError, singleCommonName } from '../identify/common-name.js';
import { CertsError } from './certs-error.js';
import { pemBlocks } from '../x509/pem.js';
import { readText } from './safe-files.js';
import { x509 } from './x509.js';

export function parseCertificates(pem: string, file: string): x509.X509Certificate[] {
  const blocks = pemBlocks(pem).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) throw new CertsError(`${file}: no "CERTIFICATE" PEM block in it`);
  return blocks.map((block) => {
    try {
      return new x509.X509Certificate(block.der);
    } catch (err) {
      throw new CertsError(`${file}: not a readable certificate (${(err as Error).message})`);
    }
  });
}

export function readCertificate(file: string, what: string): x509.X509Certificate {
  return parseCertificates(readText(file, what), file)[0]!;
}

/** The CN, as the gateway reads it; the whole subject when it has none, or several (which the gateway refuses). */
export function commonName(cert: x509.X509Certificate): string {
  try {
    return singleCommonName(cert.subjectName.getField('CN')) ?? cert.subject;
  } catch (err) {
    if (err instanceof AmbiguousSubjectError) return cert.subject;
    throw err;
  }
}

/** The DNS and IP subject alternative names, as `DNS:name` / `IP:addr`. */
export function subjectAltNames(cert: x509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (san === null) return [];
  return san.names.items.flatMap((item) => (item.type === 'dns' ? [`DNS:${item.value}`] : item.type === 'ip' ? [`IP:${item.value}`] : []));
}
