// A policy made of rules (a policy file, or a built-in profile as a one-rule policy). Judging walks the
// rules in order and the first whose `match` selects the client decides (later rules are not
// consulted, even when the first one refuses): the operation must be granted, and operations that
// decide a container's reach go through the reach judge with the rule's constraints and defaults.
// `evaluate` returns the decision with a trace of every step, for `dockgate policy explain`.
import { describeIdentity, type Identity } from '../identify/identity.js';
import type { Decision } from '../judge/decision.js';
import type { JudgeInput, Policy, PreJudgeInput } from '../judge/policy.js';
import { BODY_OPERATIONS, judgeReach, type ReachOutcome } from '../judge/reach/judge-reach.js';
import { referenceKey } from '../judge/reach/reach-context.js';
import { matchIdentity, suggestedMatch } from './identity-selector.js';
import { grants } from './operation-grant.js';
import type { BodyReading, PolicyRule } from './policy-rule.js';
import { describeNormalisation } from '../route/normalisation.js';
import { judgesReach, type Operation } from '../route/operations.js';
import { checkOwnedTarget, namesOwnedObject, OWNER_LABEL_FIELD, ownersCover, setsOwner, stampOwner } from '../judge/owner/judge-owner.js';
import { onceEach } from '../judge/owner/owned-lookups.js';
import { foreignCreateReferences } from '../judge/owner/create-references.js';
import { OWNER_LABEL } from '../judge/owner/owner-label.js';
import { judgeOwnedImages, namesImages, unusableBaseImage } from '../judge/owner/image-ownership.js';
import { ownerQueryValues, queryOwnerLabelField } from '../judge/owner/query-label-stamps.js';
import { describeOwnerSource, resolveOwner } from '../judge/owner/owner-source.js';
import { describeRedaction, redactionTargets, type Redaction } from '../judge/redaction.js';

export interface TraceStep {
  step: 'identity' | 'rule' | 'operation' | 'owner' | 'check' | 'change' | 'decision';
  outcome: 'match' | 'skip' | 'pass' | 'fail' | 'info';
  detail: string;
}

export interface Evaluation {
  decision: Decision;
  trace: TraceStep[];
  /** The reach judge's findings, when it was consulted. */
  reach?: ReachOutcome;
}

export interface RulePolicyOptions {
  /** Host paths never allowed in binds beyond the built-in engine sockets (the gateway's upstream socket, its listeners). */
  protectedPaths?: readonly string[];
  /** Where the rules came from, for messages: a file path, or `--profile baseline`. */
  source: string;
  /** How rules without their own `bodies:` take canonicalised requests (`dockgate serve --bodies`); default canonical. */
  bodies?: BodyReading;
}

/** How many normalisations a strict refusal names (the audit record lists them all). */
const STRICT_NAMED = 3;

/** The rule's redaction, when the operation's answer carries something it redacts (told in the trace). */
function redactionOf(rule: PolicyRule, operation: Operation, trace: TraceStep[]): { redact?: Redaction } {
  if (rule.redact === undefined || redactionTargets(operation, rule.redact).length === 0) return {};
  trace.push({ step: 'change', outcome: 'info', detail: `the answer is redacted by ${rule.label}: ${describeRedaction(rule.redact)}` });
  return { redact: rule.redact };
}

function sharesImages(rule: PolicyRule): boolean {
  return rule.shared?.includes('images') ?? false;
}

function joinFixes(fixes: readonly string[]): string {
  return [...new Set(fixes.filter((f) => f !== ''))].join('; ');
}

/**
 * The decision with the owner's label stamped into the body a create forwards (recorded as a change), when
 * the client has an owner and the operation creates a labelled object.
 */
