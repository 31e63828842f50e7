// The daemon's TLS files (tlscacert, tlscert, tlskey, or the defaults under the daemon user's ~/.docker):
// present, certificates valid for more than 30 days and marked for their use, keys readable by their
// owner only, certificates writable by root only, a client CA that is not a public bundle, and no CA
// private key left next to them. And the revocations of a dockgate serve in front of the engine: the CA
// directory of its --tls-crl (a `dockgate certs` directory) read as `certs list` reads it, every
// disagreement of its CRL, revocation journal and inventory reported (an older CRL put back, an inventory
// restored from an earlier copy).
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { caLayout, certificateExpiryWarnings, describeDisagreement, readRevocationRecords, revocationDisagreements, type Disagreement } from '../../certs/index.js';
import { finding } from '../catalogue.js';
import type { AuditContext } from '../context.js';
import { octal, statPath, S_IWGRP, S_IWOTH } from '../host/file-access.js';
import { readText } from '../host/proc.js';
import { findGateways } from './socket-access.js';

export const EXPIRY_WARNING_DAYS = 30;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

export function splitPemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

function isSystemBundle(path: string): boolean {
  return ['/etc/ssl/certs/', '/etc/pki/', '/usr/share/ca-certificates/', '/usr/local/share/ca-certificates/', '/etc/ca-certificates/'].some((p) => path.startsWith(p));
}

