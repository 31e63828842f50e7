// The two budgets of what request bodies make the gateway hold, and the refusals beyond them:
// - memory (--body-memory, --body-memory-per-identity): judged bodies while they are read and judged,
//   their parsed form, their canonical serialisation and the engine's answers looked up for them, until
//   the exchange ends (or, for attach and exec, until the stream is joined);
// - disk (--spool-disk, --spool-disk-per-identity): build contexts spooled while their Dockerfile is judged,
//   until the spool file is removed.
// Over a client's share the answer is 429, over the total 503, both with a Retry-After; a body that alone
// needs more than the total can never pass and gets a 413.
import { GatewayError } from '../errors/catalogue.js';
import { describeIdentity, type Identity } from '../identify/identity.js';
import type { Metrics } from '../observe/metrics.js';
import { BudgetHold, ByteBudget, type Shortfall } from './byte-budget.js';
import { identityKey } from './identity-key.js';
import type { Limits } from './limits.js';

/**
 * What judging holds in memory, per thing it keeps: the cost model by which requests are charged, since
 * what a request holds is not its byte count (measured on Node 20; each figure is the largest seen, rounded up).
 */
export const MEMORY_COST = {
  /** A JSON value of a judged body once read (the reader's tree, then the judged value): a 1 MiB body of empty objects held 21 MiB, of short strings 4 MiB. */
  parsedValue: 64,
  /** A byte of an engine answer looked up for a judgement: the bytes as they arrive, then JSON.parse's tree (1.5 to 6.5 times an inspect document). */
  lookupAnswerByte: 8,
  /** An entry of a build context's shape besides its name and link target: its node and map entry (about 100). */
  contextEntry: 128,
  /** A byte of a Dockerfile: its text and both parser readings of it (41 to 51). */
  dockerfileByte: 64,
} as const;

/** Judging takes milliseconds: in a second the bodies ahead have been judged and given their bytes back. */
const MEMORY_RETRY_SECONDS = 1;
/** A build context is held for as long as its upload and the judging of its Dockerfile take. */
const DISK_RETRY_SECONDS = 10;

/** Sizes in messages: near enough to compare with the option's value. */
function size(bytes: number): string {
  for (const [unit, scale] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= scale) return `${Math.round((bytes / scale) * 10) / 10} ${unit}`;
  }
  return `${bytes} bytes`;
}

interface BudgetWords {
  /** What is refused: `a request`. */
  subject: string;
  /** What is held, for messages: `in memory while bodies are read and judged`. */
  held: string;
  totalOption: string;
  shareOption: string;
  retrySeconds: number;
  codes: { total: 'DG_BODY_BUDGET' | 'DG_SPOOL_BUDGET'; share: 'DG_BODY_BUDGET_SHARE' | 'DG_SPOOL_BUDGET_SHARE' };
  /** How to need less, for the 413 of a body that never fits. */
  smaller: string;
}

const MEMORY: BudgetWords = {
  subject: 'a request',
  held: 'in memory while requests are judged (their bodies and the engine answers they need)',
  totalOption: '--body-memory',
  shareOption: '--body-memory-per-identity',
  retrySeconds: MEMORY_RETRY_SECONDS,
  codes: { total: 'DG_BODY_BUDGET', share: 'DG_BODY_BUDGET_SHARE' },
  smaller: 'Send a smaller body',
};

const DISK: BudgetWords = {
  subject: 'a build context',
  held: 'on disk while build contexts are judged',
  totalOption: '--spool-disk',
  shareOption: '--spool-disk-per-identity',
  retrySeconds: DISK_RETRY_SECONDS,
  codes: { total: 'DG_SPOOL_BUDGET', share: 'DG_SPOOL_BUDGET_SHARE' },
  smaller: 'Send a smaller build context (a .dockerignore leaves out what the build does not need)',
};

export class BodyBudgets {
  readonly memory: ByteBudget;
  readonly disk: ByteBudget;

  constructor(
    limits: Pick<Limits, 'bodyMemory' | 'bodyMemoryPerIdentity' | 'spoolDisk' | 'spoolDiskPerIdentity'>,
    /** Counts the 429s and 503s, when the admin listener serves metrics. */
    private readonly metrics?: Metrics,
  ) {
    this.memory = new ByteBudget(limits.bodyMemory, limits.bodyMemoryPerIdentity);
    this.disk = new ByteBudget(limits.spoolDisk, limits.spoolDiskPerIdentity);
  }

  /** A hold on the memory budget for one request of `identity`. */
  inMemory(identity: Identity): BudgetHold {
    return this.hold(this.memory, identity, MEMORY);
  }

  /** A hold on the disk budget for one build context of `identity`. */
  onDisk(identity: Identity): BudgetHold {
    return this.hold(this.disk, identity, DISK);
  }

  private hold(budget: ByteBudget, identity: Identity, words: BudgetWords): BudgetHold {
    const key = identityKey(identity);
    return new BudgetHold(budget, key, (shortfall, wanted) => {
      const error = refusal(budget, key, identity, words, shortfall, wanted);
      // A body that never fits (413) is not a limit that was hit: it is one that can never be met.
      if (shortfall !== 'alone') this.metrics?.limitHit(error.rule);
      return error;
    });
  }
}

function refusal(budget: ByteBudget, key: string, identity: Identity, words: BudgetWords, shortfall: Shortfall, wanted: number): GatewayError {
  const what = `${words.subject} of ${describeIdentity(identity)}`;
  switch (shortfall) {
    case 'alone':
      return new GatewayError('DG_BODY_TOO_LARGE', {
        what,
        why: `it needs ${size(wanted)} ${words.held}, more than the ${size(budget.total)} the gateway allows for all of them (${words.totalOption})`,
        fix: `${words.smaller}, or ask the operator to raise dockgate serve ${words.totalOption}`,
      });
    case 'share':
      return new GatewayError(
        words.codes.share,
        {
          what,
          why: `this client's requests already hold ${size(budget.heldBy(key))} ${words.held}, and each client may hold ${size(budget.share)}`,
          fix: `Retry after ${words.retrySeconds} s (Retry-After) and send fewer large requests at once, or ask the operator to raise dockgate serve ${words.shareOption}`,
        },
        words.retrySeconds,
      );
    case 'total':
      return new GatewayError(
        words.codes.total,
        {
          what,
          why: `requests of all clients already hold ${size(budget.held)} ${words.held}, and the gateway allows ${size(budget.total)}`,
          fix: `Retry after ${words.retrySeconds} s (Retry-After); the operator sets the bound with dockgate serve ${words.totalOption}`,
        },
        words.retrySeconds,
      );
  }
}
