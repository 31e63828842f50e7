// After creation: a body on start, a privileged exec, and exec, attach, archive (GET, HEAD, PUT),
// copy, export and commit on a container that has host access, resolved by name, id or id prefix
// (exec start through its exec id). A container the client could have created itself passes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { judgeOperation, refusedFields, withRoots } from '../support/reach-fixtures.js';

const engine = () =>
  fakeEngine({
    containers: [
      plainContainer('plain'),
      plainContainer('priv', { HostConfig: { Privileged: true } }),
      plainContainer('pidhost', { HostConfig: { PidMode: 'host' } }),
      plainContainer('sysadmin', { HostConfig: { CapAdd: ['CAP_SYS_ADMIN'] } }),
      plainContainer('rootfs', { Mounts: [{ Type: 'bind', Source: '/', Destination: '/host', RW: false }] }),
      plainContainer('srvdata', { Mounts: [{ Type: 'bind', Source: '/srv', Destination: '/srv', RW: true }] }),
      plainContainer('unmasked', { HostConfig: { MaskedPaths: [], ReadonlyPaths: [] } }),
      plainContainer('joiner', { HostConfig: { NetworkMode: 'container:priv' } }),
    ],
    execs: [
      { ID: 'e-priv', ContainerID: 'priv' },
      { ID: 'e-plain', ContainerID: 'plain' },
    ],
  });

const USES = ['container.attach', 'container.attach.ws', 'container.archive.get', 'container.archive.head', 'container.archive.put', 'container.copy', 'container.export'] as const;
const HOST_ACCESS = ['priv', 'pidhost', 'sysadmin', 'rootfs', 'srvdata', 'unmasked', 'joiner'];

describe('start', () => {
  test('start without a body, or with {}, passes; any HostConfig on start is refused', async () => {
    assert.deepEqual(refusedFields(await judgeOperation('container.start', undefined, { target: 'plain' })), []);
    assert.deepEqual(refusedFields(await judgeOperation('container.start', {}, { target: 'plain' })), []);
    assert.deepEqual(refusedFields(await judgeOperation('container.start', { Binds: ['/:/host'] }, { target: 'plain' })), ['body']);
  });
});

describe('start and restart re-resolve host paths', () => {
  test('a directory under a root swapped for a symlink between create and start is refused at start', async () => {
    const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-start-')));
    try {
      mkdirSync(join(tmp, 'data/dir'), { recursive: true });
      const constraints = withRoots([{ path: join(tmp, 'data') }]);
      const container = plainContainer('swapped', { Mounts: [{ Type: 'bind', Source: join(tmp, 'data/dir'), Destination: '/d', RW: true }] });
      const e = fakeEngine({ containers: [container] });
      assert.deepEqual(refusedFields(await judgeOperation('container.start', undefined, { target: 'swapped', engine: e, constraints })), []);
      rmSync(join(tmp, 'data/dir'), { recursive: true });
      symlinkSync('/etc', join(tmp, 'data/dir'));
      for (const operation of ['container.start', 'container.restart'] as const) {
        const outcome = await judgeOperation(operation, undefined, { target: 'swapped', engine: e, constraints });
        assert.equal(outcome.violations.length, 1, operation);
        assert.match(outcome.violations[0]!.why, /would mount a bind of the host path .* resolves to "\/etc"/, operation);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('exec', () => {
  test('a privileged exec is refused, even in a plain container', async () => {
    assert.deepEqual(refusedFields(await judgeOperation('container.exec.create', { Cmd: ['sh'], Privileged: true }, { target: 'plain', engine: engine() })), ['Privileged']);
  });

  test('exec into a container with host access is refused, naming what gives it access', async () => {
    for (const target of HOST_ACCESS) {
      const outcome = await judgeOperation('container.exec.create', { Cmd: ['sh'] }, { target, engine: engine() });
      assert.equal(outcome.violations.length, 1, target);
      assert.match(outcome.violations[0]!.why, /host access/, target);
    }
  });

  test('exec as a non-root user in a plain container passes, by name or id prefix', async () => {
    const e = engine();
    const id = (await e.container('plain'))!.Id;
    assert.deepEqual(refusedFields(await judgeOperation('container.exec.create', { Cmd: ['id'], User: '1000' }, { target: 'plain', engine: e })), []);
    assert.deepEqual(refusedFields(await judgeOperation('container.exec.create', { Cmd: ['id'] }, { target: id.slice(0, 6), engine: e })), []);
  });

  test('exec start is judged by the container its exec belongs to', async () => {
    assert.equal(refusedFields(await judgeOperation('exec.start', { Detach: false, Tty: false }, { target: 'e-priv', engine: engine() })).length, 1);
    assert.deepEqual(refusedFields(await judgeOperation('exec.start', { Detach: false, Tty: false }, { target: 'e-plain', engine: engine() })), []);
  });

  test('an exec or container that does not exist is left to the engine to report', async () => {
    assert.deepEqual(refusedFields(await judgeOperation('exec.start', {}, { target: 'nope', engine: engine() })), []);
    assert.deepEqual(refusedFields(await judgeOperation('container.attach', undefined, { target: 'nope', engine: engine() })), []);
  });
});

describe('attach, archive, copy, export, commit', () => {
  test('each is refused on a container with host access', async () => {
    for (const operation of USES) {
      for (const target of ['priv', 'rootfs']) {
        assert.equal(refusedFields(await judgeOperation(operation, undefined, { target, engine: engine() })).length, 1, `${operation} ${target}`);
      }
    }
    assert.equal(refusedFields(await judgeOperation('container.commit', undefined, { query: 'container=priv&repo=x', engine: engine() })).length, 1);
  });

  test('each passes on a plain container', async () => {
    for (const operation of USES) {
      assert.deepEqual(refusedFields(await judgeOperation(operation, undefined, { target: 'plain', engine: engine() })), [], operation);
    }
    assert.deepEqual(refusedFields(await judgeOperation('container.commit', undefined, { query: 'container=plain&repo=x', engine: engine() })), []);
  });

  test("host access is judged by the client's own constraints: a bind under its root is not host access", async () => {
    const constraints = withRoots([{ path: '/srv' }]);
    assert.deepEqual(refusedFields(await judgeOperation('container.archive.get', undefined, { target: 'srvdata', engine: engine(), constraints })), []);
  });
});
