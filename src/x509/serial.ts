// Certificate serial numbers, in the one form dockgate shows, stores and compares them: the way OpenSSL
// (`openssl x509 -serial`) and Node (`getPeerCertificate().serialNumber`, which the audit records carry)
// print them, upper-case hex byte pairs without the sign byte (`0A1B`, never `A1B`). The certs tool, its
// inventory and journal, and the TLS listener's revocation check all take serials from here.
// New serials are 128 random bits, positive, minimally encoded (Go 1.23+ refuses negative and non-minimal
// serials; @peculiar/x509 strips leading zero bytes and adds the sign byte when needed).
import { randomBytes } from 'node:crypto';

/** A new random serial, as the hex @peculiar/x509 takes. */
export function randomSerial(): string {
  return randomBytes(16).toString('hex');
}

/** `0a:1B:...`, `0x0A1B...`, `000A1B`: the canonical form `0A1B...`, or undefined if it is not hex. */
export function normaliseSerial(text: string): string | undefined {
  let hex = text.trim().replace(/^0x/i, '').replaceAll(':', '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex)) return undefined;
  if (hex.length % 2 === 1) hex = `0${hex}`;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}

/** A serial as @peculiar/x509 reads it from a certificate, in the canonical form. */
export function canonicalSerial(peculiarHex: string): string {
  return normaliseSerial(peculiarHex) ?? peculiarHex.toUpperCase();
}

/** The serial of a DER INTEGER's content octets (a certificate's, a CRL entry's), in the canonical form. */
export function serialOfInteger(content: Buffer): string {
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start++;
  return content.toString('hex', start).toUpperCase();
}
