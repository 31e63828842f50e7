// Every per-operation table is keyed by the route table's operations and says something of each one, so
// an operation added to src/route/routes.ts does not compile until it is classified (src/route/operations.ts),
// given a body schema where its body is JSON (src/inspect/inspect-body.ts) and a judge where it decides a
// container's reach (src/judge/reach/judge-reach.ts). The type-level half is checked by `npm run typecheck`:
// each `@ts-expect-error` below must stay an error, or the check fails as an unused directive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodySchemaOf, INSPECTED_OPERATIONS } from '../../src/inspect/inspect-body.js';
import { BODY_OPERATIONS } from '../../src/judge/reach/judge-reach.js';
import { READ_ONLY_OPERATIONS } from '../../src/judge/profiles/read-only-profile.js';
import { isOperation, OPERATION_NAMES, OPERATIONS, operationsWith, type JsonBodyOperation, type Operation, type OperationFacts, type ReachOperation } from '../../src/route/operations.js';
import { ROUTE_ROWS } from '../../src/route/routes.js';
import { judgeOperation } from '../support/reach-fixtures.js';

/** True only when A and B are the same union. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// The operation table names exactly the route table's operations.
const exactlyTheRouteTable: Same<keyof typeof OPERATIONS, Operation> = true;
// `Operation` is a union of names, not `string` (a row written without `as const` would widen it).
const namesNotStrings: Same<Operation, string> = false;

// An operation added to the route table without its facts: a table that forgets one does not compile.
type WithAnAddedOperation = Operation | 'container.frobnicate';
// @ts-expect-error Property '"container.frobnicate"' is missing: OPERATIONS has no row for it
const forgetful: Readonly<Record<WithAnAddedOperation, OperationFacts>> = OPERATIONS;

// A fact that is not one of its kind's values does not compile either.
// @ts-expect-error '"maybe"' is not a read/write class
const unclassified: OperationFacts = { access: 'maybe', body: 'unread', reach: 'passes' };

// The operations picked out by a fact are the narrow unions the body rules and the judges are keyed by.
const jsonBodies: Same<
  JsonBodyOperation,
  | 'container.create'
  | 'container.update'
  | 'container.commit'
  | 'container.exec.create'
  | 'exec.start'
  | 'service.create'
  | 'service.update'
  | 'swarm.init'
  | 'swarm.join'
  | 'swarm.update'
  | 'node.update'
  | 'plugin.pull'
  | 'plugin.upgrade'
  | 'plugin.set'
  | 'volume.create'
  | 'volume.update'
  | 'network.create'
  | 'network.connect'
  | 'network.disconnect'
  | 'secret.create'
  | 'secret.update'
  | 'config.create'
  | 'config.update'
> = true;
// @ts-expect-error container.list decides no container's reach
const listJudged: ReachOperation = 'container.list';

test('the type-level assertions hold', () => {
  assert.deepEqual([exactlyTheRouteTable, namesNotStrings, jsonBodies], [true, false, true]);
  assert.equal(forgetful, OPERATIONS);
  assert.equal(unclassified.access, 'maybe');
  assert.equal(listJudged, 'container.list');
});

test("the runtime list of operations is the route table's, and only its names are operations", () => {
  assert.deepEqual(OPERATION_NAMES, [...new Set(ROUTE_ROWS.map((row) => row.operation))].sort());
  assert.deepEqual(Object.keys(OPERATIONS).sort(), OPERATION_NAMES);
  assert.equal(isOperation('container.create'), true);
  assert.equal(isOperation('container.frobnicate'), false);
  assert.equal(isOperation('constructor'), false);
});

test('every operation whose body is JSON has a schema, and no other has one', () => {
  for (const operation of OPERATION_NAMES) {
    assert.equal(bodySchemaOf(operation) !== undefined, OPERATIONS[operation].body === 'json', operation);
  }
  assert.deepEqual([...INSPECTED_OPERATIONS].sort(), operationsWith('body', 'json', 'start'));
});

test("every operation that decides a container's reach has a judge, and the others pass it", async () => {
  for (const operation of OPERATION_NAMES) {
    const outcome = await judgeOperation(operation, undefined, { target: 'c' });
    const skipped = outcome.checks.some((check) => check.detail === `${operation} does not decide a container's reach`);
    assert.equal(skipped, OPERATIONS[operation].reach === 'passes', operation);
  }
});

test('the judge reads bodies only of operations whose body is read', () => {
  for (const operation of BODY_OPERATIONS) assert.notEqual(OPERATIONS[operation].body, 'unread', operation);
});

test('the read-only profile grants exactly the reads', () => {
  assert.deepEqual([...READ_ONLY_OPERATIONS].sort(), operationsWith('access', 'read'));
});
