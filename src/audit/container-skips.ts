// Why containers were not checked, or not in full: each reason once, with how many containers it concerns
// and the first few of them, so that ten thousand containers failing alike make one line of the report,
// not ten thousand. A hostile engine can make every reason different (its error answers are quoted), so
// the reasons kept are bounded too, and the rest are counted together.
import type { Collector } from './finding.js';

/** Containers named per reason. */
const NAMED = 3;
/** Distinct reasons kept; further ones are summed up in one entry. */
const REASONS = 20;

export class ContainerSkips {
  private readonly reasons = new Map<string, { names: string[]; count: number }>();
  /** Containers beyond the reasons kept, counted, and the first few named. */
  private others = 0;
  private readonly otherNames: string[] = [];

  add(reason: string, container: string): void {
    let entry = this.reasons.get(reason);
    if (entry === undefined) {
      if (this.reasons.size >= REASONS) {
        this.others++;
        if (this.otherNames.length < NAMED && !this.otherNames.includes(container)) this.otherNames.push(container);
        return;
      }
      this.reasons.set(reason, (entry = { names: [], count: 0 }));
    }
    entry.count++;
    if (entry.names.length < NAMED && !entry.names.includes(container)) entry.names.push(container);
  }

  /** One not-checked entry per reason, under `area`. */
  report(collector: Collector, area: string): void {
    const which = (names: readonly string[], count: number): string =>
      `${count} container${count === 1 ? '' : 's'} (${names.join(', ')}${count > names.length ? `, and ${count - names.length} more` : ''})`;
    for (const [reason, { names, count }] of this.reasons) collector.skip(area, `${reason}: ${which(names, count)}`);
    if (this.others > 0) collector.skip(area, `other reasons than these ${REASONS}: ${which(this.otherNames, this.others)}`);
  }
}
