// The user a container runs as, read as runc reads it (`0`, `00`, `+0`, `0:0`, `root`, `:1000` are
// root), with the image's user when none is given, and an exec's user falling back to its container's.
// Baseline lets any user through; restricted requires a numeric non-zero uid.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyUser } from '../../src/judge/reach/user.js';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { create, judgeOperation, refusedFields, RESTRICTED_CONSTRAINTS } from '../support/reach-fixtures.js';

const restrictedHost = { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Memory: 1 << 28, PidsLimit: 100, NanoCpus: 1e9 };
const restricted = (body: Record<string, unknown>, engine = fakeEngine()) => create({ ...body, HostConfig: restrictedHost }, { constraints: RESTRICTED_CONSTRAINTS, engine });

describe('reading a user', () => {
  test('every spelling of root is root', () => {
    for (const spec of ['0', '00', '000', '+0', '0:0', 'root', 'root:x', '0:1', ':1000', '0:root']) {
      assert.equal(classifyUser(spec).kind, 'root', spec);
    }
  });

  test('numbers are uids, names are names, out-of-range uids are invalid', () => {
    assert.deepEqual(classifyUser('1000:1000'), { kind: 'uid', uid: 1000 });
    assert.deepEqual(classifyUser('007'), { kind: 'uid', uid: 7 });
    assert.deepEqual(classifyUser('nobody'), { kind: 'name', name: 'nobody' });
    assert.equal(classifyUser('-1').kind, 'invalid');
    assert.equal(classifyUser('4294967296').kind, 'invalid');
    assert.equal(classifyUser('').kind, 'unset');
  });
});

describe('restricted: non-root required', () => {
  test('root users are refused in every spelling', async () => {
    for (const User of ['0', '00', '0:0', 'root', 'root:x', '0:1']) {
      assert.deepEqual(refusedFields(await restricted({ User })), ['User'], User);
    }
  });

  test('a numeric non-root user passes; a name that cannot be verified is refused', async () => {
    assert.deepEqual(refusedFields(await restricted({ User: '1000:1000' })), []);
    const outcome = await restricted({ User: 'nobody' });
    assert.deepEqual(refusedFields(outcome), ['User']);
    assert.match(outcome.violations[0]!.why, /cannot verify/);
  });

  test("an empty User is the image's user, asked of the engine", async () => {
    const engine = fakeEngine({
      images: [
        { Id: 'sha256:a', Config: { User: '' }, names: ['busybox'] },
        { Id: 'sha256:b', Config: { User: '1000' }, names: ['app'] },
        { Id: 'sha256:c', Config: { User: 'www-data' }, names: ['web'] },
      ],
    });
    assert.deepEqual(refusedFields(await restricted({ Image: 'busybox' }, engine)), ['User']);
    assert.deepEqual(refusedFields(await restricted({ Image: 'app' }, engine)), []);
    assert.deepEqual(refusedFields(await restricted({ Image: 'web' }, engine)), ['User']);
    const missing = await restricted({ Image: 'not-pulled' }, engine);
    assert.deepEqual(refusedFields(missing), ['User']);
    assert.match(missing.violations[0]!.fix, /--user/);
  });

  test('baseline lets root run', async () => {
    assert.deepEqual(refusedFields(await create({ User: 'root' })), []);
  });
});

describe('exec users', () => {
  const engine = () => fakeEngine({ containers: [plainContainer('rootful'), plainContainer('app', { User: '1000', HostConfig: { SecurityOpt: ['no-new-privileges'] } })] });
  const exec = (target: string, body: Record<string, unknown>, constraints = RESTRICTED_CONSTRAINTS) =>
    judgeOperation('container.exec.create', { Cmd: ['sh'], ...body }, { constraints, target, engine: engine() });

  test('restricted refuses exec as root, and an empty exec user inherits a root container user', async () => {
    assert.deepEqual(refusedFields(await exec('app', { User: '0' })), ['User']);
    assert.deepEqual(refusedFields(await exec('rootful', {})).includes('User'), true);
    assert.deepEqual(refusedFields(await exec('app', {})), []);
    assert.deepEqual(refusedFields(await exec('app', { User: '1000' })), []);
  });

  test('baseline allows exec as any user', async () => {
    const { BASELINE_CONSTRAINTS } = await import('../support/reach-fixtures.js');
    assert.deepEqual(refusedFields(await exec('rootful', { User: 'root' }, BASELINE_CONSTRAINTS)), []);
    assert.deepEqual(refusedFields(await exec('rootful', { User: '1000' }, BASELINE_CONSTRAINTS)), []);
  });
});
