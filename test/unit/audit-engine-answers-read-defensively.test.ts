// The engine being audited may lie about types: a field of another type than the engine's own Go type is
// left out (read as absent) and named with its path, the other fields are kept, and a container whose
// document is wrong in places is still judged on the rest. Problems from whoever names keys (labels,
// sysctls) cannot reach the prototype. Why containers were not checked is summed up, not listed one by one.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContainerSkips } from '../../src/audit/container-skips.js';
import { containerName, readContainer, readInfo, readListingId, readVersion } from '../../src/audit/engine-documents.js';
import { Collector } from '../../src/audit/finding.js';
import { AnswerProblems, readAnswer } from '../../src/audit/read-answer.js';
import { arrayOf, bool, int64, mapOf, object, str, strSlice, stringList } from '../../src/inspect/body-schema.js';

describe('an answer is read by its schema, a wrong field at a time', () => {
  test('values of another type are left out and named; the rest are kept', () => {
    const schema = object({ Name: str, Debug: bool, Memory: int64, Warnings: stringList, CapAdd: strSlice, Nested: object({ On: bool }) });
    const problems = new AnswerProblems();
    const read = readAnswer({ Name: 7, Debug: 'yes', Memory: 1.5, Warnings: ['ok', 3, 'fine'], CapAdd: 'NET_ADMIN', Nested: { On: [] }, Unknown: { any: 'thing' } }, schema, problems);
    assert.deepEqual(read, { Warnings: ['ok', 'fine'], CapAdd: ['NET_ADMIN'], Nested: {} });
    assert.deepEqual(problems.named, [
      'Name: expected a string, found the number 7',
      'Debug: expected true or false, found a string',
      'Memory: expected a whole number, found a fraction',
      'Warnings[1]: expected a string, found the number 3',
      'Nested.On: expected true or false, found a list',
    ]);
  });

  test('null is absent; a wrong answer as a whole is named as the answer', () => {
    const problems = new AnswerProblems();
    assert.deepEqual(readAnswer({ Name: null }, object({ Name: str }), problems), {});
    assert.equal(readAnswer([1, 2], object({ Name: str }), problems), undefined);
    assert.deepEqual(problems.named, ['the answer: expected an object, found a list']);
  });

  test('at most five problems are named, the rest counted; long keys are shortened in paths', () => {
    const problems = new AnswerProblems();
    const long = 'k'.repeat(200);
    readAnswer(Object.fromEntries([...Array.from({ length: 9 }, (_, i) => [`key${i}`, i]), [long, 1]]), mapOf(str), problems);
    assert.equal(problems.count, 10);
    assert.equal(problems.named.length, 5);
    assert.match(problems.describe(), /; and 5 more$/);
    const one = new AnswerProblems();
    readAnswer({ [long]: 1 }, mapOf(str), one);
    assert.equal(one.named[0], `["${'k'.repeat(64)}…"]: expected a string, found the number 1`);
  });

  test('a map key "__proto__" (a label or sysctl someone chose) is an own key, never the prototype', () => {
    const read = readAnswer(JSON.parse('{"__proto__": "x", "a": "b"}'), mapOf(str), new AnswerProblems()) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(read), Object.prototype);
    assert.deepEqual(Object.keys(read), ['__proto__', 'a']);
    const list = readAnswer(JSON.parse('[{"__proto__": {"polluted": true}}]'), arrayOf(mapOf(bool)), new AnswerProblems()) as object[];
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(list[0]), Object.prototype);
  });
});

