// The outcome of judging one request, with enough words to tell the client what to change.
import type { QueryValues } from '../route/query.js';
import type { Redaction } from './redaction.js';

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
   * Query parameters forwarded with these values in place of the client's (the owner stamped into a build's
   * `labels`, appended to a commit's `changes`); absent: the judged query as read.
   */
  queryValues?: QueryValues;
  /**
   * The full id of the image a container create was judged on (its user, its configuration). The engine
   * resolves the image's name again when the create reaches it, and a re-tag in between would give the
   * container another image: the created container is checked to come from this one.
   */
  createdFromImage?: string;
  /** The owner the client's rule gave it for this request (docs/owners-design.md), for the record and `policy explain`. */
  owner?: string;
  /**
   * On a deny: the engine's own answer for a missing object (`No such container: web`), which is what the
   * client receives instead of the refusal's wording, because the object it named is another owner's and
   * any other answer would tell that it exists. The rule and reason still go to the audit record.
   */
  notFound?: string;
  /** What the forward step redacts from the engine's answer (the rule's `redact:`); absent: nothing. */
  redact?: Redaction;
}
