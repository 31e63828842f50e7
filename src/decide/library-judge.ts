// The gateway's judgement as a library, for services that start containers for their users:
// `judge(policy, { method, path, headers, body, identity }, engine)` decides through the gateway's own
// steps (understand-request.ts, decide-request.ts: the same functions, so the same decisions and messages)
// and returns the decision with its reasons and the canonical request to send to the engine.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import type { Identity } from '../identify/identity.js';
import type { AppliedDefault } from '../judge/decision.js';
import type { ContainerFacts, EngineLookup, ExecFacts, ImageFacts, VolumeFacts } from '../judge/engine-lookup.js';
import type { Policy } from '../judge/policy.js';
import type { Redaction } from '../judge/redaction.js';
import type { TraceStep } from '../policy/rule-policy.js';
import type { Normalisation } from '../route/normalisation.js';
import type { Operation } from '../route/operations.js';
import { decideRequest, policyRefusal, type RequestBody } from './decide-request.js';
import { understandRequest } from './understand-request.js';

export interface JudgeRequest {
  method: string;
  /** The request target as a client sends it: `/v1.41/containers/create?name=web`. */
  path: string;
  headers?: IncomingHttpHeaders;
  /** The raw body (a Buffer or a string), or an already parsed JSON value (it is re-read like raw JSON). */
  body?: unknown;
  identity: Identity;
}

export interface JudgeResult {
  verdict: 'allow' | 'deny';
  rule: string;
  reason: string;
  fix?: string;
  /** `warn`: a deny the caller should record and forward anyway. */
  mode?: 'enforce' | 'warn';
  /** The refusal as the engine-style error message the gateway would send (deny only). */
  message?: string;
  operation?: Operation;
  /** The canonical request target to send to the engine. */
  target?: string;
  /** The canonical body to send to the engine (the judged document re-serialised, defaults applied); absent when the request is refused. */
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
  return { verdict: 'deny', rule: error.rule, reason: error.detail.why, fix: error.detail.fix, message: error.message, changes: [], normalised: [], trace };
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

export async function judge(policy: Policy, request: JudgeRequest, engine: EngineLookup = NO_ENGINE, options: LibraryJudgeOptions = {}): Promise<JudgeResult> {
  const trace: TraceStep[] = [];
  const headers = request.headers ?? {};
  try {
    const understood = understandRequest({ method: request.method, target: request.path, rawHeaders: rawHeaders(headers) }, options.minApiVersion ?? [1, 24]);
    const raw = rawBody(request.body);
    const {
      decision,
      forwardTarget,
      body: judgedBody,
    } = await decideRequest(understood, bodyOf(raw, headers['transfer-encoding'] !== undefined), {
      policy,
      identity: request.identity,
      engine,
      trace,
    });
    // A judged JSON body is forwarded in its canonical form (none when refused unread); any other as given.
    const body = understood.body === 'json' ? judgedBody : raw;
    return {
      verdict: decision.verdict,
      rule: decision.rule,
      reason: decision.reason,
      ...(decision.fix !== undefined && { fix: decision.fix }),
      ...(decision.mode !== undefined && { mode: decision.mode }),
      ...(decision.verdict === 'deny' && { message: policyRefusal(understood, decision).message }),
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
