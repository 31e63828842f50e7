// What a policy is to the gateway: something that judges one understood request.
import type { Identity } from '../identify/identity.js';
import type { NormalisationLog } from '../route/normalisation.js';
import type { Route } from '../route/route.js';
import type { RequestTarget } from '../route/request-target.js';
import type { Decision } from './decision.js';
import type { EngineLookup } from './engine-lookup.js';
import type { CallerOwner } from './owner/request-owner.js';

export interface JudgeInput {
  identity: Identity;
  method: string;
  target: RequestTarget;
  route: Route;
  /** The request body as read by src/inspect (exact known fields only), for operations whose body is judged. */
  body?: unknown;
  /** Facts about objects the request refers to, asked of the engine when a decision needs them. */
  engine: EngineLookup;
  /** Where the canonical request differs from the one sent; a rule with `bodies: strict` refuses any. */
  normalised?: NormalisationLog;
  /** The owner the library's caller gave with the request (judge()'s `owner`); the gateway's requests have none. */
  callerOwner?: CallerOwner | undefined;
}

/** What is known of a request before its body is read: enough to pick the rule and check the grant. */
export type PreJudgeInput = Omit<JudgeInput, 'body' | 'engine'>;

export interface Policy {
  /** Shown in logs and in `dockgate serve` start-up lines. */
  readonly name: string;
  /** Synchronous where no engine fact is needed (the common case), a promise otherwise. */
  judge(input: JudgeInput): Decision | Promise<Decision>;
  /**
   * The decision `judge` will reach whatever the body and the engine say (no rule selects the client,
   * or its rule does not grant the operation), else undefined: the gateway refuses such a request
   * before it reads (and holds) a byte of its body.
   */
  preJudge?(input: PreJudgeInput): Decision | undefined;
}
