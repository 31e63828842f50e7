// docs/errors.md is generated from the catalogue (scripts/generate-errors-doc.ts): a code, rule or text
// changed in src/errors/catalogue.ts without `npm run docs:errors` leaves the page out of date, and fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERRORS_DOC_PATH, renderErrorsDoc } from '../../scripts/generate-errors-doc.js';
import { CATALOGUE } from '../../src/errors/catalogue.js';

test('the committed docs/errors.md is what npm run docs:errors writes', () => {
  assert.equal(readFileSync(ERRORS_DOC_PATH, 'utf8'), renderErrorsDoc(), 'docs/errors.md is out of date: run npm run docs:errors and commit it');
});

test('every code of the catalogue has a row with its status and rule', () => {
  const doc = renderErrorsDoc();
  for (const [code, entry] of Object.entries(CATALOGUE)) assert.ok(doc.includes(`| \`${code}\` | ${entry.status} | \`${entry.rule}\` |`), code);
});
