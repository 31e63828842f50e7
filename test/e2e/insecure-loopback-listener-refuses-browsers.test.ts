// Issue 4, acceptance 3 (browsers): `--insecure-listen-loopback tcp://127.0.0.1:PORT` serves the docker
// CLI over plain HTTP (identity `tcp` with the peer's address), and refuses what a web page could send it
// (a cross-site fetch or form post, or DNS rebinding), in the deny format: 403, `Dockgate-Decision: deny`,
// a Docker-style JSON message naming the rule and the fix; recorded in the audit trail; and the engine
// never sees the refused request. A non-loopback address for the flag stops serve at start-up.

import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { settledAuditSize } from '../support/connection-attempts.js';
import { dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { assertRefusedToStart, runGatewayExpectingFailure, startGateway } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One plain-HTTP request to 127.0.0.1:port with exactly these headers (Host included) and body. */
function plainRequest(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { ...(body !== undefined && { 'Content-Length': String(Buffer.byteLength(body)) }), ...headers }, setHost: false, timeout: 30_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.on('error', reject);
    req.end(body);
  });
}

interface BrowserCase {
  name: string;
  method: string;
  path: string;
  headers: (port: number) => Record<string, string>;
  body?: string;
  rule: string;
  /** What the message must say besides the rule. */
  says: RegExp;
}

