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
import type { ReplacedQuery } from '../route/query.js';
import { judgesReach, type Operation } from '../route/operations.js';
import { checkOwnedTarget, FILTERED_BY_OWNER, OWNER_LABEL_FIELD, ownedReference, ownersCover, setsOwner, stampOwner } from '../judge/owner/judge-owner.js';
import { hasListBoundaries, pinListBoundaries } from '../judge/owner/list-boundaries.js';
import { readListFilters, serialiseListFilters, withOwnerLabel } from '../judge/owner/list-filters.js';
import { onceEach } from '../judge/reach/engine-asked-once.js';
import { checkCreateReferences } from '../judge/owner/create-references.js';
import { pinnedField, withBodyPins, type BodyPin } from '../judge/owner/body-pins.js';
import type { OwnerScope } from '../judge/owner/owned-volumes-and-networks.js';
import { takenName } from '../judge/owner/owned-names.js';
import { isRecord } from '../judge/reach/reach-context.js';
import { foreignServiceReferences } from '../judge/owner/service-references.js';
import { keepsSwarmOwner, SERVICE_WRITES } from '../judge/owner/swarm-objects.js';
import { OWNER_LABEL } from '../judge/owner/owner-label.js';
import { judgeOwnedImages, namesImages, unusableBaseImage } from '../judge/owner/image-ownership.js';
import { ownerQueryValues, queryOwnerLabelField } from '../judge/owner/query-label-stamps.js';
import { requestOwner } from '../judge/owner/request-owner.js';
import { describeRedaction, redactionTargets, type Redaction } from '../judge/redaction.js';

/** What the owner's part forwards in place of what the client sent (see RulePolicy.judged). */
interface OwnerPins {
  readonly id?: string;
  readonly body?: readonly BodyPin[];
  readonly query?: ReplacedQuery;
  /** The query parameter the owner's label was stamped into (a build's `labels`, a commit's or import's `changes`), recorded as a change. */
  readonly queryStamp?: string;
}

export interface TraceStep {
  step: 'identity' | 'rule' | 'operation' | 'owner' | 'check' | 'change' | 'decision';
  outcome: 'match' | 'skip' | 'pass' | 'fail' | 'info';
  detail: string;
}

/** The steps of a judgement as they are taken, or undefined when nobody reads them (the gateway's judge()). */
type Trace = TraceStep[] | undefined;

export interface Evaluation {
  decision: Decision;
  /** Empty when the judgement was not traced (judge()). */
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
function redactionOf(rule: PolicyRule, operation: Operation, trace: Trace): { redact?: Redaction } {
  if (rule.redact === undefined || redactionTargets(operation, rule.redact).length === 0) return {};
  trace?.push({ step: 'change', outcome: 'info', detail: `the answer is redacted by ${rule.label}: ${describeRedaction(rule.redact)}` });
  return { redact: rule.redact };
}

/** What a decision for a client with an owner carries of it: the owner, and the kinds its rule shares. */
function ownedBy(owner: string | undefined, rule: PolicyRule): Pick<Decision, 'owner' | 'shared'> {
  if (owner === undefined) return {};
  return rule.shared !== undefined ? { owner, shared: rule.shared } : { owner };
}

/**
 * The owner a refusal made before the owner step still carries, for the audit record: the rule's owner for
 * this identity when it has one that resolves (an unresolvable one is the owner step's own refusal).
 */
function ownerIfKnown(rule: PolicyRule, input: PreJudgeInput): Pick<Decision, 'owner' | 'shared'> {
  const resolved = requestOwner(rule.owner, input.identity, input.callerOwner);
  return resolved !== undefined && 'owner' in resolved ? ownedBy(resolved.owner, rule) : {};
}

function joinFixes(fixes: readonly string[]): string {
  return [...new Set(fixes.filter((f) => f !== ''))].join('; ');
}

/** Whether the rule lets its clients read (and use) images of other owners. */
function sharesImages(rule: PolicyRule): boolean {
  return rule.shared?.includes('images') ?? false;
}

/**
 * The decision with the references the owner check pinned put into the body it forwards, and the owner's
 * label stamped into the body a create forwards (each recorded as a change, with the owner's label the owner
 * part stamped into the query), when the client has an owner.
 */
function stamped(decision: Decision, judgedBody: unknown, owner: string | undefined, operation: Operation, trace: Trace, pins: OwnerPins): Decision {
  if (owner === undefined) return decision;
  const judged = decision.body !== undefined ? decision.body : judgedBody;
  const bodyPins = pins.body ?? [];
  const pinned = bodyPins.length > 0 && isRecord(judged) ? withBodyPins(judged, bodyPins) : undefined;
  const changes = pinned === undefined ? [] : bodyPins.map((pin) => ({ field: pinnedField(pin), value: pin.value }));
  const body = stampOwner(operation, pinned ?? judged, owner);
  if (body !== undefined) changes.push({ field: OWNER_LABEL_FIELD, value: owner });
  if (pins.queryStamp !== undefined) changes.push({ field: pins.queryStamp, value: owner });
  if (changes.length === 0) return decision;
  for (const change of changes) trace?.push({ step: 'change', outcome: 'info', detail: `${change.field} = ${JSON.stringify(change.value)}` });
  const forwarded = body ?? pinned;
  return { ...decision, ...(forwarded !== undefined && { body: forwarded }), changes: [...(decision.changes ?? []), ...changes] };
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
    // Untraced: the trace's texts cost a refused create a few per cent of its CPU, and only explain reads them.
    const evaluation = this.evaluate(input, false);
    return evaluation instanceof Promise ? evaluation.then((e) => e.decision) : evaluation.decision;
  }

