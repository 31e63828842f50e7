// Issue 3, acceptance 1 (namespaces): under `--profile baseline`, a container create that joins a host
// namespace (PidMode, IpcMode, UTSMode, UsernsMode, NetworkMode `host`; CgroupnsMode under restricted), the namespaces of a
// container that has host access (`container:<name>` or `container:<id prefix>`, the target made directly
// on the engine), or a namespace path (`ns:/proc/1/ns/...`) is refused with the Docker-format refusal and no
// trace on the engine. Each is then sent to the engine directly: where it is harmless, a throwaway
// container lists its namespace, which must be the host's (this test process runs in the host's).
//
// CgroupnsMode `host` is no PSS baseline control (and the engine's own default on cgroup v1, where these
// test engines run): baseline forwards it, restricted refuses it. UsernsMode `host` changes nothing on an
// engine without user-namespace remapping, like this one; refused all the same. `ns:<path>` is not a mode
// this engine honours (NetworkMode `ns:...` is taken as a network name, IpcMode `ns:...` fails at start):
// refused all the same.

import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { describe, it } from 'node:test';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Engine } from '../support/engine.js';
import { IMAGE, RESTRICTED_CLI, checkCreateAttack, namespaceOf, restrictedBody, runDirect, useGuardedEngine, type CreateAttack } from '../support/host-escape.js';

/** The host's namespace of a kind, as `pid:[4026531836]`. */
const hostNamespace = (kind: string): string => readlinkSync(`/proc/self/ns/${kind}`);

/** Runs `ls -l /proc/self/ns/<kind>` in a throwaway container made directly with `options`, and returns the namespace. */
async function namespaceWith(engine: Engine, options: string[], kind: string): Promise<string> {
  return namespaceOf(await runDirect(engine, options, ['ls', '-l', `/proc/self/ns/${kind}`]));
}

interface Context {
  engine: Engine;
  /** Full ids of the targets made on the engine directly. */
  ids: Record<'privsrc' | 'hostnet' | 'hostpid', string>;
}

const ATTACKS: [string, (x: Context) => CreateAttack][] = [
  [
    'PidMode host',
    (x) => ({
      cli: ['--pid', 'host'],
      body: { HostConfig: { PidMode: 'host' } },
      mentions: /PidMode|pid/i,
      proof: async () => assert.equal(await namespaceWith(x.engine, ['--pid', 'host'], 'pid'), hostNamespace('pid')),
    }),
  ],
  [
    'IpcMode host',
    (x) => ({
      cli: ['--ipc', 'host'],
      body: { HostConfig: { IpcMode: 'host' } },
      mentions: /IpcMode|ipc/i,
      proof: async () => assert.equal(await namespaceWith(x.engine, ['--ipc', 'host'], 'ipc'), hostNamespace('ipc')),
    }),
  ],
  [
    'UTSMode host',
    (x) => ({
      cli: ['--uts', 'host'],
      body: { HostConfig: { UTSMode: 'host' } },
      mentions: /UTSMode|uts/i,
      proof: async () => assert.equal(await namespaceWith(x.engine, ['--uts', 'host'], 'uts'), hostNamespace('uts')),
    }),
  ],
  [
    'UsernsMode host',
    () => ({
      cli: ['--userns', 'host'],
      body: { HostConfig: { UsernsMode: 'host' } },
      mentions: /UsernsMode|userns/i,
      proof: (c) => assert.equal(c.HostConfig['UsernsMode'], 'host'),
    }),
  ],
  [
    'NetworkMode host',
    (x) => ({
      cli: ['--network', 'host'],
      body: { HostConfig: { NetworkMode: 'host' } },
      mentions: /NetworkMode|network/i,
      proof: async () => assert.equal(await namespaceWith(x.engine, ['--network', 'host'], 'net'), hostNamespace('net')),
    }),
  ],
  [
    'NetworkMode container:<a privileged container>',
    (x) => ({
      cli: ['--network', 'container:privsrc'],
      body: { HostConfig: { NetworkMode: 'container:privsrc' } },
      mentions: /NetworkMode|privsrc|Privileged/i,
      // privsrc cannot be started on this machine (see privileges-refused-on-real-engine), so the join shows
      // in the configuration: the engine has resolved the name to the container.
      proof: (c) => assert.equal(c.HostConfig['NetworkMode'], `container:${x.ids.privsrc}`),
    }),
  ],
  [
    'PidMode container:<a privileged container>',
    () => ({
      cli: ['--pid', 'container:privsrc'],
      body: { HostConfig: { PidMode: 'container:privsrc' } },
      mentions: /PidMode|privsrc|Privileged/i,
      proof: (c) => assert.match(String(c.HostConfig['PidMode']), /^container:/),
    }),
  ],
  [
    'IpcMode container:<a privileged container>',
    () => ({
      cli: ['--ipc', 'container:privsrc'],
      body: { HostConfig: { IpcMode: 'container:privsrc' } },
      mentions: /IpcMode|privsrc|Privileged/i,
      proof: (c) => assert.match(String(c.HostConfig['IpcMode']), /^container:/),
    }),
  ],
  [
    'NetworkMode container:<id prefix of a container in the host network>',
    (x) => ({
      cli: ['--network', `container:${x.ids.hostnet.slice(0, 12)}`],
      body: { HostConfig: { NetworkMode: `container:${x.ids.hostnet.slice(0, 12)}` } },
      mentions: /NetworkMode|host/i,
      proof: async () => assert.equal(await namespaceWith(x.engine, ['--network', `container:${x.ids.hostnet.slice(0, 12)}`], 'net'), hostNamespace('net')),
    }),
  ],
  [
    'PidMode container:<full id of a container in the host pid namespace>',
    (x) => ({
      body: { HostConfig: { PidMode: `container:${x.ids.hostpid}` } },
      mentions: /PidMode|host/i,
      proof: async () => assert.equal(await namespaceWith(x.engine, ['--pid', `container:${x.ids.hostpid}`], 'pid'), hostNamespace('pid')),
    }),
  ],
  [
    'NetworkMode ns:/proc/1/ns/net',
    () => ({
      cli: ['--network', 'ns:/proc/1/ns/net'],
      body: { HostConfig: { NetworkMode: 'ns:/proc/1/ns/net' } },
      mentions: /NetworkMode|ns:/,
      proof: (c) => assert.equal(c.HostConfig['NetworkMode'], 'ns:/proc/1/ns/net'),
    }),
  ],
  [
    'IpcMode ns:/proc/1/ns/ipc',
    () => ({
      body: { HostConfig: { IpcMode: 'ns:/proc/1/ns/ipc' } },
      mentions: /IpcMode|ns:/,
      proof: (c) => assert.equal(c.HostConfig['IpcMode'], 'ns:/proc/1/ns/ipc'),
    }),
  ],
  [
    'PidMode ns:/proc/1/ns/pid (this engine rejects it itself)',
    () => ({
      body: { HostConfig: { PidMode: 'ns:/proc/1/ns/pid' } },
      mentions: /PidMode|ns:/,
      status: [400, 403],
      engineRejects: /No such container/,
    }),
  ],
];

