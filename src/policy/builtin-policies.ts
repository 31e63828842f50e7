// The built-in profiles and the application presets as policies: one rule that selects every client.
// `--allow-bind` adds bind roots on top of a profile or preset that creates containers (read-only and most
// presets grant no operation that mounts anything; audit judges no container reach, so a bind root means
// nothing to either).
import type { ContainerConstraints } from '../judge/container-constraints.js';
import { applicationPreset, isPresetName, PRESET_NAMES, presetRefusal, type PresetName } from '../judge/profiles/application-presets.js';
import { BASELINE_CONSTRAINTS, BASELINE_EXCEPT, BASELINE_OPERATIONS } from '../judge/profiles/baseline-profile.js';
import { READ_ONLY_OPERATIONS, readOnlyRefusal } from '../judge/profiles/read-only-profile.js';
import { RESTRICTED_CONSTRAINTS, RESTRICTED_EXCEPT, RESTRICTED_OPERATIONS } from '../judge/profiles/restricted-profile.js';
import { READ_REDACTION, type Redaction } from '../judge/redaction.js';
import { parseBindRoot } from './bind-roots.js';
import { grants } from './operation-grant.js';
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
  widen?: string;
  /** What the answers to its reads are redacted of by default (a policy-file rule's `redact:` replaces it). */
  redact?: Redaction;
}

export function profileBase(name: BuiltinProfileName): ProfileBase {
  switch (name) {
    case 'baseline':
      return { operations: BASELINE_OPERATIONS, except: BASELINE_EXCEPT, constraints: BASELINE_CONSTRAINTS };
    case 'restricted':
      return { operations: RESTRICTED_OPERATIONS, except: RESTRICTED_EXCEPT, constraints: RESTRICTED_CONSTRAINTS };
    case 'read-only':
      return { operations: [...READ_ONLY_OPERATIONS], except: [], constraints: BASELINE_CONSTRAINTS, refusal: readOnlyRefusal, redact: READ_REDACTION };
    case 'audit':
      return { operations: ['*'], except: [], constraints: 'unrestricted' };
  }
}

export function isBuiltinProfileName(name: string): name is BuiltinProfileName {
  return (BUILTIN_PROFILE_NAMES as readonly string[]).includes(name);
}

/** The parts of an application preset a policy-file rule starts from when it names `preset:`. */
export function presetBase(name: PresetName): ProfileBase {
  const preset = applicationPreset(name);
  return {
    operations: preset.operations,
    except: [],
    constraints: preset.constraints,
    refusal: presetRefusal(name, preset.application),
    widen: preset.widen,
    ...(preset.redact !== undefined && { redact: preset.redact }),
  };
}

/** What `--profile`, `--preset` or a listener's `?profile=` / `?preset=` selects. */
export interface BuiltinChoice {
  kind: 'profile' | 'preset';
  name: string;
}

/** The names a choice of that kind may take, for messages: `known: baseline, restricted, ...`. */
export function builtinNames(kind: BuiltinChoice['kind']): readonly string[] {
  return kind === 'profile' ? BUILTIN_PROFILE_NAMES : PRESET_NAMES;
}

/** A built-in profile as a policy; throws when the name is unknown or an --allow-bind entry is unusable. */
export function builtinPolicy(name: string, options: BuiltinOptions = {}): RulePolicy {
  return choicePolicy({ kind: 'profile', name }, options);
}

/** An application preset as a policy; throws when the name is unknown or an --allow-bind entry is unusable. */
export function presetPolicy(name: string, options: BuiltinOptions = {}): RulePolicy {
  return choicePolicy({ kind: 'preset', name }, options);
}

/** A built-in profile or preset as a one-rule policy (rule `profile.NAME` or `preset.NAME`). */
export function choicePolicy(choice: BuiltinChoice, options: BuiltinOptions = {}): RulePolicy {
  const { kind, name } = choice;
  let base: ProfileBase;
  if (kind === 'profile' && isBuiltinProfileName(name)) base = profileBase(name);
  else if (kind === 'preset' && isPresetName(name)) base = presetBase(name);
  else throw new Error(`--${kind} ${name}: unknown ${kind} (known: ${builtinNames(kind).join(', ')})`);
  const allowBind = options.allowBind ?? [];
  let constraints = base.constraints;
  if (allowBind.length > 0) {
    if (constraints === 'unrestricted' || !grants({ patterns: base.operations, except: base.except }, 'container.create').granted) {
      throw new Error(
        `--allow-bind: the ${name} ${kind} ${constraints === 'unrestricted' ? 'judges no container reach' : 'grants no operation that mounts host paths'}; use --profile baseline or restricted`,
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
    rule: `${kind}.${name}`,
    label: `the ${name} ${kind}`,
    operations: { patterns: base.operations, except: base.except },
    constraints,
    mode: 'enforce',
    ...(base.refusal !== undefined && { refusal: base.refusal }),
    ...(base.widen !== undefined && { widen: base.widen }),
    ...(base.redact !== undefined && { redact: base.redact }),
  };
  return new RulePolicy(name, [rule], {
    source: `--${kind} ${name}`,
    ...(options.protectedPaths !== undefined && { protectedPaths: options.protectedPaths }),
    ...(options.bodies !== undefined && { bodies: options.bodies }),
  });
}
