// Policy reloads under load (issue 7, faults). A hundred clients, one connection each, list containers as
// fast as the gateway answers, and a few of them create and remove containers, while the policy file is
// rewritten and the gateway is sent SIGHUP again and again: valid new versions, the same file again, and
// broken files. What must hold:
// - not one request fails: a reload never drops, refuses or delays a request into an error;
// - every request is judged by a whole policy: the audit trail names, for each, a rule of a version that
//   was loaded at the time (v1, v2 or v3), never a broken one, and no request is refused;
// - a broken file keeps the policy in force: the requests after it are still judged by the last good
//   version, and the gateway says where the file is wrong.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test, type TestContext } from 'node:test';
import { Client } from 'undici';
import { readAuditTrail, waitForAuditTrail } from '../support/audit-log-reader.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';
import { sendJson } from '../support/json-request.js';

const CLIENTS = 100;
/** One client in this many also creates and removes a container on each of its rounds. */
const CREATOR_EVERY = 20;
const LOAD_MS = 8_000;
const MIN_REQUESTS = 2_000;

function policyText(version: string): string {
  return ['version: 1', 'rules:', `  - name: operators-${version}`, '    match: { uid: 0 }', '    profile: audit', ''].join('\n');
}

/** Broken in different ways: a misspelt key, YAML that does not parse, a rule with no profile or operations. */
const BROKEN = [policyText('broken').replace('profile:', 'profle:'), 'version: 1\nrules:\n  - name: [unclosed\n', 'version: 1\nrules:\n  - name: operators-broken\n    match: { uid: 0 }\n'];

describe('SIGHUP reloads under load', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;
  let policyFile: string;
  let socketPath: string;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const dir = teardown.tempDir('/tmp/dgr-');
      policyFile = join(dir, 'policy.yaml');
      writeFileSync(policyFile, policyText('v1'));
      socketPath = join(dir, 'gw.sock');
      gateway = await startGateway({ upstream: engine.socketPath, listen: [`unix://${socketPath}`], auditLog: join(dir, 'audit.jsonl'), args: ['--policy', policyFile] });
      teardown.add(() => gateway.stopRunning());
    },
    { timeout: 120_000 },
  );

  test(`${CLIENTS} clients, valid and broken reloads: zero failed requests, the last good policy stays`, async (t: TestContext) => {
    let stop = false;
    const failures: string[] = [];
    let requests = 0;
    let creates = 0;
    let counter = 0;

    const worker = async (index: number): Promise<void> => {
      const client = new Client('http://localhost', { socketPath, pipelining: 1, connect: { timeout: 10_000 }, headersTimeout: 30_000, bodyTimeout: 30_000 });
      const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> => {
        try {
          const response = await sendJson(client, method, path, body);
          const text = response.text;
          requests += 1;
          if (response.statusCode < 200 || response.statusCode > 299) failures.push(`${method} ${path}: ${response.statusCode} ${text.trim().slice(0, 300)}`);
        } catch (error) {
          failures.push(`${method} ${path}: ${(error as Error).message}`);
        }
      };
      try {
        while (!stop) {
          await call('GET', '/v1.41/containers/json');
          if (index % CREATOR_EVERY === 0) {
            const name = `rl-${++counter}`;
            await call('POST', `/v1.41/containers/create?name=${name}`, { Image: 'busybox:test', Cmd: ['true'] });
            await call('DELETE', `/v1.41/containers/${name}?force=1`);
            creates += 1;
          }
        }
      } finally {
        await client.close().catch(() => undefined);
      }
    };

    /** What was written when, so each audit record can be held to the versions loadable at its time. */
    const timeline: { at: number; version: string }[] = [{ at: Date.now(), version: 'v1' }];
    const write = (version: string, text: string): void => {
      writeFileSync(policyFile, text);
      timeline.push({ at: Date.now(), version });
      gateway.signal('SIGHUP');
    };
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const reloads = (async () => {
      await pause(800);
      write('v2', policyText('v2'));
      await pause(500);
      gateway.signal('SIGHUP'); // the same file again
      await pause(500);
      write('broken', BROKEN[0]!);
      await pause(500);
      gateway.signal('SIGHUP');
      await pause(500);
      write('broken', BROKEN[1]!);
      await pause(700);
      write('v3', policyText('v3'));
      await pause(400);
      for (let i = 0; i < 10; i++) {
        gateway.signal('SIGHUP'); // a burst of signals
        await pause(30);
      }
      await pause(500);
      write('broken', BROKEN[2]!);
      await pause(400);
      gateway.signal('SIGHUP');
    })();

    const started = Date.now();
    const workers = Array.from({ length: CLIENTS }, (_, index) => worker(index));
    await reloads;
    await pause(Math.max(0, LOAD_MS - (Date.now() - started)));
    stop = true;
    await Promise.all(workers);
    t.diagnostic(`${requests} requests (${creates} creates and removes) from ${CLIENTS} clients in ${Date.now() - started} ms, ${failures.length} failed`);

    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} requests failed during the reloads`);
    assert.ok(requests >= MIN_REQUESTS, `only ${requests} requests: the load did not happen`);
    assert.ok(creates >= 20, `only ${creates} creates`);
    gateway.assertRunning();

    const output = gateway.output();
    assert.ok((output.match(/policy reloaded/g) ?? []).length >= 3, `the valid versions were reloaded:\n${output.slice(-3000)}`);
    assert.ok((output.match(/the new policy does not load/g) ?? []).length >= 3, `the broken versions were reported:\n${output.slice(-3000)}`);
    assert.match(output, new RegExp(`${policyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+`), 'the report points at file:line:column');

    // After the last broken file, the last good version (v3) still judges.
    const probeClient = new Client('http://localhost', { socketPath });
    const last = await probeClient.request({ method: 'GET', path: '/v1.41/_ping' });
    await last.body.text();
    await probeClient.close();
    const { trail } = await waitForAuditTrail(gateway.auditLog!, 0, (records) => records.some((r) => r.phase === 'done' && r.path === '/v1.41/_ping'), 5_000);
    const probe = trail.records.find((r) => r.phase === 'done' && r.path === '/v1.41/_ping');
    assert.equal(probe?.rule, 'policy.operators-v3', `the request after the last broken file was judged by ${probe?.rule}`);

    // Every request was judged by a version that had been loaded: v1 before v2 was written, and so on.
    const records = readAuditTrail(gateway.auditLog!).records;
    assert.ok(
      records.every((r) => r.decision === 'allow'),
      `no request was refused: ${JSON.stringify(records.filter((r) => r.decision !== 'allow').slice(0, 3))}`,
    );
    const rules = new Map<string, number>();
    for (const record of records) rules.set(record.rule, (rules.get(record.rule) ?? 0) + 1);
    t.diagnostic(`records by rule: ${JSON.stringify(Object.fromEntries(rules))}`);
    assert.deepEqual(
      [...rules.keys()].filter((rule) => !/^policy\.operators-v[123]$/.test(rule)),
      [],
      'only the valid versions judged',
    );
    const writtenAt = (version: string): number => timeline.find((entry) => entry.version === version)!.at;
    for (const record of records) {
      const version = /^policy\.operators-(v\d)$/.exec(record.rule)?.[1];
      if (version === undefined || version === 'v1') continue;
      assert.ok(Date.parse(record.time) >= writtenAt(version) - 1, `a request at ${record.time} was judged by ${version}, written later`);
    }
    assert.ok((rules.get('policy.operators-v2') ?? 0) > 0 && (rules.get('policy.operators-v3') ?? 0) > 0, 'requests were judged by each reloaded version');
  });
});