export function checkTlsMaterial(ctx: AuditContext): void {
  checkGatewayRevocations(ctx);
  checkDaemonTlsFiles(ctx);
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The value of `--flag VALUE` or `--flag=VALUE` in a command line (the last one, as commander takes it). */
function optionValue(args: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  args.forEach((arg, i) => {
    if (arg === flag) value = args[i + 1];
    else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
  });
  return value;
}

/** The CA directories of the --tls-crl of every dockgate serve in front of this engine, checked as `certs list` checks them. */
function checkGatewayRevocations(ctx: AuditContext): void {
  const { collector, socketPath } = ctx;
  if (socketPath === undefined) return;
  const checked = new Set<string>();
  for (const gateway of findGateways().filter((g) => realPath(g.upstream) === realPath(socketPath))) {
    const { pid, argv } = gateway.process;
    const given = optionValue(argv.slice(argv.indexOf('serve') + 1), '--tls-crl');
    if (given === undefined) continue;
    let crl: string;
    try {
      crl = resolve(readlinkSync(`/proc/${pid}/cwd`), given);
    } catch (err) {
      collector.skip(
        'tls.revocations',
        `the working directory of dockgate serve (pid ${pid}), which --tls-crl ${given} is relative to, cannot be read (${(err as NodeJS.ErrnoException).code})`,
      );
      continue;
    }
    const layout = caLayout(dirname(crl));
    if (checked.has(layout.dir)) continue;
    checked.add(layout.dir);
    if (basename(crl) !== basename(layout.crl) || !statPath(layout.inventory).ok) {
      collector.skip(
        'tls.revocations',
        `dockgate serve (pid ${pid}) checks --tls-crl ${crl}, which is not the crl.pem of a dockgate certs directory: whether it lists every revocation of its CA cannot be told`,
      );
      continue;
    }
    let disagreements: Disagreement[];
    try {
      disagreements = revocationDisagreements(readRevocationRecords(layout));
    } catch (err) {
      collector.skip('tls.revocations', `the records of the CA directory ${layout.dir} cannot be read: ${(err as Error).message}`);
      continue;
    }
    if (disagreements.length === 0) continue;
    collector.add(
      finding('gateway.revocations-disagree', {
        subject: layout.dir,
        file: layout.crl,
        // A CRL that lacks a revocation, or is older than one the CA signed, admits a revoked certificate (now, or once serve restarts).
        severity: disagreements.some((d) => d.affects === 'crl') ? 'high' : 'medium',
        evidence: [`dockgate serve (pid ${pid}) checks client certificates against ${crl}`, ...disagreements.map(describeDisagreement)],
        remediation: `Run "dockgate certs crl --dir ${layout.dir}": it signs a new CRL listing every revocation of the CRL, the journal and the inventory, and brings the inventory up to date`,
      }),
    );
  }
}

function checkDaemonTlsFiles(ctx: AuditContext): void {
  const daemon = ctx.daemon;
  const { collector } = ctx;
  if (daemon === undefined) {
    collector.skip('tls.material', "the engine's host is not this one (or its process was not found): its TLS files were not examined");
    return;
  }
  const { config } = daemon;
  const mode = config.tlsMode();
  const set = (key: string) => config.string(key);
  const anyTls = mode !== 'none' || ['tlscacert', 'tlscert', 'tlskey'].some((k) => set(k) !== undefined);
  if (!anyTls) return;
  // dockerd's defaults: DOCKER_CERT_PATH, else ~/.docker of the daemon user.
  const environ = (readText(`/proc/${daemon.process.pid}/environ`) ?? '').split('\0');
  const certPath = environ.find((e) => e.startsWith('DOCKER_CERT_PATH='))?.slice('DOCKER_CERT_PATH='.length);
  const home = ctx.accounts().accounts.find((a) => a.uid === daemon.process.uid)?.home ?? '/root';
  const base = certPath ?? join(home, '.docker');
  const files = {
    ca: set('tlscacert')?.value ?? join(base, 'ca.pem'),
    cert: set('tlscert')?.value ?? join(base, 'cert.pem'),
    key: set('tlskey')?.value ?? join(base, 'key.pem'),
  };
  const owner = daemon.rootless ? daemon.process.uid : 0;
  const accounts = ctx.accounts();
  let caCert: X509Certificate | undefined;
  const roles: Array<['ca' | 'cert' | 'key', string, string]> = [
    ['ca', files.ca, 'tlscacert'],
    ['cert', files.cert, 'tlscert'],
    ['key', files.key, 'tlskey'],
  ];
  for (const [role, path, key] of roles) {
    if (role === 'ca' && mode !== 'tlsverify' && set('tlscacert') === undefined) continue; // no client CA in use
    const stat = statPath(path);
    if (!stat.ok) {
      if (stat.code === 'EACCES') collector.skip('tls.material', `${path} (${key}) cannot be examined: permission denied`);
      else collector.add(finding('tls.file-missing', { subject: path, file: path, evidence: [`${key}: ${path} (${stat.code})`] }));
      continue;
    }
    const { mode: fileMode, uid } = stat.stats;
    const describe = `${path} (${key}): owner ${accounts.userName(uid)} (uid ${uid}), mode ${octal(fileMode)}`;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      collector.skip('tls.material', `${path} (${key}) cannot be read (${(err as NodeJS.ErrnoException).code})`);
      continue;
    }
    if (role === 'key') {
      if ((fileMode & 0o066) !== 0 || uid !== owner) {
        collector.add(
          finding('tls.key-readable', {
            subject: path,
            file: path,
            evidence: [describe, (fileMode & 0o066) !== 0 ? `mode bits ${octal(fileMode & 0o066)} let the group or others read or change the key` : `expected owner uid ${owner}`],
          }),
        );
      }
      continue;
    }
    if ((fileMode & (S_IWGRP | S_IWOTH)) !== 0 || uid !== owner) {
      collector.add(finding('tls.cert-writable', { subject: path, file: path, evidence: [describe] }));
    }
    const pems = splitPemCertificates(text);
    if (pems.length === 0) {
      collector.add(
        finding('tls.file-missing', { subject: path, file: path, title: 'A TLS file of the daemon holds no certificate', evidence: [`${path} (${key}) has no PEM certificate`] }),
      );
      continue;
    }
    pems.forEach((pem, index) => {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(pem);
      } catch (err) {
        collector.skip('tls.material', `${path} certificate ${index + 1} cannot be parsed (${(err as Error).message})`);
        return;
      }
      if (role === 'ca' && index === 0) caCert = cert;
      if (new Date(cert.validFrom).getTime() > ctx.options.now.getTime()) {
        collector.add(
          finding('tls.cert-expired', {
            subject: `${path}${pems.length > 1 ? ` #${index + 1}` : ''}`,
            file: path,
            evidence: [`${key} ${path}: subject ${cert.subject.replace(/\n/g, ', ')}, not valid before ${new Date(cert.validFrom).toISOString()}`],
          }),
        );
      }
      if (role === 'cert' && index === 0 && Array.isArray(cert.keyUsage) && !cert.keyUsage.includes(SERVER_AUTH)) {
        collector.add(
          finding('tls.server-cert-usage', { subject: path, file: path, evidence: [`${path}: extended key usage ${cert.keyUsage.join(', ')} lacks serverAuth (${SERVER_AUTH})`] }),
        );
      }
    });
    // Expiry, read by the certificate authority's own warning code (src/certs).
    for (const warning of certificateExpiryWarnings([path], ctx.options.now, EXPIRY_WARNING_DAYS)) {
      if (warning.status === 'unreadable') collector.skip('tls.material', warning.message);
      else
        collector.add(
          finding(warning.status === 'expired' ? 'tls.cert-expired' : 'tls.cert-expiring', {
            subject: `${path}${warning.subject !== undefined ? ` (${warning.subject})` : ''}`,
            file: path,
            evidence: [`${key}: ${warning.message}`],
          }),
        );
    }
    if (role === 'ca' && mode === 'tlsverify' && (pems.length > 3 || isSystemBundle(path))) {
      collector.add(
        finding('tls.ca-bundle', {
          subject: path,
          file: path,
          evidence: [`tlscacert ${path} holds ${pems.length} certificates${isSystemBundle(path) ? ' and is a system trust store' : ''}`],
        }),
      );
    }
  }
  // A CA private key next to the certificates lets whoever reads it issue client certificates.
  if (caCert !== undefined) {
    const caPublic = caCert.publicKey;
    for (const dir of new Set([dirname(files.ca), dirname(files.cert)])) {
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        continue;
      }
      for (const entry of entries) {
        const path = join(dir, entry);
        const text = readText(path);
        if (text === undefined || !text.includes('PRIVATE KEY-----')) continue;
        if (text.includes('ENCRYPTED PRIVATE KEY') || text.includes('Proc-Type: 4,ENCRYPTED')) {
          if (/ca[-_.]?key/i.test(entry))
            collector.add(finding('tls.ca-key-on-host', { subject: path, file: path, evidence: [`${path}: an encrypted private key named like the CA key, next to ${files.ca}`] }));
          continue;
        }
        try {
          if (sameKey(createPublicKey(createPrivateKey(text)), caPublic)) {
            collector.add(
              finding('tls.ca-key-on-host', { subject: path, file: path, evidence: [`${path} is the private key of the CA ${files.ca} (${caCert.subject.replace(/\n/g, ', ')})`] }),
            );
          }
        } catch {
          // not a key Node can read: not judged
        }
      }
    }
  }
}
