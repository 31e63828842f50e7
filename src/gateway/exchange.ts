// One exchange (a request and its answer) as the gateway carries it, and the two audit records it becomes:
// `forwarding` (written durably before a state change is forwarded) and `done`.
import { performance } from 'node:perf_hooks';
import type { BudgetHold } from '../admit/byte-budget.js';
import type { Decided } from '../decide/decide-request.js';
import type { UnderstoodRequest } from '../decide/understand-request.js';
import type { Identity } from '../identify/identity.js';
import type { Decision } from '../judge/decision.js';
import type { RedactKind } from '../judge/redaction.js';
import type { AuditDecision, DoneRecord, ForwardingRecord } from '../record/audit-record.js';
import { recordTime } from '../record/record-time.js';
import { judgedForwardTarget } from '../route/request-target.js';

export interface ExchangeOutcome {
  status: number;
  bytesIn: number;
  bytesOut: number;
  created: string[];
  aborted?: boolean;
  /** How many values of each kind the answer was redacted of, when the decision redacted it. */
  redacted?: Partial<Record<RedactKind, number>>;
  /** Set when the answer was kept to the client's owner by dockgate. */
  ownerFiltered?: true;
}

/**
 * One request as it walks the pipeline; becomes its audit record. What each stage made is passed on as its
 * typed result (UnderstoodRequest, Decided); the exchange keeps them too, for a record written at any stage.
 */
export interface Exchange {
  readonly id: string;
  readonly started: number;
  readonly identity: Identity;
  readonly method: string;
  readonly rawTarget: string;
  understood?: UnderstoodRequest;
  decided?: Decided;
  /** The admission slot the exchange holds until it ends; undefined once released (or never admitted). */
  slot?: string;
  /** What the exchange holds in memory for its body (read, parsed, canonical) until it ends. */
  memory?: BudgetHold;
  /** performance.now() when it was decided, forwarded, and answered by the engine (its response head): for the metrics. */
  judgedAt?: number;
  forwardedAt?: number;
  answeredAt?: number;
}

// Both records are built as one object literal each, in the formatter's field order: this runs for every
// request, and spreading a shared "facts" object into each record cost more than formatting the line.
export function forwardingRecord(exchange: Exchange, { target, route, normalised }: UnderstoodRequest, { decision, forwardTarget }: Decided): ForwardingRecord {
  return {
    time: recordTime(),
    id: exchange.id,
    phase: 'forwarding',
    listener: exchange.identity.listener,
    identity: exchange.identity,
    method: exchange.method,
    path: forwardTarget,
    apiVersion: target.version,
    operation: route.operation,
    target: route.target,
    decision: forwardedDecision(decision),
    rule: decision.rule,
    reason: decision.reason,
    owner: decision.owner,
    changes: appliedChanges(decision),
    normalised: normalised.size > 0 ? normalised : undefined,
  };
}

/** `fix` is how to fix a refusal (deny, error, would_deny); absent for an allowed request. */
export function doneRecord(exchange: Exchange, decision: AuditDecision, rule: string, reason: string, outcome: ExchangeOutcome, fix?: string): DoneRecord {
  const { understood, decided } = exchange;
  // Absent values stay undefined: the record's formatter leaves them out.
  return {
    time: recordTime(),
    id: exchange.id,
    phase: 'done',
    listener: exchange.identity.listener,
    identity: exchange.identity,
    method: exchange.method,
    path: decided?.forwardTarget ?? (understood === undefined ? exchange.rawTarget.slice(0, 512) : judgedForwardTarget(understood.target, understood.route, undefined)),
    apiVersion: understood?.target.version,
    operation: understood?.route.operation,
    target: understood?.route.target,
    decision,
    rule,
    reason,
    owner: decided?.decision.owner,
    fix,
    status: outcome.status,
    bytesIn: outcome.bytesIn,
    bytesOut: outcome.bytesOut,
    durationMs: Math.round((performance.now() - exchange.started) * 1000) / 1000,
    created: outcome.created,
    redacted: outcome.redacted,
    ownerFiltered: outcome.ownerFiltered,
    needs: decided?.needs,
    changes: appliedChanges(decided?.decision),
    normalised: understood !== undefined && understood.normalised.size > 0 ? understood.normalised : undefined,
  };
}

function appliedChanges(decision: Decision | undefined): Decision['changes'] | undefined {
  return decision?.changes && decision.changes.length > 0 ? decision.changes : undefined;
}

/** A forwarded request was allowed, or refused by a rule in warn mode (learning what would be denied). */
export function forwardedDecision(decision: Decision): 'allow' | 'would_deny' {
  return decision.verdict === 'deny' ? 'would_deny' : 'allow';
}
