// `--profile read-only`: the reads a dashboard needs (Traefik, Portainer's viewer, monitoring),
// and nothing that changes state or carries data out of containers, images or the swarm:
// no export, archive, image save, attach, swarm join tokens, unlock key, secrets or configs.
import type { Decision } from '../decision.js';
import type { Policy } from '../policy.js';
import { operationsWith, type Operation } from '../../route/operations.js';

/** Operations granted (`access: 'read'` in src/route/operations.ts); everything else is refused. */
export const READ_ONLY_OPERATIONS: ReadonlySet<Operation> = new Set(operationsWith('access', 'read'));

const RULE = 'profile.read-only';
const ALLOW: Decision = { verdict: 'allow', rule: RULE, reason: 'a read the read-only profile grants' };

/** Why the read-only profile refuses an operation, and what to do instead (shared with policy files' `profile: read-only`). */
export function readOnlyRefusal(operation: Operation, mutates: boolean): { reason: string; fix: string } {
  return {
    reason: mutates
      ? `${operation} changes state, and the read-only profile grants reads only`
      : `${operation} carries data out of containers, images or the swarm, which the read-only profile does not grant`,
    fix: `Run this client through a listener whose policy grants ${operation} (for example --profile audit or a --policy rule)`,
  };
}

export const readOnlyProfile: Policy = {
  name: 'read-only',
  judge({ route }): Decision {
    if (READ_ONLY_OPERATIONS.has(route.operation)) return ALLOW;
    return { verdict: 'deny', rule: RULE, ...readOnlyRefusal(route.operation, route.mutates) };
  },
};
