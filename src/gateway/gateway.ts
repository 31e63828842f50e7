// The request pipeline: identify → admit → parse/route → judge → record → forward → record.
// One Gateway serves every listener; each listener supplies how it identifies its peers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import type { Identity } from '../identify/identity.js';
import type { Logger } from '../log/logger.js';
import type { JudgeInput, Policy } from '../judge/policy.js';
import type { Decision } from '../judge/decision.js';
import type { ReachEngine } from '../judge/reach/reach-context.js';
import { CreatedContainerCheck } from './created-container-check.js';
import { judgedForwardTarget, parseRequestTarget, type RequestTarget } from '../route/request-target.js';
import { classifyRoute } from '../route/route-table.js';
import { resolveRepeatedParameters } from '../route/repeated-parameters.js';
import { NormalisationLog } from '../route/normalisation.js';
import { refuseFormBodies } from '../route/form-bodies.js';
import { readEngineHeaders, type EngineHeaders } from '../route/engine-headers.js';
import type { Route } from '../route/route.js';
import type { AuditOutageMode, AuditSink } from '../record/audit-sink.js';
import type { AuditDecision, DoneRecord, ForwardingRecord } from '../record/audit-record.js';
import type { Upstream } from '../forward/upstream.js';
import { forwardPlain, type HeldBody, type PlainOutcome } from '../forward/forward-plain.js';
import { PinnedReferenceErrors, type PinnedReference } from '../forward/pinned-reference-errors.js';
import { askEngineToHijack, joinHijackedStream, relayRawResponse, upgradeProtocolFor, type HijackOutcome, type UpgradeProtocol } from '../forward/forward-hijack.js';
import { downstreamResponseHeaders } from '../forward/forwarded-headers.js';
import { readUpgradeBody, type UpgradeBodyFraming } from '../forward/upgrade-body.js';
import { takeOverSocket } from '../forward/socket-takeover.js';
import type { RequestGuard } from '../listen/browser-request-guard.js';
import { discardBody, readBody } from './read-body.js';
import { spoolBody } from './spooled-body.js';
import { bodyIsBuildContext, readBuildRequestContext } from '../inspect/build-context/read-build-context.js';
import { sendRefusal, writeRawRefusal } from './refusal-response.js';
import { RequestIds } from './request-ids.js';
import { recordTime } from '../record/record-time.js';
import { INSPECTED_BODY_LIMIT, INSPECTED_OPERATIONS, readBodyForEngine, serializeJudgedBody } from '../inspect/inspect-body.js';
import type { Admission } from '../admit/admission.js';
import { MEMORY_COST, type BodyBudgets } from '../admit/body-budgets.js';
import type { BudgetHold } from '../admit/byte-budget.js';
import type { EngineLookups } from '../forward/engine-client.js';
import { limitBodyIdle, limitUpgradeBodyIdle } from '../admit/body-idle-timeout.js';
import { clientBodyLength } from '../forward/forward-plain.js';

export type Identify = (socket: Socket) => Identity;

export interface GatewayOptions {
  upstream: Upstream;
  /** Read per request, so a reload takes effect for the next request without a restart. */
  policy: () => Policy;
  engine: EngineLookups;
  audit: AuditSink;
  /** While the audit log cannot be written: 'reads-continue' (the default) or 'refuse-all'. */
  auditOutage?: AuditOutageMode;
  minApiVersion: readonly number[];
  logger: Logger;
  /** Per-identity limits (src/admit/). */
  admission: Admission;
  /** What bodies may hold, in memory and on disk (src/admit/). */
  budgets: BodyBudgets;
  /** The request-body idle timeout. */
  bodyTimeoutMs: number;
  /** Where bodies judged whole but too large for memory (build contexts) are held meanwhile. */
  spoolDirectory: string;
}

/** How much of a refused request's body is read and thrown away so the client can see the refusal. */
const REFUSED_BODY_DRAIN_LIMIT = 16 * 1024 * 1024;

/** The largest build context held for judging (413 beyond). */
const BUILD_CONTEXT_LIMIT = 8 * 1024 * 1024 * 1024;

/** The largest body of an attach or exec start request (a tiny JSON document). */
const HIJACK_BODY_LIMIT = 64 * 1024;

