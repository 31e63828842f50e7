// Every request target of FIELD-NOTES section 2, written byte for byte on a socket, to the engine and
// through the gateway (`--profile audit`, which allows everything it understands). For each one the
// gateway either refuses it itself (400/403, `Dockgate-Decision: deny`, a message naming the rule) or its
// answer is the engine's own answer to the same request: the gateway never gives a target a meaning the
// engine would not. Rows where the brief fixes the outcome (forwarded, or refused) assert exactly that,
// and what the engine itself answers is pinned too, since the gateway's design rests on it.

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine } from '../support/engine.js';
import { startGateway, startGatewayInFront } from '../support/gateway.js';
import { exchangeRaw, type WholeResponse } from '../support/raw-http.js';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;

/** A request exactly as written on the wire, without the blank line that ends the head. */
function get(target: string, version = 'HTTP/1.1'): string {
  return `GET ${target} ${version}\r\nHost: docker\r\nConnection: close`;
}

function post(target: string, body: string): [string, string] {
  return [`POST ${target} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close`, body];
}

function show(response: WholeResponse): string {
  return `${response.status} ${JSON.stringify(Object.fromEntries(response.headers))} ${JSON.stringify(response.body.slice(0, 400))}`;
}

/** A refusal by the gateway itself: status, decision header, Docker-style body naming `rule`. */
function assertRefusedBy(response: WholeResponse, rule: string | RegExp, what: string): void {
  assert.ok(response.status === 400 || response.status === 403, `${what}: expected a 400/403 refusal, got ${show(response)}`);
  assert.equal(response.headers.get('dockgate-decision'), 'deny', `${what}: no Dockgate-Decision: deny on ${show(response)}`);
  const message: unknown = (JSON.parse(response.body) as { message?: unknown }).message;
  assert.equal(typeof message, 'string', `${what}: body is not {"message": ...}: ${show(response)}`);
  const ruleSource = typeof rule === 'string' ? rule.replaceAll('.', '\\.') : rule.source;
  assert.match(message as string, new RegExp(`^dockgate: .+ denied by ${ruleSource}: .+\\. .+`), `${what}: ${String(message)}`);
}

/** Forwarded: the gateway's answer is the engine's answer to the same meaning, and carries no decision header. */
function assertSameAsEngine(viaGateway: WholeResponse, direct: WholeResponse, what: string): void {
  assert.equal(viaGateway.headers.get('dockgate-decision'), undefined, `${what}: refused or failed by the gateway: ${show(viaGateway)}`);
  assert.equal(viaGateway.status, direct.status, `${what}: status differs\n gateway: ${show(viaGateway)}\n engine:  ${show(direct)}`);
  assert.equal(viaGateway.body, direct.body, `${what}: body differs\n gateway: ${show(viaGateway)}\n engine:  ${show(direct)}`);
}

/** Either outcome is sound: refused by the gateway with `rule`, or answered exactly as the engine answers. */
function assertRefusedOrSame(viaGateway: WholeResponse, direct: WholeResponse, rule: string | RegExp, what: string): void {
  if (viaGateway.headers.get('dockgate-decision') === 'deny') assertRefusedBy(viaGateway, rule, what);
  else assertSameAsEngine(viaGateway, direct, what);
}

