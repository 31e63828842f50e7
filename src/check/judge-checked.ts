// One checked request judged by the gateway's own decision (decide/library-judge.ts `judge`, the same steps
// as `dockgate serve`), under the policy, as the identity that would send it; each field refused becomes a
// finding at the place in the source that wrote it. What the judge asks the engine (an image's default
// user, a named volume's options, a container another one joins) is noted: without an engine every answer
// is "no such object", which is what the verdict then rests on.
import { judge, NO_ENGINE } from '../decide/library-judge.js';
import type { Identity } from '../identify/identity.js';
import type { EngineLookup } from '../judge/engine-lookup.js';
import type { Policy } from '../judge/policy.js';
import { CHECK_SEVERITY, REFUSED, WARN_SEVERITY, type CheckedVerdict, type CheckFinding } from './check-report.js';
import type { CheckedRequest } from './checked-request.js';

/** The engine, every question it is asked written down first (`image busybox`). */
function noting(engine: EngineLookup, asked: string[]): EngineLookup {
  const note = (what: string): void => {
    if (!asked.includes(what)) asked.push(what);
  };
  return {
    container: (ref) => (note(`container ${ref}`), engine.container(ref)),
    volume: (name) => (note(`volume ${name}`), engine.volume(name)),
    image: (ref) => (note(`image ${ref}`), engine.image(ref)),
    exec: (id) => (note(`exec ${id}`), engine.exec(id)),
    ...(engine.swarmObject !== undefined && { swarmObject: (kind, ref) => (note(`${kind} ${ref}`), engine.swarmObject!(kind, ref)) }),
    ...(engine.apiVersion !== undefined && { apiVersion: engine.apiVersion.bind(engine) }),
  };
}

export async function judgeChecked(request: CheckedRequest, policy: Policy, identity: Identity, engine: EngineLookup = NO_ENGINE): Promise<CheckedVerdict> {
  const engineAsked: string[] = [];
  const result = await judge(
    policy,
    { method: request.method, path: request.path, headers: { 'content-type': 'application/json' }, ...(request.body !== undefined && { body: request.body }), identity },
    noting(engine, engineAsked),
  );
  const mode = result.mode ?? 'enforce';
  const severityOf = (severity: CheckFinding['severity']): CheckFinding['severity'] => (mode === 'warn' ? WARN_SEVERITY : severity);
  const findings: CheckFinding[] =
    result.verdict === 'allow'
      ? []
      : result.violations !== undefined && result.violations.length > 0
        ? result.violations.map((v) => ({
            id: `reach.${v.check}`,
            severity: severityOf(CHECK_SEVERITY[v.check]),
            rule: result.rule,
            field: v.field,
            location: request.locate(v.field),
            why: v.why,
            fix: v.fix,
            mode,
          }))
        : [{ id: REFUSED, severity: severityOf('high'), rule: result.rule, location: request.location, why: result.reason, fix: result.fix ?? '', mode }];
  return {
    subject: request.subject,
    method: request.method,
    path: request.path,
    location: request.location,
    verdict: result.verdict,
    rule: result.rule,
    mode,
    ...(result.message !== undefined && { message: result.message }),
    engineAsked,
    findings: findings.sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column),
  };
}
