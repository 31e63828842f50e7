// The policy change that would allow one refused request (a `deny`, or the `would_deny` of a rule in warn
// mode): a policy-file rule for that client granting that operation with the constraints of what the request
// asked of the host (record/request-needs.ts), as text to copy into the policy's `rules:`. The same learning
// as `dockgate policy learn`, for one record; the live view shows it beside a refusal.
import type { DoneRecord } from '../record/audit-record.js';
import { carriesNeeds } from '../record/request-needs.js';
import { isOperation } from '../route/operations.js';
import { learnedIdentity } from './learned-identity.js';
import { learnedRule, rulesYaml } from './learned-rule.js';

/** The YAML rule that would allow the request the record describes, with a comment saying what it allows and why it was refused. */
export function ruleChangeFor(record: DoneRecord): string {
  const request = `${record.method} ${record.path.split('?')[0]!}`;
  if (record.operation === undefined) return `# No policy change allows ${request}: it names no operation dockgate knows (${record.reason}).\n`;
  const identity = learnedIdentity(record.identity, 'identity');
  const comments = [
    `Allows ${record.operation} (${request}) for this client; ${record.decision === 'allow' ? 'allowed' : 'refused'} by ${record.rule}: ${record.reason}.`,
    `Place it before the rule that selects this client now, or merge it into that rule.`,
  ];
  const rule = learnedRule(identity, [{ operation: record.operation, ...(record.needs !== undefined && { needs: record.needs }) }], new Set(), comments);
  if (record.needs === undefined && isOperation(record.operation) && carriesNeeds(record.operation) && rule.body['constraints'] !== undefined) {
    // Refused before its body was read (the operation was not granted): what it would reach is unknown, so
    // the rule keeps baseline's constraints rather than refusing everything the body might ask.
    delete rule.body['constraints'];
    comments.push("Its body was not read (refused before it): the rule keeps baseline's constraints; learn from a warn-mode run to narrow them.");
  }
  return rulesYaml([rule]);
}
