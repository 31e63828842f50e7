// `dockgate certs revoke NAME|SERIAL` and `dockgate certs crl`: a revocation is appended to the journal,
// then the CRL is signed anew listing every revocation the CA's records hold (revocation-state.ts: the
// journal, the current crl.pem, the inventory), with a CRL number greater than any before it and a
// thisUpdate no earlier than the last one's, so that serve takes it as the newer CRL. Nothing can drop a
// revocation: an inventory restored from an earlier copy is brought up to date instead (and the command
// says what it brought back), an older crl.pem put back only adds what it lists. A CRL that was lost or
// left behind (a command killed between the writes) is rebuilt whole by the next revoke or `certs crl`.
import { openCa, type OpenCa } from './certificate-authority.js';
import { CertsError } from './certs-error.js';
import { signCrl, signedByCa, type RevocationReason } from './crl.js';
import { writeInventory, type Inventory, type IssuedRecord } from './inventory.js';
import { DAY_MS, wholeSeconds } from './names.js';
import { DEFAULT_CRL_DAYS } from './init-ca.js';
import { appendToJournal, type JournalRevocation } from './revocation-journal.js';
import { everyRevocation, mendInventory, readRevocationRecords, type KnownRevocation, type MendedInventory, type RevocationRecords } from './revocation-state.js';
import { replaceFile, withLock } from './safe-files.js';
import { normaliseSerial } from '../x509/serial.js';

/** What a signing command found missing from the CA's records and put back. */
export interface RecordsMended {
  /** Certificates the inventory listed as not revoked although another record revoked them. */
  revocationsRestored: IssuedRecord[];
  /** Certificates the inventory did not list, read back from DIR/issued/. */
  certificatesRestored: IssuedRecord[];
  /** Revocations the journal did not record (all of them when it had to be started). */
  journalAdded: number;
  journalStarted: boolean;
}

export interface CrlWritten {
  file: string;
  /** The revocation journal it was recorded in. */
  journal: string;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  /** How many certificates it lists. */
  revokedCount: number;
  mended: RecordsMended;
}

export interface RevokeOptions {
  dir: string;
  /** A client's CN (every unrevoked certificate with it) or one certificate's serial. */
  target: string;
  reason?: RevocationReason;
  /** nextUpdate of the new CRL (default 180 days). */
  crlDays?: number;
  now?: Date;
}

export interface RevokeResult {
  matchedBy: 'name' | 'serial';
  /** Revoked by this command. */
  revoked: IssuedRecord[];
  /** Matched, but revoked before. */
  alreadyRevoked: IssuedRecord[];
  crl: CrlWritten;
}

/** The CA's records read and reconciled for a new CRL; under the lock. */
interface Revision {
  records: RevocationRecords;
  revocations: Map<string, KnownRevocation>;
  mended: MendedInventory;
}

function openRevision(ca: OpenCa, now: Date): Revision {
  const records = readRevocationRecords(ca.layout);
  const { crl } = records;
  // Its entries go into the new CRL: they must be this CA's revocations, not whatever a writable file says.
  if (crl !== undefined && !signedByCa(crl, ca.cert)) {
    throw new CertsError(
      `${ca.layout.crl} is not signed by this CA: its revocations cannot be taken into the new CRL; move it away (the journal, ${ca.layout.journal}, and the inventory hold the revocations) and run the command again`,
    );
  }
  for (const last of [records.journal?.lastCrl?.thisUpdate, crl?.thisUpdate]) {
    if (last !== undefined && now.getTime() < last.getTime()) {
      throw new CertsError(
        `the clock of this host (${now.toISOString()}) is behind the thisUpdate of the last CRL (${last.toISOString()}): serve would refuse a CRL signed now as older than the one in force; correct the clock and run the command again`,
      );
    }
  }
  const revocations = everyRevocation(records);
  return { records, revocations, mended: mendInventory(records, revocations) };
}

