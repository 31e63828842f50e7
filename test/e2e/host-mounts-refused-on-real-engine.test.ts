// Issue 3, acceptance 1 (mounts): under `dockgate serve --profile baseline --allow-bind <root>
// --allow-bind <ro-root>:ro`, every way a container create can reach a host path outside the granted roots
// is refused (Binds, Mounts of type bind, volume with local bind options, cluster; VolumesFrom a
// container with host mounts; a named volume made with bind options; volumes/create with bind or device
// options; `..` and `//`; /srv/database next to /srv/data; a symlink planted in the root; the engine's
// socket, /run, /var/run; a writable bind under a read-only root; shared propagation), with the
// Docker-format refusal, and the engine keeps no trace. Each attack is then sent to the engine directly to
// prove it does what it claims there (created, inspected, removed; only harmless read-only ones are run).
// Mounts of type image are no host path (a read-only view of an image): they are forwarded, and this
// engine (API 1.41) rejects the type itself.

import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Engine } from '../support/engine.js';
import {
  API,
  HOST_MARKER,
  IMAGE,
  assertCliRefused,
  assertForwarded,
  assertRefused,
  checkCreateAttack,
  removeVolume,
  send,
  sendOk,
  startDockgate,
  useGuardedEngine,
  withoutEngineTrace,
  type ContainerInspect,
  type CreateAttack,
  type GatewayUnderTest,
  type HostLayout,
} from '../support/host-escape.js';

/** What the attack table is built from: paths that exist only once the engine has started. */
interface Context {
  engine: Engine;
  host: HostLayout;
  /** Full id of the `hostbind` container. */
  hostbindId: string;
}

function mountSources(inspect: ContainerInspect): string[] {
  return inspect.Mounts.map((mount) => `${mount.Type}:${mount.Source}:${mount.RW ? 'rw' : 'ro'}`);
}

/** `<dir>/../../..` back to `/`, then `rest`. */
const upToSlash = (from: string, rest: string): string => `${from}/${'../'.repeat(from.split('/').filter(Boolean).length)}${rest}`;