describe('the insecure loopback listener serves the docker CLI and refuses browsers', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let port: number;
  let listener: string;
  let auditLog: string;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const dir = mkdtempSync(join(engine.dir, 'insecure-'));
      port = await freeLoopbackPort();
      listener = `tcp://127.0.0.1:${port}`;
      auditLog = join(dir, 'audit.jsonl');
      const gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [`unix://${join(dir, 'gw.sock')}`],
        auditLog,
        profile: 'audit',
        args: ['--insecure-listen-loopback', listener],
      });
      teardown.add(() => gateway.stopRunning());
      // Said loudly, in the log (written asynchronously, hence the wait).
      for (const deadline = Date.now() + 10_000; !/without authentication/.test(gateway.output());) {
        if (Date.now() > deadline) assert.fail(`serve did not warn that the listener is insecure\n${gateway.output()}`);
        await new Promise((wait) => setTimeout(wait, 50));
      }
    },
    { timeout: 120_000 },
  );

  test('docker ps and docker run work over it, recorded with identity tcp and the peer address', async () => {
    const endpoint = { name: 'insecure loopback', host: listener };
    const offset = await settledAuditSize(auditLog);
    assert.match(await dockerOk(['ps'], endpoint), /^CONTAINER ID\s+IMAGE/);
    // run attaches (POST .../attach with Content-Type text/plain and Upgrade: tcp) and waits: the CLI's own requests pass.
    assert.equal(await dockerOk(['run', '--rm', BUSYBOX_IMAGE, 'echo', 'hello over loopback'], endpoint), 'hello over loopback\n');
    const { trail, complete } = await waitForAuditTrail(auditLog, offset, (rs) => rs.some((r) => r.operation === 'container.attach' && r.phase === 'done'));
    assert.ok(complete, trail.records.map((r) => JSON.stringify(r)).join('\n'));
    for (const record of trail.records) {
      assert.equal(record.listener, listener);
      assert.equal(record.identity.kind, 'tcp');
      assert.equal(record.identity['listener'], listener);
      assert.match(String(record.identity['address']), /^127\.0\.0\.1:\d+$/);
      assert.equal(record.decision, 'allow', JSON.stringify(record));
    }
  });

  test('a request that a user typed into the address bar (Sec-Fetch-Site: none, Host 127.0.0.1:PORT) passes', async () => {
    const answer = await plainRequest(port, 'GET', '/_ping', { Host: `127.0.0.1:${port}`, 'Sec-Fetch-Site': 'none' });
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.headers['dockgate-decision'], undefined);
  });

  const cases: BrowserCase[] = [
    {
      name: 'Origin: http://evil.example',
      method: 'GET',
      path: '/v1.41/containers/json',
      headers: (p) => ({ Host: `127.0.0.1:${p}`, Origin: 'http://evil.example' }),
      rule: 'browser.origin',
      says: /Origin header/,
    },
    { name: 'Origin: null (a sandboxed page)', method: 'GET', path: '/_ping', headers: (p) => ({ Host: `localhost:${p}`, Origin: 'null' }), rule: 'browser.origin', says: /Origin header/ },
    {
      name: 'Host: evil.example (DNS rebinding)',
      method: 'GET',
      path: '/v1.41/containers/json',
      headers: () => ({ Host: 'evil.example' }),
      rule: 'browser.host',
      says: /Host is not one of the names of this listener/,
    },
    {
      name: 'Host: evil.example:PORT (DNS rebinding, port kept)',
      method: 'GET',
      path: '/v1.41/info',
      headers: (p) => ({ Host: `evil.example:${p}` }),
      rule: 'browser.host',
      says: /DNS rebinding/,
    },
    {
      name: 'Sec-Fetch-Site: cross-site',
      method: 'GET',
      path: '/v1.41/containers/json',
      headers: (p) => ({ Host: `127.0.0.1:${p}`, 'Sec-Fetch-Site': 'cross-site' }),
      rule: 'browser.fetch-site',
      says: /Sec-Fetch-Site/,
    },
    {
      name: 'Sec-Fetch-Site: same-site',
      method: 'GET',
      path: '/_ping',
      headers: (p) => ({ Host: `127.0.0.1:${p}`, 'Sec-Fetch-Site': 'same-site' }),
      rule: 'browser.fetch-site',
      says: /Sec-Fetch-Site/,
    },
  ];

  for (const c of cases) {
    test(`refuses ${c.name} in the deny format, and records it`, async () => {
      const offset = await settledAuditSize(auditLog);
      const answer = await plainRequest(port, c.method, c.path, c.headers(port), c.body);
      assertDenied(answer, c.rule, c.says);
      await assertRecorded(offset, c.rule);
    });
  }

  for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    test(`refuses a ${contentType} POST (a page's no-preflight form or fetch), and the engine never sees it`, async () => {
      const name = `browser-made-${contentType.split(/[/;]/)[1]!.replace(/[^a-z]/g, '')}`;
      const offset = await settledAuditSize(auditLog);
      const answer = await plainRequest(
        port,
        'POST',
        `/v1.41/containers/create?name=${name}`,
        { Host: `127.0.0.1:${port}`, 'Content-Type': contentType },
        JSON.stringify({ Image: BUSYBOX_IMAGE, Cmd: ['true'], HostConfig: { Binds: ['/:/host'] } }),
      );
      assertDenied(answer, 'browser.content-type', /no CORS preflight/);
      await assertRecorded(offset, 'browser.content-type');
      const direct = await dockerOk(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}'], engine.endpoint);
      assert.equal(direct, '', `the engine has no trace of the refused create: ${direct}`);
    });
  }

  function assertDenied(answer: Answer, rule: string, says: RegExp): void {
    assert.equal(answer.status, 403, answer.body);
    assert.equal(answer.headers['dockgate-decision'], 'deny');
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    const body = JSON.parse(answer.body) as { message: string };
    assert.deepEqual(Object.keys(body), ['message'], 'shaped like the engine own errors');
    assert.match(body.message, new RegExp(`^dockgate: .* denied by ${rule.replace('.', '\\.')}: `));
    assert.match(body.message, says);
    assert.match(body.message, /docker CLI|DOCKER_HOST|application\/json/, 'the message says how to fix it');
  }

  async function assertRecorded(offset: number, rule: string): Promise<void> {
    const { trail, complete } = await waitForAuditTrail(auditLog, offset, (rs) => rs.some((r) => r.rule === rule));
    assert.ok(complete, `no record with rule ${rule}:\n${trail.records.map((r) => JSON.stringify(r)).join('\n')}`);
    const record = trail.records.find((r) => r.rule === rule)!;
    assert.equal(record.phase, 'done');
    assert.equal(record.decision, 'deny');
    assert.equal(record.status, 403);
    assert.equal(record.identity.kind, 'tcp');
    assert.match(String(record.identity['address']), /^127\.0\.0\.1:\d+$/);
    assert.equal(trail.records.filter((r) => r.phase === 'forwarding').length, 0, 'nothing was forwarded');
  }

  test('a non-loopback address, or a name, for --insecure-listen-loopback stops serve at start-up', async () => {
    const dir = mkdtempSync(join(engine.dir, 'refused-'));
    for (const [address, says] of [
      [`tcp://0.0.0.0:${port + 1}`, /0\.0\.0\.0 is not a loopback address/],
      [`tcp://192.0.2.10:${port + 1}`, /192\.0\.2\.10 is not a loopback address/],
      [`tcp://[::]:${port + 1}`, /:: is not a loopback address/],
      [`tcp://localhost:${port + 1}`, /not the name localhost/],
    ] as const) {
      const failure = await runGatewayExpectingFailure({ upstream: engine.socketPath, listen: [`unix://${join(dir, 'gw.sock')}`], args: ['--insecure-listen-loopback', address] });
      const line = assertRefusedToStart(failure);
      assert.match(line, /--insecure-listen-loopback/);
      assert.match(line, says);
      assert.throws(() => statSync(join(dir, 'gw.sock')), 'nothing was bound');
    }
  });
});
