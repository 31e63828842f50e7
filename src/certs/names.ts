// What may go into a certificate: client names and groups (subject CN, O, OU), the server's DNS names and
// IP addresses (subjectAltName), and validity periods. Anything else is refused with the rule it broke,
// rather than encoded in some form a TLS stack or a policy rule might read differently.
import { isIP } from 'node:net';
import { CertsError } from './certs-error.js';

/**
 * Client names and groups: what policies select on (`match: { cn: alice }`, `match: { ou: ci }`) and what
 * audit records show. Letters, digits, `.`, `_`, `@`, `-`, starting with a letter or digit, at most 64
 * characters (the X.520 limit for CN, O and OU): no spaces, commas, `=` or `/`, which read differently in
 * `openssl -subj`, RFC 4514 strings and log lines.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function checkSubjectName(what: 'NAME' | '--group', value: string): string {
  if (!NAME.test(value)) {
    throw new CertsError(`${what} ${JSON.stringify(value)}: use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`);
  }
  return value;
}

export function checkGroups(groups: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const group of groups) {
    checkSubjectName('--group', group);
    if (seen.has(group)) throw new CertsError(`--group ${group} is given twice`);
    seen.add(group);
  }
  return [...groups];
}

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A DNS name for the server certificate, lower-cased; wildcards and IP addresses are refused. */
export function checkHost(value: string): string {
  const host = value.toLowerCase();
  if (isIP(host) !== 0) throw new CertsError(`--host ${value} is an IP address: give it as --ip ${value}`);
  if (host.length > 253 || !host.split('.').every((label) => DNS_LABEL.test(label))) {
    throw new CertsError(`--host ${JSON.stringify(value)}: not a DNS name (labels of letters, digits and '-', no wildcards)`);
  }
  return host;
}

/** An IPv4 or IPv6 address for the server certificate. */
export function checkIp(value: string): string {
  if (isIP(value) === 0) throw new CertsError(`--ip ${JSON.stringify(value)}: not an IPv4 or IPv6 address`);
  return value;
}

export const MAX_DAYS = 36_500;

/** `--days N`: a whole number of days, at least 1. */
export function parseDays(option: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_DAYS) {
    throw new CertsError(`${option} ${text}: expected a whole number of days from 1 to ${MAX_DAYS}`);
  }
  return Number(text);
}

export const DAY_MS = 86_400_000;

/** Certificates carry whole seconds: dates are cut to them so that the inventory and the certificate agree. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
