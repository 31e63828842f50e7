// `dockgate policy learn`: from an audit trail (clients run under `--profile audit`, or rules in `mode: warn`),
// the smallest policy that allows what each client did: one rule per client (learned-identity.ts), the
// operations it used, the constraints of what it asked of the host (learned-constraints.ts). Learned from the
// `done` records of requests that were forwarded (`allow` and `would_deny`); a `deny` was never had by its
// client and is only counted. The output is the same for the same records: sorted throughout, and the only
// times in it are those of the first and last record learned from.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError } from '../errors/config-error.js';
import { describeIdentity } from '../identify/identity.js';
import type { DoneRecord } from '../record/audit-record.js';
import { learnedIdentity, type Grouping, type LearnedIdentity } from './learned-identity.js';
import type { LearnedRequest } from './learned-constraints.js';
import { learnedRule, policyYaml, type LearnedRule, type Widening } from './learned-rule.js';
import { mergeRules, readExistingPolicy } from './merge-policy.js';
import { parsePolicyText, readPolicyFile } from '../policy/load-policy.js';
import { PolicyFileError } from '../policy/policy-file-error.js';

export interface LearnOptions {
  /** The audit log's path, as given (named in the header). */
  auditLog: string;
  /** Records before this time (ms since the epoch) are left out. */
  since?: number;
  widen: Widening;
  by: Grouping;
}

/** What was learned: the rules, and the header that says from what. */
export interface Learned {
  header: string[];
  rules: LearnedRule[];
}

/** The audit log's `done` records, in file order; lines that are no record (a line torn by a crash) are counted, not fatal. */
export async function readDoneRecords(file: string): Promise<{ records: DoneRecord[]; unreadable: number }> {
  const records: DoneRecord[] = [];
  let unreadable = 0;
  const stream = createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw new ConfigError(`--audit-log ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      unreadable++;
      continue;
    }
    if (isDoneRecord(record)) records.push(record);
  }
  return { records, unreadable };
}

function isDoneRecord(value: unknown): value is DoneRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<DoneRecord>;
  return record.phase === 'done' && typeof record.time === 'string' && typeof record.identity === 'object' && record.identity !== null && typeof record.decision === 'string';
}

/** `2026-05-01T00:00:00Z` or a date, or a duration back from now: `30m`, `12h`, `7d`. */
export function parseSince(text: string, now: number): number {
  const duration = /^(\d+)([smhd])$/.exec(text);
  if (duration) return now - Number(duration[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[duration[2] as 's' | 'm' | 'h' | 'd'];
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new ConfigError(`--since ${text}: expected a time (2026-05-01T12:00:00Z, 2026-05-01) or a duration back from now (30m, 12h, 7d)`);
  return time;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The rules learned from the records, and the header saying from which. */
export function learnFromRecords(all: readonly DoneRecord[], unreadable: number, options: LearnOptions): Learned {
  const inRange = all.filter((r) => options.since === undefined || Date.parse(r.time) >= options.since);
  const learned = inRange.filter((r) => (r.decision === 'allow' || r.decision === 'would_deny') && r.operation !== undefined);
  const denied = inRange.filter((r) => r.decision === 'deny').length;
  const clients = new Map<string, { identity: LearnedIdentity; who: Set<string>; requests: LearnedRequest[]; wouldDeny: Map<string, number> }>();
  for (const record of learned) {
    const identity = learnedIdentity(record.identity, options.by);
    let client = clients.get(identity.key);
    if (client === undefined) {
      client = { identity, who: new Set(), requests: [], wouldDeny: new Map() };
      clients.set(identity.key, client);
    }
    client.who.add(describeClient(record));
    client.requests.push({ operation: record.operation!, ...(record.needs !== undefined && { needs: record.needs }) });
    if (record.decision === 'would_deny') {
      const entry = `would_deny: ${record.operation!} by ${record.rule}: ${record.reason}`;
      client.wouldDeny.set(entry, (client.wouldDeny.get(entry) ?? 0) + 1);
    }
  }
  const names = new Set<string>();
  const rules = [...clients.values()]
    .sort((a, b) => (a.identity.key < b.identity.key ? -1 : a.identity.key > b.identity.key ? 1 : 0))
    .map((client) => {
      const identity = { ...client.identity, name: uniqueName(client.identity.name, names) };
      const comments = [
        `${[...client.who].sort().join('; ')}: ${plural(client.requests.length, 'request')}`,
        ...[...client.wouldDeny].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([entry, n]) => `${entry}${n > 1 ? ` (${n} times)` : ''}`),
      ];
      return learnedRule(identity, client.requests, options.widen, comments);
    });
  const times = learned.map((r) => r.time).sort();
  const wouldDeny = learned.filter((r) => r.decision === 'would_deny').length;
  const header = [
    `Learned by dockgate policy learn from ${options.auditLog}: the smallest policy allowing what its clients did.`,
    learned.length === 0
      ? 'No forwarded request was recorded there: there is nothing to learn from.'
      : `From ${plural(learned.length, 'request')} (${learned.length - wouldDeny} allowed, ${wouldDeny} would_deny) of ${plural(clients.size, 'client')}, recorded ${times[0]} to ${times[times.length - 1]}.`,
    ...(denied > 0 ? [`${plural(denied, 'request')} the gateway refused (deny) are not learned: their clients never had them.`] : []),
    ...(all.length > inRange.length ? [`${plural(all.length - inRange.length, 'earlier record')} left out (--since).`] : []),
    ...(unreadable > 0 ? [`${plural(unreadable, 'line')} of the log that held no record skipped.`] : []),
    'Review it before use: it allows what was seen, mistakes included, and nothing else.',
  ];
  return { header, rules };
}

/** Who a rule's records came from, without what changes from request to request (pids, ports). */
function describeClient(record: DoneRecord): string {
  const identity = record.identity;
  if (identity.kind === 'unix')
    return `uid=${identity.uid}${identity.user ? `(${identity.user})` : ''}${identity.container ? ` container=${identity.container.name}` : ''} on ${identity.listener}`;
  if (identity.kind === 'tls') return `${describeIdentity(identity)} on ${identity.listener}`;
  return `tcp clients on ${identity.listener}`;
}

function uniqueName(name: string, taken: Set<string>): string {
  let unique = name;
  for (let n = 2; taken.has(unique); n++) unique = `${name}-${n}`;
  taken.add(unique);
  return unique;
}

/** The learned policy file's text, merged into `merge` (a policy file) when given; checked as `policy check` checks it. */
export async function learnPolicy(options: LearnOptions & { merge?: string }): Promise<string> {
  const { records, unreadable } = await readDoneRecords(options.auditLog);
  const { header, rules } = learnFromRecords(records, unreadable, options);
  let text: string;
  if (options.merge !== undefined) {
    const existingText = readPolicyFile(options.merge, {});
    parsePolicyText(existingText, options.merge);
    const existing = readExistingPolicy(existingText);
    text = policyYaml([...header, `Merged into ${options.merge} (its rules kept in their order; its comments are not kept).`], mergeRules(existing, rules), existing.rest);
  } else {
    if (rules.length === 0)
      throw new ConfigError(`--audit-log ${options.auditLog}: no forwarded request was recorded${options.since !== undefined ? ' since --since' : ''}, so there is no rule to learn`);
    text = policyYaml(header, rules);
  }
  // What is written must load: a learned file that does not is a bug here, not the operator's mistake.
  try {
    parsePolicyText(text, '<learned policy>');
  } catch (err) {
    throw new Error(`the learned policy does not load: ${err instanceof PolicyFileError ? err.describeAll() : String(err)}`, { cause: err });
  }
  return text;
}