  /** Rule selection and the grant alone: they need neither the body nor the engine. */
  preJudge(input: PreJudgeInput): Decision | undefined {
    const granted = this.grant(input, undefined);
    return 'decision' in granted ? granted.decision : undefined;
  }

  /** Synchronous unless the reach judge runs (it may ask the engine and the host filesystem). */
  evaluate(input: JudgeInput, traced = true): Evaluation | Promise<Evaluation> {
    const trace: Trace = traced ? [{ step: 'identity', outcome: 'info', detail: `${describeIdentity(input.identity)} on ${input.identity.listener}` }] : undefined;
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
      trace?.push({ step: 'check', outcome: 'fail', detail: `bodies: strict: ${named}${more}` });
      return this.finish(trace, {
        verdict: 'deny',
        rule: rule.rule,
        reason: `${rule.label} reads requests strictly (bodies: strict), and ${named}${more}`,
        fix: 'Send field names exactly as the Engine API spells them, each key and single-value query parameter once, and only fields the engine reads; or set bodies: canonical for this client',
        ...carried,
        ...ownerIfKnown(rule, input),
      });
    }
    let owner: string | undefined;
    const resolved = requestOwner(rule.owner, input.identity, input.callerOwner);
    if (resolved !== undefined) {
      const { source } = resolved;
      if ('missing' in resolved) {
        trace?.push({ step: 'owner', outcome: 'fail', detail: `${source}: ${resolved.missing}` });
        return this.finish(trace, {
          verdict: 'deny',
          rule: rule.rule,
          reason: `${rule.label} takes its clients' owner from ${source}, and ${resolved.missing}`,
          fix: resolved.fix,
          ...carried,
        });
      }
      owner = resolved.owner;
      trace?.push({
        step: 'owner',
        outcome: 'info',
        detail: `${JSON.stringify(owner)}, from ${source}${rule.shared !== undefined ? `; shared across owners: ${rule.shared.join(', ')}` : ''}`,
      });
    }
    const owned = ownedBy(owner, rule);
    if (owner !== undefined && !ownersCover(operation, input.route.target, { shared: rule.shared ?? [] })) {
      trace?.push({ step: 'owner', outcome: 'fail', detail: `${operation} is not kept to the owner's objects yet` });
      return this.finish(trace, {
        verdict: 'deny',
        rule: rule.rule,
        reason: `${operation} would reach objects of other owners: dockgate does not keep it to the owner's own yet, so clients of ${rule.label}, which gives them an owner, cannot use it`,
        fix: 'Use it through a rule without owner:, or wait for owners to cover it (docs/owners-design.md)',
        ...carried,
        ...owned,
      });
    }
    if (this.usesOwners || owner !== undefined) {
      const forged = setsOwner(operation, input.body, owner) ? OWNER_LABEL_FIELD : queryOwnerLabelField(operation, input.target.query);
      if (forged !== undefined) return this.ownerLabelSet(rule, carried, trace, owner, forged);
    }
    // One answer per reference for the owner check and the reach judge alike (judge/reach/engine-asked-once.ts).
    const engine = this.usesOwners || owner !== undefined ? onceEach(input.engine) : input.engine;
    if (owner === undefined) {
      // An operator's update of an owned swarm object carries its owner label back: allowed only unchanged.
      const keeps = this.usesOwners ? keepsSwarmOwner(operation, input.body, input.route.target, engine) : undefined;
      if (keeps === undefined) return this.judged(input, rule, carried, trace, engine, undefined, {});
      return keeps.then((kept) => (kept ? this.judged(input, rule, carried, trace, engine, undefined, {}) : this.ownerLabelSet(rule, carried, trace, undefined)));
    }
    return this.ownersPart(input, rule, carried, trace, engine, { owner, shared: rule.shared ?? [] });
  }

  /**
   * What an owner asks of a request before the reach judge: the object its path names is the owner's (or
   * answered as missing), the name it gives is not another owner's, what a create names is the owner's, the
   * images it names and the references it moves are the owner's (image-ownership.ts), and the owner's label
   * goes into the query of what makes an image from one (query-label-stamps.ts).
   */
  private async ownersPart(
    input: JudgeInput,
    rule: PolicyRule,
    carried: { mode?: 'warn'; redact?: Redaction },
    trace: Trace,
    engine: JudgeInput['engine'],
    scope: OwnerScope,
  ): Promise<Evaluation> {
    const operation = input.route.operation;
    const target = input.route.target;
    const { owner } = scope;
    const refused = (reason: string, fix: string, answer: { notFound?: string; nameTaken?: string }): Evaluation =>
      this.finish(trace, { verdict: 'deny', rule: rule.rule, reason, fix, ...answer, ...carried, ...ownedBy(owner, rule) });
    let pins: OwnerPins = {};
    if (FILTERED_BY_OWNER.has(operation)) {
      const filters = withOwnerLabel(readListFilters(input.target.query.get('filters')), owner);
      if (hasListBoundaries(operation, filters)) {
        const outside = await pinListBoundaries(filters, scope, engine);
        if (outside !== undefined) {
          trace?.push({ step: 'owner', outcome: 'fail', detail: `${outside.field} ${outside.why}` });
          return refused(`${outside.field}: ${outside.why}`, `Name only containers created by this owner, the owner ${rule.label} gives this client, by full id or name`, {});
        }
      }
      const replaced = serialiseListFilters(filters);
      trace?.push({ step: 'change', outcome: 'info', detail: `?filters = ${replaced} (the client's filters, kept to the owner's objects)` });
      pins = { query: { filters: replaced } };
    }
    const named = ownedReference(operation, target, input.target.query);
    if (named !== undefined) {
      const checked = await checkOwnedTarget(operation, named, scope, engine, input.body);
      if (!checked.own) {
        const visible = 'visible' in checked;
        trace?.push({ step: 'owner', outcome: 'fail', detail: visible ? checked.why : `${checked.why}: answered as the engine answers for a missing one` });
        const reason = `${checked.why}, and clients of ${rule.label} reach only the objects of their owner ${JSON.stringify(owner)}`;
        return refused(reason, visible ? `Ask its owner to change it` : `Name a ${named.kind} created by this owner`, visible ? {} : { notFound: checked.message });
      }
      trace?.push({ step: 'owner', outcome: 'pass', detail: checked.detail });
      if (named.inQuery !== undefined && checked.id !== undefined) {
        trace?.push({ step: 'change', outcome: 'info', detail: `?${named.inQuery} ${named.ref} is forwarded as ${checked.id}` });
        pins = { query: { [named.inQuery]: checked.id } };
      } else pins = { ...(checked.id !== undefined && { id: checked.id }), ...(checked.pins !== undefined && { body: checked.pins }) };
    }
    const taken = await takenName(operation, input.target.query, input.body, owner, engine);
    if (taken !== undefined) {
      trace?.push({ step: 'owner', outcome: 'fail', detail: `${taken.why}: answered as a conflict without the holder's id` });
      return refused(`${taken.why}, and clients of ${rule.label} are not told of objects other than their owner's`, 'Choose another name', { nameTaken: taken.message });
    }
    if (namesImages(operation)) {
      const images = await judgeOwnedImages({ operation, target, query: input.target.query, body: input.body, owner, shared: sharesImages(rule), engine });
      if ('refused' in images) {
        trace?.push({ step: 'owner', outcome: 'fail', detail: images.refused.why });
        const reason = `${images.refused.why}, and clients of ${rule.label} keep to the images of their owner ${JSON.stringify(owner)}`;
        return refused(reason, images.refused.fix, images.refused.notFound !== undefined ? { notFound: images.refused.notFound } : {});
      }
      for (const detail of images.details) trace?.push({ step: 'owner', outcome: 'pass', detail });
      if (images.pinned !== undefined) pins = { ...pins, id: images.pinned };
    }
    const stamp = ownerQueryValues(operation, input.target.query, owner);
    if (typeof stamp === 'string') {
      trace?.push({ step: 'owner', outcome: 'fail', detail: stamp });
      return refused(stamp, 'Send each change as one complete instruction', {});
    }
    if (operation === 'container.create') {
      const references = await checkCreateReferences(input.body, scope, engine);
      if (references.refused.length > 0) {
        trace?.push({ step: 'owner', outcome: 'fail', detail: references.refused.map((r) => `${r.field} ${r.why}`).join('; ') });
        const fix = `Name only containers, volumes and networks created by this owner, the owner ${rule.label} gives this client`;
        return refused(references.refused.map((r) => `${r.field}: ${r.why}`).join('; '), fix, {});
      }
      pins = { ...pins, body: references.pins };
    }
    if (SERVICE_WRITES.has(operation)) {
      const references = await foreignServiceReferences(input.body, owner, engine);
      if (references.length > 0) {
        trace?.push({ step: 'owner', outcome: 'fail', detail: references.map((r) => `${r.field} ${r.why}`).join('; ') });
        const fix = `Name only secrets, configs, networks and volumes created by this owner, the owner ${rule.label} gives this client`;
        return refused(references.map((r) => `${r.field}: ${r.why}`).join('; '), fix, {});
      }
    }
    if (stamp !== undefined) pins = { ...pins, query: { ...pins.query, ...stamp.values }, queryStamp: stamp.field };
    return this.judged(input, rule, carried, trace, engine, owner, pins);
  }

  /**
   * The refusal of a request that sets the owner label (`field`: in its body, a build's `labels`, a commit's
   * or import's `changes`), which only dockgate writes in a policy that uses owners.
   */
  private ownerLabelSet(rule: PolicyRule, carried: { mode?: 'warn'; redact?: Redaction }, trace: Trace, owner: string | undefined, field = OWNER_LABEL_FIELD): Evaluation {
    trace?.push({ step: 'owner', outcome: 'fail', detail: `the request sets ${field}` });
    return this.finish(trace, {
      verdict: 'deny',
      rule: rule.rule,
      reason: `${field}: the label says which owner an object belongs to, and under ${this.options.source} only dockgate sets it`,
      fix: `Leave the label ${OWNER_LABEL} out${owner !== undefined ? `; dockgate sets it to ${JSON.stringify(owner)}` : ''}`,
      ...carried,
      ...ownedBy(owner, rule),
    });
  }

  /**
   * The reach judge's part (when the rule and operation call for it) and the owner's stamp on what is
   * created. `pins`: what the owner's part forwards in place of what the client sent: the full id the owner
   * check looked at in place of the reference in the path, the references it pinned in the body, query
   * parameters it judged.
   */
  private judged(
    input: JudgeInput,
    rule: PolicyRule,
    carried: { mode?: 'warn'; redact?: Redaction },
    trace: Trace,
    engine: JudgeInput['engine'],
    owner: string | undefined,
    pins: OwnerPins,
  ): Evaluation | Promise<Evaluation> {
    const operation = input.route.operation;
    const owned = ownedBy(owner, rule);
    const pinned = pins.id;
    const replaced = pins.query !== undefined ? { replacedQuery: pins.query } : {};
    const ownerPin = { ...(pinned !== undefined && { pinnedTarget: pinned }), ...replaced };
    if (rule.constraints === 'unrestricted' || !judgesReach(operation)) {
      trace?.push({
        step: 'check',
        outcome: 'skip',
        detail: rule.constraints === 'unrestricted' ? `${rule.label} does not judge container reach` : `${operation} does not decide a container's reach`,
      });
      if (pinned !== undefined) trace?.push({ step: 'change', outcome: 'info', detail: `${input.route.target!.kind} ${input.route.target!.ref} is forwarded as ${pinned}` });
      return this.finish(
        trace,
        stamped({ verdict: 'allow', rule: rule.rule, reason: `${operation} is granted by ${rule.label}`, ...carried, ...owned, ...ownerPin }, input.body, owner, operation, trace, pins),
      );
    }
    if (BODY_OPERATIONS.has(operation) && input.body === undefined && operation !== 'container.start') {
      trace?.push({ step: 'check', outcome: 'info', detail: `${operation} has no body to judge` });
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
      forwardsRefusals: carried.mode === 'warn',
    }).then(async (reach) => {
      const base = owner !== undefined && reach.baseImages.length > 0 ? await unusableBaseImage(reach.baseImages, owner, sharesImages(rule), engine) : undefined;
      if (base !== undefined) {
        trace?.push({ step: 'owner', outcome: 'fail', detail: base.why });
        return { ...this.finish(trace, { verdict: 'deny', rule: rule.rule, reason: base.why, fix: base.fix, ...carried, ...owned }), reach };
      }
      for (const check of reach.checks) trace?.push({ step: 'check', outcome: check.outcome, detail: `${check.check}: ${check.detail}` });
      const notLookedUp = reach.notLookedUp?.map(({ field, what }) => `${field} (${what})`).join(', ');
      if (notLookedUp !== undefined) trace?.push({ step: 'check', outcome: 'skip', detail: `not looked up, the request being refused on its own fields: ${notLookedUp}` });
      for (const change of reach.changes) trace?.push({ step: 'change', outcome: 'info', detail: `${change.field} = ${JSON.stringify(change.value)}` });
      const changed = reach.changes.length > 0 ? { changes: reach.changes, ...(reach.body !== undefined && { body: reach.body }) } : {};
      const target = input.route.target;
      const pinnedTarget = target?.segments === undefined ? undefined : (reach.resolved.get(referenceKey(target.kind, target.ref)) ?? pinned);
      if (pinnedTarget !== undefined) trace?.push({ step: 'change', outcome: 'info', detail: `${target!.kind} ${target!.ref} is forwarded as ${pinnedTarget}` });
      const forwarded = {
        ...(pinnedTarget !== undefined && { pinnedTarget }),
        ...(reach.createdFromImage !== undefined && { createdFromImage: reach.createdFromImage }),
        ...replaced,
      };
      if (reach.createdFromImage !== undefined) trace?.push({ step: 'check', outcome: 'info', detail: `the created container must come from the image judged, ${reach.createdFromImage}` });
      const decision: Decision =
        reach.violations.length === 0
          ? { verdict: 'allow', rule: rule.rule, reason: `${operation} is within the constraints of ${rule.label}`, ...carried, ...changed, ...forwarded, ...owned }
          : {
              verdict: 'deny',
              rule: rule.rule,
              reason: reach.violations.map((v) => `${v.field}: ${v.why}`).join('; ') + (notLookedUp === undefined ? '' : `; judged once the rest is allowed: ${notLookedUp}`),
              fix: joinFixes([...reach.violations.map((v) => v.fix), rule.widen ?? '']),
              violations: reach.violations,
              ...carried,
              ...changed,
              ...forwarded,
              ...owned,
            };
      return { ...this.finish(trace, stamped(decision, input.body, owner, operation, trace, pins)), reach };
    });
  }

  /**
   * Picks the rule that selects the client and checks that it grants the operation: the refusal when
   * either fails (an Evaluation), else the rule. The one place both are decided, for preJudge and evaluate.
   */
  private grant(input: PreJudgeInput, trace: Trace): Evaluation | { rule: PolicyRule; mode: { mode?: 'warn' } } {
    const operation = input.route.operation;
    let chosen: PolicyRule | undefined;
    for (const rule of this.rules) {
      const result = matchIdentity(rule.match, input.identity);
      trace?.push({ step: 'rule', outcome: result.matched ? 'match' : 'skip', detail: `${rule.label}: ${result.detail}` });
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
      trace?.push({ step: 'operation', outcome: 'fail', detail: `${operation} is not granted by ${rule.label}${grant.by ? ` (${grant.by})` : ''}` });
      const refusal = rule.refusal?.(operation, input.route.mutates) ?? {
        reason: `${rule.label} does not grant ${operation}${grant.by ? ` (${grant.by})` : ''}`,
        fix: `Add ${operation} to the operations of ${rule.label}, or run this client under a rule that grants it`,
      };
      return this.finish(trace, { verdict: 'deny', rule: rule.rule, ...refusal, ...mode, ...ownerIfKnown(rule, input) });
    }
    trace?.push({ step: 'operation', outcome: 'pass', detail: `${operation} is granted by ${rule.label} (${grant.by})` });
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

  private finish(trace: Trace, decision: Decision): Evaluation {
    if (trace === undefined) return { decision, trace: [] };
    trace.push({
      step: 'decision',
      outcome: decision.verdict === 'allow' ? 'pass' : 'fail',
      detail: `${decision.verdict}${decision.mode === 'warn' && decision.verdict === 'deny' ? ' (warn mode: forwarded and recorded as would_deny)' : ''} by ${decision.rule}: ${decision.reason}`,
    });
    return { decision, trace };
  }
}
