// Resolves the owner and group named on a unix listener to numeric ids, once at start-up,
// through the host's name service (getent), so LDAP or sssd accounts work like local ones.
import { execFileSync } from 'node:child_process';

function lookup(database: 'passwd' | 'group', nameOrId: string): number {
  if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
  let line: string;
  try {
    line = execFileSync('getent', [database, nameOrId], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    throw new Error(`no ${database === 'passwd' ? 'user' : 'group'} named '${nameOrId}' on this host`);
  }
  // passwd: name:x:uid:gid:...   group: name:x:gid:members
  const id = Number(line.split(':')[2]);
  if (!Number.isInteger(id)) throw new Error(`getent ${database} ${nameOrId} printed an unreadable entry`);
  return id;
}

export const userId = (nameOrId: string): number => lookup('passwd', nameOrId);
export const groupId = (nameOrId: string): number => lookup('group', nameOrId);
