// What judging one request's reach found: the violations (each naming the field, why and how to fix
// it), the result of every check for `dockgate policy explain`, and the defaults applied to the body.
import type { AppliedDefault } from '../decision.js';

/** A check of the container-reach judge, named for what it looks at. */
export type CheckName =
  | 'operation'
  | 'mounts'
  | 'privileges'
  | 'security-options'
  | 'namespaces'
  | 'user'
  | 'resources'
  | 'ports'
  | 'images'
  | 'logging'
  | 'host-access'
  | 'names'
  | 'restart'
  | 'body'
  | 'query'
  | 'build'
  | 'networks'
  | 'volumes'
  | 'plugins'
  | 'swarm'
  | 'defaults';

export interface Violation {
  /** Where in the request: a body path (`HostConfig.Binds[0]`), or `?name` for a query parameter. */
  field: string;
  /** Why it is refused, one clause without a trailing full stop. */
  why: string;
  /** How to get it allowed, one sentence. */
  fix: string;
  check: CheckName;
}

export interface CheckResult {
  check: CheckName;
  outcome: 'pass' | 'fail' | 'skip';
  detail: string;
}

/** Collects findings while the checks of one request run. */
export class Findings {
  readonly violations: Violation[] = [];
  readonly checks: CheckResult[] = [];
  readonly changes: AppliedDefault[] = [];

  deny(check: CheckName, field: string, why: string, fix: string): void {
    // One finding reached twice (a Dockerfile instruction both parser readings agree on) is one violation.
    if (this.violations.some((v) => v.field === field && v.why === why)) return;
    this.violations.push({ check, field, why, fix });
    this.checks.push({ check, outcome: 'fail', detail: `${field}: ${why}` });
  }

  pass(check: CheckName, detail: string): void {
    this.checks.push({ check, outcome: 'pass', detail });
  }

  skip(check: CheckName, detail: string): void {
    this.checks.push({ check, outcome: 'skip', detail });
  }

  change(change: AppliedDefault): void {
    this.changes.push(change);
  }

  /** Runs a check and records a pass when it added no violation. */
  async run(check: CheckName, passDetail: string, body: () => void | Promise<void>): Promise<void> {
    const before = this.violations.length;
    await body();
    if (this.violations.length === before) this.pass(check, passDetail);
  }

  get denied(): boolean {
    return this.violations.length > 0;
  }
}
