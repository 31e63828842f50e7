// `dockgate certs`: a small certificate authority for mutual TLS, so that reaching the gateway over the
// network the safe way takes a few commands:
//   certs init   --dir DIR --host NAME --ip ADDR ...   a CA, a server certificate, an empty CRL
//   certs issue  NAME --dir DIR [--group G]... --out OUT   a client certificate in DOCKER_CERT_PATH layout
//   certs revoke NAME|SERIAL --dir DIR                     revoke and re-sign DIR/crl.pem
//   certs crl    --dir DIR                                 re-sign DIR/crl.pem before its nextUpdate
//   certs renew-server --dir DIR [--host NAME] [--ip ADDR]  a new server certificate and key
//   certs list   --dir DIR [--format json]                 every certificate with its expiry and status
// Text read from certificates and the CA's files (names, groups, notes) is printed through inertText:
// whoever asked for a certificate chose its subject, which must not act on the operator's terminal.
import type { Command } from 'commander';
import {
  DEFAULT_CA_DAYS,
  DEFAULT_CLIENT_DAYS,
  DEFAULT_CRL_DAYS,
  DEFAULT_SERVER_DAYS,
  initCa,
  issueClient,
  KEY_TYPES,
  listCertificates,
  refreshCrl,
  renewServer,
  REVOCATION_REASONS,
  revokeCertificates,
  type CertificateListing,
  type CrlWritten,
  type KeyType,
  type RevocationReason,
} from '../certs/index.js';
import type { IssuedRecord } from '../certs/inventory.js';
import { KEY_TYPE_NAMES } from '../certs/key-pair.js';
import { parseDays } from '../certs/names.js';
import { ConfigError, loadingConfig } from '../errors/config-error.js';
import { inertText } from '../log/inert-text.js';

/**
 * A subcommand's action. The certificate authority's module reports what the operator can mend (a file,
 * an argument, the CA's records) as CertsError, and Node's file operations as errno errors: both are
 * printed as one line (src/errors/config-error.ts).
 */