describe('the engine documents the audit reads', () => {
  test('/info and /version lying about types keep what is true', () => {
    const problems = new AnswerProblems();
    const info = readInfo(
      {
        ServerVersion: '27.3.1',
        SecurityOptions: 'name=seccomp',
        Warnings: { a: 1 },
        Plugins: [],
        Swarm: { LocalNodeState: 'active', ControlAvailable: 'yes' },
        Debug: true,
        DockerRootDir: 5,
      },
      problems,
    );
    assert.deepEqual(info, { ServerVersion: '27.3.1', Swarm: { LocalNodeState: 'active' }, Debug: true });
    assert.deepEqual(
      problems.named.map((p) => p.split(':')[0]),
      ['SecurityOptions', 'Warnings', 'Plugins', 'Swarm.ControlAvailable', 'DockerRootDir'],
    );
    const versionProblems = new AnswerProblems();
    assert.deepEqual(readVersion({ Version: 27, ApiVersion: ['1.47'], Os: 'linux' }, versionProblems), { Os: 'linux' });
    assert.equal(versionProblems.count, 2);
  });

  test('a flood of warnings (each would be a finding) is cut to the first hundred, and says so', () => {
    const problems = new AnswerProblems();
    const info = readInfo({ Warnings: Array.from({ length: 100_000 }, (_, i) => `WARNING: ${i}`) }, problems);
    assert.equal(info?.Warnings?.length, 100);
    assert.deepEqual(problems.named, ['Warnings: 100000 warnings, of which only the first 100 were read']);
  });

  test('a container with wrongly typed fields is still read, every field in place', () => {
    const problems = new AnswerProblems();
    const container = readContainer(
      {
        Id: 12,
        Name: 42,
        State: [],
        HostConfig: { Privileged: 'yes', CapAdd: [1, 'SYS_ADMIN'], Memory: 67_108_864, PortBindings: { '80/tcp': 'x' }, Sysctls: { 'net.ipv4.ip_forward': 1 } },
        Mounts: 'none',
        NetworkSettings: { Ports: { '80/tcp': null } },
      },
      'f'.repeat(64),
      problems,
    );
    assert.equal(container.Id, 'f'.repeat(64));
    assert.equal(containerName(container), 'ffffffffffff');
    assert.deepEqual(container.State, {});
    assert.deepEqual(container.Mounts, []);
    assert.deepEqual(container.HostConfig, { CapAdd: ['SYS_ADMIN'], Memory: 67_108_864, PortBindings: {}, Sysctls: {} });
    assert.deepEqual(container.NetworkSettings, { Ports: {} });
    assert.equal(problems.count, 8);
    assert.ok(problems.named.includes('Id: expected a string, found the number 12'), problems.describe());
  });

  test('a listing entry without a readable id is named, with its place in the listing', () => {
    const problems = new AnswerProblems();
    assert.equal(readListingId({ Id: 'abc' }, problems, '[0]'), 'abc');
    assert.equal(readListingId({ Id: 5 }, problems, '[1]'), undefined);
    assert.equal(readListingId({ Names: ['/x'] }, problems, '[2]'), undefined);
    assert.equal(readListingId('x', problems, '[3]'), undefined);
    assert.equal(readListingId({ Id: '' }, problems, '[4]'), undefined);
    assert.deepEqual(problems.named, ['[1].Id: expected a string, found the number 5', '[2].Id: missing or empty', '[3]: expected an object, found a string', '[4].Id: missing or empty']);
  });
});

describe('why containers were not checked is summed up', () => {
  test('one entry per reason, with a count and the first three containers', () => {
    const skips = new ContainerSkips();
    for (let i = 0; i < 1000; i++) skips.add('GET /containers/{id}/json failed: no complete answer within 20 s', `c${i}`);
    skips.add('HostConfig.Privileged: expected true or false, found a string', 'odd');
    const collector = new Collector();
    skips.report(collector, 'containers');
    assert.deepEqual(collector.notChecked, [
      { area: 'containers', reason: 'GET /containers/{id}/json failed: no complete answer within 20 s: 1000 containers (c0, c1, c2, and 997 more)' },
      { area: 'containers', reason: 'HostConfig.Privileged: expected true or false, found a string: 1 container (odd)' },
    ]);
  });

  test('an engine that makes every reason different still gives a bounded report', () => {
    const skips = new ContainerSkips();
    for (let i = 0; i < 5000; i++) skips.add(`answered 500: error ${i}`, `c${i}`);
    const collector = new Collector();
    skips.report(collector, 'containers');
    assert.equal(collector.notChecked.length, 21);
    assert.equal(collector.notChecked.at(-1)!.reason, 'other reasons than these 20: 4980 containers (c20, c21, c22, and 4977 more)');
  });
});