function stamped(decision: Decision, input: JudgeInput, owner: string | undefined, trace: TraceStep[]): Decision {
  if (owner === undefined) return decision;
  const operation = input.route.operation;
  const body = stampOwner(operation, decision.body !== undefined ? decision.body : input.body, owner);
  // A query that cannot be stamped was refused before (evaluate).
  const query = ownerQueryValues(operation, input.target.query, owner);
  const inQuery = typeof query === 'object' ? query : undefined;
  const fields = [...(body !== undefined ? [OWNER_LABEL_FIELD] : []), ...(inQuery !== undefined ? [inQuery.field] : [])];
  for (const field of fields) trace.push({ step: 'change', outcome: 'info', detail: `${field} = ${JSON.stringify(owner)}` });
  return {
    ...decision,
    ...(body !== undefined && { body }),
    ...(inQuery !== undefined && { queryValues: inQuery.values }),
    ...(fields.length > 0 && { changes: [...(decision.changes ?? []), ...fields.map((field) => ({ field, value: owner }))] }),
  };
}

export class RulePolicy implements Policy {
  /** Whether any rule gives owners: then only dockgate sets the owner label, for every client. */
  private readonly usesOwners: boolean;

  constructor(
    readonly name: string,
    readonly rules: readonly PolicyRule[],
    readonly options: RulePolicyOptions,
  ) {
    this.usesOwners = rules.some((rule) => rule.owner !== undefined);
  }

  judge(input: JudgeInput): Decision | Promise<Decision> {
    const evaluation = this.evaluate(input);
    return evaluation instanceof Promise ? evaluation.then((e) => e.decision) : evaluation.decision;
  }

  /** Rule selection and the grant alone: they need neither the body nor the engine. */
  preJudge(input: PreJudgeInput): Decision | undefined {
    const granted = this.grant(input, []);
    return 'decision' in granted ? granted.decision : undefined;
  }

