// The revocation journal, DIR/revocations.jsonl: one JSON line per revocation and one per CRL signed,
// appended under the CA's lock and never rewritten. It is where a revocation lives for good: the inventory
// is a view that a restore from a backup can set back, and crl.pem a file that an older copy can replace,
// but every new CRL lists what the journal holds (with whatever the other two hold besides), so neither
// can take a revocation back. The CRL lines give the number and date of the newest CRL this CA signed, so
// that an older crl.pem put in its place is seen.
//
// Read strictly: a line that does not read stops every command that would sign, rather than a revocation
// being left out of the next CRL without anyone knowing.
import { z } from 'zod';
import { CertsError } from './certs-error.js';
import type { CrlEntry } from './crl.js';
import { isoDate, reasonSchema, serialSchema } from './inventory.js';
import { appendToFile, exists, readText } from './safe-files.js';

const revokedLine = z.strictObject({
  event: z.literal('revoked'),
  serial: serialSchema,
  /** The certificate's CN when it was known (a revocation found only in a CRL has none). */
  cn: z.string().min(1).optional(),
  revokedAt: isoDate,
  reason: reasonSchema,
});

const crlLine = z.strictObject({
  event: z.literal('crl'),
  number: z.number().int().positive(),
  thisUpdate: isoDate,
  nextUpdate: isoDate,
  /** How many certificates it lists. */
  revoked: z.number().int().nonnegative(),
});

const journalLine = z.discriminatedUnion('event', [revokedLine, crlLine]);

export interface JournalRevocation extends CrlEntry {
  cn?: string;
}

export interface SignedCrl {
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revokedCount: number;
}

export interface Journal {
  /** Every revocation, by serial (the first line for a serial, were there two). */
  revoked: Map<string, JournalRevocation>;
  /** The CRL with the highest number the journal records. */
  lastCrl: SignedCrl | undefined;
}

const MENDING = 'the CRL and the inventory still hold its revocations, and the next "dockgate certs crl" writes back any the journal lacks';

/** The journal at `path`, or undefined when there is none (a CA directory made before the journal existed). */
export function readJournal(path: string): Journal | undefined {
  if (!exists(path)) return undefined;
  const text = readText(path, 'the revocation journal');
  const journal: Journal = { revoked: new Map(), lastCrl: undefined };
  if (text === '') return journal;
  if (!text.endsWith('\n')) {
    throw new CertsError(`${path}: its last line is cut off (a dockgate certs command stopped while writing it?): remove that incomplete line, then run the command again (${MENDING})`);
  }
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new CertsError(`${path} line ${index + 1}: not JSON (${(err as Error).message}): mend or remove that line (${MENDING})`);
      }
      const parsed = journalLine.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new CertsError(`${path} line ${index + 1}: not a revocation journal entry (${issue?.path.join('.') || 'top level'}: ${issue?.message}): mend or remove that line (${MENDING})`);
      }
      const entry = parsed.data;
      if (entry.event === 'revoked') {
        if (!journal.revoked.has(entry.serial)) {
          journal.revoked.set(entry.serial, { serial: entry.serial, revokedAt: new Date(entry.revokedAt), reason: entry.reason, ...(entry.cn !== undefined && { cn: entry.cn }) });
        }
      } else if (journal.lastCrl === undefined || entry.number > journal.lastCrl.number) {
        journal.lastCrl = { number: entry.number, thisUpdate: new Date(entry.thisUpdate), nextUpdate: new Date(entry.nextUpdate), revokedCount: entry.revoked };
      }
    });
  return journal;
}

/** Appends the revocations, then the CRL that lists them, in one write that is on disk when this returns. */
export function appendToJournal(path: string, revocations: readonly JournalRevocation[], crl: SignedCrl): void {
  const lines = [
    ...revocations.map((r) => ({ event: 'revoked', serial: r.serial, ...(r.cn !== undefined && { cn: r.cn }), revokedAt: r.revokedAt.toISOString(), reason: r.reason })),
    { event: 'crl', number: crl.number, thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate.toISOString(), revoked: crl.revokedCount },
  ];
  appendToFile(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), 0o644);
}
