// The gateway and the library judge() decide through the same functions (src/decide/): a table of requests
// (allowed, refused by a grant, by a container's reach, by strict bodies, by the engine's own reading, warn
// mode, a build context, a look-up pinned to a full id) is sent through a running gateway in front of a real
// engine and given to judge() with the same policy, identity and engine. For each: the same verdict, rule
// and reason, the same refusal message the client reads, and for what is forwarded the same canonical
// path (the full id pinned in place of a name) and the same defaults applied.
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { judge, type JudgeResult } from '../../src/decide/library-judge.js';
import { createEngineLookup } from '../../src/forward/engine-client.js';
import { createUpstream } from '../../src/forward/upstream.js';
import type { Identity } from '../../src/identify/identity.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { readAuditTrail, waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { exchangeRaw } from '../support/raw-http.js';
import { tarArchive } from '../support/tar-builder.js';
import { useTeardown } from '../support/teardown.js';

interface Case {
  name: string;
  method: string;
  path: string;
  contentType?: string;
  body?: string;
}

const json = (value: unknown): string => JSON.stringify(value);
const create = (extra: Record<string, unknown> = {}): string => json({ Image: BUSYBOX_IMAGE, Cmd: ['true'], ...extra });
const buildContext = (dockerfile: string): string => tarArchive([{ name: 'Dockerfile', data: dockerfile }]).toString('latin1');

const CASES: readonly Case[] = [
  { name: 'a ping', method: 'GET', path: '/v1.41/_ping' },
  { name: 'a list with a repeated parameter', method: 'GET', path: '/v1.41/containers/json?all=1&all=0' },
  { name: 'an unknown endpoint', method: 'GET', path: '/v1.41/containers/all/the/things' },
  { name: 'an API version newer than any known', method: 'GET', path: '/v1.99/info' },
  { name: 'a plain create', method: 'POST', path: '/v1.41/containers/create?name=alike-plain', body: create() },
  { name: 'a privileged create', method: 'POST', path: '/v1.41/containers/create', body: create({ HostConfig: { Privileged: true } }) },
  { name: 'a create binding the host root', method: 'POST', path: '/v1.41/containers/create', body: create({ HostConfig: { Binds: ['/:/host'] } }) },
  { name: 'a create in case-variant keys', method: 'POST', path: '/v1.41/containers/create?name=alike-case', body: json({ image: BUSYBOX_IMAGE, cmd: ['true'] }) },
  { name: 'a create with an unknown field', method: 'POST', path: '/v1.41/containers/create?name=alike-unknown', body: create({ Surprise: 1 }) },
  { name: 'a create cut short', method: 'POST', path: '/v1.41/containers/create', body: '{"Image":' },
  { name: 'a create as a form', method: 'POST', path: '/v1.41/containers/create', contentType: 'application/x-www-form-urlencoded', body: 'Image=busybox' },
  { name: 'an inspect by name', method: 'GET', path: '/v1.41/containers/alike-existing/json' },
  { name: 'a privileged exec', method: 'POST', path: '/v1.41/containers/alike-existing/exec', body: json({ Cmd: ['id'], Privileged: true }) },
  { name: 'a plain exec', method: 'POST', path: '/v1.41/containers/alike-existing/exec', body: json({ Cmd: ['id'] }) },
  { name: 'a build fetching a URL', method: 'POST', path: '/v1.41/build?t=alike', contentType: 'application/x-tar', body: buildContext('FROM busybox:test\nADD http://127.0.0.1:1/x /x\n') },
  { name: 'a remove', method: 'DELETE', path: '/v1.41/containers/alike-plain?force=1' },
];

/** Listeners, each selected by a rule of its own (and one by none). */
const LISTENERS = ['baseline', 'strict', 'learning', 'granted', 'nobody'] as const;

function policyText(socket: (name: string) => string): string {
  return [
    'version: 1',
    'rules:',
    '  - name: baseline',
    `    match: { listener: "unix://${socket('baseline')}" }`,
    '    profile: baseline',
    '  - name: strict',
    `    match: { listener: "unix://${socket('strict')}" }`,
    '    profile: baseline',
    '    bodies: strict',
    '  - name: learning',
    `    match: { listener: "unix://${socket('learning')}" }`,
    '    profile: restricted',
    '    mode: warn',
    '  - name: granted',
    `    match: { listener: "unix://${socket('granted')}" }`,
    '    operations: [system.ping, container.list, container.inspect, container.create, container.delete]',
    '    defaults: { pids-limit: 64, labels: { owner: granted } }',
    '',
  ].join('\n');
}