  /** Synchronous unless the reach judge runs (it may ask the engine and the host filesystem). */
  evaluate(input: JudgeInput): Evaluation | Promise<Evaluation> {
    const trace: TraceStep[] = [{ step: 'identity', outcome: 'info', detail: `${describeIdentity(input.identity)} on ${input.identity.listener}` }];
    const granted = this.grant(input, trace);
    if ('decision' in granted) return granted;
    const { rule, mode } = granted;
    const operation = input.route.operation;
    // What every decision that forwards the request carries: warn mode, and the redaction of its answer.
    const carried = { ...mode, ...redactionOf(rule, operation, trace) };
    const normalised = input.normalised;
    if ((rule.bodies ?? this.options.bodies) === 'strict' && normalised !== undefined && normalised.size > 0) {
      const named = normalised.entries.slice(0, STRICT_NAMED).map(describeNormalisation).join('; ');
      const more = normalised.size > STRICT_NAMED ? ` (and ${normalised.size - STRICT_NAMED} more)` : '';
      trace.push({ step: 'check', outcome: 'fail', detail: `bodies: strict: ${named}${more}` });
      return this.finish(trace, {
        verdict: 'deny',
        rule: rule.rule,
        reason: `${rule.label} reads requests strictly (bodies: strict), and ${named}${more}`,
        fix: 'Send field names exactly as the Engine API spells them, each key and single-value query parameter once, and only fields the engine reads; or set bodies: canonical for this client',
        ...carried,
      });
    }
    let owner: string | undefined;
    if (rule.owner !== undefined) {
      const resolved = resolveOwner(rule.owner, input.identity);
      const source = describeOwnerSource(rule.owner);
      if ('missing' in resolved) {
        trace.push({ step: 'owner', outcome: 'fail', detail: `${source}: ${resolved.missing}` });
        return this.finish(trace, {
          verdict: 'deny',
          rule: rule.rule,
          reason: `${rule.label} takes its clients' owner from ${source}, and ${resolved.missing}`,
          fix: `Connect with an identity that carries it, or have another rule select this client`,
          ...carried,
        });
      }
      owner = resolved.owner;
      trace.push({
        step: 'owner',
        outcome: 'info',
        detail: `${JSON.stringify(owner)}, from ${source}${rule.shared !== undefined ? `; shared across owners: ${rule.shared.join(', ')}` : ''}`,
      });
    }
    const owned = owner !== undefined ? { owner } : {};
    if (owner !== undefined && !ownersCover(operation, input.route.target, sharesImages(rule))) {
      trace.push({ step: 'owner', outcome: 'fail', detail: `${operation} is not kept to the owner's objects yet` });
      return this.finish(trace, {
        verdict: 'deny',
        rule: rule.rule,
        reason: `${operation} would reach objects of other owners: dockgate does not keep it to the owner's own yet, so clients of ${rule.label}, which gives them an owner, cannot use it`,
        fix: 'Use it through a rule without owner:, or wait for owners to cover it (docs/owners-design.md)',
        ...carried,
        ...owned,
      });
    }
    const forged = this.usesOwners ? (setsOwner(operation, input.body) ? OWNER_LABEL_FIELD : queryOwnerLabelField(operation, input.target.query)) : undefined;
    if (forged !== undefined) {
      trace.push({ step: 'owner', outcome: 'fail', detail: `the request sets ${forged}` });
      return this.finish(trace, {
        verdict: 'deny',
        rule: rule.rule,
        reason: `${forged}: the label says which owner an object belongs to, and under ${this.options.source} only dockgate sets it`,
        fix: `Leave the label ${OWNER_LABEL} out${owner !== undefined ? `; dockgate sets it to ${JSON.stringify(owner)}` : ''}`,
        ...carried,
        ...owned,
      });
    }
    const unstampable = owner !== undefined ? ownerQueryValues(operation, input.target.query, owner) : undefined;
    if (typeof unstampable === 'string') {
      trace.push({ step: 'owner', outcome: 'fail', detail: unstampable });
      return this.finish(trace, { verdict: 'deny', rule: rule.rule, reason: unstampable, fix: 'Send each change as one complete instruction', ...carried, ...owned });
    }
    // One answer per reference for the owner check and the reach judge alike (owned-lookups.ts).
    const engine = this.usesOwners ? onceEach(input.engine) : input.engine;
    if (owner === undefined || !namesImages(operation)) return this.ownedObjects(input, rule, carried, trace, engine, owner);
    const ownerOf = owner;
    return judgeOwnedImages({ operation, target: input.route.target, query: input.target.query, body: input.body, owner, shared: sharesImages(rule), engine }).then((images) => {
      if ('refused' in images) {
        trace.push({ step: 'owner', outcome: 'fail', detail: images.refused.why });
        return this.finish(trace, {
          verdict: 'deny',
          rule: rule.rule,
          reason: `${images.refused.why}, and clients of ${rule.label} keep to the images of their owner ${JSON.stringify(ownerOf)}`,
          fix: images.refused.fix,
          ...(images.refused.notFound !== undefined && { notFound: images.refused.notFound }),
          ...carried,
          ...owned,
        });
      }
      for (const detail of images.details) trace.push({ step: 'owner', outcome: 'pass', detail });
      return this.ownedObjects(input, rule, carried, trace, engine, ownerOf, images.pinned);
    });
  }