/** Every mount attack, by name; built once the engine exists. */
const ATTACKS: [string, (x: Context) => CreateAttack][] = [
  [
    'Binds /:/host',
    () => ({
      cli: ['-v', '/:/host'],
      body: { HostConfig: { Binds: ['/:/host'] } },
      mentions: /Binds/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/:rw']),
    }),
  ],
  [
    'Mounts type bind of /',
    () => ({
      cli: ['--mount', 'type=bind,src=/,dst=/host'],
      body: { HostConfig: { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] } },
      mentions: /Mounts/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/:rw']),
    }),
  ],
  [
    'Mounts type volume with local DriverConfig type=none,o=bind,device=/',
    (x) => ({
      cli: ['--mount', 'type=volume,src=hostroot,dst=/host,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/'],
      body: {
        HostConfig: {
          Mounts: [{ Type: 'volume', Source: 'hostroot', Target: '/host', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } }],
        },
      },
      mentions: /Mounts|device|bind/i,
      proofVolumes: ['hostroot'],
      proof: async () => {
        const volume = await sendOk<{ Options: Record<string, string> }>(x.engine.endpoint, 'GET', `${API}/volumes/hostroot`);
        assert.deepEqual(volume.Options, { type: 'none', o: 'bind', device: '/' }, 'the engine made the volume with the bind options');
      },
    }),
  ],
  [
    'Mounts type cluster',
    () => ({
      body: { HostConfig: { Mounts: [{ Type: 'cluster', Source: 'x', Target: '/c' }] } },
      mentions: /Mounts|cluster/i,
      status: [400, 403],
      engineRejects: /mount type unknown/,
    }),
  ],
  [
    'VolumesFrom a container with a host mount (made on the engine directly)',
    (x) => ({
      cli: ['--volumes-from', 'hostbind'],
      body: { HostConfig: { VolumesFrom: ['hostbind'] } },
      mentions: /VolumesFrom|hostbind/,
      proof: (c) => assert.deepEqual(mountSources(c), [`bind:${x.host.hostDir}:rw`]),
    }),
  ],
  [
    'VolumesFrom by id prefix and :ro',
    (x) => ({
      body: { HostConfig: { VolumesFrom: [`${x.hostbindId.slice(0, 10)}:ro`] } },
      mentions: /VolumesFrom/,
      proof: (c) => assert.deepEqual(mountSources(c), [`bind:${x.host.hostDir}:ro`]),
    }),
  ],
  [
    'a named volume made on the engine with bind options, in Binds',
    (x) => ({
      cli: ['-v', 'hostvol:/v'],
      body: { HostConfig: { Binds: ['hostvol:/v'] } },
      mentions: /hostvol|Binds|volume/i,
      proof: async () => {
        const out = await dockerOk(['run', '--rm', '-v', 'hostvol:/v:ro', IMAGE, 'cat', '/v/marker'], x.engine.endpoint);
        assert.equal(out, HOST_MARKER, 'the volume shows the host directory');
      },
    }),
  ],
  [
    'a named volume made on the engine with bind options, in Mounts',
    (x) => ({
      cli: ['--mount', 'type=volume,src=hostvol,dst=/v'],
      body: { HostConfig: { Mounts: [{ Type: 'volume', Source: 'hostvol', Target: '/v' }] } },
      mentions: /hostvol|Mounts|volume/i,
      proof: (c) => assert.deepEqual(mountSources(c), [`volume:${x.engine.dir}/data/volumes/hostvol/_data:rw`]),
    }),
  ],
  [
    '.. out of the allowed root to /etc',
    (x) => ({
      cli: ['-v', `${upToSlash(x.host.root, 'etc')}:/x:ro`],
      body: { HostConfig: { Binds: [`${upToSlash(x.host.root, 'etc')}:/x:ro`] } },
      mentions: /Binds|\.\.|etc/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/etc:ro']),
    }),
  ],
  [
    '.. from the allowed root into its look-alike neighbour',
    (x) => ({
      cli: ['--mount', `type=bind,src=${x.host.root}/../database,dst=/x,readonly`],
      body: { HostConfig: { Mounts: [{ Type: 'bind', Source: `${x.host.root}/../database`, Target: '/x', ReadOnly: true }] } },
      mentions: /Mounts|database/,
      proof: (c) => assert.deepEqual(mountSources(c), [`bind:${x.host.lookalike}:ro`]),
    }),
  ],
  [
    '// in the source (//etc)',
    () => ({
      cli: ['-v', '//etc:/x:ro'],
      body: { HostConfig: { Binds: ['//etc:/x:ro'] } },
      mentions: /Binds|etc/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/etc:ro']),
    }),
  ],
  [
    '// and .. inside the allowed root',
    (x) => ({
      body: { HostConfig: { Binds: [`${x.host.root}//..//database:/x:ro`] } },
      mentions: /Binds|database/,
      proof: (c) => assert.deepEqual(mountSources(c), [`bind:${x.host.lookalike}:ro`]),
    }),
  ],
  [
    'prefix confusion: /srv/database is not under /srv/data',
    (x) => ({
      cli: ['-v', `${x.host.lookalike}:/x:ro`],
      body: { HostConfig: { Binds: [`${x.host.lookalike}:/x:ro`] } },
      mentions: /Binds|database/,
      proof: (c) => assert.deepEqual(mountSources(c), [`bind:${x.host.lookalike}:ro`]),
    }),
  ],
  [
    'a symlink planted in the allowed root pointing at /etc (Binds)',
    (x) => ({
      cli: ['-v', `${x.host.root}/etc-link:/x:ro`],
      body: { HostConfig: { Binds: [`${x.host.root}/etc-link:/x:ro`] } },
      mentions: /Binds|etc-link|symlink|\/etc/,
      proof: async () => {
        const listing = await dockerOk(['run', '--rm', '-v', `${x.host.root}/etc-link:/x:ro`, IMAGE, 'ls', '/x'], x.engine.endpoint);
        assert.match(listing, /^passwd$/m, 'the container sees the host /etc');
      },
    }),
  ],
  [
    'a symlink planted in the allowed root pointing at /etc (Mounts)',
    (x) => ({
      cli: ['--mount', `type=bind,src=${x.host.root}/etc-link,dst=/x,readonly`],
      body: { HostConfig: { Mounts: [{ Type: 'bind', Source: `${x.host.root}/etc-link`, Target: '/x', ReadOnly: true }] } },
      mentions: /Mounts|etc-link|symlink|\/etc/,
      proof: (c) => assert.equal(c.Mounts.length, 1),
    }),
  ],
  [
    "the engine's own socket",
    (x) => ({
      cli: ['-v', `${x.engine.socketPath}:/var/run/docker.sock`],
      body: { HostConfig: { Binds: [`${x.engine.socketPath}:/var/run/docker.sock`] } },
      mentions: /Binds|docker\.sock|socket/,
      proof: (c) => assert.deepEqual(mountSources(c), [`bind:${x.engine.socketPath}:rw`]),
    }),
  ],
  [
    "a symlink in the allowed root to the engine's socket",
    (x) => ({
      body: { HostConfig: { Mounts: [{ Type: 'bind', Source: `${x.host.root}/sock-link`, Target: '/var/run/docker.sock' }] } },
      mentions: /Mounts|sock/,
      proof: (c) => assert.equal(c.Mounts.length, 1),
    }),
  ],
  [
    '/var/run/docker.sock',
    () => ({
      cli: ['-v', '/var/run/docker.sock:/var/run/docker.sock'],
      body: { HostConfig: { Binds: ['/var/run/docker.sock:/var/run/docker.sock'] } },
      mentions: /Binds|docker\.sock/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/var/run/docker.sock:rw']),
    }),
  ],
  [
    '/run/docker.sock',
    () => ({
      body: { HostConfig: { Binds: ['/run/docker.sock:/var/run/docker.sock'] } },
      mentions: /Binds|docker\.sock/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/run/docker.sock:rw']),
    }),
  ],
  [
    "containerd's socket",
    () => ({
      body: { HostConfig: { Binds: ['/run/containerd/containerd.sock:/c.sock'] } },
      mentions: /Binds|containerd/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/run/containerd/containerd.sock:rw']),
    }),
  ],
  [
    '/run',
    () => ({
      cli: ['-v', '/run:/hostrun:ro'],
      body: { HostConfig: { Binds: ['/run:/hostrun:ro'] } },
      mentions: /Binds|\/run/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/run:ro']),
    }),
  ],
  [
    '/var/run',
    () => ({
      body: { HostConfig: { Mounts: [{ Type: 'bind', Source: '/var/run', Target: '/hostrun', ReadOnly: true }] } },
      mentions: /Mounts|\/var\/run/,
      proof: (c) => assert.deepEqual(mountSources(c), ['bind:/var/run:ro']),
    }),
  ],
  [
    'a writable bind under a root granted read-only (Binds)',
    (x) => ({
      cli: ['-v', `${x.host.roRoot}:/d`],
      body: { HostConfig: { Binds: [`${x.host.roRoot}:/d`] } },
      mentions: /Binds|read-only|ro/,
      proof: (c) => assert.deepEqual(mountSources(c), [`bind:${x.host.roRoot}:rw`]),
    }),
  ],
  [
    'a writable bind under a root granted read-only (Mounts)',
    (x) => ({
      cli: ['--mount', `type=bind,src=${x.host.roRoot},dst=/d`],
      body: { HostConfig: { Mounts: [{ Type: 'bind', Source: x.host.roRoot, Target: '/d' }] } },
      mentions: /Mounts|read-only|ReadOnly/,
      proof: (c) => assert.deepEqual(mountSources(c), [`bind:${x.host.roRoot}:rw`]),
    }),
  ],
  [
    'shared mount propagation on a bind under the allowed root',
    (x) => ({
      cli: ['-v', `${x.host.root}/x:/x:ro,rshared`],
      body: { HostConfig: { Binds: [`${x.host.root}/x:/x:ro,rshared`] } },
      mentions: /Binds|shared|propagation/i,
      proof: (c) => assert.equal(c.Mounts.length, 1),
    }),
  ],
];

