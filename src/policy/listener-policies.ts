// One gateway, several applications each on its own socket: a listener given `?preset=NAME` or
// `?profile=NAME` judges its clients by that built-in policy, and every other listener by the gateway's
// (--profile, --preset or --policy, reloaded as ever). The listener's own choice wins for that listener,
// a policy file included: the file's rules are not consulted for its clients, so a rule matching such a
// listener is never used (to widen an application's preset, drop `?preset=` from its listener and give
// the file a rule that matches the listener and starts from `preset: NAME`).
import type { Decision } from '../judge/decision.js';
import type { JudgeInput, Policy, PreJudgeInput } from '../judge/policy.js';
import { choicePolicy, type BuiltinChoice, type BuiltinOptions } from './builtin-policies.js';
import type { PolicyRule } from './policy-rule.js';

export interface ListenerChoice {
  /** The listener's name, as identities carry it (the argument as given). */
  name: string;
  policy?: BuiltinChoice;
}

export class ListenerPolicies implements Policy {
  private constructor(
    private readonly gateway: () => Policy,
    private readonly own: ReadonlyMap<string, Policy>,
  ) {}

  /**
   * The gateway's policy as is when no listener has one of its own, else one that picks per listener.
   * `options` (protected paths, --bodies) go to every listener's policy; --allow-bind does not: it widens
   * the gateway's --profile or --preset only.
   */
  static over(gateway: () => Policy, listeners: readonly ListenerChoice[], options: Omit<BuiltinOptions, 'allowBind'>): () => Policy {
    const own = new Map(listeners.flatMap((l) => (l.policy === undefined ? [] : [[l.name, choicePolicy(l.policy, options)] as const])));
    if (own.size === 0) return gateway;
    const policies = new ListenerPolicies(gateway, own);
    return () => policies;
  }

  get name(): string {
    return [this.gateway().name, ...[...this.own].map(([listener, policy]) => `${policy.name} on ${listener}`)].join('; ');
  }

  judge(input: JudgeInput): Decision | Promise<Decision> {
    return this.of(input).judge(input);
  }

  preJudge(input: PreJudgeInput): Decision | undefined {
    return this.of(input).preJudge?.(input);
  }

  private of(input: PreJudgeInput): Policy {
    return this.own.get(input.identity.listener) ?? this.gateway();
  }
}

/** The rules of a policy file that select only listeners judged by their own preset or profile: never used, so worth a warning. */
export function shadowedRules(rules: readonly PolicyRule[], listeners: readonly ListenerChoice[]): string[] {
  const own = new Set(listeners.flatMap((l) => (l.policy === undefined ? [] : [l.name])));
  return rules.filter((rule) => rule.match?.listener !== undefined && rule.match.listener.length > 0 && rule.match.listener.every((name) => own.has(name))).map((rule) => rule.label);
}