interface ExchangeOutcome {
  status: number;
  bytesIn: number;
  bytesOut: number;
  created: string[];
  aborted?: boolean;
}

/** What is known about one request as it walks the pipeline; becomes its audit record. */
interface Exchange {
  id: string;
  started: number;
  identity: Identity;
  method: string;
  rawTarget: string;
  target?: RequestTarget;
  route?: Route;
  decision?: Decision;
  /** Where the canonical request differs from the one sent (query repeats, body spellings, ...). */
  normalised: NormalisationLog;
  /** The engine-read headers as judged, set once the request is understood. */
  headers?: EngineHeaders;
  /** The admission slot the exchange holds until it ends; undefined once released (or never admitted). */
  slot?: string;
  /** What the exchange holds in memory for its body (read, parsed, canonical) until it ends. */
  memory?: BudgetHold;
}

export class Gateway {
  private readonly ids = new RequestIds();
  /** Hijacked connections, which the HTTP servers no longer track, closed at shutdown. */
  readonly hijacked = new Set<Duplex>();
  /** Decided once: in the default mode a read pays nothing for the outage check. */
  private readonly refuseAllInAuditOutage: boolean;

  /** Creates judged on an image, checked before the client hears of them. */
  private readonly createdContainers: CreatedContainerCheck;
  /** The engine's look-ups as decisions make them (a container still being checked is refused). */
  private readonly engine: ReachEngine;

  constructor(private readonly options: GatewayOptions) {
    this.refuseAllInAuditOutage = options.auditOutage === 'refuse-all';
    this.createdContainers = new CreatedContainerCheck(options.upstream);
    this.engine = this.createdContainers.guard(options.engine);
  }

  /** Handles a request the HTTP server has framed (everything but the Upgrade form of hijack). */
  handleRequest(req: IncomingMessage, res: ServerResponse, identity: Identity, guard?: RequestGuard): void {
    const exchange = this.begin(req, identity);
    const refuse = (err: unknown): void => this.refuse(exchange, err, (e) => this.refuseAfterBody(req, res, e));
    let route: Route;
    try {
      // Armed first: a refused request's body is drained too, and a client must not stall that either.
      if (clientBodyLength(req) !== 0) limitBodyIdle(req, res, this.options.bodyTimeoutMs, `${exchange.method} request body`);
      exchange.slot = this.options.admission.admit(identity, exchange.started);
      // The response's close (sent, or its connection gone, hijacked streams included) ends the exchange
      // for admission even on a path that never reaches finish or refuse (a client gone while it was judged).
      res.once('close', () => this.release(exchange));
      route = this.understand(exchange, req, guard);
      if (holdsBody(route, exchange.target!)) this.preJudge(exchange);
    } catch (err) {
      refuse(err);
      return;
    }
    if (route.transport === 'hijack') {
      this.hijackLegacy(exchange, req, res).catch(refuse);
      return;
    }
    const forward = (body?: Buffer | HeldBody): void => {
      const check = this.createdContainerCheck(exchange, res);
      forwardPlain({
        upstream: this.options.upstream,
        req,
        res,
        path: forwardPath(exchange),
        headers: exchange.headers!,
        ...pinnedReference(exchange),
        ...(body !== undefined && { body }),
        collectCreated: route.creates !== undefined,
        ...(check !== undefined && { verifyCreated: check }),
        done: (outcome) => this.finishPlain(exchange, res, outcome),
      });
    };
    if (route.operation === 'image.build' && bodyIsBuildContext(exchange.target!.query)) {
      this.judgeBuildContext(exchange, req, res)
        .then(async (context) => {
          await this.recordBeforeForwarding(exchange);
          forward(context);
        })
        .catch(refuse);
      return;
    }
    if (INSPECTED_OPERATIONS.has(route.operation)) {
      this.judgeBody(exchange, req, () => readBody(req, INSPECTED_BODY_LIMIT, `${exchange.method} ${exchange.target!.path}`, this.memoryHold(exchange)))
        .then(async (body) => {
          await this.recordBeforeForwarding(exchange);
          forward(body);
        })
        .catch(refuse);
      return;
    }
    // The common case (no engine lookup, nothing to record durably) stays synchronous.
    let judged: Promise<void> | undefined;
    try {
      judged = this.judge(exchange);
    } catch (err) {
      refuse(err);
      return;
    }
    if (judged === undefined && !this.recordsFirst(route)) {
      forward();
      return;
    }
    Promise.resolve(judged)
      .then(() => this.recordBeforeForwarding(exchange))
      .then(() => forward())
      .catch(refuse);
  }