  /** The owner's part for the containers and volumes a request names (its path, a create's references), then judged. */
  private ownedObjects(
    input: JudgeInput,
    rule: PolicyRule,
    carried: { mode?: 'warn'; redact?: Redaction },
    trace: TraceStep[],
    engine: JudgeInput['engine'],
    owner: string | undefined,
    imagePin?: string,
  ): Evaluation | Promise<Evaluation> {
    const operation = input.route.operation;
    const owned = owner !== undefined ? { owner } : {};
    const target = input.route.target;
    if (owner !== undefined && operation === 'container.create') {
      const ownerOf = owner;
      return foreignCreateReferences(input.body, ownerOf, engine).then((refused) => {
        if (refused.length === 0) return this.judged(input, rule, carried, trace, engine, ownerOf, undefined);
        trace.push({ step: 'owner', outcome: 'fail', detail: refused.map((r) => `${r.field} ${r.why}`).join('; ') });
        return this.finish(trace, {
          verdict: 'deny',
          rule: rule.rule,
          reason: refused.map((r) => `${r.field}: ${r.why}`).join('; '),
          fix: `Name only containers and volumes created by this owner, the owner ${rule.label} gives this client`,
          ...carried,
          ...owned,
        });
      });
    }
    if (owner === undefined || !namesOwnedObject(target)) return this.judged(input, rule, carried, trace, engine, owner, imagePin);
    const ownerOf = owner;
    return checkOwnedTarget(operation, target, ownerOf, engine).then((checked) => {
      if (!checked.own) {
        trace.push({ step: 'owner', outcome: 'fail', detail: `${checked.why}: answered as the engine answers for a missing one` });
        return this.finish(trace, {
          verdict: 'deny',
          rule: rule.rule,
          reason: `${checked.why}, and clients of ${rule.label} reach only the objects of their owner ${JSON.stringify(ownerOf)}`,
          fix: `Name a ${target.kind} created by this owner`,
          notFound: checked.message,
          ...carried,
          ...owned,
        });
      }
      trace.push({ step: 'owner', outcome: 'pass', detail: checked.detail });
      return this.judged(input, rule, carried, trace, engine, ownerOf, checked.id);
    });
  }

  /**
   * The reach judge's part (when the rule and operation call for it) and the owner's stamp on what is
   * created. `pinned`: the full id the owner check looked at, forwarded in place of the client's reference.
   */
  private judged(
    input: JudgeInput,
    rule: PolicyRule,
    carried: { mode?: 'warn'; redact?: Redaction },
    trace: TraceStep[],
    engine: JudgeInput['engine'],
    owner: string | undefined,
    pinned: string | undefined,
  ): Evaluation | Promise<Evaluation> {
    const operation = input.route.operation;
    const owned = owner !== undefined ? { owner } : {};
    const ownerPin = pinned !== undefined ? { pinnedTarget: pinned } : {};
    if (rule.constraints === 'unrestricted' || !judgesReach(operation)) {
      trace.push({
        step: 'check',
        outcome: 'skip',
        detail: rule.constraints === 'unrestricted' ? `${rule.label} does not judge container reach` : `${operation} does not decide a container's reach`,
      });
      if (pinned !== undefined) trace.push({ step: 'change', outcome: 'info', detail: `${input.route.target!.kind} ${input.route.target!.ref} is forwarded as ${pinned}` });
      return this.finish(trace, stamped({ verdict: 'allow', rule: rule.rule, reason: `${operation} is granted by ${rule.label}`, ...carried, ...owned, ...ownerPin }, input, owner, trace));
    }
    if (BODY_OPERATIONS.has(operation) && input.body === undefined && operation !== 'container.start') {
      trace.push({ step: 'check', outcome: 'info', detail: `${operation} has no body to judge` });
    }
    const constraints = rule.constraints;
    return judgeReach({
      operation,
      ...(input.route.target !== undefined && { target: input.route.target }),
      query: input.target.query,
      body: input.body,
      constraints,
      ...(rule.defaults !== undefined && { defaults: rule.defaults }),
      engine,
      options: { protectedPaths: this.options.protectedPaths ?? [] },
    }).then(async (reach) => {
      const base = owner !== undefined && reach.baseImages.length > 0 ? await unusableBaseImage(reach.baseImages, owner, sharesImages(rule), engine) : undefined;
      if (base !== undefined) {
        trace.push({ step: 'owner', outcome: 'fail', detail: base.why });
        return { ...this.finish(trace, { verdict: 'deny', rule: rule.rule, reason: base.why, fix: base.fix, ...carried, ...owned }), reach };
      }
      for (const check of reach.checks) trace.push({ step: 'check', outcome: check.outcome, detail: `${check.check}: ${check.detail}` });
      for (const change of reach.changes) trace.push({ step: 'change', outcome: 'info', detail: `${change.field} = ${JSON.stringify(change.value)}` });
      const changed = reach.changes.length > 0 ? { changes: reach.changes, ...(reach.body !== undefined && { body: reach.body }) } : {};
      const target = input.route.target;
      const pinnedTarget = target?.segments === undefined ? undefined : (reach.resolved.get(referenceKey(target.kind, target.ref)) ?? pinned);
      if (pinnedTarget !== undefined) trace.push({ step: 'change', outcome: 'info', detail: `${target!.kind} ${target!.ref} is forwarded as ${pinnedTarget}` });
      const pins = {
        ...(pinnedTarget !== undefined && { pinnedTarget }),
        ...(reach.createdFromImage !== undefined && { createdFromImage: reach.createdFromImage }),
      };
      if (reach.createdFromImage !== undefined) trace.push({ step: 'check', outcome: 'info', detail: `the created container must come from the image judged, ${reach.createdFromImage}` });
      const decision: Decision =
        reach.violations.length === 0
          ? { verdict: 'allow', rule: rule.rule, reason: `${operation} is within the constraints of ${rule.label}`, ...carried, ...changed, ...pins, ...owned }
          : {
              verdict: 'deny',
              rule: rule.rule,
              reason: reach.violations.map((v) => `${v.field}: ${v.why}`).join('; '),
              fix: joinFixes([...reach.violations.map((v) => v.fix), rule.widen ?? '']),
              ...carried,
              ...changed,
              ...pins,
              ...owned,
            };
      return { ...this.finish(trace, stamped(decision, input, owner, trace)), reach };
    });
  }

