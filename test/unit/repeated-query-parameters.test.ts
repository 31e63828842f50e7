// A repeated query parameter means its first value to the engine (r.Form.Get), unless the engine reads
// that parameter as a list (r.Form[name]): only the first is judged and forwarded, and the repeat is noted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NormalisationLog } from '../../src/route/normalisation.js';
import { parseRequestTarget, type RequestTarget } from '../../src/route/request-target.js';
import { classifyRoute } from '../../src/route/route-table.js';
import { resolveRepeatedParameters } from '../../src/route/repeated-parameters.js';

function resolve(method: string, url: string): { target: RequestTarget; notes: string[] } {
  const target = parseRequestTarget(url, [1, 24]);
  const route = classifyRoute(method, target);
  assert.ok(route, `${method} ${url} is routed`);
  const log = new NormalisationLog();
  resolveRepeatedParameters(route, target.query, log);
  return { target, notes: log.entries.map((n) => `${n.kind} ${n.path}`) };
}

test('a parameter the engine reads once keeps its first value, in the judgement and in the forwarded query', () => {
  const create = resolve('POST', '/v1.41/containers/create?name=a&x=1&name=b');
  assert.equal(create.target.query.get('name'), 'a');
  assert.deepEqual(create.target.query.all('name'), ['a']);
  assert.equal(create.target.forwardTarget(), '/v1.41/containers/create?name=a&x=1');
  assert.deepEqual(create.notes, ['repeated-parameter ?name']);
  const build = resolve('POST', '/v1.41/build?t=x&dockerfile=a&dockerfile=b');
  assert.equal(build.target.forwardTarget(), '/v1.41/build?t=x&dockerfile=a');
  assert.deepEqual(resolve('GET', '/v1.41/containers/c/logs?follow=1&follow=0').target.query.all('follow'), ['1']);
});

test('list parameters keep every value, in order, where the engine reads them whole', () => {
  for (const url of ['/v1.41/build?t=a&t=b', '/v1.41/commit?container=c&changes=ENV+A%3D1&changes=ENV+B%3D2']) {
    const { target, notes } = resolve('POST', url);
    assert.equal(target.forwardTarget(), url, url);
    assert.deepEqual(notes, [], url);
  }
  assert.deepEqual(resolve('GET', '/v1.41/images/get?names=a&names=b').target.query.all('names'), ['a', 'b']);
});

test('a list parameter of one operation is single-valued elsewhere', () => {
  assert.deepEqual(resolve('POST', '/v1.41/images/create?fromImage=x&changes=a&tag=1&tag=2').target.query.all('tag'), ['1']);
  assert.deepEqual(resolve('GET', '/v1.41/containers/json?names=a&names=b').notes, ['repeated-parameter ?names']);
});