  /** Handles a request with `Connection: Upgrade`, whose socket Node has handed over raw. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, identity: Identity, guard?: RequestGuard): void {
    const exchange = this.begin(req, identity);
    let bodyIdle: ReturnType<typeof limitUpgradeBodyIdle> | undefined;
    const refuseRaw = (err: unknown): void => this.refuse(exchange, bodyIdle?.timedOut() ?? err, (e) => writeRawRefusal(socket, e));
    socket.on('error', () => socket.destroy());
    let framing: UpgradeBodyFraming;
    let protocol: UpgradeProtocol;
    try {
      exchange.slot = this.options.admission.admit(identity, exchange.started);
      socket.once('close', () => this.release(exchange));
      const route = this.understand(exchange, req, guard);
      if (route.transport !== 'hijack') {
        throw new GatewayError('DG_HEADER_MALFORMED', {
          what: `${req.method} ${exchange.target!.path}`,
          why: `${route.operation} does not switch protocols, but the request asks for an Upgrade`,
          fix: 'Send Upgrade only on attach, exec start and BuildKit session requests',
        });
      }
      protocol = this.upgradeProtocol(exchange, req, route);
      this.preJudge(exchange);
      framing = this.hijackBodyFraming(req);
      // Held whole before it is judged: a chunked body may grow to the limit, so that much is taken.
      this.memoryHold(exchange).add(framing.kind === 'length' ? framing.length : framing.limit);
    } catch (err) {
      refuseRaw(err);
      return;
    }
    const what = `${req.method} ${exchange.target!.path}`;
    if (framing.kind === 'chunked' || head.length < framing.length) bodyIdle = limitUpgradeBodyIdle(socket as Socket, this.options.bodyTimeoutMs, `${what} request body`);
    readUpgradeBody(socket, head, framing, what)
      .then(async ({ body: received, held }) => {
        bodyIdle?.disarm();
        const body = await this.judgeBody(exchange, req, async () => received);
        await this.recordBeforeForwarding(exchange);
        const answer = await askEngineToHijack(this.options.upstream, req, this.hijackTarget(exchange), body);
        const done = (outcome: HijackOutcome): void => {
          this.hijacked.delete(socket);
          this.finish(exchange, { ...outcome, bytesIn: outcome.bytesIn + body.length, created: [] });
        };
        if (answer.upgraded) {
          this.hijacked.add(socket);
          // Judged and sent: a stream that lasts for hours holds nothing of the budget.
          exchange.memory?.release();
          joinHijackedStream(socket, answer, protocol, held, done);
        } else {
          relayRawResponse(socket, answer.response, pinnedReference(exchange).pinned, done);
        }
      })
      .catch(refuseRaw);
  }

  private begin(req: IncomingMessage, identity: Identity): Exchange {
    return { id: this.ids.next(), started: performance.now(), identity, method: req.method ?? 'GET', rawTarget: req.url ?? '', normalised: new NormalisationLog() };
  }

  /** Parses and routes; throws a GatewayError for anything that cannot be read as the engine reads it. */
  private understand(exchange: Exchange, req: IncomingMessage, guard: RequestGuard | undefined): Route {
    // The listener's own check comes first (the insecure loopback listener refuses browsers' requests).
    guard?.(req);
    // Go refuses an HTTP/1.1 request without Host. Node's own check (requireHostHeader, turned off in
    // src/listen/listeners.ts) would answer a bare 400 and skip upgrade requests: it is made here instead.
    if (req.headers.host === undefined && req.httpVersion === '1.1') {
      throw new GatewayError('DG_HEADER_MALFORMED', {
        what: `${exchange.method} request`,
        why: 'it is HTTP/1.1 without a Host header, which the engine (Go net/http) requires',
        fix: 'Send a Host header (the Docker CLI sends "Host: docker")',
      });
    }
    const target = parseRequestTarget(req.url ?? '', this.options.minApiVersion);
    exchange.target = target;
    const route = classifyRoute(exchange.method, target);
    if (!route) {
      throw new GatewayError('DG_ROUTE_UNKNOWN', {
        what: `${exchange.method} ${target.path}`,
        why: 'this is not an operation of the Docker Engine API that dockgate knows',
        fix: 'Check the path and method; if a newer engine added it, dockgate needs updating before it will forward it',
      });
    }
    exchange.route = route;
    resolveRepeatedParameters(route, target.query, exchange.normalised);
    exchange.headers = readEngineHeaders(req.rawHeaders);
    refuseFormBodies(exchange.method, target.path, exchange.headers['content-type']);
    return route;
  }

