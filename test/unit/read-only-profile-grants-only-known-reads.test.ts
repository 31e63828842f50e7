// The read-only profile's grant list must name real operations, and none of them may change state:
// a typo would silently refuse a read, a mutating entry would silently grant a write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPERATIONS } from '../../src/route/operations.js';
import { ROUTE_ROWS } from '../../src/route/routes.js';
import { READ_ONLY_OPERATIONS } from '../../src/judge/profiles/read-only-profile.js';

test('every operation the read-only profile grants exists in the route table', () => {
  const known = new Set(ROUTE_ROWS.map((row) => row.operation));
  const unknown = [...READ_ONLY_OPERATIONS].filter((op) => !known.has(op));
  assert.deepEqual(unknown, []);
});

test('no operation the read-only profile grants can change state', () => {
  const mutating = ROUTE_ROWS.filter((row) => OPERATIONS[row.operation].access === 'write' && READ_ONLY_OPERATIONS.has(row.operation)).map((row) => `${row.method} ${row.path}`);
  assert.deepEqual(mutating, []);
});

test('the read-only profile refuses the reads that carry data out', () => {
  for (const op of [
    'container.export',
    'container.archive.get',
    'container.archive.head',
    'container.copy',
    'image.get',
    'container.attach',
    'container.attach.ws',
    'swarm.inspect',
    'swarm.unlockkey',
    'secret.list',
    'secret.inspect',
    'config.list',
    'config.inspect',
    'exec.start',
  ] as const) {
    assert.equal(READ_ONLY_OPERATIONS.has(op), false, op);
  }
});
