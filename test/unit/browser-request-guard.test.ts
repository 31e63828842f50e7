// The browser checks of the insecure loopback listener, request by request: what a web page cannot help
// sending is refused (Origin, Sec-Fetch-Site, a foreign or doubled Host, a CORS-simple body type), with
// the rule of each; what the docker CLI sends passes, its text/plain attach (with Upgrade: tcp) included.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { isGatewayError, type GatewayError } from '../../src/errors/catalogue.js';
import { browserRequestGuard } from '../../src/listen/browser-request-guard.js';

const guard = browserRequestGuard('tcp://127.0.0.1:2375', ['127.0.0.1:2375', 'localhost:2375', '[::1]:2375']);

/** A request as Node's parser hands it over: lower-case `headers` (first Host kept), and every line in `rawHeaders`. */
function request(method: string, lines: [string, string][]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of lines) {
    const key = name.toLowerCase();
    if (key === 'host' && headers[key] !== undefined) continue;
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return { method, headers, rawHeaders: lines.flat() } as unknown as IncomingMessage;
}

function refusal(req: IncomingMessage): GatewayError | undefined {
  try {
    guard(req);
    return undefined;
  } catch (err) {
    assert.ok(isGatewayError(err), String(err));
    return err;
  }
}

const HOST: [string, string] = ['Host', '127.0.0.1:2375'];

test("the docker CLI's requests pass: ping, JSON create, attach with text/plain and Upgrade: tcp, tar uploads", () => {
  const passing: [string, [string, string][]][] = [
    ['HEAD', [HOST, ['User-Agent', 'Docker-Client/28.2.2 (linux)']]],
    ['GET', [['Host', 'localhost:2375']]],
    ['GET', [['Host', 'LOCALHOST:2375']]],
    ['GET', [['Host', '[::1]:2375']]],
    ['POST', [HOST, ['Content-Type', 'application/json']]],
    ['POST', [HOST, ['Connection', 'Upgrade'], ['Content-Type', 'text/plain'], ['Upgrade', 'tcp']]],
    ['PUT', [HOST, ['Content-Type', 'application/x-tar']]],
    ['GET', [HOST, ['Sec-Fetch-Site', 'none']]],
  ];
  for (const [method, lines] of passing) assert.equal(refusal(request(method, lines)), undefined, JSON.stringify(lines));
});

test('any Origin header is refused (browser.origin), whatever its value', () => {
  for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:2375', '']) {
    const error = refusal(request('GET', [HOST, ['Origin', origin]]));
    assert.equal(error?.rule, 'browser.origin', origin);
    assert.equal(error?.status, 403);
    assert.equal(error?.decision, 'deny');
    assert.match(error.message, /^dockgate: GET request on tcp:\/\/127\.0\.0\.1:2375 denied by browser\.origin: .*Origin header.*\. Browsers may not reach the Docker API/);
  }
});

test('Sec-Fetch-Site other than none is refused (browser.fetch-site)', () => {
  for (const site of ['cross-site', 'same-site', 'same-origin', 'none, cross-site']) {
    assert.equal(refusal(request('GET', [HOST, ['Sec-Fetch-Site', site]]))?.rule, 'browser.fetch-site', site);
  }
});

test('a Host that is not one of the listener names, missing, or given twice is refused (browser.host)', () => {
  const cases: [string, [string, string][]][] = [
    ['rebinding without port', [['Host', 'evil.example']]],
    ['rebinding with port', [['Host', 'evil.example:2375']]],
    ['another port', [['Host', '127.0.0.1:2376']]],
    ['no port', [['Host', '127.0.0.1']]],
    ['missing', []],
    ['twice, good one first', [HOST, ['Host', 'evil.example']]],
  ];
  for (const [name, lines] of cases) {
    const error = refusal(request('GET', lines));
    assert.equal(error?.rule, 'browser.host', name);
    assert.match(error.message, /accepted: 127\.0\.0\.1:2375, localhost:2375, \[::1\]:2375/);
  }
});

test('CORS-simple content types are refused (browser.content-type), with parameters and in any case, unless the request upgrades to tcp', () => {
  for (const type of ['text/plain', 'TEXT/PLAIN; charset=UTF-8', 'application/x-www-form-urlencoded', ' multipart/form-data; boundary=----x']) {
    const error = refusal(request('POST', [HOST, ['Content-Type', type]]));
    assert.equal(error?.rule, 'browser.content-type', type);
    assert.match(error.message, /no CORS preflight/);
  }
  // A WebSocket upgrade is not the CLI's hijack (and a browser's carries an Origin as well).
  assert.equal(refusal(request('POST', [HOST, ['Content-Type', 'text/plain'], ['Connection', 'Upgrade'], ['Upgrade', 'websocket']]))?.rule, 'browser.content-type');
});

test('the first matching check names the refusal: Origin before Host before content type', () => {
  assert.equal(
    refusal(
      request('POST', [
        ['Host', 'evil.example'],
        ['Origin', 'http://evil.example'],
        ['Content-Type', 'text/plain'],
      ]),
    )?.rule,
    'browser.origin',
  );
  assert.equal(
    refusal(
      request('POST', [
        ['Host', 'evil.example'],
        ['Content-Type', 'text/plain'],
      ]),
    )?.rule,
    'browser.host',
  );
});
