// A container create is judged first on its own fields (not under a rule in warn mode, whose records are to
// name every reason): one they refuse is refused without asking the
// engine anything (a look-up costs a refusal more than the rest of its judgement, and can only add reasons),
// its message saying what is judged once the rest is allowed. Host paths are the request's own and are
// judged either way. One they allow is judged again, whole, each look-up made once; an existing object
// can still refuse it. An empty User under a non-root policy is looked up either way (the image's user is
// usually root, and the refusal says so the first time).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinPolicy, judge, loadPolicy, type JudgeResult, type Policy } from '../../src/index.js';
import type { ContainerFacts, EngineLookup, ImageFacts, VolumeFacts } from '../../src/judge/engine-lookup.js';
import { ALICE } from '../support/policy-fixtures.js';

const DB_ID = 'd'.repeat(64);

/** An engine with one plain volume `data`, one bind-backed volume `rootfs`, one container `db`, `busybox` running as root and `app` as 1000; it notes every look-up. */
function countingEngine(): EngineLookup & { asked: string[] } {
  const asked: string[] = [];
  const db: ContainerFacts = { Id: DB_ID, Name: '/db', Image: 'busybox', Config: {}, HostConfig: {}, Mounts: [] };
  const volumes: Record<string, VolumeFacts> = {
    data: { Name: 'data', Driver: 'local', Options: null },
    rootfs: { Name: 'rootfs', Driver: 'local', Options: { type: 'none', o: 'bind', device: '/' } },
  };
  return {
    asked,
    container: (ref) => (asked.push(`container ${ref}`), Promise.resolve(ref === 'db' || DB_ID.startsWith(ref) ? db : undefined)),
    volume: (name) => (asked.push(`volume ${name}`), Promise.resolve(volumes[name])),
    image: (ref): Promise<ImageFacts | undefined> => (asked.push(`image ${ref}`), Promise.resolve({ Id: `sha256:${'b'.repeat(64)}`, Config: { User: ref === 'app' ? '1000' : '' } })),
    exec: () => Promise.resolve(undefined),
  };
}

function create(engine: EngineLookup, body: object, query = '?name=web', profile: 'baseline' | 'restricted' | Policy = 'baseline'): Promise<JudgeResult> {
  return judge(
    typeof profile === 'string' ? builtinPolicy(profile) : profile,
    { method: 'POST', path: `/v1.41/containers/create${query}`, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)), identity: ALICE },
    engine,
  );
}

test('refused on its own fields: nothing is looked up, and the message says what waits', async () => {
  const engine = countingEngine();
  const result = await create(
    engine,
    {
      Image: 'busybox',
      HostConfig: {
        Privileged: true,
        Binds: ['data:/data', '/:/host'],
        Mounts: [{ Type: 'volume', Source: 'rootfs', Target: '/r' }],
        VolumesFrom: ['db'],
        NetworkMode: 'container:db',
      },
    },
    '?name=dead',
  );
  assert.equal(result.verdict, 'deny');
  assert.deepEqual(engine.asked, []);
  assert.deepEqual(
    result.violations?.map((v) => v.field),
    ['HostConfig.Binds[1]', 'HostConfig.Privileged'],
    "the host path is the request's own, judged either way",
  );
  assert.match(
    result.reason,
    /; judged once the rest is allowed: HostConfig\.Binds\[0\] \(the volume "data"\), HostConfig\.Mounts\[0\]\.Source \(the volume "rootfs"\), HostConfig\.VolumesFrom\[0\] \(the container "db"\), HostConfig\.NetworkMode \(the container "db"\), \?name \(the containers whose id starts with "dead"\)$/,
  );
});

test('allowed on its own fields: judged whole, each look-up made once', async () => {
  const engine = countingEngine();
  const result = await create(engine, { Image: 'busybox', HostConfig: { Binds: ['data:/data'], VolumesFrom: ['db'] } }, '?name=dead');
  assert.equal(result.verdict, 'allow', result.reason);
  assert.deepEqual(engine.asked, ['volume data', `container db`, 'container dead']);
});

test('an existing object still refuses a create its own fields allow', async () => {
  const engine = countingEngine();
  const result = await create(engine, { Image: 'busybox', HostConfig: { Binds: ['rootfs:/r'] } });
  assert.equal(result.verdict, 'deny');
  assert.deepEqual(engine.asked, ['volume rootfs']);
  assert.match(result.reason, /^HostConfig\.Binds\[0\]: the existing volume "rootfs" bind-mounts "\/"/);
  assert.doesNotMatch(result.reason, /judged once the rest is allowed/);
});

test("an empty User under restricted: the image's user is looked up and named in the first refusal", async () => {
  const engine = countingEngine();
  const result = await create(engine, { Image: 'busybox', HostConfig: { Binds: ['data:/data'] } }, '', 'restricted');
  assert.equal(result.verdict, 'deny');
  assert.deepEqual(engine.asked, ['image busybox']);
  assert.match(result.reason, /User is empty, so the image "busybox"'s user "" applies, and it runs as root/);
  assert.match(result.reason, /judged once the rest is allowed: HostConfig\.Binds\[0\] \(the volume "data"\)$/);
});

test('restricted, an empty User and an image that runs as 1000: allowed, the image asked once for both passes', async () => {
  const engine = countingEngine();
  const HostConfig = { Binds: ['data:/data'], CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Memory: 2 ** 28, PidsLimit: 100, NanoCpus: 1e9 };
  const result = await create(engine, { Image: 'app', HostConfig }, '', 'restricted');
  assert.equal(result.verdict, 'allow', result.reason);
  assert.deepEqual(engine.asked, ['image app', 'volume data']);
});

test('a rule in warn mode judges whole at once: its would_deny names every reason', async () => {
  const engine = countingEngine();
  const learning = loadPolicy('rules:\n  - name: learning\n    profile: baseline\n    mode: warn\n', { name: 'warn.yaml' });
  const result = await create(engine, { Image: 'busybox', HostConfig: { Privileged: true, Binds: ['rootfs:/r'] } }, '?name=web', learning);
  assert.equal(result.verdict, 'deny');
  assert.equal(result.mode, 'warn');
  assert.deepEqual(engine.asked, ['volume rootfs']);
  assert.deepEqual(
    result.violations?.map((v) => v.field),
    ['HostConfig.Binds[0]', 'HostConfig.Privileged'],
  );
  assert.doesNotMatch(result.reason, /judged once the rest is allowed/);
});
