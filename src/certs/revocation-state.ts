// What a CA directory's records say about revocations, read together: the journal (where a revocation
// lives for good), crl.pem (what serve enforces, which an older copy can replace), the inventory (the view
// `certs list` shows and `certs revoke NAME` looks names up in, which a restore from a backup can set back)
// and the copies of the issued certificates. Every new CRL lists each revocation any of them holds, and the
// inventory is brought up to date from them (revocation.ts); until then, `certs list` and `dockgate audit`
// show where they disagree, and what mends it.
import { basename } from 'node:path';
import type { CaLayout } from './ca-layout.js';
import { parseCrl, type ParsedCrl } from './crl.js';
import { readInventory, type Inventory, type IssuedRecord } from './inventory.js';
import { readIssuedCopies, type IssuedCopies } from './issued-copies.js';
import { readJournal, type Journal, type JournalRevocation } from './revocation-journal.js';
import { exists, readText } from './safe-files.js';

export interface RevocationRecords {
  layout: CaLayout;
  inventory: Inventory;
  /** Undefined: there is no journal yet (a CA directory made before it existed). */
  journal: Journal | undefined;
  /** Undefined: there is no crl.pem. */
  crl: ParsedCrl | undefined;
  copies: IssuedCopies;
}

/** Reads every record; throws a CertsError for one that exists but does not read. */
export function readRevocationRecords(layout: CaLayout): RevocationRecords {
  return {
    layout,
    inventory: readInventory(layout.inventory),
    journal: readJournal(layout.journal),
    crl: exists(layout.crl) ? parseCrl(readText(layout.crl, 'the CRL'), layout.crl) : undefined,
    copies: readIssuedCopies(layout),
  };
}

export type RevocationSource = 'journal' | 'crl' | 'inventory';

export interface KnownRevocation extends JournalRevocation {
  /** The records that hold it. */
  sources: RevocationSource[];
}

/**
 * Every revocation any record holds, by serial. Its date and reason are the journal's, else the CRL's,
 * else the inventory's; its CN whichever record knows the certificate.
 */
export function everyRevocation(records: RevocationRecords): Map<string, KnownRevocation> {
  const all = new Map<string, KnownRevocation>();
  const add = (source: RevocationSource, revocation: JournalRevocation): void => {
    const known = all.get(revocation.serial);
    if (known === undefined) all.set(revocation.serial, { ...revocation, sources: [source] });
    else known.sources.push(source);
  };
  for (const revocation of records.journal?.revoked.values() ?? []) add('journal', revocation);
  for (const entry of records.crl?.revoked.values() ?? []) add('crl', entry);
  for (const record of records.inventory.certificates) {
    if (record.revokedAt !== undefined) add('inventory', { serial: record.serial, cn: record.cn, revokedAt: new Date(record.revokedAt), reason: record.reason ?? 'unspecified' });
  }
  for (const known of all.values()) {
    const cn = known.cn ?? records.inventory.certificates.find((c) => c.serial === known.serial)?.cn ?? records.copies.records.get(known.serial)?.cn;
    if (cn !== undefined) known.cn = cn;
  }
  return all;
}

export interface Disagreement {
  /** The certificate it is about, if it is about one. */
  serial?: string;
  cn?: string;
  /** `crl`: crl.pem lacks a revocation, or is older than one the CA signed (serve would admit a revoked certificate); `records`: only a record lags behind. */
  affects: 'crl' | 'records';
  message: string;
}

/** `serial S (CN x): message`, for where the certificate is not otherwise named. */
export function describeDisagreement(d: Disagreement): string {
  if (d.serial === undefined) return d.message;
  return `serial ${d.serial}${d.cn === undefined ? '' : ` (CN ${d.cn})`}: ${d.message}`;
}

