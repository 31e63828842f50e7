// Mounts: host binds are judged on the host (.., //, symlinks, component-wise roots, per-root
// read-only), the engine's sockets and their parents are never allowed, and every other way to get a
// host path into a container (Mounts of each type, local volume options, VolumesFrom, named volumes
// made earlier, volumes/create) is judged the same way. Benign neighbours pass.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { create, judgeOperation, refusedFields, withRoots } from '../support/reach-fixtures.js';

let tmp: string;
let data: string;
let ro: string;

before(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-mounts-')));
  data = join(tmp, 'data');
  ro = join(tmp, 'ro');
  for (const dir of ['data/sub', 'data/v1..2', 'database', 'secret', 'ro/inner']) mkdirSync(join(tmp, dir), { recursive: true });
  writeFileSync(join(tmp, 'data/file.txt'), 'x');
  writeFileSync(join(tmp, 'fake.sock'), '');
  symlinkSync('/etc', join(data, 'escape'));
  symlinkSync('../secret', join(data, 'rel'));
  symlinkSync('/nonexistent-dockgate-test/abc', join(data, 'dangling'));
  symlinkSync(join(data, 'sub'), join(data, 'inside'));
});

after(() => rmSync(tmp, { recursive: true, force: true }));

const roots = () => withRoots([{ path: data }, { path: ro, readOnly: true }]);
const binds = (...list: string[]) => ({ HostConfig: { Binds: list } });