  /** What a hijack forwards: the judged target, headers and operation. */
  private hijackTarget(exchange: Exchange): { path: string; headers: EngineHeaders; operation: string } {
    return { path: forwardPath(exchange), headers: exchange.headers!, operation: exchange.route!.operation };
  }

  /**
   * Asks the policy. Returns undefined when it decided synchronously, a promise when it needed the
   * engine; either way a refusal (in enforce mode) surfaces as a thrown or rejected GatewayError.
   */
  private judge(exchange: Exchange, body?: unknown): Promise<void> | undefined {
    const { engine, budgets } = this.options;
    const { createdContainers } = this;
    // The engine's answers are held while the judgement runs (the decision keeps only ids): a hold of their
    // own, given back with the decision, not with the exchange, which may stream for hours.
    let answers: BudgetHold | undefined;
    const charge = (bytes: number): void => (answers ??= budgets.inMemory(exchange.identity)).add(bytes * MEMORY_COST.lookupAnswerByte);
    const input: JudgeInput = {
      identity: exchange.identity,
      method: exchange.method,
      target: exchange.target!,
      route: exchange.route!,
      // Made only when the policy asks the engine (most requests never do): its answers are held for the judgement.
      get engine() {
        return createdContainers.guard(engine.chargedTo(charge));
      },
      normalised: exchange.normalised,
      ...(body !== undefined && { body }),
    };
    const decision = this.options.policy().judge(input);
    if (decision instanceof Promise) return decision.finally(() => answers?.release()).then((d) => this.apply(exchange, d));
    this.apply(exchange, decision);
    return undefined;
  }

  /**
   * Reads the body the way the engine will (src/inspect), judges it, and returns exactly what is to be
   * forwarded: the canonical serialisation of the judged body, with the policy's defaults applied.
   * Operations whose body is not inspected are judged without it and forwarded as received.
   */
  private async judgeBody(exchange: Exchange, req: IncomingMessage, receive: () => Promise<Buffer>): Promise<Buffer> {
    const received = await receive();
    if (!INSPECTED_OPERATIONS.has(exchange.route!.operation)) {
      await this.judge(exchange);
      return received;
    }
    const engine = this.engine;
    const { value, values } = await readBodyForEngine({
      operation: exchange.route!.operation,
      body: received,
      contentType: exchange.headers!['content-type'],
      chunked: req.headers['transfer-encoding'] !== undefined,
      engineApiVersion: engine.apiVersion === undefined ? undefined : () => engine.apiVersion!(),
      normalised: exchange.normalised,
    });
    // What the reading holds while the body is judged, which its byte length does not tell.
    this.memoryHold(exchange).add(values * MEMORY_COST.parsedValue);
    await this.judge(exchange, value);
    const decided = exchange.decision!;
    const canonical = serializeJudgedBody(decided.body !== undefined ? decided.body : value);
    this.memoryHold(exchange).add(canonical.length);
    return canonical;
  }

  /**
   * A build's context, held (spooled-body.ts) while its Dockerfile is read as the engine will find it
   * (src/inspect/build-context/) and judged; the context is forwarded from the spool, whole, only after.
   */
  private async judgeBuildContext(exchange: Exchange, req: IncomingMessage, res: ServerResponse): Promise<HeldBody> {
    const query = exchange.target!.query;
    const what = `${exchange.method} ${exchange.target!.path} (the build context)`;
    const spool = await spoolBody(req, this.options.spoolDirectory, BUILD_CONTEXT_LIMIT, what, this.options.budgets.onDisk(exchange.identity));
    // A client gone while the spool was made has closed already: nothing else would remove the file.
    if (res.destroyed) void spool.abandon();
    else res.once('close', () => void spool.abandon());
    try {
      const memory = this.memoryHold(exchange);
      const reading = await readBuildRequestContext(
        query,
        {
          live: () => spool.live,
          again: () => spool.again(),
          keeps: (kind, bytes) => memory.add(kind === 'entry' ? bytes + MEMORY_COST.contextEntry : bytes * MEMORY_COST.dockerfileByte),
        },
        what,
      );
      const held = await spool.complete;
      await this.judge(exchange, reading);
      // Judged: the build that follows may stream for minutes, holding nothing of what its judgement kept.
      memory.release();
      return held;
    } catch (err) {
      const failure = spool.failure();
      await spool.abandon();
      throw failure ?? err;
    }
  }

