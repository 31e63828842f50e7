// The built-in profiles as policies: one rule that selects every client. `--allow-bind` adds bind roots
// on top of baseline or restricted (read-only grants no operation that mounts anything; audit judges
// no container reach, so a bind root means nothing to either).
import type { ContainerConstraints } from '../judge/container-constraints.js';
import { BASELINE_CONSTRAINTS, BASELINE_EXCEPT, BASELINE_OPERATIONS } from '../judge/profiles/baseline-profile.js';
import { READ_ONLY_OPERATIONS, readOnlyRefusal } from '../judge/profiles/read-only-profile.js';
import { RESTRICTED_CONSTRAINTS, RESTRICTED_EXCEPT, RESTRICTED_OPERATIONS } from '../judge/profiles/restricted-profile.js';
import { parseBindRoot } from './bind-roots.js';
import type { BodyReading, PolicyRule } from './policy-rule.js';
import { RulePolicy } from './rule-policy.js';

export const BUILTIN_PROFILE_NAMES = ['baseline', 'restricted', 'read-only', 'audit'] as const;
export type BuiltinProfileName = (typeof BUILTIN_PROFILE_NAMES)[number];

export interface BuiltinOptions {
  /** `PATH` or `PATH:ro` entries, as given to `--allow-bind`. */
  allowBind?: readonly string[];
  /** Host paths never allowed in binds beyond the engine sockets (the gateway's upstream, its listeners). */
  protectedPaths?: readonly string[];
  /** `dockgate serve --bodies`: how the profile takes canonicalised requests. */
  bodies?: BodyReading;
}

/** The parts of a built-in profile a policy-file rule starts from when it names `profile:`. */
export interface ProfileBase {
  operations: readonly string[];
  except: readonly string[];
  constraints: ContainerConstraints | 'unrestricted';
  refusal?: PolicyRule['refusal'];
}

export function profileBase(name: BuiltinProfileName): ProfileBase {
  switch (name) {
    case 'baseline':
      return { operations: BASELINE_OPERATIONS, except: BASELINE_EXCEPT, constraints: BASELINE_CONSTRAINTS };
    case 'restricted':
      return { operations: RESTRICTED_OPERATIONS, except: RESTRICTED_EXCEPT, constraints: RESTRICTED_CONSTRAINTS };
    case 'read-only':
      return { operations: [...READ_ONLY_OPERATIONS], except: [], constraints: BASELINE_CONSTRAINTS, refusal: readOnlyRefusal };
    case 'audit':
      return { operations: ['*'], except: [], constraints: 'unrestricted' };
  }
}

export function isBuiltinProfileName(name: string): name is BuiltinProfileName {
  return (BUILTIN_PROFILE_NAMES as readonly string[]).includes(name);
}

/** A built-in profile as a policy; throws when the name is unknown or an --allow-bind entry is unusable. */
export function builtinPolicy(name: string, options: BuiltinOptions = {}): RulePolicy {
  if (!isBuiltinProfileName(name)) throw new Error(`--profile ${name}: unknown profile (known: ${BUILTIN_PROFILE_NAMES.join(', ')})`);
  const base = profileBase(name);
  const allowBind = options.allowBind ?? [];
  let constraints = base.constraints;
  if (allowBind.length > 0) {
    if (constraints === 'unrestricted' || name === 'read-only') {
      throw new Error(
        `--allow-bind: the ${name} profile ${name === 'audit' ? 'judges no container reach' : 'grants no operation that mounts host paths'}; use --profile baseline or restricted`,
      );
    }
    const roots = allowBind.map((text) => {
      try {
        return parseBindRoot(text);
      } catch (err) {
        throw new Error(`--allow-bind ${text}: ${(err as Error).message}`);
      }
    });
    constraints = { ...constraints, bindRoots: [...constraints.bindRoots, ...roots] };
  }
  const rule: PolicyRule = {
    rule: `profile.${name}`,
    label: `the ${name} profile`,
    operations: { patterns: base.operations, except: base.except },
    constraints,
    mode: 'enforce',
    ...(base.refusal !== undefined && { refusal: base.refusal }),
  };
  return new RulePolicy(name, [rule], {
    source: `--profile ${name}`,
    ...(options.protectedPaths !== undefined && { protectedPaths: options.protectedPaths }),
    ...(options.bodies !== undefined && { bodies: options.bodies }),
  });
}