function certsAction<A extends unknown[]>(action: (...args: A) => void | Promise<void>): (...args: A) => Promise<void> {
  return (...args) => loadingConfig(() => action(...args));
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function print(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

function day(iso: string | Date): string {
  return (typeof iso === 'string' ? iso : iso.toISOString()).replace(/\.\d{3}Z$/, 'Z');
}

function keyType(text: string): KeyType {
  if (!(KEY_TYPES as readonly string[]).includes(text)) throw new ConfigError(`--key-type ${text}: expected ecdsa (P-256, the default) or rsa (4096 bits)`);
  return text as KeyType;
}

function reason(text: string): RevocationReason {
  if (!Object.hasOwn(REVOCATION_REASONS, text)) throw new ConfigError(`--reason ${text}: expected one of ${Object.keys(REVOCATION_REASONS).join(', ')}`);
  return text as RevocationReason;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function certificatesNamed(records: readonly IssuedRecord[]): string {
  return records.map((r) => `${r.serial} (CN ${inertText(r.cn)})`).join(', ');
}

/** The new CRL, and what its command found missing from the CA's records and put back. */
function crlLines(crl: CrlWritten, dir: string): string[] {
  const { mended } = crl;
  const lines = [`wrote ${crl.file}: CRL number ${crl.number}, ${plural(crl.revokedCount, 'revoked certificate')}, next update due ${day(crl.nextUpdate)}`];
  if (mended.revocationsRestored.length > 0) {
    lines.push(
      `  kept revoked ${plural(mended.revocationsRestored.length, 'certificate')} that the inventory listed as not revoked (restored from an earlier copy?), and marked revoked there again: ${certificatesNamed(mended.revocationsRestored)}`,
    );
  }
  if (mended.certificatesRestored.length > 0) {
    lines.push(
      `  listed again in the inventory ${plural(mended.certificatesRestored.length, 'certificate')} it had lost, from ${dir}/issued/: ${certificatesNamed(mended.certificatesRestored)}`,
    );
  }
  if (mended.journalStarted) lines.push(`  started the revocation journal ${crl.journal} with ${plural(mended.journalAdded, 'revocation')}`);
  else if (mended.journalAdded > 0) lines.push(`  recorded ${plural(mended.journalAdded, 'revocation')} that ${crl.journal} lacked`);
  return lines;
}

function optionalDays(option: string, text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseDays(option, text);
}

/** A subcommand that writes a server certificate: the CA directory, the names and addresses it is for, and its validity. */
function serverCertificateCommand(certs: Command, name: string, description: string, help: { dir: string; host: string; ip: string; days: string }): Command {
  return certs
    .command(name)
    .description(description)
    .requiredOption('--dir <dir>', help.dir)
    .option('--host <name>', help.host, collect, [])
    .option('--ip <addr>', help.ip, collect, [])
    .option('--days <n>', help.days);
}

function registerInit(certs: Command): void {
  serverCertificateCommand(certs, 'init', 'create a CA, a server certificate for the given names and an empty CRL in DIR', {
    dir: 'the CA directory (created if missing; must not hold a CA yet)',
    host: 'a DNS name clients reach the server by; repeatable',
    ip: 'an IP address clients reach the server at; repeatable',
    days: `validity of the server certificate in days (default ${DEFAULT_SERVER_DAYS})`,
  })
    .option('--key-type <type>', 'ecdsa (P-256) or rsa (4096 bits)', 'ecdsa')
    .option('--ca-days <n>', `validity of the CA in days (default ${DEFAULT_CA_DAYS})`)
    .option('--crl-days <n>', `days until the CRL's nextUpdate (default ${DEFAULT_CRL_DAYS})`)
    .action(
      certsAction(async (opts: { dir: string; host: string[]; ip: string[]; keyType: string; days?: string; caDays?: string; crlDays?: string }) => {
        const days = optionalDays('--days', opts.days);
        const caDays = optionalDays('--ca-days', opts.caDays);
        const crlDays = optionalDays('--crl-days', opts.crlDays);
        const result = await initCa({
          dir: opts.dir,
          hosts: opts.host,
          ips: opts.ip,
          keyType: keyType(opts.keyType),
          ...(days !== undefined && { days }),
          ...(caDays !== undefined && { caDays }),
          ...(crlDays !== undefined && { crlDays }),
        });
        const l = result.layout;
        print([
          `created a CA and a server certificate (${KEY_TYPE_NAMES[result.keyType]} keys) in ${l.dir}`,
          `  ${l.caCert}  CA certificate (${result.ca.subject}), valid until ${day(result.ca.notAfter)}: serve --tls-ca, and clients' ca.pem`,
          `  ${l.serverCert}  server certificate for ${result.server.san.join(', ')}, valid until ${day(result.server.notAfter)}: serve --tls-cert`,
          `  ${l.serverKey}  server key (mode 0400): serve --tls-key`,
          `  ${l.crl}  revocation list (empty, next update due ${day(result.crlNextUpdate)})`,
          `  ${l.caKey}  CA private key (mode 0400, directory 0700): serve never reads it; keep it away from the server if you can`,
          'next:',
          `  dockgate serve --listen tcp://0.0.0.0:2376 --tls-ca ${l.caCert} --tls-cert ${l.serverCert} --tls-key ${l.serverKey} ...`,
          `  dockgate certs issue NAME --dir ${opts.dir} --group GROUP --out CERT_DIR`,
        ]);
      }),
    );
}

function registerIssue(certs: Command): void {
  certs
    .command('issue <name>')
    .description('issue a client certificate (CN = NAME, O and OU = each group) into OUT, in DOCKER_CERT_PATH layout')
    .requiredOption('--dir <dir>', 'the CA directory')
    .requiredOption('--out <dir>', 'where to write ca.pem, cert.pem and key.pem (created 0700 if missing)')
    .option('--group <group>', 'a group the client belongs to (subject O and OU; policies match it with ou: or o:); repeatable', collect, [])
    .option('--days <n>', `validity in days (default ${DEFAULT_CLIENT_DAYS})`)
    .action(
      certsAction(async (name: string, opts: { dir: string; out: string; group: string[]; days?: string }) => {
        const days = optionalDays('--days', opts.days);
        const result = await issueClient({ dir: opts.dir, name, groups: opts.group, out: opts.out, ...(days !== undefined && { days }) });
        const r = result.record;
        const groups = r.groups.length === 0 ? 'no groups' : `groups ${r.groups.join(', ')}`;
        print([
          `issued a client certificate for CN ${r.cn} (${groups}), serial ${r.serial}, valid until ${day(r.notAfter)}`,
          `  ${result.files.ca}, ${result.files.cert}, ${result.files.key} (key mode 0400)`,
          'use it:',
          `  DOCKER_HOST=${result.dockerHost ?? 'tcp://HOST:2376'} DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=${result.files.dir} docker ps`,
        ]);
      }),
    );
}

function registerRevoke(certs: Command): void {
  certs
    .command('revoke <name-or-serial>')
    .description('revoke every unrevoked certificate with that CN, or the one with that serial, and re-sign DIR/crl.pem')
    .requiredOption('--dir <dir>', 'the CA directory')
    .option('--reason <reason>', `why, recorded in the CRL: ${Object.keys(REVOCATION_REASONS).join(', ')}`, 'unspecified')
    .option('--crl-days <n>', `days until the new CRL's nextUpdate (default ${DEFAULT_CRL_DAYS})`)
    .action(
      certsAction(async (target: string, opts: { dir: string; reason: string; crlDays?: string }) => {
        const crlDays = optionalDays('--crl-days', opts.crlDays);
        const result = await revokeCertificates({ dir: opts.dir, target, reason: reason(opts.reason), ...(crlDays !== undefined && { crlDays }) });
        const what = result.matchedBy === 'name' ? `with CN ${target}` : `with serial ${result.revoked[0]?.serial ?? result.alreadyRevoked[0]?.serial}`;
        const lines = [
          result.revoked.length === 0
            ? `nothing to revoke: every certificate ${what} was revoked before`
            : `revoked ${plural(result.revoked.length, 'certificate')} ${what}: ${result.revoked.map((r) => r.serial).join(', ')}`,
        ];
        if (result.revoked.length > 0 && result.alreadyRevoked.length > 0) lines.push(`  (${result.alreadyRevoked.length} more ${what} had been revoked before)`);
        print([...lines, ...crlLines(result.crl, opts.dir)]);
      }),
    );
}

function registerCrl(certs: Command): void {
  certs
    .command('crl')
    .description('re-sign DIR/crl.pem with a new nextUpdate (a server checking an outdated CRL refuses every client)')
    .requiredOption('--dir <dir>', 'the CA directory')
    .option('--days <n>', `days until the CRL's nextUpdate (default ${DEFAULT_CRL_DAYS})`)
    .action(
      certsAction(async (opts: { dir: string; days?: string }) => {
        const crlDays = optionalDays('--days', opts.days);
        print(crlLines(await refreshCrl({ dir: opts.dir, ...(crlDays !== undefined && { crlDays }) }), opts.dir));
      }),
    );
}

function registerRenewServer(certs: Command): void {
  serverCertificateCommand(certs, 'renew-server', 'replace DIR/server-cert.pem and DIR/server-key.pem with a new pair from the CA (same names unless given)', {
    dir: 'the CA directory',
    host: 'a DNS name of the server; repeatable (default: the names of the current certificate)',
    ip: 'an IP address of the server; repeatable',
    days: `validity in days (default ${DEFAULT_SERVER_DAYS})`,
  }).action(
    certsAction(async (opts: { dir: string; host: string[]; ip: string[]; days?: string }) => {
      const days = optionalDays('--days', opts.days);
      const server = await renewServer({ dir: opts.dir, hosts: opts.host, ips: opts.ip, ...(days !== undefined && { days }) });
      print([
        `wrote ${server.file} (serial ${server.serial}${server.replaced === undefined ? '' : `, replacing ${server.replaced}`}) for ${server.san.join(', ')}, valid until ${day(server.notAfter)}, and its key`,
        'restart dockgate serve to use it',
      ]);
    }),
  );
}

function statusText(entry: Pick<CertificateListing, 'status' | 'daysLeft' | 'revokedAt'>): string {
  switch (entry.status) {
    case 'revoked':
      return `revoked ${entry.revokedAt === undefined ? '' : day(entry.revokedAt)}`.trim();
    case 'expired':
      return `expired ${-entry.daysLeft} day${entry.daysLeft === -1 ? '' : 's'} ago`;
    case 'expiring-soon':
      return `expiring soon (${entry.daysLeft} day${entry.daysLeft === 1 ? '' : 's'} left)`;
    case 'valid':
      return 'valid';
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

function registerList(certs: Command): void {
  certs
    .command('list')
    .description('list the CA, the server certificate and every issued client certificate with expiry and status')
    .requiredOption('--dir <dir>', 'the CA directory')
    .option('--format <format>', 'table or json', 'table')
    .action(
      certsAction((opts: { dir: string; format: string }) => {
        if (opts.format !== 'table' && opts.format !== 'json') throw new ConfigError(`--format ${opts.format}: expected table or json`);
        const listing = listCertificates(opts.dir);
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
          return;
        }
        const rows = [['KIND', 'SERIAL', 'CN', 'GROUPS / NAMES', 'NOT AFTER', 'STATUS']];
        for (const c of listing.certificates) {
          rows.push(
            [c.kind, c.serial, c.cn, (c.kind === 'server' ? c.san : c.groups).join(',') || '-', day(c.notAfter), statusText(c) + (c.note === undefined ? '' : ` (${c.note})`)].map(inertText),
          );
        }
        const lines = table(rows);
        if (listing.crl !== undefined) {
          const crl = listing.crl;
          const due = crl.nextUpdate === undefined ? 'no next update' : `next update due ${day(crl.nextUpdate)}`;
          lines.push(
            '',
            `CRL ${crl.file}: number ${crl.number ?? '?'}, ${crl.revokedCount} revoked, ${due}${crl.status === 'valid' ? '' : ` (${crl.status === 'expired' ? 'OUTDATED' : 'due soon'}: run dockgate certs crl --dir ${opts.dir})`}`,
          );
        }
        if (listing.problems.length > 0) {
          lines.push('', "the CA's records disagree:", ...listing.problems.map((problem) => `  ${inertText(problem)}`));
        }
        print(lines);
      }),
    );
}

export function registerCerts(program: Command): void {
  const certs = program.command('certs').description('a certificate authority for mutual TLS: init, issue, revoke, crl, renew-server, list');
  registerInit(certs);
  registerIssue(certs);
  registerRevoke(certs);
  registerCrl(certs);
  registerRenewServer(certs);
  registerList(certs);
}
