// The decision on one understood request, the one function both the gateway and the library `judge()` call,
// so they decide alike by construction: the policy's verdict on what needs no body (a client no rule grants
// the operation is refused before its body is read), the body read as the engine will read it, the policy's
// judgement of that reading, and the canonical request that is forwarded.
//
// Synchronous when nothing is read and the policy asks no engine fact (most requests: the gateway's fast
// path stays free of promises), a promise otherwise. Where the body comes from is the caller's (the gateway
// reads a socket and spools a build context; the library has the bytes): `RequestBody`.
import { GatewayError } from '../errors/catalogue.js';
import type { Identity } from '../identify/identity.js';
import { applyLegacyRoot, readJudgedBody, serializeJudgedBody } from '../inspect/inspect-body.js';
import { readBuildRequestContext, type ContextBody } from '../inspect/build-context/read-build-context.js';
import type { Decision } from '../judge/decision.js';
import type { EngineLookup } from '../judge/engine-lookup.js';
import type { CallerOwner } from '../judge/owner/request-owner.js';
import type { JudgeInput, Policy, PreJudgeInput } from '../judge/policy.js';
import { RulePolicy, type TraceStep } from '../policy/rule-policy.js';
import { NEWEST_KNOWN_API } from '../route/api-version.js';
import { judgedForwardTarget } from '../route/request-target.js';
import { MEMORY_COST } from '../admit/body-budgets.js';
import { carriesNeeds, needsOf, type RequestNeeds } from '../record/request-needs.js';
import type { UnderstoodRequest } from './understand-request.js';

/** Where the body of a request that holds one comes from. */
export interface RequestBody {
  /** Whether it arrives chunked (the engine refuses a chunked container start body; so does the reading). */
  readonly chunked: boolean;
  /** The whole body once it has arrived (`json` and `held` bodies). */
  whole(): Promise<Buffer>;
  /** A build context: readable as it arrives and again from the start; `arrived` settles once it is all held. */
  context(): Promise<{ readonly body: ContextBody; readonly arrived: Promise<unknown> }>;
}

const NOT_A_CONTEXT = (): Promise<never> => Promise.reject(new Error('this request body is not a build context'));

/** A body read whole when the decision asks for it (`json`, `held`). */
export function wholeBody(chunked: boolean, whole: () => Promise<Buffer>): RequestBody {
  return { chunked, whole, context: NOT_A_CONTEXT };
}

/** The body of a request that streams: the decision never reads it. */
export const NO_BODY_READ: RequestBody = wholeBody(false, () => Promise.reject(new Error('a streamed body is not read before the decision')));

export interface DecideContext {
  readonly policy: Policy;
  readonly identity: Identity;
  /** The engine as a decision asks it (the gateway's makes its look-ups only when one is asked). */
  readonly engine: EngineLookup;
  /** Takes what judging holds in memory, in bytes (it throws the refusal when the budget is spent). */
  readonly hold?: (bytes: number) => void;
  /** When given, every step of the decision is added to it (rule policies), for the library and `policy explain`. */
  readonly trace?: TraceStep[];
  /** The owner the library's caller gave with the request (request-owner.ts). */
  readonly callerOwner?: CallerOwner;
}

export interface Decided {
  readonly decision: Decision;
  /** The canonical request target: the full id the decision looked up in place of the reference sent. */
  readonly forwardTarget: string;
  /**
   * The body to forward: the canonical serialisation of a judged JSON body (the policy's defaults applied),
   * or a held body as received. Absent when the body streams, when the request is refused (nothing is
   * forwarded), or for a build context (forwarded from where it is held).
   */
  readonly body?: Buffer;
  /** What the request asked of the host, for the audit record (record/request-needs.ts); absent when it asked nothing. */
  readonly needs?: RequestNeeds;
}

export function decideRequest(request: UnderstoodRequest, body: RequestBody, context: DecideContext): Decided | Promise<Decided> {
  if (request.body === 'streamed') {
    const decision = judge(request, undefined, context);
    return decision instanceof Promise ? decision.then((d) => decided(request, d)) : decided(request, decision);
  }
  return decideWithBody(request, body, context);
}

/** The refusal a policy's deny answers with (the library reports it for a warn-mode deny too). */
export function policyRefusal(request: UnderstoodRequest, decision: Decision): GatewayError {
  const answer = decision.notFound ?? decision.nameTaken;
  return new GatewayError(decision.notFound !== undefined ? 'DG_NOT_OWNED' : decision.nameTaken !== undefined ? 'DG_NAME_TAKEN' : 'DG_POLICY_DENIED', {
    what: `${request.route.operation} (${request.method} ${request.target.path})`,
    rule: decision.rule,
    why: decision.reason,
    fix: refusalFix(decision),
    ...(answer !== undefined && { answer }),
  });
}

