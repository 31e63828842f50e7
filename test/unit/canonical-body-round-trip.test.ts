// The canonical re-serialisation is what the engine receives, so it must mean exactly what was judged:
// reading it again gives the same value, serialising is stable, and every body the real Docker CLI sends
// (captured from CLI 28.2.2 at API 1.41 and 1.50, and from Debian's CLI 20.10.24) is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { INSPECTED_OPERATIONS, readJudgedBody, serializeJudgedBody } from '../../src/inspect/inspect-body.js';
import { parseRequestTarget } from '../../src/route/request-target.js';
import type { Operation } from '../../src/route/operations.js';
import { classifyRoute } from '../../src/route/route-table.js';

interface CapturedRequest {
  command: string;
  method: string;
  target: string;
  contentType?: string;
  body: string;
}

interface CapturedSet {
  cli: string;
  apiVersion: string;
  requests: CapturedRequest[];
}

const FIXTURES = new URL('../fixtures/cli-bodies/', import.meta.url);

function capturedSets(): { file: string; set: CapturedSet }[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, set: JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as CapturedSet }));
}

function operationOf(request: CapturedRequest): Operation | undefined {
  return classifyRoute(request.method, parseRequestTarget(request.target, [1, 24]))?.operation;
}

function assertRoundTrip(operation: Operation, value: unknown, what: string): void {
  const canonical = serializeJudgedBody(value);
  const again = readJudgedBody(operation, canonical, 'application/json').value;
  assert.deepStrictEqual(again, value, `${what}: the canonical form reads back differently`);
  assert.deepStrictEqual(serializeJudgedBody(again), canonical, `${what}: serialising is not stable`);
}

test('every inspected body the Docker CLI sends is accepted, and its canonical form reads back the same', () => {
  const seen = new Set<string>();
  let bodies = 0;
  for (const { file, set } of capturedSets()) {
    for (const request of set.requests) {
      const operation = operationOf(request);
      if (operation === undefined || !INSPECTED_OPERATIONS.has(operation)) continue;
      const what = `${file}: ${request.command} -> ${request.method} ${request.target}`;
      let value: unknown;
      assert.doesNotThrow(() => {
        value = readJudgedBody(operation, Buffer.from(request.body, 'utf8'), request.contentType).value;
      }, what);
      assertRoundTrip(operation, value, what);
      seen.add(operation);
      bodies++;
    }
  }
  assert.ok(bodies >= 60, `${bodies} captured bodies checked`);
  const expected = [
    'container.create',
    'container.start',
    'container.commit',
    'container.update',
    'container.exec.create',
    'exec.start',
    'volume.create',
    'network.create',
    'network.connect',
    'service.create',
    'service.update',
    'swarm.init',
    'swarm.join',
    'swarm.update',
    'plugin.pull',
    'plugin.set',
  ];
  assert.deepEqual(
    expected.filter((operation) => !seen.has(operation)),
    [],
    'operations without a captured CLI body',
  );
});

test('docker run -d --name x -v vol:/data -e A=1 busybox sleep 1 is judged as what it asks for', () => {
  const set = capturedSets().find(({ file }) => file === 'docker-cli-28.2.2-api-1.41.json')!.set;
  const request = set.requests.find((candidate) => candidate.command === 'docker run -d --name x -v vol:/data -e A=1 busybox sleep 1' && candidate.target.includes('/containers/create'))!;
  const value = readJudgedBody('container.create', Buffer.from(request.body), request.contentType).value as {
    Image: string;
    Env: string[];
    Cmd: string[];
    Entrypoint?: unknown;
    HostConfig: { Binds: string[]; Privileged: boolean; CapAdd?: unknown; MaskedPaths?: unknown };
  };
  assert.equal(value.Image, 'busybox');
  assert.deepEqual(value.Env, ['A=1']);
  assert.deepEqual(value.Cmd, ['sleep', '1']);
  assert.equal('Entrypoint' in value, false, 'Entrypoint: null is absent');
  assert.deepEqual(value.HostConfig.Binds, ['vol:/data']);
  assert.equal(value.HostConfig.Privileged, false);
  assert.equal('CapAdd' in value.HostConfig, false, 'CapAdd: null is absent');
  assert.equal('MaskedPaths' in value.HostConfig, false, 'MaskedPaths: null (engine defaults) is absent');
});

test('what the CLI sends for --security-opt systempaths=unconfined stays an empty MaskedPaths list', () => {
  const set = capturedSets().find(({ file }) => file === 'docker-cli-28.2.2-api-1.41.json')!.set;
  const request = set.requests.find((candidate) => candidate.command.includes('systempaths=unconfined') && candidate.target.includes('/containers/create'))!;
  const value = readJudgedBody('container.create', Buffer.from(request.body), request.contentType).value as { HostConfig: Record<string, unknown> };
  assert.deepEqual(value.HostConfig.MaskedPaths, []);
  assert.deepEqual(value.HostConfig.ReadonlyPaths, []);
  assert.deepEqual(
    serializeJudgedBody(value)
      .toString()
      .match(/"MaskedPaths":\[\]/)?.length,
    1,
  );
});

test('hand-written bodies with escapes, non-ASCII text, strslice strings and nulls round-trip', () => {
  const cases: [Operation, string][] = [
    ['container.create', '{"Image":"busybox","HostConfig":{"Privileg\\u0065d":true,"CapAdd":"NET_ADMIN","Binds":null}}'],
    ['container.create', '{"Image":"b\\/x","Labels":{"\\u00e9t\\u00e9":"\\ud83d\\ude00","__proto__":"p","":"empty","\\"q\\"":"\\\\"},"Env":["A=\\u0000\\n\\t\\u2028"]}'],
    ['container.create', '{"Image":"busybox","Cmd":"echo hi","HostConfig":{"Memory":-1,"MemorySwap":9007199254740991,"PidsLimit":-0,"ConsoleSize":[0,0]}}'],
    ['service.update', '{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"x","HealthCheck":{"Test":["NONE"]}}},"UpdateConfig":{"MaxFailureRatio":0.3333333333333333}}'],
    ['plugin.pull', '[{"Name":"network","Description":"","Value":["host"]}]'],
    ['plugin.pull', 'null'],
    ['container.commit', ''],
    ['container.commit', '{"Cmd":["sh"],"ExposedPorts":{"80/tcp":{}}}'],
    ['plugin.set', '["DEBUG=1"]'],
  ];
  for (const [operation, body] of cases) {
    const value = readJudgedBody(operation, Buffer.from(body, 'utf8'), undefined).value;
    if (value === undefined) {
      assert.equal(serializeJudgedBody(value).length, 0, `${operation} ${body}: no body in, no body out`);
      continue;
    }
    assertRoundTrip(operation, value, `${operation} ${body}`);
  }
});

test('the canonical form keeps no escape two readers could disagree on, and no null field', () => {
  const value = readJudgedBody('container.create', Buffer.from('{"Image":"\\u0062usybox","User":null,"Labels":{"a":"\\ud83d\\ude00"}}'), undefined).value;
  assert.equal(serializeJudgedBody(value).toString('utf8'), '{"Image":"busybox","Labels":{"a":"\u{1f600}"}}');
});

test('a value the gateway could not send faithfully is not serialised', () => {
  assert.throws(() => serializeJudgedBody({ HostConfig: { Memory: Number.NaN } }), /cannot be sent to the engine/);
  assert.throws(() => serializeJudgedBody({ HostConfig: { Memory: Number.POSITIVE_INFINITY } }), /cannot be sent to the engine/);
});