  /**
   * Picks the rule that selects the client and checks that it grants the operation: the refusal when
   * either fails (an Evaluation), else the rule. The one place both are decided, for preJudge and evaluate.
   */
  private grant(input: PreJudgeInput, trace: TraceStep[]): Evaluation | { rule: PolicyRule; mode: { mode?: 'warn' } } {
    const operation = input.route.operation;
    let chosen: PolicyRule | undefined;
    for (const rule of this.rules) {
      const result = matchIdentity(rule.match, input.identity);
      trace.push({ step: 'rule', outcome: result.matched ? 'match' : 'skip', detail: `${rule.label}: ${result.detail}` });
      if (result.matched) {
        chosen = rule;
        break;
      }
    }
    if (chosen === undefined) return this.finish(trace, this.noRule(input.identity));
    const rule = chosen;
    const mode = rule.mode === 'warn' ? ({ mode: 'warn' } as const) : {};
    const grant = grants(rule.operations, operation);
    if (!grant.granted) {
      trace.push({ step: 'operation', outcome: 'fail', detail: `${operation} is not granted by ${rule.label}${grant.by ? ` (${grant.by})` : ''}` });
      const refusal = rule.refusal?.(operation, input.route.mutates) ?? {
        reason: `${rule.label} does not grant ${operation}${grant.by ? ` (${grant.by})` : ''}`,
        fix: `Add ${operation} to the operations of ${rule.label}, or run this client under a rule that grants it`,
      };
      return this.finish(trace, { verdict: 'deny', rule: rule.rule, ...refusal, ...mode });
    }
    trace.push({ step: 'operation', outcome: 'pass', detail: `${operation} is granted by ${rule.label} (${grant.by})` });
    return { rule, mode };
  }

  private noRule(identity: Identity): Decision {
    return {
      verdict: 'deny',
      rule: 'policy.no-match',
      reason: `no rule of ${this.options.source} selects ${describeIdentity(identity)} on ${identity.listener}`,
      fix: `Add a rule for this client to ${this.options.source}, e.g. \`${suggestedMatch(identity)}\` with the operations it needs`,
    };
  }

  private finish(trace: TraceStep[], decision: Decision): Evaluation {
    trace.push({
      step: 'decision',
      outcome: decision.verdict === 'allow' ? 'pass' : 'fail',
      detail: `${decision.verdict}${decision.mode === 'warn' && decision.verdict === 'deny' ? ' (warn mode: forwarded and recorded as would_deny)' : ''} by ${decision.rule}: ${decision.reason}`,
    });
    return { decision, trace };
  }
}