/** Signs the CRL with every revocation (and `added`), records it in the journal and the inventory, writes it. */
async function writeCrl(ca: OpenCa, revision: Revision, added: readonly JournalRevocation[], now: Date, crlDays: number): Promise<CrlWritten> {
  const { records, mended } = revision;
  const revocations: JournalRevocation[] = [...revision.revocations.values(), ...added];
  const addedSerials = new Set(added.map((r) => r.serial));
  const inventory: Inventory = {
    ...mended.inventory,
    certificates: mended.inventory.certificates.map((c) => {
      const revocation = added.find((r) => r.serial === c.serial);
      return revocation === undefined ? c : { ...c, revokedAt: revocation.revokedAt.toISOString(), reason: revocation.reason };
    }),
  };
  const number = Math.max(records.journal?.lastCrl?.number ?? 0, records.inventory.crlNumber, records.crl?.number ?? 0) + 1;
  const nextUpdate = new Date(now.getTime() + crlDays * DAY_MS);
  const pem = await signCrl(ca, { number, thisUpdate: now, nextUpdate, entries: revocations });
  const unrecorded = revocations.filter((r) => records.journal?.revoked.has(r.serial) !== true);
  // The journal first: once a revocation is there, no later step or restore can leave it out of a CRL;
  // and its CRL line keeps the next number above this one even if this run stops before crl.pem is written.
  appendToJournal(ca.layout.journal, unrecorded, { number, thisUpdate: now, nextUpdate, revokedCount: revocations.length });
  writeInventory(ca.layout.inventory, { ...inventory, crlNumber: number });
  replaceFile(ca.layout.crl, pem, 0o644);
  return {
    file: ca.layout.crl,
    journal: ca.layout.journal,
    number,
    thisUpdate: now,
    nextUpdate,
    revokedCount: revocations.length,
    mended: {
      revocationsRestored: mended.revocationsRestored,
      certificatesRestored: mended.certificatesRestored,
      journalAdded: unrecorded.filter((r) => !addedSerials.has(r.serial)).length,
      journalStarted: records.journal === undefined,
    },
  };
}

function matchTarget(inventory: Inventory, target: string, inventoryPath: string): { by: 'name' | 'serial'; records: IssuedRecord[] } {
  const byName = inventory.certificates.filter((c) => c.cn === target);
  const serial = normaliseSerial(target);
  const bySerial = serial === undefined ? [] : inventory.certificates.filter((c) => c.serial === serial);
  if (byName.length > 0 && bySerial.length > 0) {
    throw new CertsError(`${target} is both a name and a serial in ${inventoryPath}: give the serial of the certificate to revoke (dockgate certs list shows them)`);
  }
  if (bySerial.length > 0) return { by: 'serial', records: bySerial };
  if (byName.length > 0) return { by: 'name', records: byName };
  throw new CertsError(`no certificate with CN ${JSON.stringify(target)} or serial ${JSON.stringify(target)} in ${inventoryPath} ("dockgate certs list --dir DIR" shows what was issued)`);
}

export async function revokeCertificates(options: RevokeOptions): Promise<RevokeResult> {
  const now = wholeSeconds(options.now ?? new Date());
  const reason = options.reason ?? 'unspecified';
  const ca = await openCa(options.dir, now);
  return withLock(ca.layout.lock, async () => {
    const revision = openRevision(ca, now);
    // Names are looked up in the inventory as mended: a certificate an earlier copy lacked can be revoked too.
    const matched = matchTarget(revision.mended.inventory, options.target, ca.layout.inventory);
    const revoked = matched.records.filter((c) => c.revokedAt === undefined).map((c) => ({ ...c, revokedAt: now.toISOString(), reason }));
    const added = revoked.map((c) => ({ serial: c.serial, cn: c.cn, revokedAt: now, reason }));
    return {
      matchedBy: matched.by,
      revoked,
      alreadyRevoked: matched.records.filter((c) => c.revokedAt !== undefined),
      crl: await writeCrl(ca, revision, added, now, options.crlDays ?? DEFAULT_CRL_DAYS),
    };
  });
}

export interface RefreshCrlOptions {
  dir: string;
  crlDays?: number;
  now?: Date;
}

/** `dockgate certs crl`: signs the CRL again (new thisUpdate and nextUpdate), e.g. before nextUpdate passes. */
export async function refreshCrl(options: RefreshCrlOptions): Promise<CrlWritten> {
  const now = wholeSeconds(options.now ?? new Date());
  const ca = await openCa(options.dir, now);
  return withLock(ca.layout.lock, async () => writeCrl(ca, openRevision(ca, now), [], now, options.crlDays ?? DEFAULT_CRL_DAYS));
}
