// What `dockgate check` reports (its JSON form is this document): per request checked, the gateway's
// verdict and, for a refusal, one finding per field refused, located where the field was written, with the
// gateway's own why, fix and message; the requests a script sends that are not checked; the summary and
// the exit code, which follow `dockgate audit`'s (0 nothing at or above --fail-on, 1 findings at or
// above it, 2 bad arguments or a file the client itself would refuse).
import { SEVERITIES, severityRank, type Severity } from '../audit/finding.js';
import type { FailOn } from '../audit/report.js';
import { EXIT_FINDINGS } from '../audit/report.js';
import type { CheckName } from '../judge/reach/findings.js';
import type { SourceLocation } from './checked-request.js';

/** What a refused field lets a container reach, by the judge's check that refused it. */
export const CHECK_SEVERITY: Record<CheckName, Severity> = {
  privileges: 'critical',
  mounts: 'critical',
  namespaces: 'critical',
  'host-access': 'critical',
  'security-options': 'critical',
  user: 'high',
  build: 'high',
  plugins: 'high',
  swarm: 'high',
  volumes: 'high',
  networks: 'high',
  images: 'medium',
  resources: 'medium',
  ports: 'medium',
  logging: 'medium',
  names: 'medium',
  restart: 'medium',
  operation: 'high',
  body: 'high',
  query: 'high',
  defaults: 'low',
};

/** A refusal that names no field (the rule does not grant the operation, the body has no single reading). */
export const REFUSED = 'request.refused';
/** A refusal by a rule in warn mode: the gateway forwards the request and records it as would_deny. */
export const WARN_SEVERITY: Severity = 'low';

export interface CheckFinding {
  /** `reach.privileges`, `reach.mounts`, ... or `request.refused`. */
  id: string;
  severity: Severity;
  /** The policy rule that refused (`profile.baseline`, a policy file's rule). */
  rule: string;
  /** The body field refused, as the judge names it (`HostConfig.Privileged`), when the refusal names one. */
  field?: string;
  location: SourceLocation;
  why: string;
  fix: string;
  /** `warn`: the rule forwards it anyway and records would_deny. */
  mode: 'enforce' | 'warn';
}

export interface CheckedVerdict {
  subject: string;
  method: string;
  path: string;
  location: SourceLocation;
  verdict: 'allow' | 'deny';
  rule: string;
  mode: 'enforce' | 'warn';
  /** The refusal as the gateway would send it (`{"message": ...}`), deny only. */
  message?: string;
  /**
   * What the gateway would have asked the engine while judging (`image busybox`): without an engine
   * (`--upstream` not given) each was answered "no such object", and the verdict may differ on a real one.
   */
  engineAsked: string[];
  findings: CheckFinding[];
}

export interface NotCheckedCommand {
  location: SourceLocation;
  command: string;
}

export interface CheckReport {
  schemaVersion: 1;
  tool: { name: 'dockgate'; version: string };
  /** `--profile baseline`, or the policy file. */
  policy: string;
  /** `none` (no engine: every look-up answered "no such object") or the engine asked. */
  engine: string;
  failOn: FailOn;
  exitCode: number;
  summary: Record<Severity, number> & { requests: number; refused: number; notChecked: number };
  requests: CheckedVerdict[];
  notChecked: NotCheckedCommand[];
}

export function checkExitCode(requests: readonly CheckedVerdict[], failOn: FailOn): number {
  if (failOn === 'none') return 0;
  const threshold = severityRank(failOn);
  return requests.some((r) => r.findings.some((f) => severityRank(f.severity) >= threshold)) ? EXIT_FINDINGS : 0;
}

export function buildCheckReport(parts: { version: string; policy: string; engine: string; failOn: FailOn; requests: CheckedVerdict[]; notChecked: NotCheckedCommand[] }): CheckReport {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const finding of parts.requests.flatMap((r) => r.findings)) counts[finding.severity]++;
  return {
    schemaVersion: 1,
    tool: { name: 'dockgate', version: parts.version },
    policy: parts.policy,
    engine: parts.engine,
    failOn: parts.failOn,
    exitCode: checkExitCode(parts.requests, parts.failOn),
    summary: { ...counts, requests: parts.requests.length, refused: parts.requests.filter((r) => r.verdict === 'deny').length, notChecked: parts.notChecked.length },
    requests: parts.requests,
    notChecked: parts.notChecked,
  };
}
