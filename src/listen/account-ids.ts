// Resolves user and group names to numeric ids, once at start-up, through the host's name service
// (getent), so LDAP or sssd accounts work like local ones: the owner and group of a unix listener, and
// the account `serve --user/--group` drops to.
import { execFileSync } from 'node:child_process';

type Database = 'passwd' | 'group';

/** The entry's fields (passwd: name:x:uid:gid:...; group: name:x:gid:members), or undefined when there is none. */
function entry(database: Database, key: string): string[] | undefined {
  try {
    return execFileSync('getent', [database, key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trimEnd()
      .split(':');
  } catch {
    return undefined;
  }
}

function idField(database: Database, key: string, fields: string[], index: number): number {
  const id = Number(fields[index]);
  if (fields[index] === '' || !Number.isInteger(id)) throw new Error(`getent ${database} ${key} printed an unreadable entry`);
  return id;
}

/** The id of a name (its entry's third field), or a numeric id as given; with the entry, when there is one. */
function lookup(database: Database, nameOrId: string): { id: number; fields: string[] | undefined } {
  const fields = entry(database, nameOrId);
  if (/^\d+$/.test(nameOrId)) return { id: Number(nameOrId), fields };
  if (fields === undefined) throw new Error(`no ${database === 'passwd' ? 'user' : 'group'} named '${nameOrId}' on this host`);
  return { id: idField(database, nameOrId, fields, 2), fields };
}

export const userId = (nameOrId: string): number => lookup('passwd', nameOrId).id;
export const groupId = (nameOrId: string): number => lookup('group', nameOrId).id;

/**
 * A user's uid and primary group. A numeric uid is accepted without an entry in the user database;
 * it then has no primary group to offer (undefined).
 */
export function userAccount(nameOrId: string): { uid: number; primaryGid: number | undefined } {
  const { id, fields } = lookup('passwd', nameOrId);
  return { uid: id, primaryGid: fields === undefined ? undefined : idField('passwd', nameOrId, fields, 3) };
}

/** The name of a group id, for messages; undefined when the group database has no entry for it. */
export function groupName(gid: number): string | undefined {
  return entry('group', String(gid))?.[0];
}
