// `dockgate check`: the requests the given files (or one command line) would send, each judged by the
// gateway's own decision under the policy, in one report.
import type { FailOn } from '../audit/report.js';
import type { Identity } from '../identify/identity.js';
import type { EngineLookup } from '../judge/engine-lookup.js';
import type { Policy } from '../judge/policy.js';
import { buildCheckReport, type CheckReport, type CheckedVerdict } from './check-report.js';
import type { CheckSources } from './check-sources.js';
import { judgeChecked } from './judge-checked.js';

export interface CheckRun {
  sources: CheckSources;
  policy: Policy;
  /** `--profile baseline` or the policy file, for the report. */
  policyName: string;
  identity: Identity;
  /** The engine the judge's look-ups go to, and its name for the report; absent: none (every object missing). */
  engine?: { lookup: EngineLookup; name: string };
  failOn: FailOn;
  version: string;
}

export async function runCheck(run: CheckRun): Promise<CheckReport> {
  const requests: CheckedVerdict[] = [];
  for (const request of run.sources.requests) requests.push(await judgeChecked(request, run.policy, run.identity, run.engine?.lookup));
  return buildCheckReport({ version: run.version, policy: run.policyName, engine: run.engine?.name ?? 'none', failOn: run.failOn, requests, notChecked: run.sources.notChecked });
}
