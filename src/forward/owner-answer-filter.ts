// The answers the engine cannot keep to an owner (docs/owners-design.md, section 6), kept to it by dockgate
// as they stream: the event stream line by line (owner-event-lines.ts), system df member by member
// (owner-df-rewrite.ts). The forward step sees one shape for both; what comes out may still be redacted.
import { OwnerEvents } from '../judge/owner/owner-events.js';
import type { SharedKind } from '../judge/owner/owner-source.js';
import type { ReachEngine } from '../judge/reach/reach-context.js';
import type { Operation } from '../route/operations.js';
import { OwnerDfRewrite } from './owner-df-rewrite.js';
import { OwnerEventLines } from './owner-event-lines.js';

/** The operations whose answers are kept to the owner here, rather than by the engine's filters. */
export const OWNER_FILTERED_ANSWERS: ReadonlySet<Operation> = new Set<Operation>(['system.events', 'system.df']);

/** Whose objects an answer is kept to, and how to ask the engine about an object the answer names. */
export interface OwnerAnswer {
  readonly operation: Operation;
  readonly owner: string;
  readonly shared: readonly SharedKind[];
  readonly engine: Pick<ReachEngine, 'container' | 'volume' | 'network'>;
}

export interface OwnerAnswerFilter {
  /** Reads a piece of the answer; throws when it cannot be read (the answer is then cut). */
  push(chunk: Buffer): void;
  /** The answer ended; throws when it ended inside something. */
  end(): void;
  /** Whether everything read has been judged; while not, the engine waits. */
  readonly idle: boolean;
  whenIdle(then: () => void): void;
}

/** `failed`: passing on what was kept failed after a judgement that had to wait (the answer is then cut). */
export function ownerAnswerFilter(answer: OwnerAnswer, out: (piece: Buffer) => void, failed: (err: unknown) => void): OwnerAnswerFilter {
  if (answer.operation === 'system.events') {
    const events = new OwnerEvents(answer.owner, answer.shared, answer.engine);
    return new OwnerEventLines((event) => events.keeps(event), out, failed);
  }
  const rewrite = new OwnerDfRewrite(answer.owner, answer.shared, out);
  return {
    push: (chunk) => rewrite.push(chunk),
    end: () => rewrite.end(),
    idle: true,
    whenIdle: (then) => then(),
  };
}
