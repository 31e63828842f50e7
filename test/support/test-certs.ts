// A throwaway PKI for mutual-TLS tests, made with the openssl CLI: a CA, a server certificate for
// localhost/127.0.0.1, and client certificates in Docker's DOCKER_CERT_PATH layout
// (ca.pem, cert.pem, key.pem). All keys are ECDSA P-256.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface ClientSubject {
  cn: string;
  o?: string;
  ou?: string;
  /** subjectAltName entries in openssl's syntax: `DNS:name`, `IP:addr`, `email:addr`, `URI:uri`. */
  san?: string[];
}

export interface TestPki {
  dir: string;
  server: ServerTlsFiles;
  /** Directory holding alice's client certificate (CN=alice), ready for DOCKER_CERT_PATH. */
  aliceDir: string;
  /** Issues another client certificate and returns its DOCKER_CERT_PATH directory (cert.pem is the certificate). */
  issueClient(subject: ClientSubject): string;
}

const VALID_DAYS = '2';

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

function subjectString(subject: ClientSubject): string {
  // openssl -subj syntax; the test names we use contain no '/' or '='.
  return (subject.o === undefined ? '' : `/O=${subject.o}`) + (subject.ou === undefined ? '' : `/OU=${subject.ou}`) + `/CN=${subject.cn}`;
}

/** Signs a new key's certificate with the CA, with the given extensions (openssl extfile syntax). */
function issue(caCert: string, caKey: string, dir: string, subject: string, extensions: string): { cert: string; key: string } {
  const key = join(dir, 'key.pem');
  const csr = join(dir, 'request.csr');
  const cert = join(dir, 'cert.pem');
  const extfile = join(dir, 'extensions.cnf');
  newKey(key);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  writeFileSync(extfile, extensions);
  openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', VALID_DAYS, '-sha256', '-extfile', extfile, '-out', cert]);
  return { cert, key };
}

/** Creates the PKI in a new directory below `parentDir`. */
export function createTestPki(parentDir: string): TestPki {
  const dir = mkdtempSync(join(parentDir, 'pki-'));
  const caKey = join(dir, 'ca-key.pem');
  const caCert = join(dir, 'ca.pem');
  newKey(caKey);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    '/CN=dockgate test CA',
    '-days',
    VALID_DAYS,
    '-sha256',
    '-out',
    caCert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  const serverDir = join(dir, 'server');
  mkdirSync(serverDir);
  const server = issue(
    caCert,
    caKey,
    serverDir,
    '/CN=localhost',
    ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', 'subjectAltName=DNS:localhost,IP:127.0.0.1'].join('\n'),
  );

  let clients = 0;
  const issueClient = (subject: ClientSubject): string => {
    const clientDir = join(dir, `client-${++clients}-${subject.cn}`);
    mkdirSync(clientDir);
    issue(
      caCert,
      caKey,
      clientDir,
      subjectString(subject),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=clientAuth',
        ...(subject.san === undefined ? [] : [`subjectAltName=${subject.san.join(',')}`]),
      ].join('\n'),
    );
    copyFileSync(caCert, join(clientDir, 'ca.pem'));
    return clientDir;
  };

  return {
    dir,
    server: { ca: caCert, cert: server.cert, key: server.key },
    aliceDir: issueClient({ cn: 'alice' }),
    issueClient,
  };
}
