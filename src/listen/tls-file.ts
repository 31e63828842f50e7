// The TLS files of a listener (--tls-ca, --tls-cert, --tls-key, --tls-crl) decide whom the gateway trusts:
// each is opened as a file the gateway trusts (src/files/trusted-file.ts), the key also warned about when
// others may read it, and every refusal names the option and the fix.
import { readTrustedFile, UntrustedFileError } from '../files/trusted-file.js';

/** Told what is risky about a TLS file itself (another owner, a key others may read). */
export type FileWarning = (message: string) => void;

/** A TLS file, opened as a file the gateway trusts (src/files/trusted-file.ts). */
export function readTlsFile(option: string, file: string, warn: FileWarning, secret = false): Buffer {
  try {
    const { content, warnings } = readTrustedFile(file, `${option} file`, { secret });
    for (const warning of warnings) warn(warning);
    return content;
  } catch (err) {
    if (err instanceof UntrustedFileError) throw new Error(`${option} ${file}: ${err.why}. ${err.fix}`);
    throw new Error(`${option} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
