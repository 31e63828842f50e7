// One rule for how a certificate stands, shared by `certs list` and the expiry warnings.
import { DAY_MS } from './names.js';

export type CertificateStatus = 'valid' | 'expiring-soon' | 'expired' | 'revoked';

export const DEFAULT_THRESHOLD_DAYS = 30;

/** Whole days from `now` until `date` (rounded towards zero): negative once it has passed. */
export function daysUntil(date: Date, now: Date): number {
  return Math.trunc((date.getTime() - now.getTime()) / DAY_MS) || 0;
}

/** Revoked beats expired; expiring soon is less than `thresholdDays` before notAfter. */
export function certificateStatus(notAfter: Date, now: Date, thresholdDays: number, revoked: boolean): CertificateStatus {
  if (revoked) return 'revoked';
  if (notAfter.getTime() <= now.getTime()) return 'expired';
  if (notAfter.getTime() - now.getTime() < thresholdDays * DAY_MS) return 'expiring-soon';
  return 'valid';
}
