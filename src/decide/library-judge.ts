// The gateway's judgement as a library, for services that start containers for their users:
// `judge(policy, { method, path, headers, body, identity }, engine)` decides through the gateway's own
// steps (understand-request.ts, decide-request.ts: the same functions, so the same decisions and messages)
// and returns the decision with its reasons and the canonical request to send to the engine.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import type { Identity } from '../identify/identity.js';
import type { AppliedDefault, Decision } from '../judge/decision.js';
import type { ContainerFacts, EngineLookup, ExecFacts, ImageFacts, VolumeFacts } from '../judge/engine-lookup.js';
import type { Policy } from '../judge/policy.js';
import type { Redaction } from '../judge/redaction.js';
import type { Violation } from '../judge/reach/findings.js';
import type { TraceStep } from '../policy/rule-policy.js';
import type { Normalisation } from '../route/normalisation.js';
import type { Operation } from '../route/operations.js';
import { decideRequest, policyRefusal, refuses, type RequestBody } from './decide-request.js';
import { understandRequest } from './understand-request.js';

export interface JudgeRequest {
  method: string;
  /** The request target as a client sends it: `/v1.41/containers/create?name=web`. */
  path: string;
  headers?: IncomingHttpHeaders;
  /** The raw body (a Buffer or a string), or an already parsed JSON value (it is re-read like raw JSON). */
  body?: unknown;
  identity: Identity;
  /**
   * The owner this request acts for (docs/owners-design.md), e.g. the name of the service's own user: what
   * it creates is stamped with it, and the objects it names must carry it. It is the owner where the
   * client's rule says `owner: { from: caller }` or gives no owner; a rule that takes the owner from the
   * identity must agree. Given (the key present) as anything but a usable name, `undefined` included, the
   * request is refused: it never runs without the owner it was meant to have.
   */
  owner?: string;
}

export interface JudgeResult {
  verdict: 'allow' | 'deny';
  rule: string;
  reason: string;
  fix?: string;
  /** On a deny by the reach judge, or of a body field that has no single reading: each field refused, with its own why and fix (what `reason` and `fix` join). */
  violations?: readonly Violation[];
  /** `warn`: a deny the caller should record and forward anyway. */
  mode?: 'enforce' | 'warn';
  /**
   * The refusal as the engine-style error message the gateway would send (deny only). For an object of
   * another owner (or of none, or none at all) it is the engine's own words for a missing one (`No such
   * container: web`), so that the answer tells nothing of other owners' objects.
   */
  message?: string;
  /** The HTTP status the gateway answers the refusal with (deny only): 403 for a policy's, 404 for an object of another owner. */
  status?: number;
  operation?: Operation;
  /** The canonical request target to send to the engine: an object the decision looked up is named by the full id it checked. */
  target?: string;
  /** The canonical body to send to the engine (the judged document re-serialised, defaults and the owner's label applied); absent when the request is refused. */
  body?: Buffer;
  /** Defaults the policy applied to the body. */
  changes: readonly AppliedDefault[];
  /** What the rule redacts from the engine's answer (the gateway rewrites it as it streams); absent: nothing. */
  redact?: Redaction;
  /** Where the canonical request differs from the one given (renamed keys, dropped unknown fields, ...). */
  normalised: readonly Normalisation[];
  /** The owner the client's rule gave it (docs/owners-design.md): what the objects it creates are stamped with. */
  owner?: string;
  /** Every step of the decision (rule selection, grants, each check), for logs and debugging. */
  trace: readonly TraceStep[];
}

export interface LibraryJudgeOptions {
  /** Requests for older Engine API versions are refused (default 1.24, as `dockgate serve`). */
  minApiVersion?: readonly number[];
}

/** An engine that knows of no objects: decisions that need one refuse (or let the engine answer 404). */
export const NO_ENGINE: EngineLookup = {
  container: async (): Promise<ContainerFacts | undefined> => undefined,
  volume: async (): Promise<VolumeFacts | undefined> => undefined,
  image: async (): Promise<ImageFacts | undefined> => undefined,
  exec: async (): Promise<ExecFacts | undefined> => undefined,
};

