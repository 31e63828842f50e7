// Subject alternative names of a client certificate become identity fields; a quoted value must stay one name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSubjectAltNames } from '../../src/identify/subject-alt-names.js';

test('plain names keep their type, and IP Address is written IP', () => {
  assert.deepEqual(parseSubjectAltNames('DNS:localhost, IP Address:127.0.0.1, email:a@b.c'), ['DNS:localhost', 'IP:127.0.0.1', 'email:a@b.c']);
});

test('a quoted value holding a separator stays one name', () => {
  assert.deepEqual(parseSubjectAltNames('URI:"spiffe://t/a\\u002c DNS:evil.test", DNS:ok'), ['URI:spiffe://t/a, DNS:evil.test', 'DNS:ok']);
});

test('no names, and unreadable lists', () => {
  assert.deepEqual(parseSubjectAltNames(undefined), []);
  assert.throws(() => parseSubjectAltNames('garbage'), /unreadable/);
  assert.throws(() => parseSubjectAltNames('URI:"open'), /unreadable/);
});