  /** For a create judged on its image: the check of what it made (created-container-check.ts), ended with the exchange. */
  private createdContainerCheck(exchange: Exchange, res: ServerResponse): ((id: string) => Promise<GatewayError | undefined>) | undefined {
    const imageId = exchange.decision?.createdFromImage;
    if (imageId === undefined || exchange.decision?.verdict !== 'allow') return undefined;
    const { verify, end } = this.createdContainers.begin(exchange.target!.query.get('name'), imageId, this.options.engine);
    res.once('close', end);
    return verify;
  }

  /**
   * Refuses, before a byte of the body is read, what the policy refuses whatever the body says (no rule
   * for the client, or an operation its rule does not grant): such a body is never held.
   */
  private preJudge(exchange: Exchange): void {
    const decision = this.options.policy().preJudge?.({
      identity: exchange.identity,
      method: exchange.method,
      target: exchange.target!,
      route: exchange.route!,
      normalised: exchange.normalised,
    });
    if (decision !== undefined) this.apply(exchange, decision);
  }

  /** The exchange's hold on the memory budget, taken when it first needs one. */
  private memoryHold(exchange: Exchange): BudgetHold {
    return (exchange.memory ??= this.options.budgets.inMemory(exchange.identity));
  }

  private apply(exchange: Exchange, decision: Decision): void {
    exchange.decision = decision;
    if (decision.verdict === 'allow' || decision.mode === 'warn') return;
    const { route, target } = exchange;
    throw new GatewayError('DG_POLICY_DENIED', {
      what: `${route!.operation} (${exchange.method} ${target!.path})`,
      rule: decision.rule,
      why: decision.reason,
      fix: decision.fix ?? 'Ask for a policy that grants this operation to your identity',
    });
  }

  /** Sends a refusal once the client has finished sending its body (up to a bound). */
  private refuseAfterBody(req: IncomingMessage, res: ServerResponse, error: GatewayError): void {
    void discardBody(req, REFUSED_BODY_DRAIN_LIMIT).then((complete) => {
      if (!res.destroyed && !res.headersSent) sendRefusal(res, error, !complete);
    });
  }

