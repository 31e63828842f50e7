// The live view served by the real admin server (src/observe/admin-server.ts with src/view/live-view.ts as
// its pages) on a loopback port: its page, assets, event stream and audit refresh answer only requests that
// name the listener by a loopback Host and come from no other origin; every answer carries a strict
// Content-Security-Policy; the admin endpoints and the 404 are as before; and with no page open a record
// costs the view no serialisation.
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AuditReport } from '../../src/audit/report.js';
import { loopbackHostNames } from '../../src/listen/host-names.js';
import { Metrics } from '../../src/observe/metrics.js';
import { createAdminServer } from '../../src/observe/admin-server.js';
import { Readiness } from '../../src/observe/readiness.js';
import { AuditFeed } from '../../src/record/audit-feed.js';
import type { DoneRecord } from '../../src/record/audit-record.js';
import { LiveView } from '../../src/view/live-view.js';
import { doneRecord } from '../support/audit-record-fixtures.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with exactly these raw headers (Host included, possibly twice); an event stream is read until `until` shows. */
function ask(port: number, method: string, path: string, rawHeaders: string[], until?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, setHost: false, headers: rawHeaders }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (until !== undefined && body.includes(until)) {
          resolve({ status: res.statusCode!, headers: res.headers, body });
          res.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('live view: served to its own page only', () => {
  let server: http.Server;
  let port: number;
  let own: string;
  const ruleChanges: DoneRecord[] = [];
  const feed = new AuditFeed();
  let audits = 0;

  before(async () => {
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
    own = `127.0.0.1:${port}`;
    const view = new LiveView({
      feed,
      hosts: loopbackHostNames(port),
      runAudit: () => {
        audits++;
        return Promise.resolve({
          finishedAt: new Date().toISOString(),
          summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0, notChecked: 0, unreachable: 0 },
          targets: [],
        } as unknown as AuditReport);
      },
      ruleChange: (record) => {
        ruleChanges.push(record);
        return `- name: allow ${record.operation}\n`;
      },
      onError: (err) => assert.fail(String(err)),
    });
    const admin = createAdminServer({ metrics: new Metrics(), readiness: new Readiness({ pingEngine: () => Promise.resolve(), auditHealthy: () => true }), pages: view }, (err) =>
      assert.fail(String(err)),
    );
    server.on('request', (req, res) => admin.emit('request', req, res));
    after(() => view.close());
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('its own page, as typed or fetched by itself, gets the page under a strict Content-Security-Policy', async () => {
    for (const headers of [
      ['Host', own],
      ['Host', `localhost:${port}`],
      ['Host', own, 'Sec-Fetch-Site', 'none'],
      ['Host', own, 'Sec-Fetch-Site', 'same-origin', 'Origin', `http://${own}`],
    ]) {
      const page = await ask(port, 'GET', '/', headers);
      assert.equal(page.status, 200, `${headers.join(' ')}: ${page.body}`);
      assert.match(page.body, /<script type="module" src="\/live-view\.js"><\/script>/);
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(page.headers['x-content-type-options'], 'nosniff');
    }
    const script = await ask(port, 'GET', '/live-view.js', ['Host', own, 'Sec-Fetch-Site', 'same-origin']);
    assert.equal(script.status, 200);
    assert.match(String(script.headers['content-type']), /^text\/javascript/);
    assert.doesNotMatch(script.body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, 'record text is written as text only');
  });

  test('other origins, other sites and other Host names are refused on every path of the view', async () => {
    for (const path of ['/', '/live-view.js', '/live-view.css', '/events', '/audit']) {
      const refusals: [string[], string][] = [
        [['Host', `attacker.example:${port}`], 'browser.host'],
        [['Host', `127.0.0.1:${port + 1}`], 'browser.host'],
        [['Host', own, 'Host', own], 'browser.host'],
        [['Host', own, 'Origin', 'http://attacker.example'], 'browser.origin'],
        [['Host', own, 'Origin', 'null'], 'browser.origin'],
        [['Host', own, 'Origin', `http://localhost:${port}`], 'browser.origin'],
        [['Host', own, 'Sec-Fetch-Site', 'cross-site'], 'browser.fetch-site'],
        [['Host', own, 'Sec-Fetch-Site', 'same-site'], 'browser.fetch-site'],
      ];
      for (const [headers, rule] of refusals) {
        const answer = await ask(port, 'GET', path, headers);
        assert.equal(answer.status, 403, `${path} ${headers.join(' ')}: ${answer.body}`);
        assert.match(answer.body, new RegExp(`denied by ${rule.replace('.', '\\.')}`), answer.body);
      }
    }
    const post = await ask(port, 'POST', '/audit/refresh', ['Host', own, 'Origin', 'http://attacker.example', 'Content-Type', 'text/plain']);
    assert.equal(post.status, 403, 'a cross-site form post cannot start an audit');
    assert.equal(audits, 0);
  });

  test('the admin endpoints are as before; other methods and paths are refused', async () => {
    assert.equal((await ask(port, 'GET', '/health', ['Host', 'anything'])).status, 200);
    assert.equal((await ask(port, 'POST', '/', ['Host', own])).status, 405);
    assert.equal((await ask(port, 'GET', '/audit/refresh', ['Host', own])).status, 405);
    const missing = await ask(port, 'GET', '/nope', ['Host', own]);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /\/metrics, \/, \/events, \/audit/);
  });

  test('with no page open a record costs no serialisation; an open stream gets the backlog, counters and audit state', async () => {
    feed.publish(doneRecord('w1', { decision: 'would_deny', path: '/v1.41/containers/create', reason: '<img src=x onerror=alert(1)>' }));
    feed.publish(doneRecord('a1'));
    assert.equal(ruleChanges.length, 0, 'nothing made of the records while nobody watches');

    const stream = await ask(port, 'GET', '/events', ['Host', own, 'Sec-Fetch-Site', 'same-origin'], 'event: audit');
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    const events = stream.body.split('\n\n').filter((e) => e.includes('event: record'));
    assert.equal(events.length, 2);
    const first = JSON.parse(events[0]!.split('\ndata: ')[1]!) as { seq: number; client: string; ruleChange?: string; record: DoneRecord };
    assert.equal(first.client, 'uid=1000(alice)');
    assert.equal(first.ruleChange, '- name: allow container.create\n');
    assert.equal(first.record.reason, '<img src=x onerror=alert(1)>', 'carried as data, for the page to write as text');
    assert.equal(ruleChanges.length, 1, 'a rule change only for the refusal');
    assert.match(stream.body, /event: counters\ndata: \[\{"client":"uid=1000\(alice\)"/);

    const resumed = await ask(port, 'GET', '/events', ['Host', own, 'Last-Event-ID', String(first.seq)], 'event: audit');
    assert.equal(resumed.body.split('event: record').length - 1, 1, 'a reconnecting page gets only what it missed');
  });

  test('the audit runs when first asked for and on refresh, never per view, not again right after a run', async () => {
    const first = await ask(port, 'GET', '/audit', ['Host', own, 'Sec-Fetch-Site', 'same-origin']);
    assert.equal(first.status, 200);
    assert.equal(audits, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(JSON.parse((await ask(port, 'GET', '/audit', ['Host', own])).body).state, 'done');
    assert.equal(audits, 1, 'a second view shows the kept result');
    const tooSoon = await ask(port, 'POST', '/audit/refresh', ['Host', own, 'Origin', `http://${own}`, 'Sec-Fetch-Site', 'same-origin']);
    assert.equal(tooSoon.status, 429);
    assert.equal(audits, 1);
  });
});

test('a unix admin listener answers the loopback names with any port (a forwarded port), and no other name', () => {
  const names = loopbackHostNames(undefined);
  for (const host of ['localhost', 'localhost:8080', '127.0.0.1:1', '[::1]:65535']) assert.ok(names.accepts(host), host);
  for (const host of ['attacker.example', 'attacker.example:8080', 'localhost.attacker.example', '127.0.0.1.nip.io:80', 'localhost:80x', '[::2]:80']) assert.ok(!names.accepts(host), host);
});