/** How to fix what a policy decision refuses: the rule's own words, else the general one. */
export function refusalFix(decision: Decision): string {
  return decision.fix ?? 'Ask for a policy that grants this operation to your identity';
}

/** Whether the decision refuses the request (a deny of a rule in warn mode is forwarded, recorded as would_deny). */
export function refuses(decision: Decision): boolean {
  return decision.verdict === 'deny' && decision.mode !== 'warn';
}

async function decideWithBody(request: UnderstoodRequest, body: RequestBody, context: DecideContext): Promise<Decided> {
  const early = context.policy.preJudge?.(known(request, context));
  if (early !== undefined && refuses(early)) {
    // The body is never read. The library's trace wants every step, which the whole judgement gives.
    return decided(request, context.trace === undefined ? early : await judge(request, undefined, context));
  }
  switch (request.body) {
    case 'held': {
      const received = await body.whole();
      return decided(request, await judge(request, undefined, context), received);
    }
    case 'json': {
      const received = await body.whole();
      let reading = readJudgedBody(request.route.operation, received, request.headers['content-type'], body.chunked, request.normalised);
      // Only a create with root-level HostConfig fields asks the engine its version (an engine that cannot
      // tell: the newest known); every other body is read without waiting for anything.
      if (reading.legacyRoot !== undefined) reading = applyLegacyRoot(reading, (await context.engine.apiVersion?.()) ?? NEWEST_KNOWN_API);
      const { value, values } = reading;
      // What the reading holds while the body is judged, which its byte length does not tell.
      context.hold?.(values * MEMORY_COST.parsedValue);
      const decision = await judge(request, value, context);
      // A refused request is forwarded nowhere: its canonical form is never made.
      if (refuses(decision)) return decided(request, decision, undefined, value);
      const canonical = serializeJudgedBody(decision.body !== undefined ? decision.body : value);
      context.hold?.(canonical.length);
      return decided(request, decision, canonical, value);
    }
    case 'build-context': {
      const { hold } = context;
      const arriving = await body.context();
      const reading = await readBuildRequestContext(
        request.target.query,
        {
          ...arriving.body,
          ...(hold !== undefined && { keeps: (kind, bytes) => hold(kind === 'entry' ? bytes + MEMORY_COST.contextEntry : bytes * MEMORY_COST.dockerfileByte) }),
        },
        `${request.method} ${request.target.path} (the build context)`,
      );
      await arriving.arrived;
      return decided(request, await judge(request, reading, context));
    }
    case 'streamed':
      throw new Error('unreachable: a streamed body is decided without reading it');
  }
}

/** What is known of a request before its body is read. */
function known(request: UnderstoodRequest, context: DecideContext): PreJudgeInput {
  return { identity: context.identity, method: request.method, target: request.target, route: request.route, normalised: request.normalised };
}

function judge(request: UnderstoodRequest, body: unknown, context: DecideContext): Decision | Promise<Decision> {
  // One plain literal, every field a value: a decision runs for every request, the judge reads its input
  // field by field, and V8 builds a literal with an accessor (a lazy engine) on a slow path that costs a
  // third of a decision (docs/performance.md).
  const input: JudgeInput = {
    identity: context.identity,
    method: request.method,
    target: request.target,
    route: request.route,
    normalised: request.normalised,
    body,
    engine: context.engine,
    callerOwner: context.callerOwner,
  };
  const { policy, trace } = context;
  if (trace === undefined) return policy.judge(input);
  if (policy instanceof RulePolicy) {
    const evaluation = policy.evaluate(input);
    const traced = (e: { decision: Decision; trace: readonly TraceStep[] }): Decision => {
      trace.push(...e.trace);
      return e.decision;
    };
    return evaluation instanceof Promise ? evaluation.then(traced) : traced(evaluation);
  }
  const step = (d: Decision): Decision => {
    trace.push({ step: 'decision', outcome: d.verdict === 'allow' ? 'pass' : 'fail', detail: `${d.verdict} by ${d.rule}: ${d.reason}` });
    return d;
  };
  const decision = policy.judge(input);
  return decision instanceof Promise ? decision.then(step) : step(decision);
}

/** `judged` is the body as read (a JSON body's value), for the request's needs. */
function decided(request: UnderstoodRequest, decision: Decision, body?: Buffer, judged?: unknown): Decided {
  const operation = request.route.operation;
  const needs = carriesNeeds(operation) ? needsOf(operation, judged, request.target.query) : undefined;
  return {
    decision,
    forwardTarget: judgedForwardTarget(request.target, request.route, decision.pinnedTarget, decision.replacedQuery),
    ...(body !== undefined && { body }),
    ...(needs !== undefined && { needs }),
  };
}
