// A repeated query parameter is refused unless the engine reads that parameter as a list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestTarget } from '../../src/route/request-target.js';
import { classifyRoute } from '../../src/route/route-table.js';
import { refuseRepeatedParameters } from '../../src/route/repeated-parameters.js';

function check(method: string, url: string): void {
  const target = parseRequestTarget(url, [1, 24]);
  const route = classifyRoute(method, target);
  assert.ok(route, `${method} ${url} is routed`);
  refuseRepeatedParameters(route, target.query);
}

test('a parameter the engine reads once is refused when repeated', () => {
  assert.throws(() => check('POST', '/v1.41/containers/create?name=a&name=b'), { code: 'DG_QUERY_REPEATED' });
  assert.throws(() => check('GET', '/v1.41/containers/c/logs?follow=1&follow=0'), { code: 'DG_QUERY_REPEATED' });
  assert.throws(() => check('POST', '/v1.41/build?t=x&dockerfile=a&dockerfile=b'), { code: 'DG_QUERY_REPEATED' });
});

test('list parameters may repeat where the engine reads them whole', () => {
  check('POST', '/v1.41/build?t=a&t=b');
  check('GET', '/v1.41/images/get?names=a&names=b');
  check('POST', '/v1.41/commit?container=c&changes=ENV%20A%3D1&changes=ENV%20B%3D2');
  check('POST', '/v1.41/containers/create?name=a');
});

test('a list parameter of one operation is still single-valued elsewhere', () => {
  assert.throws(() => check('POST', '/v1.41/images/create?fromImage=x&changes=a&tag=1&tag=2'), { code: 'DG_QUERY_REPEATED' });
  assert.throws(() => check('GET', '/v1.41/containers/json?names=a&names=b'), { code: 'DG_QUERY_REPEATED' });
});