function refusedBy(error: GatewayError, trace: TraceStep[]): JudgeResult {
  trace.push({ step: 'decision', outcome: 'fail', detail: `deny by ${error.rule}: ${error.detail.why}` });
  const { field, why, fix } = error.detail;
  return {
    verdict: 'deny',
    rule: error.rule,
    reason: why,
    fix,
    ...(field !== undefined && { violations: [{ field, why, fix, check: 'body' as const }] }),
    message: error.message,
    status: error.status,
    changes: [],
    normalised: [],
    trace,
  };
}

function rawBody(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** The header lines (name, value, ...) the engine would receive for Node-style headers. */
function rawHeaders(headers: IncomingHttpHeaders): string[] {
  return Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [value].flat().flatMap((line) => [name, String(line)])));
}

/** The given bytes as a request body: whole, or as a build context read twice. */
function bodyOf(raw: Buffer, chunked: boolean): RequestBody {
  async function* chunks(): AsyncGenerator<Buffer> {
    yield raw;
  }
  return { chunked, whole: async () => raw, context: async () => ({ body: { live: chunks, again: chunks }, arrived: Promise.resolve() }) };
}

function refusalOf(error: GatewayError): { message: string; status: number } {
  return { message: error.message, status: error.status };
}

/**
 * A request given an owner is never forwarded without it: a warn-mode rule's refusal (an owner it could not
 * take) is enforced, and a policy that judged it without the owner (a Policy not made of rules, which knows
 * nothing of owners) is refused.
 */
function keptToOwner(decision: Decision, policy: Policy, trace: TraceStep[]): Decision {
  if (decision.owner !== undefined || refuses(decision)) return decision;
  if (decision.verdict === 'deny') return { ...decision, mode: 'enforce' };
  const refused: Decision = {
    verdict: 'deny',
    rule: decision.rule,
    reason: `the request was given an owner, and ${policy.name} judges without owners, so nothing would keep it to the owner's objects`,
    fix: 'Judge it with a policy of rules (loadPolicy, builtinPolicy, presetPolicy), which keep a request to the owner it is given',
  };
  trace.push({ step: 'decision', outcome: 'fail', detail: `deny by ${refused.rule}: ${refused.reason}` });
  return refused;
}

export async function judge(policy: Policy, request: JudgeRequest, engine: EngineLookup = NO_ENGINE, options: LibraryJudgeOptions = {}): Promise<JudgeResult> {
  const trace: TraceStep[] = [];
  const headers = request.headers ?? {};
  try {
    const understood = understandRequest({ method: request.method, target: request.path, rawHeaders: rawHeaders(headers) }, options.minApiVersion ?? [1, 24]);
    const raw = rawBody(request.body);
    const callerOwner = 'owner' in request ? { value: request.owner } : undefined;
    const decided = await decideRequest(understood, bodyOf(raw, headers['transfer-encoding'] !== undefined), {
      policy,
      identity: request.identity,
      engine,
      trace,
      ...(callerOwner !== undefined && { callerOwner }),
    });
    const { forwardTarget, body: judgedBody } = decided;
    const decision = callerOwner === undefined ? decided.decision : keptToOwner(decided.decision, policy, trace);
    // A judged JSON body is forwarded in its canonical form; any other as given; none when refused.
    const body = refuses(decision) ? undefined : understood.body === 'json' ? judgedBody : raw;
    return {
      verdict: decision.verdict,
      rule: decision.rule,
      reason: decision.reason,
      ...(decision.fix !== undefined && { fix: decision.fix }),
      ...(decision.violations !== undefined && { violations: decision.violations }),
      ...(decision.mode !== undefined && { mode: decision.mode }),
      ...(decision.verdict === 'deny' && refusalOf(policyRefusal(understood, decision))),
      operation: understood.route.operation,
      target: forwardTarget,
      ...(body !== undefined && body.length > 0 && { body }),
      changes: decision.changes ?? [],
      ...(decision.owner !== undefined && { owner: decision.owner }),
      ...(decision.redact !== undefined && { redact: decision.redact }),
      normalised: understood.normalised.entries,
      trace,
    };
  } catch (err) {
    if (err instanceof GatewayError) return refusedBy(err, trace);
    throw err;
  }
}
