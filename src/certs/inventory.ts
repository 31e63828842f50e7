// The inventory, DIR/issued.json: every client certificate the CA issued (serial, CN, groups, validity,
// SHA-256 fingerprint, key type) and, once revoked, when and why. It is what `certs list` shows and what
// `certs revoke NAME` looks names up in: a view, not the source. A copy of each certificate is kept beside
// it in DIR/issued/ and every revocation in the journal (revocation-journal.ts), so an inventory restored
// from an earlier copy is brought up to date from them, and never takes a revocation out of the next CRL.
// Written atomically (temporary file renamed over) under the CA's lock; a file that does not read as an
// inventory stops every command with a message, rather than being taken as empty.
import { z } from 'zod';
import { CertsError } from './certs-error.js';
import { KEY_TYPES } from './key-pair.js';
import { REVOCATION_REASONS, type RevocationReason } from './crl.js';
import { exists, readText, replaceFile } from './safe-files.js';

/** A date as the CA's JSON records write it: ISO 8601 in UTC. */
export const isoDate = z.iso.datetime({ offset: false });
/** A reason `certs revoke --reason` gives. */
export const reasonSchema = z.enum(Object.keys(REVOCATION_REASONS) as [RevocationReason, ...RevocationReason[]]);
/** A canonical serial (upper-case hex, no sign byte). */
export const serialSchema = z.string().regex(/^[0-9A-F]+$/);

const issuedSchema = z.strictObject({
  serial: serialSchema,
  cn: z.string().min(1),
  groups: z.array(z.string()),
  keyType: z.enum(KEY_TYPES as [string, ...string[]]),
  notBefore: isoDate,
  notAfter: isoDate,
  fingerprint: z.string(),
  issuedAt: isoDate,
  revokedAt: isoDate.optional(),
  reason: reasonSchema.optional(),
});

const inventorySchema = z.strictObject({
  version: z.literal(1),
  /** The number of the last CRL signed; the next one gets a greater number. */
  crlNumber: z.number().int().nonnegative(),
  certificates: z.array(issuedSchema),
});

export type IssuedRecord = z.infer<typeof issuedSchema>;
export type Inventory = z.infer<typeof inventorySchema>;

export function emptyInventory(): Inventory {
  return { version: 1, crlNumber: 0, certificates: [] };
}

export function readInventory(path: string): Inventory {
  if (!exists(path)) throw new CertsError(`${path} is missing: it records every certificate this CA issued (was the directory made by "dockgate certs init"?)`);
  const text = readText(path, 'the inventory of issued certificates');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CertsError(`${path}: not JSON (${(err as Error).message}); restore it from a backup`);
  }
  const parsed = inventorySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CertsError(`${path}: not a dockgate inventory (${issue?.path.join('.') || 'top level'}: ${issue?.message}); restore it from a backup`);
  }
  return parsed.data;
}

export function writeInventory(path: string, inventory: Inventory): void {
  replaceFile(path, `${JSON.stringify(inventory, null, 2)}\n`, 0o644);
}
