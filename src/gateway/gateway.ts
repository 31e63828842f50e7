// The request pipeline's transport: admit → understand and decide (src/decide/, the steps the library
// judge() takes too) → record → forward → record, over the client's HTTP exchange or raw upgraded socket.
// One Gateway serves every listener; each listener supplies how it identifies its peers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { GatewayError, isGatewayError } from '../errors/catalogue.js';
import { sendRefusal, writeRawRefusal } from '../answer/refusal-response.js';
import type { Identity } from '../identify/identity.js';
import type { Logger } from '../log/logger.js';
import { UNROUTED, type Metrics, type RequestDecision } from '../observe/metrics.js';
import type { Policy } from '../judge/policy.js';
import type { Route } from '../route/route.js';
import { INSPECTED_BODY_LIMIT } from '../inspect/inspect-body.js';
import type { AuditOutageMode, AuditSink, DurableRecord } from '../record/audit-sink.js';
import { RequestIds } from '../record/request-ids.js';
import type { Admission } from '../admit/admission.js';
import { MEMORY_COST, type BodyBudgets } from '../admit/body-budgets.js';
import type { BudgetHold } from '../admit/byte-budget.js';
import { limitBodyIdle, limitUpgradeBodyIdle } from '../admit/body-idle-timeout.js';
import type { Upstream } from '../forward/upstream.js';
import { clientBodyLength, forwardPlain, type AnswerRedaction, type HeldBody, type PlainOutcome } from '../forward/forward-plain.js';
import { redactionTargets } from '../judge/redaction.js';
import { PinnedReferenceErrors, type PinnedReference } from '../forward/pinned-reference-errors.js';
import { askEngineToHijack, joinHijackedStream, relayRawResponse, upgradeProtocolFor, type HijackOutcome, type UpgradeProtocol } from '../forward/forward-hijack.js';
import { downstreamResponseHeaders } from '../forward/forwarded-headers.js';
import { readUpgradeBody, type UpgradeBodyFraming } from '../forward/upgrade-body.js';
import { takeOverSocket } from '../forward/socket-takeover.js';
import type { EngineLookups } from '../forward/engine-client.js';
import { OWNER_FILTERED_ANSWERS, type OwnerAnswer } from '../forward/owner-answer-filter.js';
import type { RequestGuard } from '../listen/browser-request-guard.js';
import type { RequestHandler } from '../listen/request-handler.js';
import { understandRequest, type UnderstoodRequest } from '../decide/understand-request.js';
import { decideRequest, NO_BODY_READ, policyRefusal, refusalFix, refuses, wholeBody, type Decided, type RequestBody } from '../decide/decide-request.js';
import { CreatedContainerCheck } from './created-container-check.js';
import { EngineOnDemand } from './engine-on-demand.js';
import { doneRecord, forwardedDecision, forwardingRecord, type Exchange, type ExchangeOutcome } from './exchange.js';
import { discardBody, readBody } from './read-body.js';
import { spoolBody, type Spool } from './spooled-body.js';

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
  /** Counts every finished exchange, when the admin listener serves metrics (src/observe/). */
  metrics?: Metrics;
}

/** How much of a refused request's body is read and thrown away so the client can see the refusal. */
const REFUSED_BODY_DRAIN_LIMIT = 16 * 1024 * 1024;

/** The largest build context held for judging (413 beyond). */
const BUILD_CONTEXT_LIMIT = 8 * 1024 * 1024 * 1024;

/** The largest body of an attach or exec start request (a tiny JSON document). */
const HIJACK_BODY_LIMIT = 64 * 1024;

export class Gateway implements RequestHandler {
  private readonly ids = new RequestIds();
  /** Hijacked connections, which the HTTP servers no longer track, closed at shutdown. */
  readonly hijacked = new Set<Duplex>();
  /** Decided once: in the default mode a read pays nothing for the outage check. */
  private readonly refuseAllInAuditOutage: boolean;

  /** Creates judged on an image, checked before the client hears of them. */
  private readonly createdContainers: CreatedContainerCheck;

  constructor(private readonly options: GatewayOptions) {
    this.refuseAllInAuditOutage = options.auditOutage === 'refuse-all';
    this.createdContainers = new CreatedContainerCheck(options.upstream);
  }

