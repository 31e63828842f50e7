// The gateway's judgement as a library, for services that start containers for their users:
// `judge(policy, { method, path, headers, body, identity }, engine)` reads the request the way the
// gateway does (request target, route, body through the Go-compatible reader), asks the policy, and
// returns the decision with its reasons and the canonical body to send to the engine.
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import type { Identity } from '../identify/identity.js';
import { INSPECTED_OPERATIONS, readBodyForEngine, serializeJudgedBody } from '../inspect/inspect-body.js';
import { bodyIsBuildContext, readBuildRequestContext } from '../inspect/build-context/read-build-context.js';
import { NormalisationLog, type Normalisation } from '../route/normalisation.js';
import type { Decision } from '../judge/decision.js';
import type { ContainerFacts, EngineLookup, ExecFacts, ImageFacts, VolumeFacts } from '../judge/engine-lookup.js';
import type { Policy } from '../judge/policy.js';
import type { AppliedDefault } from '../record/audit-record.js';
import { refuseFormBodies } from '../route/form-bodies.js';
import { readEngineHeaders } from '../route/engine-headers.js';
import { resolveRepeatedParameters } from '../route/repeated-parameters.js';
import { judgedForwardTarget, parseRequestTarget } from '../route/request-target.js';
import { classifyRoute } from '../route/route-table.js';
import { RulePolicy, type TraceStep } from './rule-policy.js';

export interface JudgeRequest {
  method: string;
  /** The request target as a client sends it: `/v1.41/containers/create?name=web`. */
  path: string;
  headers?: IncomingHttpHeaders;
  /** The raw body (Buffer or string), or an already parsed JSON value (it is re-read like raw JSON). */
  body?: Buffer | string | unknown;
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
  operation?: string;
  /** The canonical request target to send to the engine. */
  target?: string;
  /** The canonical body to send to the engine (the judged document re-serialised, defaults applied). */
  body?: Buffer;
  /** Defaults the policy applied to the body. */
  changes: readonly AppliedDefault[];
  /** Where the canonical request differs from the one given (renamed keys, dropped unknown fields, ...). */
  normalised: readonly Normalisation[];
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

async function* chunksOf(body: Buffer): AsyncGenerator<Buffer> {
  yield body;
}

export async function judge(policy: Policy, request: JudgeRequest, engine: EngineLookup = NO_ENGINE, options: LibraryJudgeOptions = {}): Promise<JudgeResult> {
  const trace: TraceStep[] = [];
  const headers = request.headers ?? {};
  try {
    const target = parseRequestTarget(request.path, options.minApiVersion ?? [1, 24]);
    const route = classifyRoute(request.method, target);
    if (route === undefined) {
      throw new GatewayError('DG_ROUTE_UNKNOWN', {
        what: `${request.method} ${target.path}`,
        why: 'the Engine API has no such endpoint, so dockgate cannot tell what it would do',
        fix: 'Check the path and method',
      });
    }
    const normalised = new NormalisationLog();
    resolveRepeatedParameters(route, target.query, normalised);
    const engineHeaders = readEngineHeaders(Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [value].flat().flatMap((line) => [name, String(line)]))));
    refuseFormBodies(request.method, target.path, engineHeaders['content-type']);
    const raw = rawBody(request.body);
    const inspected = INSPECTED_OPERATIONS.has(route.operation);
    const buildContext = route.operation === 'image.build' && bodyIsBuildContext(target.query);
    // As the gateway does: a request its rule refuses whatever the body says is refused without reading the body.
    const known = { identity: request.identity, method: request.method, target, route, normalised };
    const early = policy.preJudge?.(known);
    const refusedUnread = early !== undefined && early.verdict === 'deny' && early.mode !== 'warn';
    const judged = refusedUnread
      ? undefined
      : buildContext
      ? await readBuildRequestContext(target.query, { live: () => chunksOf(raw), again: () => chunksOf(raw) }, `${request.method} ${target.path} (the build context)`)
      : inspected
      ? (
          await readBodyForEngine({
            operation: route.operation,
            body: raw,
            contentType: engineHeaders['content-type'],
            chunked: headers['transfer-encoding'] !== undefined,
            engineApiVersion: engine.apiVersion === undefined ? undefined : () => engine.apiVersion!(),
            normalised,
          })
        ).value
      : undefined;
    const input = { ...known, engine, ...(judged !== undefined && { body: judged }) };
    let decision: Decision;
    if (policy instanceof RulePolicy) {
      const evaluation = await policy.evaluate(input);
      trace.push(...evaluation.trace);
      decision = evaluation.decision;
    } else {
      decision = await policy.judge(input);
      trace.push({ step: 'decision', outcome: decision.verdict === 'allow' ? 'pass' : 'fail', detail: `${decision.verdict} by ${decision.rule}: ${decision.reason}` });
    }
    const body = inspected ? serializeJudgedBody(decision.body ?? judged) : raw.length > 0 ? raw : undefined;
    const message =
      decision.verdict === 'deny'
        ? new GatewayError('DG_POLICY_DENIED', {
            what: `${route.operation} (${request.method} ${target.path})`,
            rule: decision.rule,
            why: decision.reason,
            fix: decision.fix ?? 'Ask for a policy that grants this operation to your identity',
          }).message
        : undefined;
    return {
      verdict: decision.verdict,
      rule: decision.rule,
      reason: decision.reason,
      ...(decision.fix !== undefined && { fix: decision.fix }),
      ...(decision.mode !== undefined && { mode: decision.mode }),
      ...(message !== undefined && { message }),
      operation: route.operation,
      target: judgedForwardTarget(target, route, decision.pinnedTarget),
      ...(body !== undefined && body.length > 0 && { body }),
      changes: decision.changes ?? [],
      normalised: normalised.entries,
      trace,
    };
  } catch (err) {
    if (err instanceof GatewayError) return refusedBy(err, trace);
    throw err;
  }
}
