// A file that decides what the gateway trusts (the policy, the TLS files and CRL, the audit trail it
// appends to) is opened as it is meant to be: a symlink at the path, a FIFO, a directory, or a file anyone
// may write is refused with the fix; a file another user owns or its group may write is used with a
// warning, and so is a private key others may read.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { openTrustedAppend, readTrustedFile } from '../../src/files/trusted-file.js';
import { loadTlsMaterial } from '../../src/listen/tls-material.js';
import { createTestPki } from '../support/test-certs.js';
import { checkOwnDirectory } from '../../src/certs/safe-files.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-trusted-')));
after(() => rmSync(tmp, { recursive: true, force: true }));
const POLICY = 'rules:\n  - profile: read-only\n';

test('symlink, FIFO, directory and world-writable files are refused with the fix', async () => {
  const real = join(tmp, 'real.yaml');
  writeFileSync(real, POLICY, { mode: 0o644 });
  symlinkSync(real, join(tmp, 'link.yaml'));
  execFileSync('mkfifo', [join(tmp, 'fifo.yaml')]);
  const open = join(tmp, 'open.yaml');
  writeFileSync(open, POLICY);
  chmodSync(open, 0o666);
  const cases: Array<[string, RegExp]> = [
    [join(tmp, 'link.yaml'), /symbolic link.*Point it at the file itself/],
    [join(tmp, 'fifo.yaml'), /not a regular file \(a FIFO\)/],
    [tmp, /not a regular file \(a directory\)/],
    [open, /writable by every user \(mode 666\).*chmod o-w/],
  ];
  for (const [path, why] of cases) {
    assert.throws(() => loadPolicy(path), why, path);
    if (path !== tmp) await assert.rejects(openTrustedAppend(path, 'audit log'), why, `append ${path}`);
  }
  assert.equal(loadPolicy(real).rules.length, 1);
});

test('a file another user owns, or its group may write, is read with a warning naming the fix', () => {
  const shared = join(tmp, 'shared.yaml');
  writeFileSync(shared, POLICY);
  chmodSync(shared, 0o664);
  const warnings: string[] = [];
  loadPolicy(shared, { warn: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [`the policy file ${shared} is writable by its group (gid ${process.getegid!()}); run chmod g-w ${shared}`]);
  if (process.geteuid!() === 0) {
    const foreign = join(tmp, 'foreign.yaml');
    writeFileSync(foreign, POLICY, { mode: 0o644 });
    chownSync(foreign, 4242, 4242);
    assert.match(readTrustedFile(foreign, 'policy file').warnings.join('\n'), /owned by uid 4242, who can change it under the gateway; chown it to root/);
  }
});

test('TLS files: a symlinked CA is refused naming the option; a key others may read is warned about', () => {
  const pki = createTestPki(tmp);
  const linked = join(tmp, 'ca-link.pem');
  symlinkSync(pki.server.ca, linked);
  assert.throws(
    () => loadTlsMaterial({ ...pki.server, ca: linked }),
    /--tls-ca .*ca-link\.pem: the --tls-ca file path is a symbolic link, which the gateway does not follow\. Point it at the file itself/,
  );
  chmodSync(pki.server.key, 0o644);
  const warnings: string[] = [];
  loadTlsMaterial(pki.server, (w) => warnings.push(w));
  assert.ok(
    warnings.some((w) => w === `the --tls-key file ${pki.server.key} is readable by every user; run chmod 600 ${pki.server.key}`),
    warnings.join('\n'),
  );
});

test('certs issue --out: a symlink, a directory others may write, or one another user owns is refused', () => {
  const own = join(tmp, 'out-own');
  mkdirSync(own, { mode: 0o700 });
  checkOwnDirectory(own);
  checkOwnDirectory(join(tmp, 'out-new'));
  symlinkSync(own, join(tmp, 'out-link'));
  assert.throws(() => checkOwnDirectory(join(tmp, 'out-link')), /is a symbolic link: give the directory itself as --out/);
  const shared = join(tmp, 'out-shared');
  mkdirSync(shared);
  chmodSync(shared, 0o777);
  assert.throws(() => checkOwnDirectory(shared), /is writable by every user: run chmod go-w/);
  if (process.geteuid!() === 0) {
    const foreign = join(tmp, 'out-foreign');
    mkdirSync(foreign, { mode: 0o700 });
    chownSync(foreign, 4242, 4242);
    assert.throws(() => checkOwnDirectory(foreign), /is owned by uid 4242, who could swap the files written there/);
  }
});