describe('host namespaces are refused on a real engine under baseline', { timeout: 10 * 60_000 }, () => {
  const suite = useGuardedEngine({
    // Targets made on the engine directly: a privileged container (created only: it cannot start here),
    // and two sleeping containers in the host's network and pid namespaces.
    async prepare(engine) {
      await dockerOk(['create', '--name', 'privsrc', '--privileged', IMAGE, 'sleep', '600'], engine.endpoint);
      await dockerOk(['run', '-d', '--name', 'hostnet', '--network', 'host', IMAGE, 'sleep', '600'], engine.endpoint);
      await dockerOk(['run', '-d', '--name', 'hostpid', '--pid', 'host', IMAGE, 'sleep', '600'], engine.endpoint);
    },
    gateways: (_, host) => [
      { name: 'baseline', profile: 'baseline', allowBind: [host.root] },
      { name: 'restricted', profile: 'restricted' },
    ],
  });

  for (const [name, make] of ATTACKS) {
    it(`refuses ${name}, with the rule and a fix, no trace on the engine; the engine itself honours it`, async () => {
      const { engine } = suite();
      const ids = { privsrc: '', hostnet: '', hostpid: '' };
      for (const name of ['privsrc', 'hostnet', 'hostpid'] as const) {
        ids[name] = (await dockerOk(['inspect', '--format', '{{.Id}}', name], engine.endpoint)).trim();
      }
      await checkCreateAttack(engine, suite().gateway('baseline'), name, make({ engine, ids }));
    });
  }

  it('restricted refuses CgroupnsMode host, with the rule and a fix, no trace on the engine; the engine itself honours it', async () => {
    const { engine } = suite();
    await checkCreateAttack(engine, suite().gateway('restricted'), 'CgroupnsMode host', {
      cli: ['--cgroupns', 'host', '--user', '1000', ...RESTRICTED_CLI],
      body: { Cmd: ['true'], ...restrictedBody('1000', { CgroupnsMode: 'host' }) },
      mentions: /CgroupnsMode|cgroup/i,
      proof: async () => assert.equal(await namespaceWith(engine, ['--cgroupns', 'host'], 'cgroup'), hostNamespace('cgroup')),
    });
  });

  it('baseline forwards CgroupnsMode host (no PSS baseline control; the engine default on cgroup v1)', async () => {
    const { engine } = suite();
    const result = await docker(['run', '--rm', '--cgroupns', 'host', IMAGE, 'ls', '-l', '/proc/self/ns/cgroup'], suite().gateway('baseline').endpoint);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(namespaceOf(result.stdout), hostNamespace('cgroup'));
    assert.equal(await namespaceWith(engine, [], 'cgroup'), hostNamespace('cgroup'), 'the engine default is the host cgroup namespace here');
  });
});
