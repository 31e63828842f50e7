// The built-in policies selectable with `--profile`. read-only and audit keep their own small
// implementations; baseline and restricted are policies of one rule (src/policy/builtin-policies.ts),
// with `--allow-bind` roots added on top.
import { builtinPolicy, type BuiltinOptions } from '../../policy/builtin-policies.js';
import type { Policy } from '../policy.js';
import { auditProfile } from './audit-profile.js';
import { readOnlyProfile } from './read-only-profile.js';

export const PROFILE_NAMES: readonly string[] = ['baseline', 'restricted', 'read-only', 'audit'];

/** The profile by name; throws when it is unknown or an --allow-bind entry cannot be used with it. */
export function profileByName(name: string, options: BuiltinOptions = {}): Policy {
  if (!PROFILE_NAMES.includes(name)) throw new Error(`--profile ${name}: unknown profile (known: ${PROFILE_NAMES.join(', ')})`);
  const plain = (options.allowBind ?? []).length === 0;
  if (name === 'read-only' && plain) return readOnlyProfile;
  if (name === 'audit' && plain) return auditProfile;
  return builtinPolicy(name, options);
}
