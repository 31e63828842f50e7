// `dockgate certs revoke NAME|SERIAL` and `dockgate certs crl`: revocations are recorded in the inventory,
// then the CRL is signed anew from every revocation the inventory holds, with a CRL number greater than
// any before it (the inventory's and the current crl.pem's). A CRL that was lost or left behind (a command
// killed between the two writes) is thus rebuilt whole by the next revoke or `certs crl`.
import { openCa, type OpenCa } from './certificate-authority.js';
import { CertsError } from './certs-error.js';
import { parseCrl, signCrl, type RevocationReason } from './crl.js';
import { readInventory, writeInventory, type Inventory, type IssuedRecord } from './inventory.js';
import { DAY_MS, wholeSeconds } from './names.js';
import { DEFAULT_CRL_DAYS } from './init-ca.js';
import { exists, readText, replaceFile, withLock } from './safe-files.js';
import { normaliseSerial } from './serial.js';

export interface CrlWritten {
  file: string;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  /** How many certificates it lists. */
  revokedCount: number;
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

function currentCrlNumber(file: string): number {
  if (!exists(file)) return 0;
  try {
    return parseCrl(readText(file, 'the CRL'), file).number ?? 0;
  } catch {
    return 0; // unreadable: the inventory's number still keeps the sequence growing
  }
}

/** Signs the CRL from the inventory's revocations, records its number and writes it; call under the lock. */
async function writeCrl(ca: OpenCa, inventory: Inventory, now: Date, crlDays: number): Promise<{ inventory: Inventory; crl: CrlWritten }> {
  const number = Math.max(inventory.crlNumber, currentCrlNumber(ca.layout.crl)) + 1;
  const nextUpdate = new Date(now.getTime() + crlDays * DAY_MS);
  const entries = inventory.certificates.flatMap((c) =>
    c.revokedAt === undefined ? [] : [{ serial: c.serial, revokedAt: new Date(c.revokedAt), reason: c.reason ?? 'unspecified' }],
  );
  const pem = await signCrl(ca, { number, thisUpdate: now, nextUpdate, entries });
  const updated = { ...inventory, crlNumber: number };
  // The inventory first: a CRL is never numbered below one already written, even if this run stops here.
  writeInventory(ca.layout.inventory, updated);
  replaceFile(ca.layout.crl, pem, 0o644);
  return { inventory: updated, crl: { file: ca.layout.crl, number, thisUpdate: now, nextUpdate, revokedCount: entries.length } };
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
    const inventory = readInventory(ca.layout.inventory);
    const matched = matchTarget(inventory, options.target, ca.layout.inventory);
    const serials = new Set(matched.records.filter((c) => c.revokedAt === undefined).map((c) => c.serial));
    const certificates = inventory.certificates.map((c) => (serials.has(c.serial) ? { ...c, revokedAt: now.toISOString(), reason } : c));
    const written = await writeCrl(ca, { ...inventory, certificates }, now, options.crlDays ?? DEFAULT_CRL_DAYS);
    return {
      matchedBy: matched.by,
      revoked: written.inventory.certificates.filter((c) => serials.has(c.serial)),
      alreadyRevoked: matched.records.filter((c) => c.revokedAt !== undefined),
      crl: written.crl,
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
  return withLock(ca.layout.lock, async () => (await writeCrl(ca, readInventory(ca.layout.inventory), now, options.crlDays ?? DEFAULT_CRL_DAYS)).crl);
}
