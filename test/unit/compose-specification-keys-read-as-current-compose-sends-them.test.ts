// Keys of the current Compose Specification that Compose 1.29 predates (`name:`, a service's `uts` and
// `cgroup`) are read in a file of a later format, with or without `version:`, and mapped to what current
// Compose (`docker compose`, v2) sends: UTSMode and CgroupnsMode located at their keys, so that the
// baseline judge's refusal of a host namespace points at the line and column of `uts` or `cgroup`; the
// project named by `-p`, else COMPOSE_PROJECT_NAME, else `name:` (normalised), else the directory, its
// containers `<project>-<service>-<number>`. A file without these keys keeps Compose 1.29's reading.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CheckedRequest } from '../../src/check/checked-request.js';
import { composeRequests } from '../../src/check/compose/compose-requests.js';
import { builtinPolicy, judge } from '../../src/index.js';
import { composeProject, spot } from '../support/compose-files.js';
import { ALICE } from '../support/policy-fixtures.js';

type Create = CheckedRequest & { body: { HostConfig: Record<string, unknown> } };

const SPEC = `name: shop
services:
  web:
    image: busybox:1.36
    uts: host
    cgroup: host
  worker:
    image: busybox:1.36
    cgroup: private
  built:
    build: .
`;

const dir = composeProject({ 'compose.yaml': SPEC, 'v3.yml': `version: "3.8"\nservices:\n  web:\n    image: busybox:1.36\n    uts: host\n` }, 'Some.Dir');
const file = join(dir, 'compose.yaml');
const requests = composeRequests({ files: [file], env: {} });

function create(from: readonly CheckedRequest[], subject: string): Create {
  const found = from.find((r) => r.subject === subject);
  assert.ok(found, `${subject} among ${from.map((r) => r.subject).join(', ')}`);
  return found as Create;
}

/** The judge's reason for refusing the request under a built-in profile, or '' when it allows it. */
async function refusal(req: CheckedRequest, profile: 'baseline' | 'restricted' = 'baseline'): Promise<string> {
  const result = await judge(builtinPolicy(profile), {
    method: req.method,
    path: req.path,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(req.body)),
    identity: ALICE,
  });
  return result.verdict === 'deny' ? (result.reason ?? '') : '';
}

