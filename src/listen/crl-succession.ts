// Revocation only moves forward. A CRL put in place while serving replaces the one in force only if it is
// not older: a correctly signed CRL from before a revocation (a backup put back, a copy from another host,
// a file replayed by whoever can write there) would otherwise make a revoked certificate work again.
// Older means, for the same issuer: a lower CRL number (RFC 5280 5.2.3: it grows with every CRL an issuer
// signs; compared when both CRLs carry one), or an earlier thisUpdate. The same CRL again (SIGHUP) is not
// older, nor is a later one that lists fewer certificates (their certificates expired).
import type { CrlSummary, RevocationList } from './revocation-list.js';

export interface CrlRegression {
  issuer: string;
  inForce: CrlSummary;
  refused: CrlSummary;
}

function older(candidate: CrlSummary, current: CrlSummary): boolean {
  if (candidate.number !== undefined && current.number !== undefined && candidate.number < current.number) return true;
  return candidate.thisUpdate.getTime() < current.thisUpdate.getTime();
}

/** The first CRL of `next` that is older than the one in force for its issuer; undefined when none is. */
export function crlRegression(inForce: RevocationList, next: RevocationList): CrlRegression | undefined {
  for (const refused of next.crls) {
    const current = inForce.crls.find((c) => c.issuerKey === refused.issuerKey && older(refused, c));
    if (current !== undefined) return { issuer: refused.issuer, inForce: current, refused };
  }
  return undefined;
}

/** `CRL number 7 of 2025-01-02T03:04:05Z` (or without a number), for log lines. */
export function describeCrl(crl: CrlSummary): string {
  return `${crl.number === undefined ? 'a CRL without a number' : `CRL number ${crl.number}`} of ${crl.thisUpdate.toISOString()}`;
}
