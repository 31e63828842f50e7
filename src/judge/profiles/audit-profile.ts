// `--profile audit`: forward every understood request and record it. For observing a client
// before writing its policy; it protects nothing beyond refusing what the gateway cannot read.
import type { Decision } from '../decision.js';
import type { Policy } from '../policy.js';

const ALLOW: Decision = { verdict: 'allow', rule: 'profile.audit', reason: 'the audit profile forwards every understood request' };

export const auditProfile: Policy = {
  name: 'audit',
  judge: () => ALLOW,
};
