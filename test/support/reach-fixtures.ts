// Shorthands for unit tests of the reach judge: judge one operation with given constraints.
import type { ContainerConstraints, ContainerDefaults } from '../../src/judge/container-constraints.js';
import { BASELINE_CONSTRAINTS } from '../../src/judge/profiles/baseline-profile.js';
import { RESTRICTED_CONSTRAINTS } from '../../src/judge/profiles/restricted-profile.js';
import { judgeReach, type ReachOutcome } from '../../src/judge/reach/judge-reach.js';
import type { ReachEngine } from '../../src/judge/reach/reach-context.js';
import type { Operation } from '../../src/route/operations.js';
import { parseQuery } from '../../src/route/query.js';
import { fakeEngine } from './fake-engine.js';

export { BASELINE_CONSTRAINTS, RESTRICTED_CONSTRAINTS };

export interface JudgeOptions {
  constraints?: ContainerConstraints;
  defaults?: ContainerDefaults;
  engine?: ReachEngine;
  query?: string;
  target?: string;
  protectedPaths?: string[];
}

export function judgeOperation(operation: Operation, body: unknown, options: JudgeOptions = {}): Promise<ReachOutcome> {
  return judgeReach({
    operation,
    ...(options.target !== undefined && { target: { kind: 'container', ref: options.target } }),
    query: parseQuery(options.query ?? ''),
    body,
    constraints: options.constraints ?? BASELINE_CONSTRAINTS,
    ...(options.defaults !== undefined && { defaults: options.defaults }),
    engine: options.engine ?? fakeEngine(),
    options: { protectedPaths: options.protectedPaths ?? [] },
  });
}

export function create(body: Record<string, unknown>, options: JudgeOptions = {}): Promise<ReachOutcome> {
  return judgeOperation('container.create', { Image: 'busybox', ...body }, options);
}

/** `HostConfig.Binds[0]` etc.: the fields the outcome refused. */
export function refusedFields(outcome: ReachOutcome): string[] {
  return outcome.violations.map((v) => v.field);
}

export function withRoots(roots: Array<{ path: string; readOnly?: boolean }>, base: ContainerConstraints = BASELINE_CONSTRAINTS): ContainerConstraints {
  return { ...base, bindRoots: roots.map((r) => ({ path: r.path, readOnly: r.readOnly ?? false })) };
}
