// Accounts and groups, looked up by number (a socket's group may not be called docker), with the users
// whose primary group it is; through NSS (getent) when it is there, so that LDAP/NIS accounts count too.
// Subordinate id ranges (/etc/subuid, /etc/subgid) and whether a remap user's ranges are sane.
import { spawnSync } from 'node:child_process';
import { readText } from './proc.js';

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

function getent(database: 'passwd' | 'group'): string | undefined {
  const result = spawnSync('getent', [database], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout : undefined;
}

export function parsePasswd(text: string): Account[] {
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 7 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! }));
}

export function parseGroups(text: string): Group[] {
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').filter((m) => m !== '') }));
}

export class AccountDb {
  constructor(
    readonly accounts: readonly Account[],
    readonly groups: readonly Group[],
  ) {}

  /** Reads NSS (getent) and falls back to /etc/passwd and /etc/group. */
  static load(): AccountDb {
    const passwd = getent('passwd') ?? readText('/etc/passwd') ?? '';
    const group = getent('group') ?? readText('/etc/group') ?? '';
    return new AccountDb(parsePasswd(passwd), parseGroups(group));
  }

  userName(uid: number): string {
    return this.accounts.find((a) => a.uid === uid)?.name ?? `uid ${uid}`;
  }

  groupName(gid: number): string {
    return this.groups.find((g) => g.gid === gid)?.name ?? `gid ${gid}`;
  }

  account(nameOrUid: string): Account | undefined {
    return /^\d+$/.test(nameOrUid) ? this.accounts.find((a) => a.uid === Number(nameOrUid)) : this.accounts.find((a) => a.name === nameOrUid);
  }

  /** Everyone in group `gid`: listed members and users whose primary group it is, each with how. */
  membersOf(gid: number): Array<{ name: string; uid?: number; how: 'member' | 'primary group' }> {
    const out = new Map<string, { name: string; uid?: number; how: 'member' | 'primary group' }>();
    for (const account of this.accounts.filter((a) => a.gid === gid)) out.set(account.name, { name: account.name, uid: account.uid, how: 'primary group' });
    for (const group of this.groups.filter((g) => g.gid === gid)) {
      for (const member of group.members) {
        if (!out.has(member)) {
          const uid = this.account(member)?.uid;
          out.set(member, { name: member, ...(uid !== undefined && { uid }), how: 'member' });
        }
      }
    }
    return [...out.values()];
  }
}

export interface SubIdRange {
  /** The user as written (a name or a uid). */
  owner: string;
  start: number;
  count: number;
  line: number;
}

export function parseSubIds(text: string): SubIdRange[] {
  const out: SubIdRange[] = [];
  text.split('\n').forEach((line, i) => {
    const fields = line.trim().split(':');
    if (fields.length !== 3 || line.trim().startsWith('#')) return;
    const [owner, start, count] = fields as [string, string, string];
    if (!/^\d+$/.test(start) || !/^\d+$/.test(count)) return;
    out.push({ owner, start: Number(start), count: Number(count), line: i + 1 });
  });
  return out;
}

/** The minimum a remap user needs: a whole 16-bit id space. */
export const MIN_SUBID_COUNT = 65536;
/** Docker uses only the first five ranges of a user (the kernel's uid_map limit). */
export const MAX_RANGES_USED = 5;

/**
 * What is wrong with `user`'s ranges in one subordinate id file, as sentences (empty when sane): no
 * range, fewer than 65536 ids in the ranges Docker uses, a range that overlaps another user's or
 * contains a host account's id (root included).
 */
export function subIdProblems(file: string, ranges: readonly SubIdRange[], user: Account | { name: string; uid: number }, hostIds: readonly number[]): string[] {
  const mine = ranges.filter((r) => r.owner === user.name || r.owner === String(user.uid));
  if (mine.length === 0) return [`${file} has no range for ${user.name}`];
  const problems: string[] = [];
  const used = mine.slice(0, MAX_RANGES_USED);
  const total = used.reduce((sum, r) => sum + r.count, 0);
  if (total < MIN_SUBID_COUNT) problems.push(`${file} gives ${user.name} ${total} ids (line ${used.map((r) => r.line).join(', ')}), fewer than ${MIN_SUBID_COUNT}`);
  for (const range of used) {
    const end = range.start + range.count;
    for (const other of ranges) {
      if (other === range || other.owner === range.owner) continue;
      if (range.start < other.start + other.count && other.start < end) {
        problems.push(`${file} line ${range.line} (${range.start}-${end - 1}) overlaps ${other.owner}'s range on line ${other.line} (${other.start}-${other.start + other.count - 1})`);
      }
    }
    const inside = hostIds.filter((id) => id >= range.start && id < end);
    if (inside.length > 0)
      problems.push(
        `${file} line ${range.line} (${range.start}-${end - 1}) contains host ids ${inside.slice(0, 5).join(', ')}${inside.length > 5 ? ', ...' : ''}: container users would be those accounts`,
      );
  }
  return problems;
}
