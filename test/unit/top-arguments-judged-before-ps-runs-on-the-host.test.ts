// `docker top` makes dockerd run `ps` on the host, as root, with the client's ps_args. Under `safe` (every
// built-in profile but audit) only options that print no environment and rename no column pass; the
// route table marks every query parameter that reaches a host program, and each marked one is judged.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ROUTE_ROWS } from '../../src/route/routes.js';
import { judgesReach } from '../../src/route/operations.js';
import { unsafeTopArguments } from '../../src/judge/reach/top-arguments.js';
import { BASELINE_CONSTRAINTS, judgeOperation, refusedFields } from '../support/reach-fixtures.js';

/** For each parameter the route table marks, a value that must be refused under the built-in profiles. */
const HARMFUL: Readonly<Record<string, string>> = { ps_args: 'eww' };

describe('ps_args', () => {
  test('the usual arguments pass', () => {
    for (const args of ['-ef', 'aux', 'auxf', '-eF', '-o pid,user,args', '-eo pid,comm', 'axo pid,ppid,comm', '-opid,args', '-ef --forest', 'aux -ww', '--format=pid,args']) {
      assert.equal(unsafeTopArguments(args), undefined, args);
    }
  });

  test('environments, renamed columns and unknown options are refused', () => {
    const cases: Array<[string, RegExp]> = [
      ['eww', /environment/],
      ['auxe', /environment/],
      ['-ef e', /environment/],
      ['-ouid=PID,args', /renames/],
      ['-o uid=PID', /renames/],
      ['-o pid,comm:40', /renames or resizes/],
      ['-o pid,environ', /keyword "environ"/],
      ['--sort=pid', /not a ps option/],
      ['-p 1', /not a ps option/],
      ['-o', /no format list/],
    ];
    for (const [args, why] of cases) assert.match(unsafeTopArguments(args) ?? 'passed', why, args);
  });

  test('safe refuses, any allows; no ps_args is the engine default', async () => {
    const top = (psArgs: string | undefined, topArguments: 'any' | 'safe') =>
      judgeOperation('container.top', undefined, {
        target: 'c',
        query: psArgs === undefined ? '' : `ps_args=${encodeURIComponent(psArgs)}`,
        constraints: { ...BASELINE_CONSTRAINTS, topArguments },
      });
    assert.deepEqual(refusedFields(await top('eww', 'safe')), ['?ps_args']);
    assert.deepEqual(refusedFields(await top('eww', 'any')), []);
    assert.deepEqual(refusedFields(await top(undefined, 'safe')), []);
  });

  test('every query parameter the route table marks as reaching a host program is judged', async () => {
    const marked = ROUTE_ROWS.flatMap((row) => (row.hostCommandParameters ?? []).map((parameter) => ({ row, parameter })));
    assert.deepEqual(marked.map((m) => m.parameter).sort(), Object.keys(HARMFUL).sort(), 'a harmful value for every marked parameter');
    for (const { row, parameter } of marked) {
      assert.ok(judgesReach(row.operation), `${row.operation} is judged`);
      const outcome = await judgeOperation(row.operation, undefined, { target: 'c', query: `${parameter}=${encodeURIComponent(HARMFUL[parameter]!)}` });
      assert.deepEqual(refusedFields(outcome), [`?${parameter}`], `${row.operation} ?${parameter}`);
    }
  });
});