describe('Binds with host paths', () => {
  test('a read-write bind under a read-write root passes', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${data}/sub:/x`), { constraints: roots() })), []);
  });

  test('a read-only bind under a read-only root passes', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${ro}:/x:ro`, `${ro}/inner:/y:ro`), { constraints: roots() })), []);
  });

  test('a read-write bind under a read-only root is refused with the :ro fix', async () => {
    const outcome = await create(binds(`${ro}/inner:/x`), { constraints: roots() });
    assert.deepEqual(refusedFields(outcome), ['HostConfig.Binds[0]']);
    assert.match(outcome.violations[0]!.why, /read-only/);
    assert.match(outcome.violations[0]!.fix, /:ro/);
  });

  test('a read-write bind of a directory above a read-only root is refused', async () => {
    const constraints = withRoots([{ path: tmp }, { path: ro, readOnly: true }]);
    assert.deepEqual(refusedFields(await create(binds(`${tmp}:/x`), { constraints })), ['HostConfig.Binds[0]']);
    assert.deepEqual(refusedFields(await create(binds(`${tmp}:/x:ro`), { constraints })), []);
  });

  test('a directory named v1..2 under a root passes', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${data}/v1..2:/x`), { constraints: roots() })), []);
  });

  test('a path that shares a prefix with a root is not under it (/srv/database vs /srv/data)', async () => {
    const outcome = await create(binds(`${tmp}/database:/x`), { constraints: roots() });
    assert.deepEqual(refusedFields(outcome), ['HostConfig.Binds[0]']);
    assert.match(outcome.violations[0]!.why, /not under an allowed bind root/);
  });

  test('.. out of a root is refused, .. that stays inside passes', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${data}/../secret:/x`), { constraints: roots() })), ['HostConfig.Binds[0]']);
    assert.deepEqual(refusedFields(await create(binds(`${data}/sub/..:/x`), { constraints: roots() })), []);
  });

  test('doubled slashes are read as single ones', async () => {
    assert.deepEqual(refusedFields(await create(binds(`/${data}//sub:/x`), { constraints: roots() })), []);
    assert.deepEqual(refusedFields(await create(binds('//etc:/x'), { constraints: roots() })), ['HostConfig.Binds[0]']);
  });

  test('a symlink planted inside a root that points outside is refused, naming where it resolves', async () => {
    for (const source of [`${data}/escape`, `${data}/escape/ssl`, `${data}/rel`]) {
      const outcome = await create(binds(`${source}:/x`), { constraints: roots() });
      assert.deepEqual(refusedFields(outcome), ['HostConfig.Binds[0]'], source);
      assert.match(outcome.violations[0]!.why, /resolves to/, source);
    }
  });

  test('a dangling symlink inside a root is judged by its target', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${data}/dangling:/x`), { constraints: roots() })), ['HostConfig.Binds[0]']);
  });

  test('a symlink that stays inside the root passes', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${data}/inside:/x`), { constraints: roots() })), []);
  });

  test('a path that does not exist yet under a root passes (the engine creates it there)', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${data}/new/dir:/x`), { constraints: roots() })), []);
  });

  test('without roots every host path is refused, with the named-volume fix', async () => {
    const outcome = await create(binds('/srv:/x'));
    assert.deepEqual(refusedFields(outcome), ['HostConfig.Binds[0]']);
    assert.match(outcome.violations[0]!.why, /grants no host bind roots/);
    assert.match(outcome.violations[0]!.fix, /named volume/);
  });

  test('the engine and containerd sockets and their parents are refused even under a root of /', async () => {
    const everything = withRoots([{ path: '/' }]);
    for (const source of ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd/containerd.sock', '/run', '/var/run', '/', '/var/run/../run/docker.sock']) {
      const outcome = await create(binds(`${source}:/x`), { constraints: everything });
      assert.deepEqual(refusedFields(outcome), ['HostConfig.Binds[0]'], source);
      assert.match(outcome.violations[0]!.why, /engine socket/, source);
    }
    assert.deepEqual(refusedFields(await create(binds('/usr/share:/x:ro'), { constraints: everything })), []);
  });

  test('a protected path given by the gateway (its upstream socket) and its directory are refused', async () => {
    const constraints = withRoots([{ path: tmp }]);
    const protectedPaths = [join(tmp, 'fake.sock')];
    assert.deepEqual(refusedFields(await create(binds(`${tmp}/fake.sock:/s`), { constraints, protectedPaths })), ['HostConfig.Binds[0]']);
    assert.deepEqual(refusedFields(await create(binds(`${tmp}:/s`), { constraints, protectedPaths })), ['HostConfig.Binds[0]']);
    assert.deepEqual(refusedFields(await create(binds(`${data}:/s`), { constraints, protectedPaths })), []);
  });

  test('shared and rshared propagation are refused, rslave passes', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${data}:/x:rshared`), { constraints: roots() })), ['HostConfig.Binds[0]']);
    assert.deepEqual(refusedFields(await create(binds(`${data}:/x:ro,shared`), { constraints: roots() })), ['HostConfig.Binds[0]']);
    assert.deepEqual(refusedFields(await create(binds(`${data}:/x:rslave`), { constraints: roots() })), []);
  });

  test('a mode the engine does not accept is refused (RO is not ro)', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${ro}:/x:RO`), { constraints: roots() })), ['HostConfig.Binds[0]']);
  });

  test('relabelling (:z, :Z) writes to the host, so a read-only root refuses it', async () => {
    assert.deepEqual(refusedFields(await create(binds(`${ro}:/x:ro,Z`), { constraints: roots() })), ['HostConfig.Binds[0]']);
    assert.deepEqual(refusedFields(await create(binds(`${data}:/x:z`), { constraints: roots() })), []);
  });
});

describe('named and anonymous volumes', () => {
  test('a named volume passes', async () => {
    assert.deepEqual(refusedFields(await create(binds('data:/data', 'cache:/cache:ro'))), []);
  });

  test('a named volume created earlier with bind options is judged by its device', async () => {
    const engine = fakeEngine({
      volumes: [
        { Name: 'sneaky', Driver: 'local', Options: { type: 'none', o: 'bind', device: '/etc' } },
        { Name: 'fine', Driver: 'local', Options: { type: 'none', o: 'bind', device: `${data}/sub` } },
        { Name: 'disk', Driver: 'local', Options: { type: 'ext4', device: '/dev/sda1' } },
      ],
    });
    assert.deepEqual(refusedFields(await create(binds('sneaky:/x'), { constraints: roots(), engine })), ['HostConfig.Binds[0]']);
    assert.deepEqual(refusedFields(await create(binds('fine:/x'), { constraints: roots(), engine })), []);
    assert.deepEqual(refusedFields(await create(binds('disk:/x'), { constraints: roots(), engine })), ['HostConfig.Binds[0]']);
  });

  test('a volume plugin driver is refused unless the policy lists it', async () => {
    assert.deepEqual(refusedFields(await create({ Volumes: { '/data': {} }, HostConfig: { VolumeDriver: 'convoy' } })), ['HostConfig.VolumeDriver']);
    assert.deepEqual(refusedFields(await create({ Volumes: { '/data': {} } })), []);
  });
});

describe('Mounts of every type', () => {
  const mounts = (...list: unknown[]) => ({ HostConfig: { Mounts: list } });

  test('a read-only bind mount under a root passes; outside it is refused', async () => {
    assert.deepEqual(refusedFields(await create(mounts({ Type: 'bind', Source: ro, Target: '/x', ReadOnly: true }), { constraints: roots() })), []);
    assert.deepEqual(refusedFields(await create(mounts({ Type: 'bind', Source: '/etc', Target: '/x', ReadOnly: true }), { constraints: roots() })), ['HostConfig.Mounts[0].Source']);
  });

  test('bind options: rshared propagation, CreateMountpoint and non-recursive read-only under a read-only root are refused', async () => {
    const bind = (BindOptions: unknown, Source = data, ReadOnly = false) => mounts({ Type: 'bind', Source, Target: '/x', ReadOnly, BindOptions });
    assert.deepEqual(refusedFields(await create(bind({ Propagation: 'rshared' }), { constraints: roots() })), ['HostConfig.Mounts[0].BindOptions.Propagation']);
    assert.deepEqual(refusedFields(await create(bind({ CreateMountpoint: true }), { constraints: roots() })), ['HostConfig.Mounts[0].BindOptions.CreateMountpoint']);
    assert.deepEqual(refusedFields(await create(bind({ ReadOnlyNonRecursive: true }, ro, true), { constraints: roots() })), ['HostConfig.Mounts[0].Source']);
  });

  test('a volume mount with local bind options is judged like a bind', async () => {
    const volume = (Options: Record<string, string>) => mounts({ Type: 'volume', Source: 'v', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options } } });
    assert.deepEqual(refusedFields(await create(volume({ type: 'none', o: 'bind', device: '/' }), { constraints: roots() })), [
      'HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device',
    ]);
    assert.deepEqual(refusedFields(await create(volume({ type: 'none', o: 'bind', device: `${data}/sub` }), { constraints: roots() })), []);
    assert.deepEqual(refusedFields(await create(volume({ type: 'none', o: 'bind,ro', device: ro }), { constraints: roots() })), []);
    assert.deepEqual(refusedFields(await create(volume({ type: 'ext4', device: '/dev/sda1' }), { constraints: roots() })), ['HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options']);
    assert.deepEqual(refusedFields(await create(volume({ type: 'tmpfs', device: 'tmpfs', o: 'size=64m' }), { constraints: roots() })), []);
  });

  test('tmpfs and image mounts pass; cluster and npipe mounts and unknown types are refused', async () => {
    assert.deepEqual(refusedFields(await create(mounts({ Type: 'tmpfs', Target: '/t' }, { Type: 'image', Source: 'busybox', Target: '/i' }))), []);
    assert.deepEqual(refusedFields(await create(mounts({ Type: 'cluster', Source: 'c', Target: '/c' }))), ['HostConfig.Mounts[0].Type']);
    assert.deepEqual(refusedFields(await create(mounts({ Type: 'npipe', Source: '\\\\.\\pipe\\docker_engine', Target: '/p' }))), ['HostConfig.Mounts[0].Type']);
    assert.deepEqual(refusedFields(await create(mounts({ Type: 'weird', Target: '/w' }))), ['HostConfig.Mounts[0].Type']);
  });
});

describe('VolumesFrom', () => {
  const engine = () =>
    fakeEngine({
      containers: [
        plainContainer('hostdata', { Mounts: [{ Type: 'bind', Source: '/etc', Destination: '/etc-host', RW: true }] }),
        plainContainer('rodata', { Mounts: [{ Type: 'bind', Source: ro, Destination: '/ro', RW: true }] }),
        plainContainer('volumes', { Mounts: [{ Type: 'volume', Name: 'v1', Source: '/var/lib/docker/volumes/v1/_data', Destination: '/v', RW: true, Driver: 'local' }] }),
      ],
      volumes: [{ Name: 'v1', Driver: 'local', Options: null }],
    });

  test("a source container's host mounts are judged as if the new container asked for them", async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { VolumesFrom: ['hostdata'] } }, { constraints: roots(), engine: engine() })).length, 1);
    assert.deepEqual(refusedFields(await create({ HostConfig: { VolumesFrom: ['volumes'] } }, { constraints: roots(), engine: engine() })), []);
  });

  test(':ro makes inherited binds read-only, which a read-only root then allows', async () => {
    assert.equal(refusedFields(await create({ HostConfig: { VolumesFrom: ['rodata'] } }, { constraints: roots(), engine: engine() })).length, 1);
    assert.deepEqual(refusedFields(await create({ HostConfig: { VolumesFrom: ['rodata:ro'] } }, { constraints: roots(), engine: engine() })), []);
  });

  test('a source container that does not exist is refused (it cannot be judged)', async () => {
    assert.deepEqual(refusedFields(await create({ HostConfig: { VolumesFrom: ['ghost'] } }, { engine: engine() })), ['HostConfig.VolumesFrom[0]']);
  });
});

describe('volumes/create with local driver options', () => {
  const volume = (DriverOpts: Record<string, string>, Driver = 'local') => judgeOperation('volume.create', { Name: 'v', Driver, DriverOpts }, { constraints: roots() });

  test('plain, sized and tmpfs volumes pass', async () => {
    assert.deepEqual(refusedFields(await volume({})), []);
    assert.deepEqual(refusedFields(await volume({ type: 'tmpfs', device: 'tmpfs', o: 'size=100m,uid=1000' })), []);
  });

  test('o=bind with a device outside the roots is refused, under a root it passes', async () => {
    assert.deepEqual(refusedFields(await volume({ type: 'none', o: 'bind', device: '/' })), ['DriverOpts.device']);
    assert.deepEqual(refusedFields(await volume({ type: 'none', o: 'rbind', device: `${tmp}/secret` })), ['DriverOpts.device']);
    assert.deepEqual(refusedFields(await volume({ type: 'none', o: 'bind', device: `${data}/sub` })), []);
  });

  test('the device path is resolved physically (mount(2) sees it as written): .. after a symlink leaves the root', async () => {
    assert.deepEqual(refusedFields(await volume({ type: 'none', o: 'bind', device: `${data}/escape/..` })), ['DriverOpts.device']);
    // Binds are cleaned by the engine first, so the same text there stays in the root.
    assert.deepEqual(refusedFields(await create(binds(`${data}/escape/..:/x`), { constraints: roots() })), []);
  });

  test('block devices and network filesystems are refused', async () => {
    assert.deepEqual(refusedFields(await volume({ type: 'ext4', device: '/dev/sda1' })), ['DriverOpts']);
    assert.deepEqual(refusedFields(await volume({ type: 'nfs', o: 'addr=10.0.0.1,rw', device: ':/export' })), ['DriverOpts']);
    assert.deepEqual(refusedFields(await volume({ type: 'cifs', device: '//host/share', o: 'username=x' })), ['DriverOpts']);
  });

  test('unknown local options and plugin drivers are refused', async () => {
    assert.deepEqual(refusedFields(await volume({ mountpoint: '/etc' })), ['DriverOpts.mountpoint']);
    assert.deepEqual(refusedFields(await volume({}, 'rexray')), ['Driver']);
  });
});
