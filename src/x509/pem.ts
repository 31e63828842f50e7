// PEM in the labels OpenSSL, Node's tls and Go read: `CERTIFICATE`, `X509 CRL` (@peculiar/x509 writes
// `CRL`, which OpenSSL refuses), `PRIVATE KEY`. Written by the certs tool, read by it and by the TLS
// listener (`--tls-crl`) alike.

export type PemLabel = 'CERTIFICATE' | 'X509 CRL' | 'PRIVATE KEY';

export function toPem(label: PemLabel, der: ArrayBuffer | Uint8Array): string {
  const base64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface PemBlock {
  label: string;
  der: Uint8Array<ArrayBuffer>;
  /** The block as written, from its BEGIN line to its END line. */
  text: string;
}

/** Every PEM block in a text, in order; text outside blocks is ignored, as OpenSSL ignores it. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const pattern = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    blocks.push({ label: match[1]!, der: new Uint8Array(Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64')), text: match[0] });
  }
  return blocks;
}
