// The outcome of judging one request, with enough words to tell the client what to change.

export interface Decision {
  verdict: 'allow' | 'deny';
  /** The rule that decided, e.g. `profile.read-only` or a policy rule's name. */
  rule: string;
  /** Why, one clause without a trailing full stop. */
  reason: string;
  /** How to get the request allowed, one sentence (deny only). */
  fix?: string;
}
