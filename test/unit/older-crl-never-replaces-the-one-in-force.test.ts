// While serving, a CRL replaces the one in force only if it is not older (src/listen/crl-succession.ts):
// a lower CRL number or an earlier thisUpdate of the same issuer is refused, the newer CRL stays in force
// and a warning names both; the same CRL again, or a later one, is put in force. CRLs of a real
// `dockgate certs` CA, read by the gateway's own CRL reader, and the TlsContext that reloads them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { openCa } from '../../src/certs/certificate-authority.js';
import { signCrl } from '../../src/certs/crl.js';
import { initCa, issueClient, revokeCertificates } from '../../src/certs/index.js';
import { crlRegression } from '../../src/listen/crl-succession.js';
import { parseRevocationList, revokes, type RevocationList } from '../../src/listen/revocation-list.js';
import { TlsContext } from '../../src/listen/tls-context.js';
import { loadTlsMaterial } from '../../src/listen/tls-material.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-crl-order-')));
after(() => rmSync(tmp, { recursive: true, force: true }));
const caDir = join(tmp, 'ca');
const crls: Record<string, string> = {};
let carol: Buffer;
let ca: Buffer;

const list = (name: string): RevocationList => parseRevocationList(name, crls[name]!, ca);
const der = (dir: string): Buffer =>
  Buffer.from(
    readFileSync(join(dir, 'cert.pem'), 'latin1')
      .replace(/-----[A-Z ]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );

before(async () => {
  await initCa({ dir: caDir, hosts: ['localhost'], ips: [] });
  ca = readFileSync(join(caDir, 'ca.pem'));
  crls['1'] = readFileSync(join(caDir, 'crl.pem'), 'latin1');
  const out = join(tmp, 'carol');
  await issueClient({ dir: caDir, name: 'carol', out });
  carol = der(out);
  await revokeCertificates({ dir: caDir, target: 'carol', now: new Date(Date.now() + 2000) });
  crls['2'] = readFileSync(join(caDir, 'crl.pem'), 'latin1');
  await revokeCertificates({ dir: caDir, target: 'carol', now: new Date(Date.now() + 4000) });
  crls['3'] = readFileSync(join(caDir, 'crl.pem'), 'latin1');
  // Signed by the CA outside `certs`: a higher number with an earlier date, and a later CRL that lists nothing.
  const issuer = await openCa(caDir, new Date());
  const day = 86_400_000;
  crls['9-dated-before-2'] = await signCrl(issuer, { number: 9, thisUpdate: new Date(Date.now() - 3_600_000), nextUpdate: new Date(Date.now() + day), entries: [] });
  crls['10-empty'] = await signCrl(issuer, { number: 10, thisUpdate: new Date(Date.now() + 6000), nextUpdate: new Date(Date.now() + day), entries: [] });
});

test('the gateway reads the CRL numbers dockgate certs writes', () => {
  assert.deepEqual(
    ['1', '2', '3'].map((n) => list(n).crls[0]!.number),
    [1n, 2n, 3n],
  );
  assert.equal(revokes(list('2'), carol), true);
  assert.equal(revokes(list('1'), carol), false);
});

test('older is a lower CRL number or an earlier thisUpdate of the same issuer; the same CRL, or a later one, is not', () => {
  const regression = crlRegression(list('2'), list('1'));
  assert.equal(regression?.inForce.number, 2n);
  assert.equal(regression?.refused.number, 1n);
  assert.match(regression?.issuer ?? '', /^O=dockgate, CN=dockgate CA /);
  assert.equal(crlRegression(list('2'), list('9-dated-before-2'))?.refused.number, 9n, 'a higher number does not make up for an earlier date');
  assert.equal(crlRegression(list('2'), list('2')), undefined);
  assert.equal(crlRegression(list('2'), list('3')), undefined);
  assert.equal(crlRegression(list('3'), list('10-empty')), undefined, 'a later CRL may list fewer certificates');
});

test('TlsContext keeps the newer CRL in force when an older one is put in place, warns with both numbers, and takes a later one', async () => {
  const file = join(tmp, 'served-crl.pem');
  writeFileSync(file, crls['2']!);
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ base: undefined }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const context = new TlsContext(loadTlsMaterial({ ca: join(caDir, 'ca.pem'), cert: join(caDir, 'server-cert.pem'), key: join(caDir, 'server-key.pem'), crl: file }), file, logger);
  const putInForce: (bigint | undefined)[] = [];
  context.onRevocation((revocation) => putInForce.push(revocation.crls[0]!.number));

  writeFileSync(file, crls['1']!);
  await context.reload(false);
  assert.equal(context.revocation?.crls[0]!.number, 2n, 'CRL 2 stays in force');
  assert.equal(revokes(context.revocation, carol), true, 'carol stays revoked');
  const warning = lines.at(-1)!;
  assert.equal(warning['level'], 40);
  assert.deepEqual([(warning['refused'] as Record<string, unknown>)['number'], (warning['inForce'] as Record<string, unknown>)['number']], ['1', '2']);
  assert.match(
    String(warning['msg']),
    /^the CRL is older than the one in force \(CRL number 1 of \S+, while CRL number 2 of \S+ is in force\): refused, the newer one stays in force\. Put the newest CRL back, or sign a new one/,
  );

  writeFileSync(file, crls['9-dated-before-2']!);
  await context.reload(true);
  assert.equal(context.revocation?.crls[0].number, 2n);

  writeFileSync(file, crls['3']!);
  await context.reload(false);
  assert.equal(context.revocation?.crls[0].number, 3n);
  await context.reload(true); // SIGHUP: the same CRL again
  assert.equal(context.revocation?.crls[0].number, 3n);
  assert.deepEqual(putInForce, [3n, 3n], 'only the CRLs put in force reach the listeners');
  assert.equal(lines.filter((l) => l['msg'] === 'CRL reloaded; new handshakes are checked against it').length, 2);
  context.close();
});
