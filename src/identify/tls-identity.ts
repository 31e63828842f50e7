// The identity of a mutual-TLS peer, read from the client certificate the handshake verified.
import type { TLSSocket } from 'node:tls';
import type { TlsPeer } from './identity.js';
import { parseSubjectAltNames } from './subject-alt-names.js';

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function tlsPeerIdentity(socket: TLSSocket, listener: string): TlsPeer {
  const cert = socket.getPeerCertificate();
  const subject = cert.subject ?? {};
  const cn = asList(subject.CN)[0];
  return {
    kind: 'tls',
    listener,
    address: `${socket.remoteAddress}:${socket.remotePort}`,
    ...(cn !== undefined ? { cn } : {}),
    o: asList(subject.O),
    ou: asList(subject.OU),
    san: parseSubjectAltNames(cert.subjectaltname),
    fingerprint: cert.fingerprint256 ?? '',
    serial: cert.serialNumber ?? '',
  };
}