describe('uts and cgroup mapped to the create body and located at their keys', () => {
  const web = create(requests, 'service web');
  const worker = create(requests, 'service worker');

  test('uts: host is UTSMode host, located at uts', () => {
    assert.equal(web.body.HostConfig['UTSMode'], 'host');
    assert.deepEqual(web.locate('HostConfig.UTSMode'), spot(file, 'uts:'));
  });

  test('cgroup: host is CgroupnsMode host, cgroup: private CgroupnsMode private, located at cgroup', () => {
    assert.equal(web.body.HostConfig['CgroupnsMode'], 'host');
    assert.deepEqual(web.locate('HostConfig.CgroupnsMode'), spot(file, 'cgroup: host'));
    assert.equal(worker.body.HostConfig['CgroupnsMode'], 'private');
    assert.deepEqual(worker.locate('HostConfig.CgroupnsMode'), spot(file, 'cgroup: private'));
  });

  test('baseline refuses the host UTS namespace, naming the field located at uts; it allows the host cgroup namespace, as it does for any client', async () => {
    const reason = await refusal(web);
    assert.match(reason, /HostConfig\.UTSMode: "host" shares the host's UTS namespace/u);
    assert.doesNotMatch(reason, /CgroupnsMode/u);
  });

  test('restricted refuses the host cgroup namespace, naming the field located at cgroup; a private one goes through', async () => {
    assert.match(await refusal(web, 'restricted'), /HostConfig\.CgroupnsMode: "host" shares the host's cgroup namespace/u);
    assert.doesNotMatch(await refusal(worker, 'restricted'), /CgroupnsMode/u);
    assert.equal(await refusal(worker), '');
  });

  test('uts in a version "3.8" file is read too (current Compose ignores version), and refused under baseline', async () => {
    const v3 = composeRequests({ files: [join(dir, 'v3.yml')], env: {} });
    const service = create(v3, 'service web');
    assert.equal(service.body.HostConfig['UTSMode'], 'host');
    assert.deepEqual(service.locate('HostConfig.UTSMode'), spot(join(dir, 'v3.yml'), 'uts:'));
    assert.match(await refusal(service), /HostConfig\.UTSMode: /u);
    assert.ok(service.path.endsWith('?name=somedir-web-1'), service.path);
  });

  test('a cgroup other than host or private is refused at its value', () => {
    const bad = composeProject({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n    cgroup: shared\n' });
    assert.throws(
      () => composeRequests({ files: [join(bad, 'compose.yaml')], env: {} }),
      (err: Error) => err.message.includes(`${join(bad, 'compose.yaml')}:4:13: services.web.cgroup must be one of the following: "host", "private"`),
    );
  });

  test('the legacy format (services at the top level) still refuses uts, as no Compose that reads it knows the key', () => {
    const legacy = composeProject({ 'docker-compose.yml': 'web:\n  image: busybox\n  uts: host\n' });
    assert.throws(() => composeRequests({ files: [join(legacy, 'docker-compose.yml')], env: {} }), /docker-compose\.yml:3:3: Unsupported config option for services\.web: 'uts'/u);
  });
});

describe('name: and the names current Compose gives', () => {
  test('name: names the project; containers are <project>-<service>-<number>, a built image <project>-<service>, networks <project>_<network>', () => {
    const web = create(requests, 'service web');
    assert.ok(web.path.endsWith('?name=shop-web-1'), web.path);
    assert.equal((web.body as unknown as { Labels: Record<string, string> }).Labels['com.docker.compose.project'], 'shop');
    assert.equal((create(requests, 'service built').body as unknown as { Image: string }).Image, 'shop-built');
    assert.equal(web.body.HostConfig['NetworkMode'], 'shop_default');
    assert.deepEqual(web.locate('?name'), spot(file, 'name:'), 'the container name is located at name:');
  });

  test('precedence: -p, then COMPOSE_PROJECT_NAME, then name:, then the directory', () => {
    const nameOf = (requests: readonly CheckedRequest[]): string => create(requests, 'service web').path.split('?name=')[1]!;
    assert.equal(nameOf(composeRequests({ files: [file], env: { COMPOSE_PROJECT_NAME: 'fromenv' }, projectName: 'given' })), 'given-web-1');
    assert.equal(nameOf(composeRequests({ files: [file], env: { COMPOSE_PROJECT_NAME: 'fromenv' } })), 'fromenv-web-1');
    const unnamed = composeProject({ 'compose.yaml': 'services:\n  web:\n    image: busybox\n    uts: host\n' }, 'Other_Dir');
    assert.equal(nameOf(composeRequests({ files: [join(unnamed, 'compose.yaml')], env: {} })), 'other_dir-web-1');
  });

  test('-p or COMPOSE_PROJECT_NAME that current Compose would have to normalise is refused, as current Compose refuses it; 1.29 normalises it', () => {
    const invalid = /invalid project name "My\.Shop": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number/u;
    assert.throws(() => composeRequests({ files: [file], env: {}, projectName: 'My.Shop' }), invalid);
    assert.throws(() => composeRequests({ files: [file], env: { COMPOSE_PROJECT_NAME: 'My.Shop' } }), invalid);
    const old = composeProject({ 'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n' });
    assert.ok(create(composeRequests({ files: [join(old, 'docker-compose.yml')], env: {}, projectName: 'My.Shop' }), 'service web').path.endsWith('?name=myshop_web_1'));
  });

  test('name: is interpolated and normalised as current Compose normalises it; the last file giving one wins', () => {
    const named = composeProject({
      'compose.yaml': 'name: ${PROJECT:-first}\nservices:\n  web:\n    image: busybox\n',
      'override.yaml': 'name: "-The.Second_One"\n',
    });
    const nameOf = (files: string[], env: Record<string, string>): string =>
      create(composeRequests({ files: files.map((f) => join(named, f)), env }), 'service web').path.split('?name=')[1]!;
    assert.equal(nameOf(['compose.yaml'], {}), 'first-web-1');
    assert.equal(nameOf(['compose.yaml'], { PROJECT: 'Shop' }), 'shop-web-1');
    assert.equal(nameOf(['compose.yaml', 'override.yaml'], {}), 'thesecond_one-web-1');
  });

  test('a file without keys 1.29 lacks keeps 1.29’s names', () => {
    const old = composeProject({ 'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n' }, 'shop');
    assert.ok(create(composeRequests({ files: [join(old, 'docker-compose.yml')], env: {} }), 'service web').path.endsWith('?name=shop_web_1'));
  });
});
