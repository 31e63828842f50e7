// Whether the client certificate of a finished TLS handshake admits the connection, and if not, why.
//
// The TLS server runs with `requestCert: true, rejectUnauthorized: false`: with `rejectUnauthorized: true`
// Node closes a connection whose certificate failed verification without telling anyone why (the server
// sees only "socket hang up"), and a refusal that cannot say why cannot be recorded. So OpenSSL verifies
// the chain, dates and CRL as usual, and this check turns its verdict (`authorizationError`) into a
// refusal with a cause, before a single byte of the connection is read as HTTP.
//
// It also checks what OpenSSL does not: the clientAuth extended key usage. OpenSSL refuses a certificate
// whose EKU lacks clientAuth (INVALID_PURPOSE) but accepts one with no EKU extension at all, which is
// then usable for anything; a client certificate must say it is one. And that the certificate names one
// client: a subject with several CNs is read differently by different readers (identify/common-name.ts).
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { AmbiguousSubjectError, singleCommonName } from '../identify/common-name.js';
import type { PresentedCertificate } from '../record/audit-record.js';
import type { Refusal } from './connection-refusals.js';
import { revokes, type RevocationList } from './revocation-list.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const USAGE_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  [CLIENT_AUTH]: 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

/** OpenSSL verify results (as Node names them) that mean the certificate does not chain to the CA. */
const NOT_FROM_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

const CRL_PROBLEMS = new Set([
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_GET_CRL_ISSUER',
  'CRL_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
]);

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isoDate(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function hasCertificate(cert: PeerCertificate | undefined): cert is PeerCertificate {
  return cert !== undefined && cert !== null && Buffer.isBuffer(cert.raw) && cert.raw.length > 0;
}

/** The certificate as presented, for records and logs: public fields only. */
export function presentedCertificate(cert: PeerCertificate): PresentedCertificate {
  const subject = cert.subject ?? {};
  const issuer = cert.issuer ?? {};
  let cn: string | undefined;
  try {
    cn = singleCommonName(subject.CN);
  } catch {
    cn = undefined; // several: the record names none of them as the CN (the refusal's reason lists them all)
  }
  const issuerName =
    asList(issuer.CN)[0] ??
    (Object.keys(issuer).length > 0
      ? Object.entries(issuer)
          .map(([k, v]) => `${k}=${asList(v).join('+')}`)
          .join(', ')
      : undefined);
  const notBefore = isoDate(cert.valid_from);
  const notAfter = isoDate(cert.valid_to);
  return {
    ...(cn !== undefined && { cn }),
    o: asList(subject.O),
    ou: asList(subject.OU),
    ...(issuerName !== undefined && { issuer: issuerName }),
    serial: cert.serialNumber ?? '',
    fingerprint: cert.fingerprint256 ?? '',
    ...(notBefore !== undefined && { notBefore }),
    ...(notAfter !== undefined && { notAfter }),
  };
}

function label(c: PresentedCertificate): string {
  return `the certificate${c.cn !== undefined ? ` of CN ${JSON.stringify(c.cn)}` : ''} (serial ${c.serial})`;
}

/**
 * Undefined when the connection may be served; else the refusal. `revocation` is the CRL in force: it
 * is consulted on top of OpenSSL's own check so that a resumed TLS session (which skips verification)
 * cannot carry a certificate revoked since.
 */
export function checkClientCertificate(socket: TLSSocket, revocation: RevocationList | undefined): Refusal | undefined {
  const cert: PeerCertificate | undefined = socket.getPeerCertificate();
  if (!hasCertificate(cert)) return { cause: 'no-client-certificate', reason: 'the client presented no certificate' };
  const certificate = presentedCertificate(cert);
  const which = label(certificate);
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'UNKNOWN');
    if (NOT_FROM_CA.has(code)) {
      return { cause: 'unknown-ca', reason: `${which}, issued by ${certificate.issuer ?? 'an unnamed issuer'}, is not signed by the CA of --tls-ca (${code})`, certificate };
    }
    if (code === 'CERT_HAS_EXPIRED') return { cause: 'certificate-expired', reason: `${which} expired on ${certificate.notAfter ?? '(unknown)'}`, certificate };
    if (code === 'CERT_NOT_YET_VALID') return { cause: 'certificate-not-yet-valid', reason: `${which} is not valid before ${certificate.notBefore ?? '(unknown)'}`, certificate };
    if (code === 'CERT_REVOKED') return { cause: 'certificate-revoked', reason: `${which} is revoked by the CRL of --tls-crl`, certificate };
    if (code === 'INVALID_PURPOSE') return { cause: 'no-client-auth-usage', reason: `${which} is not for client authentication: ${usages(cert)} (${code})`, certificate };
    if (CRL_PROBLEMS.has(code)) return { cause: 'crl-unusable', reason: `${which} cannot be checked against the CRL of --tls-crl (${code})`, certificate };
    return { cause: 'certificate-invalid', reason: `${which} did not verify (${code})`, certificate };
  }
  if (!(cert.ext_key_usage ?? []).includes(CLIENT_AUTH)) {
    return { cause: 'no-client-auth-usage', reason: `${which} is not for client authentication: ${usages(cert)}`, certificate };
  }
  if (revocation !== undefined && revokes(revocation, cert.raw)) {
    return { cause: 'certificate-revoked', reason: `${which} is revoked by the CRL of --tls-crl`, certificate };
  }
  try {
    singleCommonName(cert.subject?.CN);
  } catch (err) {
    if (!(err instanceof AmbiguousSubjectError)) throw err;
    return { cause: 'ambiguous-subject', reason: `${which} identifies no one: ${err.message}`, certificate };
  }
  return undefined;
}

function usages(cert: PeerCertificate): string {
  const list = cert.ext_key_usage;
  if (list === undefined || list.length === 0) return 'it has no extended key usage, and dockgate requires clientAuth';
  return `its extended key usages are ${list.map((oid) => USAGE_NAMES[oid] ?? oid).join(', ')}, without clientAuth`;
}

/** What a failed handshake (`tlsClientError`) means; undefined for a client that just went away. */
export function handshakeFailure(err: Error & { code?: string }): Refusal | undefined {
  const code = err.code ?? '';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return undefined;
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return { cause: 'tls-handshake-timeout', reason: 'the TLS handshake was not finished within --headers-timeout' };
  if (code === 'ERR_SSL_UNSUPPORTED_PROTOCOL' || code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE' || code === 'ERR_SSL_VERSION_TOO_LOW') {
    return { cause: 'tls-version', reason: `the client offered only TLS versions older than 1.2 (${code})` };
  }
  if (code === 'ERR_SSL_HTTP_REQUEST' || code === 'ERR_SSL_HTTPS_PROXY_REQUEST' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return { cause: 'not-tls', reason: `the client did not speak TLS; plain HTTP to a TLS listener? (${code})` };
  }
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') return { cause: 'no-client-certificate', reason: 'the client presented no certificate' };
  if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)$/.test(code)) {
    return { cause: 'server-certificate-refused', reason: `the client refused the server's certificate (${code})` };
  }
  return { cause: 'tls-error', reason: `the TLS handshake failed (${code || err.message.split('\n')[0]})` };
}
