// What a policy is to the gateway: something that judges one understood request.
import type { Identity } from '../identify/identity.js';
import type { Route } from '../route/route.js';
import type { RequestTarget } from '../route/request-target.js';
import type { Decision } from './decision.js';

export interface JudgeInput {
  identity: Identity;
  method: string;
  target: RequestTarget;
  route: Route;
}

export interface Policy {
  /** Shown in logs and in `dockgate serve` start-up lines. */
  readonly name: string;
  judge(input: JudgeInput): Decision;
}