describe('host mounts are refused on a real engine under baseline', { timeout: 10 * 60_000 }, () => {
  const suite = useGuardedEngine({
    // Made on the engine directly: a container with a host mount, and a named volume with bind options.
    async prepare(engine, host) {
      await dockerOk(['run', '-d', '--name', 'hostbind', '-v', `${host.hostDir}:/host`, IMAGE, 'sleep', '600'], engine.endpoint);
      await dockerOk(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${host.hostDir}`, 'hostvol'], engine.endpoint);
    },
    gateways: (_, host) => [{ name: 'baseline', profile: 'baseline', allowBind: [host.root, `${host.roRoot}:ro`] }],
  });
  const gw = (): GatewayUnderTest => suite().gateway('baseline');

  for (const [name, make] of ATTACKS) {
    it(`refuses ${name}, with the rule and a fix, no trace on the engine; the engine itself honours it`, async () => {
      const { engine, host } = suite();
      const hostbindId = (await dockerOk(['inspect', '--format', '{{.Id}}', 'hostbind'], engine.endpoint)).trim();
      await checkCreateAttack(engine, gw(), name, make({ engine, host, hostbindId }));
    });
  }

  it('refuses starting a container whose allowed bind source was swapped for a symlink to /etc after create; the engine would follow it', async () => {
    const { engine, host } = suite();
    const swapped = join(host.root, 'swap');
    mkdirSync(swapped);
    const id = (await dockerOk(['create', '-v', `${swapped}:/x:ro`, IMAGE, 'ls', '/x'], gw().endpoint)).trim();
    rmSync(swapped, { recursive: true });
    symlinkSync('/etc', swapped);
    await withoutEngineTrace(engine, 'start after the swap', async () => {
      // Not `start -a`: its attach, refused first (the container now has host access), shows only "received 403".
      assertCliRefused(await docker(['start', id], gw().endpoint), 'docker start after the swap', /swap|symlink|\/etc|Binds/);
      assertRefused(await send(gw().endpoint, 'POST', `${API}/containers/${id}/start`), 'POST start after the swap', { mentions: /swap|symlink|\/etc|Binds/ });
    });
    // Directly, the engine follows the symlink it finds at start: the container lists the host's /etc.
    await sendOk(engine.endpoint, 'POST', `${API}/containers/${id}/start`);
    await sendOk(engine.endpoint, 'POST', `${API}/containers/${id}/wait`);
    assert.match(await dockerOk(['logs', id], engine.endpoint), /^passwd$/m);
    await dockerOk(['rm', '-f', id], engine.endpoint);
    rmSync(swapped);
  });

  it('forwards Mounts type image (a read-only view of an image, judged by the image allow-list, not a host path); this engine (API 1.41) rejects the type itself', async () => {
    const res = await send(gw().endpoint, 'POST', `${API}/containers/create`, {
      json: { Image: IMAGE, HostConfig: { Mounts: [{ Type: 'image', Source: IMAGE, Target: '/img' }] } },
    });
    assertForwarded(res, 'Mounts type image', [400]);
    assert.match(res.body, /mount type unknown/);
  });

  it('refuses POST /volumes/create with local bind options (docker volume create --opt o=bind), no trace; the engine makes it', async () => {
    const { engine } = suite();
    const opts = { type: 'none', o: 'bind', device: '/' };
    await withoutEngineTrace(engine, 'volumes/create with bind options', async () => {
      const result = await docker(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', 'device=/', 'evil-bind'], gw().endpoint);
      assertCliRefused(result, 'docker volume create --opt o=bind --opt device=/', /device|bind|DriverOpts/i);
      const res = await send(gw().endpoint, 'POST', `${API}/volumes/create`, { json: { Name: 'evil-bind', Driver: 'local', DriverOpts: opts } });
      assertRefused(res, 'POST /volumes/create with bind options', { mentions: /device|bind|DriverOpts/i });
    });
    // Directly: made with exactly these options (a volume made like this, hostvol, shows the host: see the attacks above).
    const made = await sendOk<{ Options: Record<string, string> }>(engine.endpoint, 'POST', `${API}/volumes/create`, { json: { Name: 'evil-bind', Driver: 'local', DriverOpts: opts } });
    assert.deepEqual(made.Options, opts);
    await removeVolume(engine, 'evil-bind');
  });

  it('refuses POST /volumes/create with type=ext4,device=/dev/sda, no trace; the engine makes it (never mounted here)', async () => {
    const { engine } = suite();
    const opts = { type: 'ext4', device: '/dev/sda' };
    await withoutEngineTrace(engine, 'volumes/create with a block device', async () => {
      const result = await docker(['volume', 'create', '--opt', 'type=ext4', '--opt', 'device=/dev/sda', 'evil-disk'], gw().endpoint);
      assertCliRefused(result, 'docker volume create --opt type=ext4 --opt device=/dev/sda', /device|DriverOpts|sda/i);
      const res = await send(gw().endpoint, 'POST', `${API}/volumes/create`, { json: { Name: 'evil-disk', Driver: 'local', DriverOpts: opts } });
      assertRefused(res, 'POST /volumes/create with a device', { mentions: /device|DriverOpts|sda/i });
    });
    const made = await sendOk<{ Options: Record<string, string> }>(engine.endpoint, 'POST', `${API}/volumes/create`, { json: { Name: 'evil-disk', Driver: 'local', DriverOpts: opts } });
    assert.deepEqual(made.Options, opts);
    await removeVolume(engine, 'evil-disk');
  });

  it("refuses the engine's socket even under a root that contains it (or refuses to start with such a root)", async () => {
    const { engine } = suite();
    let wide: GatewayUnderTest | undefined;
    try {
      wide = await startDockgate(engine, { name: 'baseline-wide', profile: 'baseline', allowBind: [engine.dir] });
    } catch (error) {
      // Refusing the root at start-up is as good, if it says why.
      assert.match(String(error), /sock/i, 'a root holding the engine socket was refused at start-up without naming the socket');
      return;
    }
    try {
      await withoutEngineTrace(engine, 'engine socket under an allowed root', async () => {
        const result = await docker(['create', '-v', `${engine.socketPath}:/var/run/docker.sock`, IMAGE, 'true'], wide.endpoint);
        assertCliRefused(result, 'docker create -v <engine socket> under a root holding it', /sock/i);
        const res = await send(wide.endpoint, 'POST', `${API}/containers/create`, {
          json: { Image: IMAGE, HostConfig: { Mounts: [{ Type: 'bind', Source: engine.socketPath, Target: '/var/run/docker.sock' }] } },
        });
        assertRefused(res, 'Mounts bind of the engine socket under a root holding it', { mentions: /sock/i });
      });
    } finally {
      await wide.stopRunning();
    }
  });
});
