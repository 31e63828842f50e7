// The three kinds of certificate a dockgate CA makes, with exactly the extensions each needs:
//   CA:     CA:true pathlen:0 (it signs leaf certificates only), keyCertSign + cRLSign
//   server: CA:false, digitalSignature (+ keyEncipherment for RSA), serverAuth, the DNS and IP SANs
//   client: CA:false, digitalSignature, clientAuth; subject O and OU = the groups, CN = the name
// All critical where RFC 5280 says so, with subject and authority key identifiers, signed with SHA-256.
import { createHash } from 'node:crypto';
import type { KeyPair } from './key-pair.js';
import { randomSerial } from '../x509/serial.js';
import { x509 } from './x509.js';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function sha256Fingerprint(der: ArrayBuffer | Buffer): string {
  const hex = createHash('sha256')
    .update(Buffer.from(der instanceof Buffer ? der : new Uint8Array(der)))
    .digest('hex')
    .toUpperCase();
  return hex.match(/../g)!.join(':');
}

/**
 * The client subject: one O and one OU attribute per group, then the CN (most general first, as RFC 4514
 * strings and OpenSSL print it: `O=ci, OU=ci, CN=alice`). Node reads repeated attributes as lists, which
 * the gateway turns into the identity's `o` and `ou`; a policy rule selects a group with either
 * `match: { ou: ci }` or `match: { o: ci }`.
 */
export function clientSubject(name: string, groups: readonly string[]): x509.JsonName {
  return [...groups.map((g) => ({ O: [g] })), ...groups.map((g) => ({ OU: [g] })), { CN: [name] }];
}

export async function createCaCertificate(keys: KeyPair, subject: x509.JsonName, validity: Validity): Promise<x509.X509Certificate> {
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    ...validity,
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: keys.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ski,
      new x509.AuthorityKeyIdentifierExtension(ski.keyId),
    ],
  });
}

export interface Issuer {
  cert: x509.X509Certificate;
  keys: KeyPair;
}

function authorityKeyId(issuer: Issuer): x509.AuthorityKeyIdentifierExtension {
  const ski = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski === null) throw new Error('the CA certificate has no subject key identifier');
  return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
}

async function createLeaf(issuer: Issuer, subjectKey: KeyPair, subject: x509.JsonName, validity: Validity, extensions: x509.Extension[]): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: issuer.cert.subjectName,
    ...validity,
    publicKey: subjectKey.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: issuer.keys.signingAlgorithm,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions, await x509.SubjectKeyIdentifierExtension.create(subjectKey.publicKey), authorityKeyId(issuer)],
  });
}

export async function createServerCertificate(issuer: Issuer, keys: KeyPair, names: { hosts: readonly string[]; ips: readonly string[] }, validity: Validity): Promise<x509.X509Certificate> {
  const usage = x509.KeyUsageFlags.digitalSignature | (keys.keyType === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0);
  const san: x509.JsonGeneralNames = [...names.hosts.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))];
  return createLeaf(issuer, keys, [{ CN: [names.hosts[0] ?? names.ips[0]!] }], validity, [
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(san),
  ]);
}

export async function createClientCertificate(issuer: Issuer, keys: KeyPair, subject: { name: string; groups: readonly string[] }, validity: Validity): Promise<x509.X509Certificate> {
  return createLeaf(issuer, keys, clientSubject(subject.name, subject.groups), validity, [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
}
