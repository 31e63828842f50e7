// Which operations a rule grants: operation names from the route table (`container.create`), a prefix
// pattern (`container.*` is every operation whose name starts with `container.`), or `*` for all;
// `except` takes operations back out. A pattern that names no known operation is an error in the
// policy file, so a typo cannot silently grant or withhold nothing.
import { OPERATION_NAMES, type Operation } from '../route/operations.js';
import { editDistance } from './edit-distance.js';

export interface OperationGrant {
  readonly patterns: readonly string[];
  readonly except: readonly string[];
}

export function patternMatches(pattern: string, operation: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return operation.startsWith(pattern.slice(0, -1));
  return pattern === operation;
}

/** Whether a pattern is well-formed and names at least one known operation. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern !== '*' && !/^[a-z]+(\.[a-z]+)*(\.\*)?$/.test(pattern)) {
    return `${JSON.stringify(pattern)} is not an operation name or pattern (write container.create, container.* or *)`;
  }
  if (!OPERATION_NAMES.some((op) => patternMatches(pattern, op))) {
    const prefix = pattern.split('.')[0]!;
    const near = OPERATION_NAMES.filter((op) => op.startsWith(`${prefix}.`) || op === prefix).slice(0, 6);
    if (near.length > 0) {
      return `${JSON.stringify(pattern)} names no known operation (operations starting with ${prefix}: ${near.join(', ')}${near.length === 6 ? ', ...' : ''})`;
    }
    const families = [...new Set(OPERATION_NAMES.map((op) => op.split('.')[0]!))];
    const closest = families.map((f) => ({ f, d: editDistance(prefix, f) })).sort((a, b) => a.d - b.d)[0];
    const hint = closest && closest.d <= 2 ? ` (did you mean ${closest.f}?)` : ` (known: ${families.join(', ')})`;
    return `${JSON.stringify(pattern)} names no known operation${hint}`;
  }
  return undefined;
}

export interface GrantResult {
  granted: boolean;
  /** The pattern that granted or took it back, for `policy explain`. */
  by?: string;
}

export function grants(grant: OperationGrant, operation: Operation): GrantResult {
  const except = grant.except.find((p) => patternMatches(p, operation));
  if (except !== undefined) return { granted: false, by: `except ${except}` };
  const pattern = grant.patterns.find((p) => patternMatches(p, operation));
  return pattern === undefined ? { granted: false } : { granted: true, by: pattern };
}
