// The identity of a mutual-TLS peer, read from the client certificate the handshake verified.
import type { TLSSocket } from 'node:tls';
import { singleCommonName } from './common-name.js';
import type { TlsPeer } from './identity.js';
import { parseSubjectAltNames } from './subject-alt-names.js';

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Throws (AmbiguousSubjectError) for a certificate whose subject names several CNs: it identifies no one. */
export function tlsPeerIdentity(socket: TLSSocket, listener: string): TlsPeer {
  const cert = socket.getPeerCertificate();
  const subject = cert.subject ?? {};
  const cn = singleCommonName(subject.CN);
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
