// Text from containers, engines and certificates printed for an operator cannot act on the terminal or
// hide what it says: escapes, C1 controls, bidi overrides and line separators are shown, not obeyed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inertText } from '../../src/log/inert-text.js';

test('control, bidi and separator characters are shown as escapes; plain text and tabs stay', () => {
  assert.equal(inertText('web-1\tok'), 'web-1\tok');
  assert.equal(inertText('/srv/data ünïcode'), '/srv/data ünïcode');
  assert.equal(inertText('\u001b[2J\u001b]0;title\u0007'), '\\e[2J\\e]0;title\\u0007');
  assert.equal(inertText('a\u009b31mb'), 'a\\u009b31mb');
  assert.equal(inertText('evil\u202egnp.exe'), 'evil\\u202egnp.exe');
  assert.equal(inertText('line\u2028two\u2029three\nfour\rfive'), 'line\\u2028two\\u2029three\\nfour\\rfive');
  assert.equal(inertText('zero\u200bwidth\ufeff'), 'zero\\u200bwidth\\ufeff');
  // A backslash is doubled, so a name cannot spell an escape that reads like one dockgate made.
  assert.equal(inertText('\\e[2J'), '\\\\e[2J');
});
