// A policy is an ordered list of rules. The first rule whose `match` selects the client decides: it
// grants operations, and for operations that decide a container's reach, the constraints and
// defaults the request is judged by. A client no rule selects is refused.
import type { ContainerConstraints, ContainerDefaults } from '../judge/container-constraints.js';
import type { IdentitySelector } from './identity-selector.js';
import type { Operation } from '../route/operations.js';
import type { OperationGrant } from './operation-grant.js';
import type { OwnerSource, SharedKind } from '../judge/owner/owner-source.js';
import type { Redaction } from '../judge/redaction.js';

export type RuleMode = 'enforce' | 'warn';

/**
 * How a rule takes requests the gateway had to canonicalise (a key in another case, an unknown field, a
 * repeated key or parameter): `canonical` judges and forwards the engine's reading of them; `strict`
 * refuses them, for operators who want clients to send exactly the canonical form.
 */
export const BODY_READINGS = ['canonical', 'strict'] as const;
export type BodyReading = (typeof BODY_READINGS)[number];

export interface PolicyRule {
  /** The name decisions carry (`profile.baseline`, `policy.ci-runners`). */
  readonly rule: string;
  /** How messages name the rule: `rule "ci-runners"`, `the baseline profile`. */
  readonly label: string;
  /** Absent: every client. */
  readonly match?: IdentitySelector;
  readonly operations: OperationGrant;
  /** `unrestricted`: the container-reach judge is not consulted (the audit profile). */
  readonly constraints: ContainerConstraints | 'unrestricted';
  readonly defaults?: ContainerDefaults;
  readonly mode: RuleMode;
  /** Absent: the policy's default (`dockgate serve --bodies`). */
  readonly bodies?: BodyReading;
  /** Wording for an operation the rule does not grant (the read-only profile keeps its own). */
  readonly refusal?: (operation: Operation, mutates: boolean) => { reason: string; fix: string };
  /** Where its clients' owner comes from (docs/owners-design.md); absent: they have none. */
  readonly owner?: OwnerSource;
  /** Kinds its clients may read and use across owners. */
  readonly shared?: readonly SharedKind[];
  /** How an operator widens the rule past its constraints (an application preset), added to the fix of a refusal by them. */
  readonly widen?: string;
  /** What is redacted from the answers to the reads the rule grants; absent: nothing. */
  readonly redact?: Redaction;
}
