// The user a container process runs as, read the way runc reads `user[:group]`: a user part that parses
// as an integer (Go's Atoi: `00`, `+0`) is a uid, anything else a name looked up in the image's
// /etc/passwd; an empty user part is uid 0. An empty User inherits the image's (create) or the
// container's (exec). Under `requireNonRoot` the effective user must be a numeric non-zero uid: a
// name cannot be verified without the image's passwd file (as kubelet does for runAsNonRoot).
import { parseGoInt, show } from './go-strings.js';
import type { ReachContext } from './reach-context.js';
import type { SecurityOptReading } from './security-options.js';

export type UserClass = { kind: 'unset' } | { kind: 'root' } | { kind: 'uid'; uid: number } | { kind: 'name'; name: string } | { kind: 'invalid'; why: string };

const MAX_UID = 2 ** 31 - 1;

export function classifyUser(spec: string): UserClass {
  if (spec === '') return { kind: 'unset' };
  const user = spec.split(':')[0]!;
  if (user === '') return { kind: 'root' };
  const number = parseGoInt(user);
  if (number !== undefined) {
    if (number === 0n) return { kind: 'root' };
    if (number < 0n || number > BigInt(MAX_UID)) return { kind: 'invalid', why: `the uid ${user} is out of range` };
    return { kind: 'uid', uid: Number(number) };
  }
  if (user === 'root') return { kind: 'root' };
  return { kind: 'name', name: user };
}

export interface InheritedUser {
  user: string;
  /** Where it came from, for messages: `the image busybox`. */
  from: string;
}

const NON_ROOT_FIX = 'Run as a non-root numeric user (--user 1000:1000, or USER 1000 in the image)';

/**
 * Judges the effective user under `requireNonRoot`. `inherit` finds the user an empty User falls back
 * to (undefined: it cannot be known, which is refused).
 */
export async function judgeEffectiveUser(ctx: ReachContext, field: string, spec: string | undefined, inherit: () => Promise<InheritedUser | undefined>): Promise<void> {
  if (!ctx.constraints.requireNonRoot) return;
  let user = spec ?? '';
  let from = `${field} ${show(user)}`;
  if (user === '') {
    // Not deferred (ReachContext.defers): an empty User under a policy that requires non-root is refused
    // for the image's root user more often than not, and the refusal is to say so the first time.
    const inherited = await inherit();
    if (inherited === undefined) {
      ctx.deny('user', field, 'is empty and the user it falls back to cannot be determined', `Set the user explicitly (--user 1000:1000)`);
      return;
    }
    user = inherited.user;
    from = `${field} is empty, so ${inherited.from}'s user ${show(user)} applies, and it`;
  }
  const kind = classifyUser(user);
  switch (kind.kind) {
    case 'uid':
      return;
    case 'root':
    case 'unset':
      ctx.deny('user', field, `${from} runs as root, and this policy requires a non-root user`, NON_ROOT_FIX);
      return;
    case 'name':
      ctx.deny('user', field, `${from} names the user ${show(kind.name)}, which dockgate cannot verify is not root (this policy requires a numeric non-root uid)`, NON_ROOT_FIX);
      return;
    case 'invalid':
      ctx.deny('user', field, `${from}: ${kind.why}`, NON_ROOT_FIX);
  }
}

/** The user of a container create or service: the image's default when User is empty. */
export function imageUser(ctx: ReachContext, image: string | undefined): () => Promise<InheritedUser | undefined> {
  return async () => {
    if (image === undefined || image === '') return undefined;
    const facts = await ctx.engine.image(image);
    if (facts === undefined) return undefined;
    return { user: typeof facts.Config?.User === 'string' ? facts.Config.User : '', from: `the image ${show(image)}` };
  };
}

export function judgeNoNewPrivileges(ctx: ReachContext, field: string, reading: SecurityOptReading): void {
  if (!ctx.constraints.requireNoNewPrivileges || reading.noNewPrivileges === true) return;
  ctx.deny(
    'user',
    field,
    reading.noNewPrivileges === false
      ? 'turns no-new-privileges off, which this policy requires'
      : 'does not set no-new-privileges, which this policy requires (setuid binaries could regain privileges)',
    'Add --security-opt no-new-privileges',
  );
}
