// The outcome of judging one request, with enough words to tell the client what to change.
import type { ReplacedQuery } from '../route/query.js';
import type { Redaction } from './redaction.js';
import type { SharedKind } from './owner/owner-source.js';
import type { Violation } from './reach/findings.js';

/** A JSON value a policy can set; it comes from the policy file, never from the request. */
export type PolicyValue = string | number | boolean | null | ReadonlyArray<string | number | boolean>;

/** A default the policy put into the forwarded body, e.g. `{ field: 'HostConfig.ReadonlyRootfs', value: true }`. */
export interface AppliedDefault {
  field: string;
  value: PolicyValue;
}

export interface Decision {
  verdict: 'allow' | 'deny';
  /** The rule that decided, e.g. `profile.read-only` or a policy rule's name. */
  rule: string;
  /** Why, one clause without a trailing full stop. */
  reason: string;
  /** How to get the request allowed, one sentence (deny only). */
  fix?: string;
  /**
   * On a deny by the reach judge: each field refused, with its own why and fix (the reason and fix above join
   * them), so that `dockgate check` can point at the line and column that set each one.
   */
  violations?: readonly Violation[];
  /**
   * `warn`: the rule runs in learning mode; a `deny` verdict is recorded as `would_deny` and the
   * request is forwarded anyway. Absent means `enforce`.
   */
  mode?: 'enforce' | 'warn';
  /** Defaults the policy applied to the body (recorded in the audit record). */
  changes?: readonly AppliedDefault[];
  /** The body to forward when the policy changed it; absent: forward the judged body as read. */
  body?: unknown;
  /**
   * The full id of the object the path names, when the decision looked it up: forwarded in place of the
   * name or id prefix the client sent, which the engine would otherwise resolve again.
   */
  pinnedTarget?: string;
  /**
   * Query parameters forwarded with the value the decision judged in place of the client's: a list's
   * `filters` with the owner's label merged in, the full id of the container a commit names, the owner
   * stamped into a build's `labels` or appended to a commit's or import's `changes`.
   */
  replacedQuery?: ReplacedQuery;
  /**
   * The full id of the image a container create was judged on (its user, its configuration). The engine
   * resolves the image's name again when the create reaches it, and a re-tag in between would give the
   * container another image: the created container is checked to come from this one.
   */
  createdFromImage?: string;
  /** The owner the client's rule gave it for this request (docs/owners-design.md), for the record and `policy explain`. */
  owner?: string;
  /** The kinds the owner's rule shares across owners (with `owner`): the owner-filtered answers show them all. */
  shared?: readonly SharedKind[];
  /**
   * On a deny: the engine's own answer for a missing object (`No such container: web`), which is what the
   * client receives instead of the refusal's wording, because the object it named is another owner's and
   * any other answer would tell that it exists. The rule and reason still go to the audit record.
   */
  notFound?: string;
  /**
   * On a deny: the engine-shaped conflict (409) for a name another owner holds, in place of the engine's own,
   * which would name the holder's id (docs/owners-design.md, section 7).
   */
  nameTaken?: string;
  /** What the forward step redacts from the engine's answer (the rule's `redact:`); absent: nothing. */
  redact?: Redaction;
}
