// Per-client counters of the live view: how many requests each client made since the gateway started, by
// decision. Counted for every `done` record (one map look-up and an increment), and bounded: past
// MAX_CLIENTS distinct clients the rest are summed under one entry, so a flood of new identities (a TCP
// listener's addresses, containers coming and going) cannot grow it without bound.

import type { AuditDecision, DoneRecord } from '../record/audit-record.js';
import { clientLabel } from './client-label.js';

export type DecisionCounts = Record<AuditDecision, number>;

export const MAX_CLIENTS = 256;
export const OTHER_CLIENTS = '(other clients)';

export class ClientCounters {
  private readonly counts = new Map<string, DecisionCounts>();
  /** Bumped on every count, so a watcher sends the counters only when they changed. */
  private changes = 0;

  constructor(private readonly maxClients = MAX_CLIENTS) {}

  count(record: DoneRecord): void {
    const client = clientLabel(record.identity);
    let counts = this.counts.get(client);
    if (counts === undefined) {
      const key = this.counts.size < this.maxClients ? client : OTHER_CLIENTS;
      counts = this.counts.get(key) ?? { allow: 0, deny: 0, would_deny: 0, error: 0 };
      this.counts.set(key, counts);
    }
    counts[record.decision]++;
    this.changes++;
  }

  get version(): number {
    return this.changes;
  }

  /** Clients by most requests first, then by name. */
  snapshot(): { client: string; counts: DecisionCounts }[] {
    const total = (c: DecisionCounts): number => c.allow + c.deny + c.would_deny + c.error;
    return [...this.counts].map(([client, counts]) => ({ client, counts: { ...counts } })).sort((a, b) => total(b.counts) - total(a.counts) || a.client.localeCompare(b.client));
  }
}