  /** Handles a request the HTTP server has framed (everything but the Upgrade form of hijack). */
  handleRequest(req: IncomingMessage, res: ServerResponse, identity: Identity, guard?: RequestGuard): void {
    const exchange = this.begin(req, identity);
    const refuse = (err: unknown): void => this.refuse(exchange, err, (e) => this.refuseAfterBody(req, res, e));
    let understood: UnderstoodRequest;
    try {
      // Armed first: a refused request's body is drained too, and a client must not stall that either.
      if (clientBodyLength(req) !== 0) {
        limitBodyIdle(req, res, this.options.bodyTimeoutMs, `${exchange.method} request body`, (refusal) => {
          if (!res.headersSent) writeRawRefusal(req.socket, refusal);
          req.destroy(refusal);
        });
      }
      exchange.slot = this.options.admission.admit(identity, exchange.started);
      // The response's close (sent, or its connection gone, hijacked streams included) ends the exchange
      // for admission even on a path that never reaches finish or refuse (a client gone while it was judged).
      res.once('close', () => this.release(exchange));
      understood = this.understand(exchange, req, guard);
    } catch (err) {
      refuse(err);
      return;
    }
    const forward = (decided: Decided, recorded: DurableRecord | undefined, body?: Buffer | HeldBody): void => {
      const check = this.createdContainerCheck(understood, decided, res);
      exchange.forwardedAt = performance.now();
      forwardPlain({
        upstream: this.options.upstream,
        req,
        res,
        path: decided.forwardTarget,
        headers: understood.headers,
        ...pinnedReference(understood, decided),
        ...(body !== undefined && { body }),
        collectCreated: understood.route.creates !== undefined,
        ...answerRedaction(understood, decided),
        ...this.ownerAnswer(understood, decided),
        ...(check !== undefined && { verifyCreated: check }),
        ...(recorded !== undefined && { answerAfter: recorded.synced }),
        done: (outcome) => this.finishPlain(exchange, decided, res, outcome),
      });
    };
    const what = `${exchange.method} ${understood.target.path}`;
    switch (understood.body) {
      case 'held':
        this.hijackLegacy(exchange, understood, req, res).catch(refuse);
        return;
      case 'build-context':
        this.decideBuildContext(exchange, understood, req, res)
          .then(async ({ decided, context }) => forward(decided, await this.recordBeforeForwarding(exchange, understood, decided), context))
          .catch(refuse);
        return;
      case 'json':
        if (understood.route.transport === 'hijack') {
          this.hijackLegacy(exchange, understood, req, res).catch(refuse);
          return;
        }
        Promise.resolve(
          this.decide(
            exchange,
            understood,
            wholeBody(isChunked(req), () => readBody(req, INSPECTED_BODY_LIMIT, what, this.memoryHold(exchange))),
          ),
        )
          .then(async (decided) => forward(decided, await this.recordBeforeForwarding(exchange, understood, decided), decided.body))
          .catch(refuse);
        return;
      case 'streamed': {
        // The common case (no engine lookup, nothing to record durably) stays synchronous.
        let decided: Decided | Promise<Decided>;
        try {
          decided = this.decide(exchange, understood, NO_BODY_READ);
        } catch (err) {
          refuse(err);
          return;
        }
        if (!(decided instanceof Promise) && !this.recordsFirst(understood.route)) {
          forward(decided, undefined);
          return;
        }
        Promise.resolve(decided)
          .then(async (d) => forward(d, await this.recordBeforeForwarding(exchange, understood, d)))
          .catch(refuse);
      }
    }
  }