interface GatewaySide {
  status: number;
  message: string | undefined;
  record: AuditLine & { changes?: unknown };
}

describe('the gateway and the library judge() decide alike', { timeout: 6 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;
  let policyFile: string;
  let socket: (name: string) => string;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    const dir = teardown.tempDir('/tmp/dockgate-alike-');
    socket = (name) => join(dir, `${name}.sock`);
    policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, policyText(socket));
    gateway = await startGateway({
      upstream: engine.socketPath,
      listen: LISTENERS.map((name) => `unix://${socket(name)}`),
      auditLog: join(dir, 'audit.jsonl'),
      args: ['--policy', policyFile],
      // The listener no rule selects refuses even a ping.
      readiness: 'answering',
    });
    teardown.add(() => gateway.stopRunning());
    await dockerOk(['create', '--name', 'alike-existing', BUSYBOX_IMAGE, 'sleep', '600'], engine.endpoint);
    await dockerOk(['start', 'alike-existing'], engine.endpoint);
  });

  async function throughGateway(endpoint: Endpoint, c: Case): Promise<GatewaySide> {
    const auditLog = gateway.auditLog!;
    const from = statSync(auditLog).size;
    const body = c.body ?? '';
    const head = [`${c.method} ${c.path} HTTP/1.1`, 'Host: docker', 'Connection: close', `Content-Length: ${Buffer.byteLength(body, 'latin1')}`];
    if (c.contentType !== undefined || c.body !== undefined) head.push(`Content-Type: ${c.contentType ?? 'application/json'}`);
    const answer = await exchangeRaw(endpoint, head.join('\r\n'), body);
    const { trail, complete } = await waitForAuditTrail(auditLog, from, (records) => records.some((r) => r.phase === 'done'));
    assert.ok(complete, `${c.name} on ${endpoint.name}: a done record (${JSON.stringify(readAuditTrail(auditLog, from))})`);
    const record = trail.records.find((r) => r.phase === 'done')!;
    let message: string | undefined;
    if (answer.status >= 400) message = (JSON.parse(answer.body) as { message: string }).message;
    return { status: answer.status, message, record };
  }

  function identityOf(record: AuditLine): Identity {
    return record.identity as unknown as Identity;
  }

  test('every request of the table, on every listener', async () => {
    const policy = loadPolicy(policyFile, { protectedPaths: [engine.socketPath, ...LISTENERS.map(socket)] });
    const upstream = createUpstream(`unix://${engine.socketPath}`);
    teardown.add(() => upstream.close());
    const lookups = createEngineLookup(upstream);
    let compared = 0;
    let refused = 0;
    for (const listener of LISTENERS) {
      const endpoint: Endpoint = { name: `gateway-${listener}`, host: `unix://${socket(listener)}` };
      for (const c of CASES) {
        const what = `${c.name} on ${listener}`;
        const side = await throughGateway(endpoint, c);
        const result: JudgeResult = await judge(
          policy,
          {
            method: c.method,
            path: c.path,
            headers: { host: 'docker', ...(c.body !== undefined && { 'content-type': c.contentType ?? 'application/json' }) },
            ...(c.body !== undefined && { body: Buffer.from(c.body, 'latin1') }),
            identity: identityOf(side.record),
          },
          lookups,
        );
        const { record } = side;
        if (record.decision === 'deny' || record.decision === 'error') {
          refused += 1;
          assert.equal(result.verdict, 'deny', `${what}: the gateway refused (${side.message}), the library allows`);
          assert.equal(result.rule, record.rule, `${what}: rule`);
          assert.equal(result.message, side.message, `${what}: the message the client reads`);
          assert.equal(result.status, side.status, `${what}: the status the client reads`);
        } else {
          assert.equal(record.decision, result.verdict === 'allow' ? 'allow' : 'would_deny', `${what}: decision (${result.reason})`);
          assert.equal(result.rule, record.rule, `${what}: rule`);
          assert.equal(result.reason, record.reason, `${what}: reason`);
          // The record keeps the path without its query (a query may carry tokens).
          assert.equal(result.target?.split('?')[0], record.path, `${what}: the canonical target forwarded`);
          assert.deepEqual(result.changes, record.changes ?? [], `${what}: defaults applied`);
        }
        compared += 1;
      }
    }
    assert.equal(compared, CASES.length * LISTENERS.length);
    // The table must exercise both sides of the comparison on this policy.
    assert.ok(refused > 10 && refused < compared - 10, `refused ${refused} of ${compared}`);
  });
});