describe('request targets are read the way the engine reads them', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let direct: Endpoint;
  let viaGateway: Endpoint;
  let gatewayAuditLog: string;
  /** Through a second gateway, with --min-api-version 1.12. */
  let viaOldApiGateway: Endpoint;
  let probeId: string;

  before(
    async () => {
      const engine = await startEngine();
      teardown.add(() => engine.stop());
      direct = engine.endpoint;
      const gateway = await startGatewayInFront(engine, { profile: 'audit' });
      teardown.add(() => gateway.stopRunning());
      viaGateway = gateway.unix;
      gatewayAuditLog = gateway.auditLog;
      const oldApiGateway = await startGateway({
        upstream: engine.socketPath,
        listen: [`unix://${engine.dir}/gw-old-api.sock`],
        profile: 'audit',
        args: ['--min-api-version', '1.12'],
      });
      teardown.add(() => oldApiGateway.stopRunning());
      viaOldApiGateway = { ...oldApiGateway.unix!, name: 'gateway-min-1.12' };
      // A container that is created and never started, so that listings are not empty and do not change.
      probeId = (await dockerOk(['create', '--name', 'path-probe', BUSYBOX_IMAGE, 'true'], direct)).trim();
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  /** The same raw request to the engine and then through `through`; back to back, so nothing changes in between. */
  async function both(head: string, body = '', through: Endpoint = viaGateway): Promise<{ direct: WholeResponse; gateway: WholeResponse }> {
    const fromEngine = await exchangeRaw(direct, head, body);
    const fromGateway = await exchangeRaw(through, head, body);
    return { direct: fromEngine, gateway: fromGateway };
  }

  async function containerNames(): Promise<string[]> {
    const listing = await exchangeRaw(direct, get('/v1.41/containers/json?all=1'));
    assert.equal(listing.status, 200, show(listing));
    return (JSON.parse(listing.body) as { Names: string[] }[]).flatMap((container) => container.Names.map((name) => name.replace(/^\//, '')));
  }

  test('no version prefix: forwarded, the engine answers with its own version', async () => {
    const answers = await both(get('/containers/json?all=1'));
    assert.equal(answers.direct.status, 200, show(answers.direct));
    assert.match(answers.direct.body, /path-probe/);
    assertSameAsEngine(answers.gateway, answers.direct, '/containers/json');
  });

  test('version prefixes are read numerically: /v01.41, /v1.041, /v1.41.0 give the /v1.41 answer', async () => {
    const reference = await exchangeRaw(direct, get('/v1.41/containers/json?all=1'));
    assert.equal(reference.status, 200, show(reference));
    for (const prefix of ['/v01.41', '/v1.041', '/v1.41.0']) {
      const answers = await both(get(`${prefix}/containers/json?all=1`));
      assert.equal(answers.direct.status, 200, `engine on ${prefix}: ${show(answers.direct)}`);
      assert.equal(answers.direct.body, reference.body, `engine on ${prefix} reads it as 1.41`);
      assertSameAsEngine(answers.gateway, answers.direct, prefix);
    }
  });

  test('every version from 1.24 to 1.41 is forwarded with its own semantics', async () => {
    for (let minor = 24; minor <= 41; minor++) {
      const target = `/v1.${minor}/containers/json?all=1`;
      const answers = await both(get(target));
      assert.equal(answers.direct.status, 200, `engine on ${target}: ${show(answers.direct)}`);
      assertSameAsEngine(answers.gateway, answers.direct, target);
    }
  });

  test('/v1.12 and /v1.23 are refused below the default minimum, though the engine serves them', async () => {
    for (const target of ['/v1.12/containers/json?all=1', '/v1.23/containers/json?all=1']) {
      const answers = await both(get(target));
      assert.equal(answers.direct.status, 200, `engine on ${target}: ${show(answers.direct)}`);
      assertRefusedBy(answers.gateway, 'api.min-version', target);
      assert.match(answers.gateway.body, /--min-api-version/, `${target}: the message should say how to lower the minimum`);
    }
  });

  test('with --min-api-version 1.12, /v1.12 and /v1.23 are forwarded and /v1.11 is still refused', async () => {
    for (const target of ['/v1.12/containers/json?all=1', '/v1.23/containers/json?all=1']) {
      const answers = await both(get(target), '', viaOldApiGateway);
      assertSameAsEngine(answers.gateway, answers.direct, `${target} (min 1.12)`);
    }
    const tooOld = await both(get('/v1.11/containers/json?all=1'), '', viaOldApiGateway);
    assert.equal(tooOld.direct.status, 400, `the engine's own minimum is 1.12: ${show(tooOld.direct)}`);
    assertRefusedBy(tooOld.gateway, 'api.min-version', '/v1.11 (min 1.12)');
  });

  test('/v1.41/%63ontainers/json is forwarded and lists the same containers', async () => {
    const answers = await both(get('/v1.41/%63ontainers/json?all=1'));
    assert.equal(answers.direct.status, 200, `the engine decodes the path before routing: ${show(answers.direct)}`);
    assert.match(answers.direct.body, /path-probe/);
    assertSameAsEngine(answers.gateway, answers.direct, '/v1.41/%63ontainers/json');
  });

  test('/v1.41/containers%2Fjson: refused, or answered as the engine does (it decodes %2F to /)', async () => {
    const answers = await both(get('/v1.41/containers%2Fjson?all=1'));
    assert.equal(answers.direct.status, 200, `the engine decodes %2F: ${show(answers.direct)}`);
    assertRefusedOrSame(answers.gateway, answers.direct, 'path.canonical', '/v1.41/containers%2Fjson');
  });

  test('double slashes, dot segments, trailing slashes, a capital V and ;params are refused', async () => {
    const rows: { target: string; engine: number }[] = [
      { target: '//v1.41/containers/json', engine: 301 },
      { target: '/v1.41//containers/json', engine: 301 },
      { target: '/v1.41/containers/../json', engine: 301 },
      { target: '/v1.41/containers/./json', engine: 301 },
      { target: '/./', engine: 301 },
      { target: '/v1.41/containers/json/', engine: 404 },
      { target: '/v1.41/_ping/', engine: 404 },
      { target: '/V1.41/containers/json', engine: 404 },
      { target: '/v1.41/containers/json;x=1', engine: 404 },
      { target: '/v1.41;x=1/containers/json', engine: 404 },
    ];
    for (const row of rows) {
      const answers = await both(get(row.target));
      assert.equal(answers.direct.status, row.engine, `engine on ${row.target}: ${show(answers.direct)}`);
      assertRefusedBy(answers.gateway, 'path.canonical', row.target);
    }
  });

  test('percent-encoded dot segments and slashes that would resolve differently are refused or answered as the engine does', async () => {
    for (const target of ['/v1.41/containers/%2E%2E/json', '/v1.41/containers/%2e/json', '/v1.41/%2Fcontainers/json', '/v1.41/containers/json%2F']) {
      const answers = await both(get(target));
      assertRefusedOrSame(answers.gateway, answers.direct, 'path.canonical', target);
    }
  });

  test('a version newer than the engine, and ;-separated query parameters: refused, or answered as the engine does', async () => {
    const rows: { target: string; rule: string | RegExp }[] = [
      // Newer than this engine, but known to dockgate: the engine's own refusal comes back.
      { target: '/v1.50/containers/json?all=1', rule: /[a-z][a-z.-]*/ },
      { target: '/v1.57/containers/json?all=1', rule: 'api.max-version' },
      { target: '/v1.41/containers/json?all=1;all=0', rule: 'query.canonical' },
    ];
    for (const row of rows) {
      const answers = await both(get(row.target));
      assertRefusedOrSame(answers.gateway, answers.direct, row.rule, row.target);
    }
  });

  test('a repeated single-value query parameter is answered as the engine answers it (its first value)', async () => {
    for (const target of ['/v1.41/containers/json?all=1&all=0', '/v1.41/containers/json?all=0&all=1']) {
      const answers = await both(get(target));
      assert.equal(answers.gateway.headers.get('dockgate-decision'), undefined, `${target}: ${show(answers.gateway)}`);
      assert.equal(answers.gateway.status, answers.direct.status, target);
      const ids = (response: WholeResponse): string[] => (JSON.parse(response.body) as { Id: string }[]).map((c) => c.Id).sort();
      assert.deepEqual(ids(answers.gateway), ids(answers.direct), target);
    }
  });

  test('an absolute-form target (GET http://evil/_ping) is refused, though the engine answers it', async () => {
    for (const target of ['http://evil/_ping', 'http://evil/v1.41/containers/json']) {
      const answers = await both(get(target));
      assert.equal(answers.direct.status, 200, `engine on ${target}: ${show(answers.direct)}`);
      assertRefusedBy(answers.gateway, 'path.canonical', target);
    }
  });

  test('the engine takes the first of a repeated ?name=, and so does the gateway: only that one is forwarded, and the repeat is recorded', async () => {
    const create = JSON.stringify({ Image: BUSYBOX_IMAGE, Cmd: ['true'] });
    // The reading the gateway follows: dockerd names the container after the first value.
    const onEngine = await exchangeRaw(direct, ...post('/v1.41/containers/create?name=dg-first&name=dg-second', create));
    assert.equal(onEngine.status, 201, show(onEngine));
    const namesAfterEngine = await containerNames();
    assert.ok(namesAfterEngine.includes('dg-first') && !namesAfterEngine.includes('dg-second'), `engine names: ${namesAfterEngine.join(', ')}`);

    const logStart = statSync(gatewayAuditLog).size;
    const answer = await exchangeRaw(viaGateway, ...post('/v1.41/containers/create?name=dg-alpha&name=dg-beta', create));
    assert.equal(answer.status, 201, show(answer));
    const names = await containerNames();
    assert.ok(names.includes('dg-alpha') && !names.includes('dg-beta'), `names after the gateway: ${names.join(', ')}`);
    const { Id } = JSON.parse(answer.body) as { Id: string };
    const { trail, complete } = await waitForAuditTrail(gatewayAuditLog, logStart, (records) => records.some((r) => r.phase === 'done' && r.created?.includes(Id)));
    assert.ok(complete, 'no done record for the create');
    const done = trail.records.find((r) => r.phase === 'done' && r.created?.includes(Id))!;
    assert.deepEqual(done.normalised, [{ kind: 'repeated-parameter', path: '?name' }]);
  });

  test('unknown routes are refused by route.known: /v1.41/containers/x/bogus, /v1.41/foo, DELETE /_ping', async () => {
    const requests = [
      get('/v1.41/containers/x/bogus'),
      get('/v1.41/foo'),
      `DELETE /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close`,
      `DELETE /v1.41/_ping HTTP/1.1\r\nHost: docker\r\nConnection: close`,
    ];
    for (const head of requests) {
      const answers = await both(head);
      const what = head.split('\r\n')[0]!;
      assert.equal(answers.direct.status, 404, `engine on ${what}: ${show(answers.direct)}`);
      assertRefusedBy(answers.gateway, 'route.known', what);
      assert.equal(answers.gateway.status, 403, `${what}: ${show(answers.gateway)}`);
    }
  });

  test('a container named by a 12-character id prefix is found through the gateway as on the engine', async () => {
    const prefix = probeId.slice(0, 12);
    const answers = await both(get(`/v1.41/containers/${prefix}/json`));
    assert.equal(answers.direct.status, 200, show(answers.direct));
    assert.equal((JSON.parse(answers.direct.body) as { Id: string }).Id, probeId);
    assertSameAsEngine(answers.gateway, answers.direct, `/containers/${prefix}/json`);
    // And by name, for good measure: the same document.
    const byName = await exchangeRaw(viaGateway, get('/v1.41/containers/path-probe/json'));
    assert.equal(byName.body, answers.direct.body);
  });

  test('an HTTP/1.1 request without Host is rejected by both and reaches nothing; HTTP/1.0 without Host works on both', async () => {
    const create = JSON.stringify({ Image: BUSYBOX_IMAGE, Cmd: ['true'] });
    const noHost = (target: string): string => `POST ${target} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(create)}\r\nConnection: close`;

    const onEngine = await exchangeRaw(direct, noHost('/v1.41/containers/create?name=dg-nohost-direct'), create);
    assert.equal(onEngine.status, 400, `Go rejects HTTP/1.1 without Host: ${show(onEngine)}`);
    const onGateway = await exchangeRaw(viaGateway, noHost('/v1.41/containers/create?name=dg-nohost-gateway'), create);
    assert.equal(onGateway.status, 400, `the gateway must reject it too: ${show(onGateway)}`);
    const names = await containerNames();
    assert.ok(!names.includes('dg-nohost-gateway'), `forwarded anyway: ${names.join(', ')}`);
    assert.ok(!names.includes('dg-nohost-direct'));

    // HTTP/1.0 does not require Host; both serve it, and the gateway's answer is the engine's.
    const answers = await both(`GET /v1.41/containers/json?all=1 HTTP/1.0`);
    assert.equal(answers.direct.status, 200, show(answers.direct));
    assertSameAsEngine(answers.gateway, answers.direct, 'HTTP/1.0 without Host');
  });
});
