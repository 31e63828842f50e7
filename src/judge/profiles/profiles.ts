// The built-in policies selectable with `--profile`.
import type { Policy } from '../policy.js';
import { auditProfile } from './audit-profile.js';
import { readOnlyProfile } from './read-only-profile.js';

const PROFILES: ReadonlyMap<string, Policy> = new Map([
  ['audit', auditProfile],
  ['read-only', readOnlyProfile],
]);

export const PROFILE_NAMES: readonly string[] = [...PROFILES.keys()];

export function profileByName(name: string): Policy {
  const profile = PROFILES.get(name);
  if (!profile) throw new Error(`--profile ${name}: unknown profile (known: ${PROFILE_NAMES.join(', ')})`);
  return profile;
}