  /**
   * The protocol the engine will switch to. BuildKit's endpoints take only `Upgrade: h2c` (the first
   * Upgrade line, as Go's Header.Get reads it) and answer anything else with an error: so does dockgate.
   */
  private upgradeProtocol(exchange: Exchange, req: IncomingMessage, route: Route): UpgradeProtocol {
    const protocol = upgradeProtocolFor(route.operation);
    if (protocol === 'h2c') {
      const index = req.rawHeaders.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'upgrade');
      const asked = index === -1 ? undefined : req.rawHeaders[index + 1];
      if (asked !== 'h2c') {
        throw new GatewayError('DG_HEADER_MALFORMED', {
          what: `${exchange.method} ${exchange.target!.path}`,
          why: `${route.operation} switches only to h2c, and the request asks for ${asked === undefined ? 'no protocol' : JSON.stringify(asked.slice(0, 40))}`,
          fix: 'Send Upgrade: h2c, as BuildKit clients do',
        });
      }
    }
    return protocol;
  }

  /** An upgrade request's body: Content-Length bytes, or chunked (BuildKit's session sends an empty one). */
  private hijackBodyFraming(req: IncomingMessage): UpgradeBodyFraming {
    const what = `${req.method} ${req.url}`;
    // Node's parser has already refused Transfer-Encoding other than a final chunked, and one beside Content-Length.
    if (req.headers['transfer-encoding'] !== undefined) return { kind: 'chunked', limit: HIJACK_BODY_LIMIT };
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > HIJACK_BODY_LIMIT) {
      throw new GatewayError('DG_BODY_TOO_LARGE', {
        what,
        why: `the body is ${length} bytes, more than the ${HIJACK_BODY_LIMIT} an attach or exec start needs`,
        fix: 'Send the small JSON document the Engine API expects',
      });
    }
    return { kind: 'length', length };
  }

  /** The legacy hijack form: the HTTP server framed the request; the connection is taken over on success. */
  private async hijackLegacy(exchange: Exchange, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const protocol = this.upgradeProtocol(exchange, req, exchange.route!);
    const body = await this.judgeBody(exchange, req, () => readBody(req, HIJACK_BODY_LIMIT, `${req.method} ${exchange.target!.path}`, this.memoryHold(exchange)));
    await this.recordBeforeForwarding(exchange);
    const answer = await askEngineToHijack(this.options.upstream, req, this.hijackTarget(exchange), body);
    if (!answer.upgraded) {
      const response = answer.response;
      const status = response.statusCode ?? 502;
      const { pinned } = pinnedReference(exchange);
      let bytesOut = 0;
      res.on('close', () => this.finish(exchange, { status, bytesIn: body.length, bytesOut, created: [] }));
      if (pinned !== undefined && status >= 400) {
        // An error answer names the pinned id: held whole (it is small) and given the client's reference back.
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const rewritten = PinnedReferenceErrors.rewrite(pinned, Buffer.concat(chunks), status);
          bytesOut = rewritten.length;
          res.writeHead(status, response.statusMessage, PinnedReferenceErrors.headers(downstreamResponseHeaders(response.rawHeaders), rewritten.length));
          res.end(rewritten);
        });
        return;
      }
      res.writeHead(status, response.statusMessage, downstreamResponseHeaders(response.rawHeaders));
      response.on('data', (chunk: Buffer) => (bytesOut += chunk.length));
      response.pipe(res);
      return;
    }
    const socket = takeOverSocket(req.socket);
    this.hijacked.add(socket);
    // Judged and sent: a stream that lasts for hours holds nothing of the budget.
    exchange.memory?.release();
    // The legacy client asked without Upgrade, or with Upgrade but without `Connection: Upgrade`
    // (dockerd looks only at Upgrade): answer in the form dockerd would have used.
    joinHijackedStream(socket, answer, req.headers.upgrade !== undefined ? protocol : undefined, Buffer.alloc(0), (outcome) => {
      this.hijacked.delete(socket);
      this.finish(exchange, { ...outcome, bytesIn: outcome.bytesIn + body.length, created: [] });
    });
  }

  /**
   * Whether a request is forwarded only once its record is on disk: state changes always; under
   * --audit-outage refuse-all, every request while the audit log is failing (refused while it still
   * fails, served as soon as a record can be written again).
   */
  private recordsFirst(route: Route): boolean {
    return route.mutates || (this.refuseAllInAuditOutage && !this.options.audit.healthy);
  }

  private async recordBeforeForwarding(exchange: Exchange): Promise<void> {
    if (!this.recordsFirst(exchange.route!)) return;
    await this.options.audit.writeDurable(this.forwardingRecord(exchange));
  }

  private finishPlain(exchange: Exchange, res: ServerResponse, outcome: PlainOutcome | GatewayError): void {
    if (isGatewayError(outcome)) {
      this.refuse(exchange, outcome, (e) => {
        if (!res.destroyed && !res.headersSent) sendRefusal(res, e, true);
      });
      return;
    }
    this.finish(exchange, outcome);
  }

  private finish(exchange: Exchange, outcome: ExchangeOutcome): void {
    this.release(exchange);
    const decision = exchange.decision!;
    const reason = outcome.aborted ? `${decision.reason}; the connection was cut before the exchange completed` : decision.reason;
    this.options.audit.write(this.doneRecord(exchange, forwardedDecision(decision), decision.rule, reason, outcome));
  }

  /** Answers with the refusal and records it. Anything that is not a GatewayError is a bug: logged, answered as a 502. */
  private refuse(exchange: Exchange, err: unknown, answer: (e: GatewayError) => void): void {
    let error: GatewayError;
    if (isGatewayError(err)) {
      error = err;
    } else {
      this.options.logger.error({ err, request: exchange.id }, 'internal error while handling a request');
      error = new GatewayError('DG_UPSTREAM_FAILED', {
        what: `${exchange.method} ${exchange.target?.path ?? ''}`.trim(),
        why: 'dockgate hit an internal error (see its log)',
        fix: 'Retry; report the log line if it persists',
      });
    }
    this.release(exchange);
    const outcome = { status: error.status, bytesIn: 0, bytesOut: 0, created: [] };
    this.options.audit.write(this.doneRecord(exchange, error.decision === 'deny' ? 'deny' : 'error', error.rule, error.message, outcome));
    answer(error);
  }

  /**
   * Gives back the exchange's admission slot and what its body held, once: at finish or refuse, or when its
   * response or connection closes, whichever comes first.
   */
  private release(exchange: Exchange): void {
    exchange.memory?.release();
    if (exchange.slot === undefined) return;
    this.options.admission.release(exchange.slot);
    exchange.slot = undefined;
  }

  // Both records are built as one object literal each, in the formatter's field order: this runs for every
  // request, and spreading a shared "facts" object into each record cost more than formatting the line.
  private forwardingRecord(exchange: Exchange): ForwardingRecord {
    const { target, route, decision } = exchange;
    return {
      time: recordTime(),
      id: exchange.id,
      phase: 'forwarding',
      listener: exchange.identity.listener,
      identity: exchange.identity,
      method: exchange.method,
      path: forwardPath(exchange),
      apiVersion: target!.version,
      operation: route!.operation,
      target: route!.target,
      decision: forwardedDecision(decision!),
      rule: decision!.rule,
      reason: decision!.reason,
      changes: appliedChanges(decision),
      normalised: exchange.normalised.size > 0 ? exchange.normalised : undefined,
    };
  }

  private doneRecord(exchange: Exchange, decision: AuditDecision, rule: string, reason: string, outcome: ExchangeOutcome): DoneRecord {
    const { target, route } = exchange;
    // Absent values stay undefined: the record's formatter leaves them out.
    return {
      time: recordTime(),
      id: exchange.id,
      phase: 'done',
      listener: exchange.identity.listener,
      identity: exchange.identity,
      method: exchange.method,
      path: target ? forwardPath(exchange) : exchange.rawTarget.slice(0, 512),
      apiVersion: target?.version,
      operation: route?.operation,
      target: route?.target,
      decision,
      rule,
      reason,
      status: outcome.status,
      bytesIn: outcome.bytesIn,
      bytesOut: outcome.bytesOut,
      durationMs: Math.round((performance.now() - exchange.started) * 1000) / 1000,
      created: outcome.created,
      changes: appliedChanges(exchange.decision),
      normalised: exchange.normalised.size > 0 ? exchange.normalised : undefined,
    };
  }
}

