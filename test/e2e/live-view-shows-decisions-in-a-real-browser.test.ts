// The live view of the admin listener (issue 18) in a real browser: Debian's chromium, headless, driven by
// playwright-core, in front of a real gateway on a private engine.
// - a refusal shows on the page, with its reason and fix, within a second of the request (measured);
// - text a client chose (a bind path written as HTML) shows as text, and nothing of it runs;
// - the filters by identity, operation, decision and rule narrow the list;
// - a would_deny entry (a rule in warn mode) shows the policy change that would allow it;
// - the per-client counters and the audit findings are shown;
// - a request with another site's Origin, a page of another origin fetching the view and its event stream,
//   and a wrong Host (by hand and by DNS rebinding in the browser) are refused;
// - the run writes a screenshot of the page (its path is printed).
// Without chromium the test fails: scripts/install-test-deps.sh installs it.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';
import { apiRequest } from '../support/raw-http.js';
import { MIN_GAP_MS } from '../../src/view/audit-findings.js';

const CHROMIUM = process.env['DOCKGATE_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
/** Where the run leaves its screenshot of the page. */
const SCREENSHOT = process.env['DOCKGATE_LIVE_VIEW_SCREENSHOT'] ?? '/tmp/dockgate-test-artifacts/live-view.png';
const HOOK_TIMEOUT_MS = 180_000;

interface PlainAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET to the admin listener with exactly these headers (Host included), answered whole or, for an event stream, its head. */
function adminGet(port: number, path: string, headers: Record<string, string>): Promise<PlainAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers, setHost: false }, (res) => {
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        resolve({ status: res.statusCode!, headers: res.headers, body: '' });
        res.destroy();
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('live view: decisions as they happen, in a real browser', { timeout: 8 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let gateway: Gateway;
  let enforced: Endpoint;
  let warned: Endpoint;
  let adminPort: number;
  let view: string;
  let browser: Browser;
  let page: Page;

  before(
    async () => {
      assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: the live view is tested in a real browser (apt-get install chromium; scripts/install-test-deps.sh installs it)`);
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const dir = teardown.tempDir('/tmp/dgv-');
      const enforcedUrl = `unix://${join(dir, 'gw.sock')}`;
      const warnedUrl = `unix://${join(dir, 'warn.sock')}`;
      const policy = join(dir, 'policy.yaml');
      writeFileSync(
        policy,
        [
          'version: 1',
          'rules:',
          '  - name: enforced',
          `    match: { listener: "${enforcedUrl}" }`,
          '    profile: baseline',
          '  - name: learning',
          `    match: { listener: "${warnedUrl}" }`,
          '    profile: baseline',
          '    mode: warn',
          '',
        ].join('\n'),
      );
      adminPort = await freeLoopbackPort();
      view = `http://127.0.0.1:${adminPort}`;
      gateway = await startGateway({
        upstream: engine.socketPath,
        listen: [enforcedUrl, warnedUrl],
        auditLog: join(dir, 'audit.jsonl'),
        args: ['--policy', policy, '--admin-listen', `tcp://127.0.0.1:${adminPort}`],
      });
      teardown.add(() => gateway.stopRunning());
      [enforced, warned] = gateway.endpoints as [Endpoint, Endpoint];
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        // Root in the sandbox: chromium's own sandbox needs user namespaces it may not have. The resolver rule
        // stands for DNS rebinding: a name of another site that resolves to the admin listener's address.
        args: ['--no-sandbox', '--host-resolver-rules=MAP rebound.example 127.0.0.1'],
      });
      teardown.add(() => browser.close());
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const loaded = await page.goto(`${view}/`);
      assert.equal(loaded?.status(), 200);
      await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test('a refusal shows with its reason and fix within a second of the request', async () => {
    // One request, as an SDK sends it (the docker CLI would add its own start-up to the time measured).
    const started = Date.now();
    const refused = await apiRequest(enforced, 'POST', '/v1.41/containers/create?name=refused-one', { Image: BUSYBOX_IMAGE, HostConfig: { Privileged: true } });
    const answeredAfterMs = Date.now() - started;
    assert.equal(refused.status, 403, 'baseline refuses a privileged container');
    const row = page.locator('#decisions li.decision-deny', { hasText: 'container.create' }).first();
    await row.waitFor({ timeout: 5_000 });
    const shownAfterMs = Date.now() - started;
    console.log(`live view: the refusal was shown ${shownAfterMs} ms after the request was sent (answered after ${answeredAfterMs} ms)`);
    assert.ok(shownAfterMs < 1_000, `the refusal took ${shownAfterMs} ms to show`);
    assert.match(await row.locator('.reason').innerText(), /denied by policy\.enforced: .*Privileged/);
    assert.notEqual((await row.locator('.fix').innerText()).trim(), '', 'the fix is shown');
    assert.match(await row.locator('.rule').innerText(), /^policy\.enforced$/);
  });

  test('client-chosen text in a record shows as text, never as markup', async () => {
    const markup = '/<img src=x onerror=window.pwned=1>';
    const refused = await apiRequest(enforced, 'POST', '/v1.41/containers/create', { Image: BUSYBOX_IMAGE, HostConfig: { Binds: [`${markup}:/mnt`] } });
    assert.equal(refused.status, 403, refused.body);
    const row = page.locator('#decisions li.decision-deny', { hasText: markup }).first();
    await row.waitFor({ timeout: 5_000 });
    assert.ok((await row.locator('.reason').innerText()).includes(markup), 'the path is shown as written');
    assert.equal(await page.locator('img').count(), 0, 'no element was made of it');
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
  });

  test('filters by identity, operation, decision and rule narrow the list', async () => {
    await dockerOk(['ps'], enforced);
    await dockerOk(['volume', 'ls'], warned);
    await page.locator('#decisions li', { hasText: 'volume.list' }).first().waitFor({ timeout: 5_000 });
    const rows = page.locator('#decisions li');
    const all = await rows.count();
    assert.ok(all >= 4, `pings, the list, the refusal: ${all} rows`);

    await page.selectOption('#filter-decision', 'deny');
    assert.ok((await rows.count()) >= 1);
    for (const decision of await page.locator('#decisions li .decision').allInnerTexts()) assert.equal(decision, 'deny');

    await page.selectOption('#filter-decision', '');
    await page.selectOption('#filter-operation', 'volume.list');
    assert.equal(await rows.count(), 1, 'one volume list was made');
    await page.selectOption('#filter-operation', '');

    await page.selectOption('#filter-rule', 'policy.learning');
    const learning = await page.locator('#decisions li .rule').allInnerTexts();
    assert.ok(learning.length >= 1 && learning.length < all, `${learning.length} of ${all}`);
    for (const rule of learning) assert.equal(rule, 'policy.learning');
    await page.selectOption('#filter-rule', '');

    const clients = (await page.locator('#filter-client option').allInnerTexts()).slice(1);
    assert.ok(clients.includes('uid=0(root)'), `the test's own identity is offered: ${clients.join(', ')}`);
    await page.selectOption('#filter-client', 'uid=0(root)');
    assert.equal(await rows.count(), all, 'every request here came from this one client');
    await page.click('#filters button[type=reset]');
    await page.waitForFunction((n) => document.querySelectorAll('#decisions li').length === n, all);
  });

  test('a would_deny entry shows the policy change that would allow it, and the counters count it', async () => {
    // Created, not started: the decision is at create, and the rule in warn mode lets it through.
    await dockerOk(['create', '--privileged', '--name', 'warned-one', BUSYBOX_IMAGE, 'true'], warned);
    teardown.add(() => dockerOk(['rm', '-f', 'warned-one'], warned));
    const entry = page.locator('#would-deny li', { hasText: 'container.create' }).first();
    await entry.waitFor({ timeout: 5_000 });
    assert.match(await entry.locator('.reason').innerText(), /Privileged/);
    const change = entry.locator('pre.rule-change');
    assert.equal(await change.isVisible(), false, 'hidden until asked for');
    await entry.locator('button.show-rule-change').click();
    await change.waitFor({ state: 'visible' });
    const text = await change.innerText();
    assert.match(text, /container\.create/, text);
    assert.match(text, /privileged/i, text);

    await page.waitForFunction(() => {
      const row = [...document.querySelectorAll('#counters tbody tr')].find((tr) => tr.firstElementChild?.textContent === 'uid=0(root)');
      return row !== undefined && Number(row.children[2]!.textContent) >= 1 && Number(row.children[3]!.textContent) >= 1;
    });
  });

  test('the latest audit findings are shown, and run again on the button', async () => {
    await page.locator('#audit-state', { hasText: /findings \(run / }).waitFor({ timeout: 60_000 });
    const first = await page.locator('#audit-state').innerText();
    assert.match(first, /\d+ critical, \d+ high/);
    // Runs do not follow each other closer than MIN_GAP_MS: the button asks once that has passed.
    await new Promise((resolve) => setTimeout(resolve, MIN_GAP_MS));
    await page.click('#audit-refresh');
    await page.waitForFunction((before) => {
      const text = document.getElementById('audit-state')!.textContent ?? '';
      return text !== before && text.startsWith('findings');
    }, first);
  });

  test('another origin is refused: its Origin header, its page fetching the view, a wrong Host, DNS rebinding', async () => {
    const own = { Host: `127.0.0.1:${adminPort}` };
    assert.equal((await adminGet(adminPort, '/', own)).status, 200, 'the page itself, as curl asks for it');
    for (const path of ['/', '/live-view.js', '/events', '/audit']) {
      const crossOrigin = await adminGet(adminPort, path, { ...own, Origin: 'http://attacker.example' });
      assert.equal(crossOrigin.status, 403, `${path} with another Origin: ${crossOrigin.body}`);
      assert.match(crossOrigin.body, /browser\.origin/);
      const crossSite = await adminGet(adminPort, path, { ...own, 'Sec-Fetch-Site': 'cross-site' });
      assert.equal(crossSite.status, 403, `${path} asked by another site: ${crossSite.body}`);
      const wrongHost = await adminGet(adminPort, path, { Host: `attacker.example:${adminPort}` });
      assert.equal(wrongHost.status, 403, `${path} with another Host: ${wrongHost.body}`);
      assert.match(wrongHost.body, /browser\.host/);
    }
    const page200 = await adminGet(adminPort, '/', own);
    assert.match(String(page200.headers['content-security-policy']), /script-src 'self'/);

    // A page of another origin (another port of loopback) tries to read the view and its event stream.
    const otherPort = await freeLoopbackPort();
    const other = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>another site</title>');
    });
    await new Promise<void>((resolve) => other.listen(otherPort, '127.0.0.1', resolve));
    teardown.add(() => new Promise<void>((resolve) => other.close(() => resolve())));
    const attacker = await browser.newPage();
    teardown.add(() => attacker.close());
    await attacker.goto(`http://127.0.0.1:${otherPort}/`);
    const statuses = new Map<string, number>();
    attacker.on('response', (response) => statuses.set(new URL(response.url()).pathname, response.status()));
    const outcome = await attacker.evaluate(async (target) => {
      const tried: string[] = [];
      for (const path of ['/audit', '/events']) {
        try {
          await fetch(`${target}${path}`, { mode: 'no-cors' });
          tried.push(`${path}: answered (opaque)`);
        } catch (err) {
          tried.push(`${path}: ${String(err)}`);
        }
      }
      const source = new EventSource(`${target}/events`);
      const opened = await new Promise<boolean>((resolve) => {
        source.onopen = () => resolve(true);
        source.onerror = () => resolve(false);
      });
      source.close();
      return { tried, opened };
    }, view);
    assert.equal(outcome.opened, false, `another origin's EventSource must not open: ${outcome.tried.join('; ')}`);
    for (const path of ['/audit', '/events']) assert.equal(statuses.get(path), 403, `${path} from another origin: ${JSON.stringify([...statuses])}`);

    // DNS rebinding: a name of another site resolving to the listener; the browser sends that name as Host.
    const rebound = await browser.newPage();
    teardown.add(() => rebound.close());
    const answer = await rebound.goto(`http://rebound.example:${adminPort}/`);
    assert.equal(answer?.status(), 403);
    assert.match(await rebound.content(), /browser\.host/);
  });

  test('the page is drawn: a screenshot of it is written', async () => {
    await page.selectOption('#filter-decision', '');
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(existsSync(SCREENSHOT));
    console.log(`live view screenshot: ${SCREENSHOT}`);
  });
});
