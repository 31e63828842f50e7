// What a rule redacts reaches the swarm's answers too: a service's and a task's environment values and
// labels, a config's data, the swarm's join tokens and unlock key, node labels; and the swarm's events carry
// nothing more than their object's name, which is left alone. The answers are the engine's own, as a
// single-node swarm on engine 20.10 wrote them (ids and times kept), redacted as they stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonRedactor } from '../../src/forward/json-redactor.js';
import { parseRedaction, redactionTargets, type Redaction } from '../../src/judge/redaction.js';
import type { Operation } from '../../src/route/operations.js';

const READ = parseRedaction(['env', 'mounts', 'secrets', 'labels:*token*']);

function redacted(operation: Operation, answer: string, redaction: Redaction = READ): unknown {
  const out: Buffer[] = [];
  const redactor = new JsonRedactor(redactionTargets(operation, redaction), redaction.labels, (piece) => out.push(Buffer.from(piece)));
  // Byte by byte: where the engine's chunks fall does not matter.
  for (const byte of Buffer.from(answer)) redactor.push(Buffer.of(byte));
  redactor.end();
  return JSON.parse(Buffer.concat(out).toString('utf8'));
}

const SERVICE =
  '{"ID":"9ziuur0i1pe780j1y7qld9oy2","Version":{"Index":11},"CreatedAt":"2026-12-06T02:10:45.209663047Z","UpdatedAt":"2026-12-06T02:10:45.209663047Z","Spec":{"Name":"alice-web","Labels":{"dockgate.owner":"1000","api.token":"t0k"},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:test","Labels":{"dockgate.owner":"1000"},"Args":["sleep","300"],"Env":["PASSWORD=hunter2"],"Init":false,"StopGracePeriod":10000000000,"DNSConfig":{},"Isolation":"default"},"Resources":{"Limits":{},"Reservations":{}},"RestartPolicy":{"Condition":"any","Delay":5000000000,"MaxAttempts":0},"Placement":{},"ForceUpdate":0,"Runtime":"container"},"Mode":{"Replicated":{"Replicas":1}},"UpdateConfig":{"Parallelism":1,"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},"RollbackConfig":{"Parallelism":1,"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},"EndpointSpec":{"Mode":"vip"}},"Endpoint":{"Spec":{}}}';
const TASKS =
  '[{"ID":"nduzc0c5b788lkni87qdsqft5","Version":{"Index":18},"CreatedAt":"2026-12-06T01:59:59.157901908Z","UpdatedAt":"2026-12-06T01:59:59.818985534Z","Labels":{},"Spec":{"ContainerSpec":{"Image":"busybox:test","Labels":{"cx":"cy"},"Args":["sleep","1000"],"Env":["PASSWORD=hunter2"],"Init":false,"DNSConfig":{},"Secrets":[{"File":{"Name":"s1","UID":"0","GID":"0","Mode":292},"SecretID":"lshmavj3iyh36eg84lixmao6g","SecretName":"s1"}],"Configs":[{"File":{"Name":"c1","UID":"0","GID":"0","Mode":292},"ConfigID":"jzon28hy7oqrzdne365huabb6","ConfigName":"c1"}],"Isolation":"default"},"Resources":{"Limits":{},"Reservations":{}},"Placement":{},"ForceUpdate":0},"ServiceID":"9pt8h3fw4f9p9ekq48eo2obg4","Slot":1,"NodeID":"54puwemud6tjpu3z9i3me9vhe","Status":{"Timestamp":"2026-12-06T01:59:59.724413729Z","State":"running","Message":"started","ContainerStatus":{"ContainerID":"82288dd667211b2441aa53ca05cb05c7fb960fb80245c738a47e42e4a223e102","PID":20579,"ExitCode":0},"PortStatus":{}},"DesiredState":"running"}]\n';
const CONFIG =
  '{"ID":"jzon28hy7oqrzdne365huabb6","Version":{"Index":12},"CreatedAt":"2026-12-06T01:59:58.889890867Z","UpdatedAt":"2026-12-06T01:59:58.889890867Z","Spec":{"Name":"c1","Labels":{"a":"b"},"Data":"aHVudGVyMg=="}}';
const EVENTS =
  '{"Type":"secret","Action":"create","Actor":{"ID":"lshmavj3iyh36eg84lixmao6g","Attributes":{"name":"s1"}},"scope":"swarm","time":1796522398,"timeNano":1796522398782876822}\n' +
  '{"Type":"service","Action":"create","Actor":{"ID":"9pt8h3fw4f9p9ekq48eo2obg4","Attributes":{"name":"web"}},"scope":"swarm","time":1796522399,"timeNano":1796522399133647608}\n';

test('a service’s and a task’s environment values and matching labels are redacted, names and everything else kept', () => {
  const service = redacted('service.inspect', SERVICE) as { Spec: { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Env: string[]; Args: string[] } } } };
  assert.deepEqual(service.Spec.TaskTemplate.ContainerSpec.Env, ['PASSWORD=<redacted>']);
  assert.deepEqual(service.Spec.Labels, { 'dockgate.owner': '1000', 'api.token': '<redacted>' });
  assert.deepEqual(service.Spec.TaskTemplate.ContainerSpec.Args, ['sleep', '300']);
  const [task] = redacted('task.list', TASKS) as Array<{ Spec: { ContainerSpec: { Env: string[]; Secrets: unknown[] } }; Status: unknown }>;
  assert.deepEqual(task!.Spec.ContainerSpec.Env, ['PASSWORD=<redacted>']);
  assert.deepEqual(task!.Spec.ContainerSpec.Secrets, (JSON.parse(TASKS) as (typeof task)[])[0]!.Spec.ContainerSpec.Secrets, 'a secret reference names it, it holds no data');
});

test('a config’s data, the join tokens and the unlock key are secrets', () => {
  assert.deepEqual((redacted('config.inspect', CONFIG) as { Spec: unknown }).Spec, { Name: 'c1', Labels: { a: 'b' }, Data: '<redacted>' });
  const swarm =
    '{"ID":"abajmipo7b4xz5ip2nrla6b11","Spec":{"Name":"default","Labels":{}},"JoinTokens":{"Worker":"SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx","Manager":"SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-7p73s1dx5in4tatdymyhg9hu2"}}';
  assert.deepEqual((redacted('swarm.inspect', swarm) as { JoinTokens: unknown }).JoinTokens, { Worker: '<redacted>', Manager: '<redacted>' });
  assert.deepEqual(redacted('swarm.unlockkey', '{"UnlockKey":"SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8"}'), { UnlockKey: '<redacted>' });
  const node = '[{"ID":"24ifsmvkjbyhk","Spec":{"Labels":{"deploy.token":"x"},"Role":"manager"},"Description":{"Engine":{"Labels":{"ci.token":"y","zone":"a"}}}}]';
  assert.deepEqual(redacted('node.list', node), [
    { ID: '24ifsmvkjbyhk', Spec: { Labels: { 'deploy.token': '<redacted>' }, Role: 'manager' }, Description: { Engine: { Labels: { 'ci.token': '<redacted>', zone: 'a' } } } },
  ]);
});

test('swarm events carry only their object’s name: nothing redacted unless a label pattern names it', () => {
  const out: Buffer[] = [];
  const redactor = new JsonRedactor(redactionTargets('system.events', READ), READ.labels, (piece) => out.push(Buffer.from(piece)));
  redactor.push(Buffer.from(EVENTS));
  redactor.end();
  assert.equal(Buffer.concat(out).toString('utf8'), EVENTS);
});
