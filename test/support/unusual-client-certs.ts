// Client certificates that `dockgate certs issue` will not make, signed with a real CA's key by
// `openssl ca`: validity in the past (expired), no extended key usage, or another one than clientAuth, a
// subject with several CNs.
// Written in Docker's DOCKER_CERT_PATH layout (ca.pem, cert.pem, key.pem), with ca.pem the CA the
// client verifies the server with, so that only the gateway's judgement of the client certificate is tested.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface UnusualClientOptions {
  /** The CA that signs: its certificate and private key (PEM files). */
  caCert: string;
  caKey: string;
  /** Where the client directory is made. */
  parentDir: string;
  cn: string;
  /** An openssl `-subj` of its own instead of `/CN=cn` (several CNs; `+` joins attributes into one RDN), kept as written. */
  subject?: string;
  /** openssl extension lines, e.g. `extendedKeyUsage=serverAuth`; basicConstraints CA:FALSE is always added. */
  extensions: readonly string[];
  /** `YYYYMMDDHHMMSSZ`; with endDate, the validity (in the past for an expired certificate). */
  startDate?: string;
  endDate?: string;
  /** The CA the client trusts the server with (its ca.pem); default caCert. */
  trustCa?: string;
}

function openssl(args: readonly string[], cwd?: string): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], ...(cwd !== undefined && { cwd }) });
}

/** Issues the certificate and returns its DOCKER_CERT_PATH directory. */
export function issueUnusualClient(options: UnusualClientOptions): string {
  const dir = mkdtempSync(join(options.parentDir, `client-${options.cn}-`));
  const work = join(dir, 'openssl-ca');
  mkdirSync(join(work, 'new'), { recursive: true });
  writeFileSync(join(work, 'index.txt'), '');
  const config = join(work, 'ca.cnf');
  writeFileSync(
    config,
    [
      '[ ca ]',
      'default_ca = test_ca',
      '[ test_ca ]',
      `database = ${join(work, 'index.txt')}`,
      `new_certs_dir = ${join(work, 'new')}`,
      'rand_serial = yes',
      'default_md = sha256',
      'default_days = 2',
      'policy = any_name',
      'unique_subject = no',
      'copy_extensions = none',
      '[ any_name ]',
      'commonName = supplied',
      'organizationName = optional',
      'organizationalUnitName = optional',
      '',
    ].join('\n'),
  );
  const extfile = join(work, 'extensions.cnf');
  writeFileSync(extfile, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', ...options.extensions, ''].join('\n'));
  const key = join(dir, 'key.pem');
  const csr = join(work, 'request.csr');
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  const subject = options.subject ?? `/CN=${options.cn}`;
  openssl(['req', '-new', '-key', key, '-subj', subject, ...(subject.includes('+') ? ['-multivalue-rdn'] : []), '-out', csr]);
  openssl([
    'ca',
    '-batch',
    '-notext',
    '-config',
    config,
    '-cert',
    options.caCert,
    '-keyfile',
    options.caKey,
    '-in',
    csr,
    '-out',
    join(dir, 'cert.pem'),
    '-extfile',
    extfile,
    ...(options.subject !== undefined ? ['-preserveDN'] : []),
    ...(options.startDate !== undefined ? ['-startdate', options.startDate] : []),
    ...(options.endDate !== undefined ? ['-enddate', options.endDate] : []),
  ]);
  copyFileSync(options.trustCa ?? options.caCert, join(dir, 'ca.pem'));
  return dir;
}
