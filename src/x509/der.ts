// The little of DER (X.690) that revocation needs: walking the TLVs of a CRL and of a certificate to
// find issuer names, serial numbers, CRL numbers, dates and signed bytes. Strict: indefinite lengths, high tag
// numbers and lengths that run past their parent are errors, never guesses. Small and quick on purpose: the
// TLS listener reads every client certificate's issuer and serial with it, once per handshake.
import { serialOfInteger } from './serial.js';

export interface DerNode {
  /** The identifier octet: class, constructed bit and tag number (< 31). */
  tag: number;
  /** The whole TLV, identifier and length included: what an issuer name is compared by. */
  bytes: Buffer;
  /** The value octets. */
  content: Buffer;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0: 0xa0,
} as const;

/** Reads the TLV that starts at `offset`; it must end inside `buf`. */
export function readNode(buf: Buffer, offset = 0): DerNode {
  if (offset + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('unsupported high DER tag number');
  let length = buf[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0) throw new Error('indefinite length (not DER)');
    if (octets > 4 || offset + 2 + octets > buf.length) throw new Error('unreadable DER length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + buf[offset + 2 + i]!;
    header += octets;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new Error('DER value runs past its end');
  return { tag, bytes: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

/** A whole buffer that must be exactly one TLV. */
export function readSingle(buf: Buffer): DerNode {
  const node = readNode(buf);
  if (node.bytes.length !== buf.length) throw new Error('trailing data after DER value');
  return node;
}

/** The TLVs inside a constructed value. */
export function children(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new Error('expected a constructed DER value');
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length;) {
    const child = readNode(node.content, offset);
    out.push(child);
    offset += child.bytes.length;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined || node.tag !== tag) throw new Error(`expected ${what}`);
  return node;
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function oid(node: DerNode): string {
  expectTag(node, TAG.OID, 'an object identifier');
  const parts: number[] = [];
  let value = 0;
  for (const byte of node.content) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** A non-negative INTEGER of any size (a CRL number may take 20 octets). */
export function unsignedInteger(node: DerNode): bigint {
  expectTag(node, TAG.INTEGER, 'an integer');
  if (node.content.length === 0) throw new Error('an empty integer');
  if ((node.content[0]! & 0x80) !== 0) throw new Error('a negative integer');
  return BigInt(`0x${node.content.toString('hex')}`);
}

/** UTCTime or GeneralizedTime, which X.509 writes in UTC with seconds and a final Z. */
export function time(node: DerNode): Date {
  const text = node.content.toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (node.tag === TAG.UTC_TIME && (match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text))) {
    const yy = Number(match[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (node.tag === TAG.GENERALIZED_TIME && (match = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(text))) {
    year = Number(match[1]);
  } else {
    throw new Error(`unreadable time ${JSON.stringify(text)}`);
  }
  const [, , mo, d, h, mi, s] = match.map(Number);
  return new Date(Date.UTC(year, mo! - 1, d, h, mi, s));
}

export function isTime(node: DerNode | undefined): boolean {
  return node !== undefined && (node.tag === TAG.UTC_TIME || node.tag === TAG.GENERALIZED_TIME);
}

const NAME_ATTRIBUTES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
};

/** A Name for messages (`CN=dockgate CA, O=Example`); comparisons use the DER bytes, never this. */
export function describeName(name: DerNode): string {
  const parts: string[] = [];
  for (const rdn of children(name)) {
    for (const attribute of children(rdn)) {
      const [type, value] = children(attribute);
      if (type === undefined || value === undefined) continue;
      const key = NAME_ATTRIBUTES[oid(type)] ?? oid(type);
      parts.push(`${key}=${value.content.toString('utf8')}`);
    }
  }
  return parts.join(', ');
}

/** What revocation needs from a certificate: who issued it, its serial, its subject. */
export interface CertificateNames {
  issuer: DerNode;
  subject: DerNode;
  serial: string;
}

export function certificateNames(der: Buffer): CertificateNames {
  const [tbs] = children(expectTag(readSingle(der), TAG.SEQUENCE, 'a certificate'));
  const fields = children(expectTag(tbs, TAG.SEQUENCE, 'a certificate body'));
  let i = fields[0]?.tag === TAG.CONTEXT_0 ? 1 : 0;
  const serial = serialOfInteger(expectTag(fields[i++], TAG.INTEGER, 'a serial number').content);
  i++; // signature algorithm
  const issuer = expectTag(fields[i++], TAG.SEQUENCE, 'an issuer name');
  i++; // validity
  const subject = expectTag(fields[i], TAG.SEQUENCE, 'a subject name');
  return { issuer, subject, serial };
}