function day(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Where the records disagree, each with the command that mends it; empty when they agree. */
export function revocationDisagreements(records: RevocationRecords): Disagreement[] {
  const { layout, journal, crl, inventory, copies } = records;
  const name = { journal: basename(layout.journal), crl: basename(layout.crl), inventory: basename(layout.inventory) };
  const mend = `run "dockgate certs crl --dir ${layout.dir}"`;
  const found: Disagreement[] = [];
  if (journal === undefined) {
    found.push({ affects: 'records', message: `${name.journal} is missing (a CA directory from before the revocation journal?): ${mend} to start it from the CRL and the inventory` });
  }
  if (crl === undefined) {
    found.push({ affects: 'crl', message: `${name.crl} is missing: serve --tls-crl cannot check revocations without it; ${mend}` });
  }
  const last = journal?.lastCrl;
  if (crl !== undefined && last !== undefined && ((crl.number ?? 0) < last.number || crl.thisUpdate.getTime() < last.thisUpdate.getTime())) {
    found.push({
      affects: 'crl',
      message:
        `${name.crl} is CRL number ${crl.number ?? '(none)'} of ${day(crl.thisUpdate)}, older than number ${last.number} of ${day(last.thisUpdate)} that this CA signed (${name.journal}): an older CRL was put back (or a command stopped before writing the newer one). ` +
        `A running serve keeps the newer one, but would load this one when it starts; ${mend} to sign a new one with every revocation`,
    });
  }
  const listed = new Map(inventory.certificates.map((c) => [c.serial, c]));
  const revocations = everyRevocation(records);
  for (const revocation of revocations.values()) {
    const { serial } = revocation;
    const about = { serial, ...(revocation.cn !== undefined && { cn: revocation.cn }) };
    const where = `revoked on ${day(revocation.revokedAt)} (${revocation.sources.map((s) => name[s]).join(', ')})`;
    if (crl !== undefined && !crl.revoked.has(serial)) {
      found.push({ ...about, affects: 'crl', message: `${where}, but ${name.crl} does not list it yet: ${mend}` });
    }
    if (journal !== undefined && !journal.revoked.has(serial)) {
      found.push({ ...about, affects: 'records', message: `${where}, but ${name.journal} does not record it: ${mend} to record it` });
    }
    const record = listed.get(serial);
    if (record === undefined) {
      found.push({
        ...about,
        affects: 'records',
        message: copies.records.has(serial)
          ? `${where}, but ${name.inventory} does not list the certificate (restored from an earlier copy?): ${mend} to list it again from issued/${serial}.pem`
          : `${where}, but neither ${name.inventory} nor issued/ know the certificate: every new CRL keeps listing it`,
      });
    } else if (record.revokedAt === undefined) {
      found.push({
        ...about,
        affects: 'records',
        message: `${where}, but ${name.inventory} does not record it (restored from an earlier copy?): every new CRL keeps it revoked; ${mend} to bring ${name.inventory} up to date`,
      });
    }
  }
  for (const [serial, copy] of copies.records) {
    if (listed.has(serial) || revocations.has(serial)) continue; // a revoked one is reported above
    found.push({
      serial,
      cn: copy.cn,
      affects: 'records',
      message: `issued by this CA (issued/${serial}.pem), but ${name.inventory} does not list it (restored from an earlier copy?): ${mend} to list it again`,
    });
  }
  for (const message of copies.unreadable) found.push({ affects: 'records', message });
  return found;
}

export interface MendedInventory {
  inventory: Inventory;
  /** Records whose revocation the inventory had lost, marked revoked again. */
  revocationsRestored: IssuedRecord[];
  /** Records read back from DIR/issued/ that the inventory did not list (revoked ones marked so). */
  certificatesRestored: IssuedRecord[];
}

/** The inventory brought up to date: every revocation marked, every issued copy listed. */
export function mendInventory(records: RevocationRecords, revocations: ReadonlyMap<string, KnownRevocation>): MendedInventory {
  const revocationsRestored: IssuedRecord[] = [];
  const certificatesRestored: IssuedRecord[] = [];
  const marked = (record: IssuedRecord): IssuedRecord => {
    const revocation = revocations.get(record.serial);
    return revocation === undefined || record.revokedAt !== undefined ? record : { ...record, revokedAt: revocation.revokedAt.toISOString(), reason: revocation.reason };
  };
  const certificates = records.inventory.certificates.map((record) => {
    const mended = marked(record);
    if (mended !== record) revocationsRestored.push(mended);
    return mended;
  });
  const listed = new Set(certificates.map((c) => c.serial));
  for (const [serial, copy] of records.copies.records) {
    if (listed.has(serial)) continue;
    const mended = marked(copy);
    certificatesRestored.push(mended);
    certificates.push(mended);
  }
  return { inventory: { ...records.inventory, certificates }, revocationsRestored, certificatesRestored };
}
