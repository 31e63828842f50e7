// The one rule for a certificate's CN (src/identify/common-name.ts): a subject names at most one; with
// several, readers disagree (dockgate took the first, Go's crypto/x509 the last), so such a certificate
// identifies no one. Node's TLS peer certificate gives repeated attributes as a list, one as a string.
// The listener's refusal of such a certificate, from the real docker CLI, is in
// test/e2e/tls-several-cns-and-handshake-floods-refused.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AmbiguousSubjectError, singleCommonName } from '../../src/identify/common-name.js';

test('one CN, as Node gives it (a string, or a list of one), is the name; none is no name', () => {
  assert.equal(singleCommonName('alice'), 'alice');
  assert.equal(singleCommonName(['alice']), 'alice');
  assert.equal(singleCommonName(undefined), undefined);
  assert.equal(singleCommonName([]), undefined);
});

test('several CNs are refused, every name in the message, whatever their order', () => {
  for (const names of [
    ['alice', 'root'],
    ['root', 'alice'],
    ['alice', 'alice'],
  ]) {
    assert.throws(
      () => singleCommonName(names),
      (err: unknown) =>
        err instanceof AmbiguousSubjectError &&
        err.message === `its subject names 2 CNs (${names.map((n) => JSON.stringify(n)).join(', ')}), and readers disagree on which is its name (Go takes the last, others the first)`,
    );
  }
});