  /** Handles a request with `Connection: Upgrade`, whose socket Node has handed over raw. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, identity: Identity, guard?: RequestGuard): void {
    const exchange = this.begin(req, identity);
    let bodyIdle: ReturnType<typeof limitUpgradeBodyIdle> | undefined;
    const refuseRaw = (err: unknown): void => this.refuse(exchange, bodyIdle?.timedOut() ?? err, (e) => writeRawRefusal(socket, e));
    socket.on('error', () => socket.destroy());
    let understood: UnderstoodRequest;
    let protocol: UpgradeProtocol;
    try {
      exchange.slot = this.options.admission.admit(identity, exchange.started);
      socket.once('close', () => this.release(exchange));
      understood = this.understand(exchange, req, guard);
      if (understood.route.transport !== 'hijack') {
        throw new GatewayError('DG_HEADER_MALFORMED', {
          what: `${req.method} ${understood.target.path}`,
          why: `${understood.route.operation} does not switch protocols, but the request asks for an Upgrade`,
          fix: 'Send Upgrade only on attach, exec start and BuildKit session requests',
        });
      }
      protocol = this.upgradeProtocol(exchange, req, understood);
    } catch (err) {
      refuseRaw(err);
      return;
    }
    const what = `${req.method} ${understood.target.path}`;
    /** Bytes the client sent after its body (the start of the stream), handed to the engine after its 101. */
    let afterBody: Buffer = Buffer.alloc(0);
    const body = wholeBody(isChunked(req), async () => {
      const framing = this.hijackBodyFraming(req);
      // Held whole before it is judged: a chunked body may grow to the limit, so that much is taken.
      this.memoryHold(exchange).add(framing.kind === 'length' ? framing.length : framing.limit);
      if (framing.kind === 'chunked' || head.length < framing.length) {
        bodyIdle = limitUpgradeBodyIdle(socket as Socket, this.options.bodyTimeoutMs, `${what} request body`, (refusal) => {
          writeRawRefusal(socket, refusal);
          socket.destroy();
        });
      }
      const { body: received, held } = await readUpgradeBody(socket, head, framing, what);
      bodyIdle?.disarm();
      afterBody = held;
      return received;
    });
    Promise.resolve(this.decide(exchange, understood, body))
      .then(async (decided) => {
        const recorded = await this.recordBeforeForwarding(exchange, understood, decided);
        const sent = decided.body ?? Buffer.alloc(0);
        exchange.forwardedAt = performance.now();
        const answer = await askEngineToHijack(this.options.upstream, req, hijackTarget(understood, decided), sent);
        exchange.answeredAt = performance.now();
        await answeredOnceSynced(recorded);
        const done = (outcome: HijackOutcome): void => {
          this.hijacked.delete(socket);
          this.finish(exchange, decided, { ...outcome, bytesIn: outcome.bytesIn + sent.length, created: [] });
        };
        if (answer.upgraded) {
          this.hijacked.add(socket);
          // Judged and sent: a stream that lasts for hours holds nothing of the budget.
          exchange.memory?.release();
          joinHijackedStream(socket, answer, protocol, afterBody, done);
        } else {
          relayRawResponse(socket, answer.response, pinnedReference(understood, decided).pinned, done);
        }
      })
      .catch(refuseRaw);
  }

  private begin(req: IncomingMessage, identity: Identity): Exchange {
    return { id: this.ids.next(), started: performance.now(), identity, method: req.method ?? 'GET', rawTarget: req.url ?? '' };
  }

  /** Reads the request as the engine will (src/decide/understand-request.ts), after the transport's own checks. */
  private understand(exchange: Exchange, req: IncomingMessage, guard: RequestGuard | undefined): UnderstoodRequest {
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
    const understood = understandRequest({ method: exchange.method, target: exchange.rawTarget, rawHeaders: req.rawHeaders }, this.options.minApiVersion);
    exchange.understood = understood;
    return understood;
  }

  /**
   * Decides (src/decide/decide-request.ts) with what the gateway lends a decision: the engine's look-ups
   * (their answers held from the memory budget until the decision; a container still being checked is
   * refused) and the exchange's hold for what the body reading keeps. Synchronous when the decision is;
   * a refusal (in enforce mode) surfaces as a thrown or rejected GatewayError.
   */
  private decide(exchange: Exchange, understood: UnderstoodRequest, body: RequestBody): Decided | Promise<Decided> {
    const { engine, budgets } = this.options;
    const { createdContainers } = this;
    // The engine's answers are held while the judgement runs (the decision keeps only ids): a hold of their
    // own, given back with the decision, not with the exchange, which may stream for hours.
    let answers: BudgetHold | undefined;
    const charge = (bytes: number): void => (answers ??= budgets.inMemory(exchange.identity)).add(bytes * MEMORY_COST.lookupAnswerByte);
    const decided = decideRequest(understood, body, {
      policy: this.options.policy(),
      identity: exchange.identity,
      engine: new EngineOnDemand(() => createdContainers.guard(engine.chargedTo(charge))),
      hold: (bytes) => this.memoryHold(exchange).add(bytes),
    });
    if (decided instanceof Promise) return decided.finally(() => answers?.release()).then((d) => this.apply(exchange, understood, d));
    return this.apply(exchange, understood, decided);
  }

  /**
   * A build's context, held (spooled-body.ts) while its Dockerfile is read as the engine will find it and
   * judged; the context is forwarded from the spool, whole, only after.
   */
  private async decideBuildContext(exchange: Exchange, understood: UnderstoodRequest, req: IncomingMessage, res: ServerResponse): Promise<{ decided: Decided; context: HeldBody }> {
    const what = `${exchange.method} ${understood.target.path} (the build context)`;
    let spool: Spool | undefined;
    const body: RequestBody = {
      chunked: isChunked(req),
      whole: () => Promise.reject(new Error('a build context is read as it arrives, not whole')),
      context: async () => {
        const made = await spoolBody(req, this.options.spoolDirectory, BUILD_CONTEXT_LIMIT, what, this.options.budgets.onDisk(exchange.identity));
        spool = made;
        // A client gone while the spool was made has closed already: nothing else would remove the file.
        if (res.destroyed) void made.abandon();
        else res.once('close', () => void made.abandon());
        return { body: { live: () => made.live, again: () => made.again() }, arrived: made.complete };
      },
    };
    try {
      const decided = await this.decide(exchange, understood, body);
      // Judged: the build that follows may stream for minutes, holding nothing of what its judgement kept.
      exchange.memory?.release();
      if (spool === undefined) throw new Error('a build context was decided without being held');
      return { decided, context: await spool.complete };
    } catch (err) {
      const failure = spool?.failure();
      await spool?.abandon();
      throw failure ?? err;
    }
  }

  /** For a create judged on its image: the check of what it made (created-container-check.ts), ended with the exchange. */
  private createdContainerCheck(understood: UnderstoodRequest, decided: Decided, res: ServerResponse): ((id: string) => Promise<GatewayError | undefined>) | undefined {
    const imageId = decided.decision.createdFromImage;
    if (imageId === undefined || decided.decision.verdict !== 'allow') return undefined;
    const { verify, end } = this.createdContainers.begin(understood.target.query.get('name'), imageId, this.options.engine);
    res.once('close', end);
    return verify;
  }

  /** The exchange's hold on the memory budget, taken when it first needs one. */
  private memoryHold(exchange: Exchange): BudgetHold {
    return (exchange.memory ??= this.options.budgets.inMemory(exchange.identity));
  }

  private apply(exchange: Exchange, understood: UnderstoodRequest, decided: Decided): Decided {
    exchange.decided = decided;
    exchange.judgedAt = performance.now();
    if (refuses(decided.decision)) throw policyRefusal(understood, decided.decision);
    return decided;
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
  private upgradeProtocol(exchange: Exchange, req: IncomingMessage, understood: UnderstoodRequest): UpgradeProtocol {
    const protocol = upgradeProtocolFor(understood.route.operation);
    if (protocol === 'h2c') {
      const index = req.rawHeaders.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'upgrade');
      const asked = index === -1 ? undefined : req.rawHeaders[index + 1];
      if (asked !== 'h2c') {
        throw new GatewayError('DG_HEADER_MALFORMED', {
          what: `${exchange.method} ${understood.target.path}`,
          why: `${understood.route.operation} switches only to h2c, and the request asks for ${asked === undefined ? 'no protocol' : JSON.stringify(asked.slice(0, 40))}`,
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
  private async hijackLegacy(exchange: Exchange, understood: UnderstoodRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let protocol: UpgradeProtocol | undefined;
    const decided = await this.decide(
      exchange,
      understood,
      wholeBody(isChunked(req), () => {
        // Checked once the policy has granted the operation, before the body is read.
        protocol = this.upgradeProtocol(exchange, req, understood);
        return readBody(req, HIJACK_BODY_LIMIT, `${req.method} ${understood.target.path}`, this.memoryHold(exchange));
      }),
    );
    const sent = decided.body ?? Buffer.alloc(0);
    const recorded = await this.recordBeforeForwarding(exchange, understood, decided);
    exchange.forwardedAt = performance.now();
    const answer = await askEngineToHijack(this.options.upstream, req, hijackTarget(understood, decided), sent);
    exchange.answeredAt = performance.now();
    await answeredOnceSynced(recorded);
    if (!answer.upgraded) {
      const response = answer.response;
      const status = response.statusCode ?? 502;
      const { pinned } = pinnedReference(understood, decided);
      let bytesOut = 0;
      res.on('close', () => this.finish(exchange, decided, { status, bytesIn: sent.length, bytesOut, created: [] }));
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
      this.finish(exchange, decided, { ...outcome, bytesIn: outcome.bytesIn + sent.length, created: [] });
    });
  }

  /** Whose objects the answer is kept to, when the client has an owner and the engine cannot filter the answer by it. */
  private ownerAnswer(understood: UnderstoodRequest, { decision }: Decided): { ownerAnswer?: OwnerAnswer } {
    const operation = understood.route.operation;
    if (decision.owner === undefined || !OWNER_FILTERED_ANSWERS.has(operation)) return {};
    return { ownerAnswer: { operation, owner: decision.owner, shared: decision.shared ?? [], engine: this.options.engine } };
  }

  /**
   * Whether a request is forwarded only once its record is on disk: state changes always; under
   * --audit-outage refuse-all, every request while the audit log is failing (refused while it still
   * fails, served as soon as a record can be written again).
   */
  private recordsFirst(route: Route): boolean {
    return route.mutates || (this.refuseAllInAuditOutage && !this.options.audit.healthy);
  }

  /**
   * Writes the `forwarding` record of a request that records first, before a byte of it is forwarded
   * (rejects, and nothing is forwarded, when it cannot be written). Returns what its answer waits for:
   * the record on disk (AuditSink.writeDurable; --audit-sync).
   */
  private recordBeforeForwarding(exchange: Exchange, understood: UnderstoodRequest, decided: Decided): Promise<DurableRecord | undefined> {
    if (!this.recordsFirst(understood.route)) return Promise.resolve(undefined);
    return this.options.audit.writeDurable(forwardingRecord(exchange, understood, decided));
  }

  private finishPlain(exchange: Exchange, decided: Decided, res: ServerResponse, outcome: PlainOutcome | GatewayError): void {
    if (isGatewayError(outcome)) {
      this.refuse(exchange, outcome, (e) => {
        if (!res.destroyed && !res.headersSent) sendRefusal(res, e, true);
      });
      return;
    }
    exchange.answeredAt = outcome.answeredAt;
    this.finish(exchange, decided, outcome);
  }

  private finish(exchange: Exchange, { decision }: Decided, outcome: ExchangeOutcome): void {
    this.release(exchange);
    const reason = outcome.aborted ? `${decision.reason}; the connection was cut before the exchange completed` : decision.reason;
    const forwarded = forwardedDecision(decision);
    this.options.audit.write(doneRecord(exchange, forwarded, decision.rule, reason, outcome, forwarded === 'would_deny' ? refusalFix(decision) : undefined));
    this.options.metrics?.exchange(exchange.understood?.route.operation ?? UNROUTED, forwarded, decision.rule, outcome, exchange);
  }

  /** Answers with the refusal and records it. Anything that is not a GatewayError is a bug: logged, answered as a 502. */
  private refuse(exchange: Exchange, err: unknown, answer: (e: GatewayError) => void): void {
    let error: GatewayError;
    if (isGatewayError(err)) {
      error = err;
    } else {
      this.options.logger.error({ err, request: exchange.id }, 'internal error while handling a request');
      error = new GatewayError('DG_UPSTREAM_FAILED', {
        what: `${exchange.method} ${exchange.understood?.target.path ?? ''}`.trim(),
        why: 'dockgate hit an internal error (see its log)',
        fix: 'Retry; report the log line if it persists',
      });
    }
    this.release(exchange);
    const outcome = { status: error.status, bytesIn: 0, bytesOut: 0, created: [] };
    const decision: RequestDecision = error.decision === 'deny' ? 'deny' : 'error';
    this.options.audit.write(doneRecord(exchange, decision, error.rule, error.recorded, outcome, error.detail.fix));
    this.options.metrics?.exchange(exchange.understood?.route.operation ?? UNROUTED, decision, error.rule, outcome, exchange);
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
}

/** Whether the client sends its body chunked. */
/**
 * A hijacked exchange's answer (the 101, or the engine's refusal) waits for its record to be on disk, as a
 * plain answer does (PlainForward.answerAfter); a sync that failed does not undo what the engine did: the
 * answer goes, the log is reported failing.
 */
async function answeredOnceSynced(recorded: DurableRecord | undefined): Promise<void> {
  await recorded?.synced.catch(() => undefined);
}

function isChunked(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined;
}

/** What a hijack forwards: the judged target, headers and operation. */
function hijackTarget(understood: UnderstoodRequest, decided: Decided): { path: string; headers: UnderstoodRequest['headers']; operation: string } {
  return { path: decided.forwardTarget, headers: understood.headers, operation: understood.route.operation };
}

/** The full id forwarded in place of the client's reference, if the decision pinned one (for the engine's error messages). */
function pinnedReference(understood: UnderstoodRequest, decided: Decided): { pinned?: PinnedReference } {
  const id = decided.decision.pinnedTarget;
  const ref = understood.route.target?.ref;
  return id === undefined || ref === undefined || id === ref ? {} : { pinned: { id, ref } };
}

/** What the decision redacts from the answer, where the operation's answer carries it (src/judge/redaction.ts). */
function answerRedaction(understood: UnderstoodRequest, decided: Decided): { redact?: AnswerRedaction } {
  const redaction = decided.decision.redact;
  if (redaction === undefined) return {};
  const targets = redactionTargets(understood.route.operation, redaction);
  return targets.length === 0 ? {} : { redact: { targets, labelPatterns: redaction.labels } };
}