/** Whether the gateway holds the request's body before it can judge it (read whole, or spooled): attach and exec, judged bodies, build contexts. */
function holdsBody(route: Route, target: RequestTarget): boolean {
  return route.transport === 'hijack' || INSPECTED_OPERATIONS.has(route.operation) || (route.operation === 'image.build' && bodyIsBuildContext(target.query));
}

/** The full id forwarded in place of the client's reference, if the decision pinned one (for the engine's error messages). */
function pinnedReference(exchange: Exchange): { pinned?: PinnedReference } {
  const id = exchange.decision?.pinnedTarget;
  const ref = exchange.route?.target?.ref;
  return id === undefined || ref === undefined || id === ref ? {} : { pinned: { id, ref } };
}

/** The canonical target as judged: the full id the decision looked up in place of the reference sent. */
function forwardPath(exchange: Exchange): string {
  return judgedForwardTarget(exchange.target!, exchange.route, exchange.decision?.pinnedTarget);
}

function appliedChanges(decision: Decision | undefined): Decision['changes'] | undefined {
  return decision?.changes && decision.changes.length > 0 ? decision.changes : undefined;
}

/** A forwarded request was allowed, or refused by a rule in warn mode (learning what would be denied). */
function forwardedDecision(decision: Decision): 'allow' | 'would_deny' {
  return decision.verdict === 'deny' ? 'would_deny' : 'allow';
}

