// One learned rule: a client's `match:`, the operations it used granted by name (or by family, `container.*`,
// where the operator widens them), and the constraints of what its requests asked of the host; and the YAML
// that writes rules, with the comments that say where each came from. Deterministic: every list sorted, the
// keys in the policy file's order, nothing of the moment it is written.
import { Document, isMap, isSeq, type Node } from 'yaml';
import { BASELINE_EXCEPT } from '../judge/profiles/baseline-profile.js';
import { isOperation, judgesReach } from '../route/operations.js';
import { patternMatches } from '../policy/operation-grant.js';
import { learnedConstraints, type LearnedRequest } from './learned-constraints.js';
import type { LearnedIdentity } from './learned-identity.js';

/** The operation families granted whole (`container` grants `container.*`), or all of them. */
export type Widening = ReadonlySet<string> | 'all';

/** A rule as the policy file writes it, with the comment lines written above it. */
export interface LearnedRule {
  body: Record<string, unknown>;
  comments: readonly string[];
}

/** `container` of `container.exec.create`; an operation of one word has no family to widen to. */
function familyOf(operation: string): string | undefined {
  const dot = operation.indexOf('.');
  return dot === -1 ? undefined : operation.slice(0, dot);
}

/** The operation patterns granting what was used, widened to their family where asked; with what baseline keeps out of a widened family. */
export function learnedOperations(operations: readonly string[], widen: Widening): { operations: string[]; except: string[] } {
  const widened = (op: string): string => {
    const family = familyOf(op);
    return family !== undefined && (widen === 'all' || widen.has(family)) ? `${family}.*` : op;
  };
  const patterns = [...new Set(operations.map(widened))].sort();
  // Widening never lets in what baseline refuses to everyone (CRIU checkpoints, debug endpoints) unless it was used.
  const except = BASELINE_EXCEPT.filter((ex) => patterns.some((p) => p.endsWith('.*') && ex.startsWith(p.slice(0, -1))) && !operations.some((op) => patternMatches(ex, op)));
  return { operations: patterns, except: [...except].sort() };
}

/** The rule for one client, from the requests of it that were forwarded. */
export function learnedRule(identity: LearnedIdentity, requests: readonly LearnedRequest[], widen: Widening, comments: readonly string[]): LearnedRule {
  const { operations, except } = learnedOperations(
    requests.map((r) => r.operation),
    widen,
  );
  const reaches = requests.some((r) => isOperation(r.operation) && judgesReach(r.operation));
  const constraints = reaches ? learnedConstraints(requests) : undefined;
  return {
    body: {
      name: identity.name,
      match: identity.match,
      operations,
      ...(except.length > 0 && { except }),
      ...(constraints !== undefined && { constraints }),
    },
    comments,
  };
}

/** Text for a YAML comment: one line, no control characters (it may hold client-chosen names and paths). */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/** Block style throughout, but a rule's `match:` on one line, as people write it. */
function withComments(items: readonly Node[], rules: readonly LearnedRule[]): void {
  items.forEach((item, i) => {
    const comments = rules[i]!.comments;
    if (comments.length > 0) item.commentBefore = comments.map((line) => ` ${commentText(line)}`).join('\n');
    if (isMap(item)) {
      const match = item.get('match', true);
      if (isMap(match)) match.flow = true;
    }
  });
}

/** A whole policy file: the header's comment lines, then `version: 1` (or the merged file's other keys) and the rules. */
export function policyYaml(header: readonly string[], rules: readonly LearnedRule[], rest: Record<string, unknown> = { version: 1 }): string {
  const doc = new Document({ ...rest, rules: rules.map((r) => r.body) });
  doc.commentBefore = header.map((line) => ` ${commentText(line)}`).join('\n');
  const seq = doc.get('rules', true);
  if (isSeq(seq)) withComments(seq.items as Node[], rules);
  return doc.toString({ lineWidth: 0 });
}

/** Rules alone, as the items of a `rules:` list (to paste into one). */
export function rulesYaml(rules: readonly LearnedRule[]): string {
  const doc = new Document(rules.map((r) => r.body));
  if (isSeq(doc.contents)) withComments(doc.contents.items as Node[], rules);
  return doc.toString({ lineWidth: 0 });
}
