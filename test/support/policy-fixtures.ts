// Requests for unit tests of policies: a JudgeInput as the gateway builds it (canonical target, route),
// and the problems a policy text is refused with.
import assert from 'node:assert/strict';
import type { Identity } from '../../src/identify/identity.js';
import type { JudgeInput } from '../../src/judge/policy.js';
import { parseRequestTarget } from '../../src/route/request-target.js';
import { classifyRoute } from '../../src/route/route-table.js';
import { fakeEngine } from './fake-engine.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { PolicyFileError } from '../../src/policy/policy-file-error.js';
import type { ReachEngine } from '../../src/judge/reach/reach-context.js';

export const ALICE: Identity = { kind: 'unix', listener: 'unix:///run/dockgate.sock', uid: 1000, gid: 1000, pid: 42, user: 'alice', group: 'alice' };
export const ROOT: Identity = { kind: 'unix', listener: 'unix:///run/dockgate.sock', uid: 0, gid: 0, pid: 1, user: 'root', group: 'root' };
export const CI_CERT: Identity = {
  kind: 'tls',
  listener: 'tcp://0.0.0.0:2376',
  address: '10.0.0.7:50000',
  cn: 'runner-1',
  o: ['Example'],
  ou: ['ci'],
  san: ['DNS:runner-1.ci.example'],
  fingerprint: 'AA:BB',
  serial: '01',
};

export function input(identity: Identity, method: string, path: string, body?: unknown, engine: ReachEngine = fakeEngine()): JudgeInput {
  const target = parseRequestTarget(path, [1, 24]);
  const route = classifyRoute(method, target);
  if (!route) throw new Error(`no route for ${method} ${path}`);
  return { identity, method, target, route, engine, ...(body !== undefined && { body }) };
}

/** The problems (line, column, message) a policy text is refused with; fails the test when it loads. */
export function policyProblems(text: string): Array<[number, number, string]> {
  try {
    loadPolicy(text, { name: 'p.yaml' });
  } catch (err) {
    assert.ok(err instanceof PolicyFileError, String(err));
    return err.problems.map((p) => [p.line, p.column, p.message]);
  }
  assert.fail('the policy loaded');
}
