// Issue 3, acceptance 1 (side doors): under `--profile baseline`, the ways to the host that are not a
// container create are refused before the engine acts: swarm services/create with a bind of / or an added
// capability (also with a text/plain body, which the engine decodes all the same), services/update adding a
// bind; plugin pull with privileges; build with networkmode=host or a remote context; images/create with
// fromSrc; networks/create with macvlan/ipvlan parents; BuildKit's /session and /grpc. "Before the engine
// acts" is measured: no engine event, no new object, and for every request that would make the engine
// fetch a URL or contact a registry, a loopback trap that counts connections sees none (and sees the
// engine come when the same request is sent to it directly). Neighbours that must pass: a plain service,
// a plain build.

import assert from 'node:assert/strict';
import { mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Engine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import {
  API,
  IMAGE,
  assertCliRefused,
  assertRefused,
  send,
  sendOk,
  startTrap,
  useGuardedEngine,
  waitForQuietEngine,
  withoutEngineTrace,
  type GatewayUnderTest,
  type SendOptions,
  type Trap,
} from '../support/host-escape.js';

interface ServiceSpec {
  Name: string;
  TaskTemplate: { ContainerSpec: Record<string, unknown> };
}

const serviceSpec = (name: string, containerSpec: Record<string, unknown>): ServiceSpec => ({
  Name: name,
  TaskTemplate: { ContainerSpec: { Image: IMAGE, Command: ['sleep', '600'], ...containerSpec } },
});

async function removeService(engine: Engine, name: string): Promise<void> {
  await sendOk(engine.endpoint, 'DELETE', `${API}/services/${name}`, {}, [200, 404]);
}

/** A network interface of this host other than loopback, to name as a macvlan/ipvlan parent. */
function hostInterface(): string {
  const name = Object.entries(networkInterfaces()).find(([, addresses]) => addresses?.some((a) => !a.internal))?.[0];
  if (name === undefined) throw new Error('this host has no interface besides loopback to name as a parent');
  return name;
}

/** A Dockerfile context whose RUN step prints the network namespace it runs in. */
function netnsContext(engine: Engine): string {
  const dir = join(engine.dir, 'netns-context');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${IMAGE}\nRUN ls -l /proc/self/ns/net\n`);
  return dir;
}

describe('side doors are refused before the engine acts (baseline)', { timeout: 10 * 60_000 }, () => {
  const suite = useGuardedEngine({
    async prepare(engine) {
      // Swarm mode, on loopback only, joined directly: baseline refuses swarm membership changes.
      const port = await freeLoopbackPort();
      await dockerOk(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', `127.0.0.1:${port}`], engine.endpoint);
      await dockerOk(['service', 'create', '--detach', '--no-resolve-image', '--name', 'calm', IMAGE, 'sleep', '3600'], engine.endpoint);
      await waitForQuietEngine(engine);
    },
    gateways: (_, host) => [{ name: 'baseline', profile: 'baseline', allowBind: [host.root] }],
  });
  const gw = (): GatewayUnderTest => suite().gateway('baseline');

  // -- swarm services ------------------------------------------------------------------------------
  // Every proof that makes, changes or removes a service waits for the swarm to settle afterwards: its
  // tasks start and stop in the background, and their events must not fall into the next test's window.

  const SERVICE_ATTACKS: { name: string; cli: string[]; spec: ServiceSpec; options?: SendOptions; mentions: RegExp; check: (spec: Record<string, unknown>) => void }[] = [
    {
      name: 'a bind mount of /',
      cli: ['--mount', 'type=bind,src=/,dst=/host'],
      spec: serviceSpec('evil-root', { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] }),
      mentions: /Mounts|bind/,
      check: (c) => assert.deepEqual(c['Mounts'], [{ Type: 'bind', Source: '/', Target: '/host' }]),
    },
    {
      name: 'CapabilityAdd CAP_SYS_ADMIN',
      cli: ['--cap-add', 'CAP_SYS_ADMIN'],
      spec: serviceSpec('evil-caps', { CapabilityAdd: ['CAP_SYS_ADMIN'] }),
      mentions: /CapabilityAdd|SYS_ADMIN/,
      check: (c) => assert.deepEqual(c['CapabilityAdd'], ['CAP_SYS_ADMIN']),
    },
    {
      name: 'a bind mount of / in a text/plain body (the engine decodes service specs whatever the Content-Type)',
      cli: [],
      spec: serviceSpec('evil-plain', { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] }),
      options: { contentType: 'text/plain' },
      mentions: /Mounts|bind|Content-Type/i,
      check: (c) => assert.deepEqual(c['Mounts'], [{ Type: 'bind', Source: '/', Target: '/host' }]),
    },
  ];

  for (const attack of SERVICE_ATTACKS) {
    it(`refuses services/create with ${attack.name}, no trace; the engine creates it`, async () => {
      const { engine } = suite();
      const body = JSON.stringify(attack.spec);
      await withoutEngineTrace(engine, `service create ${attack.name}`, async () => {
        if (attack.cli.length > 0) {
          const result = await docker(['service', 'create', '--detach', '--no-resolve-image', '--name', attack.spec.Name, ...attack.cli, IMAGE, 'sleep', '600'], gw().endpoint);
          assertCliRefused(result, `docker service create ${attack.cli.join(' ')}`, attack.mentions);
        }
        assertRefused(await send(gw().endpoint, 'POST', `${API}/services/create`, { ...attack.options, body }), `services/create ${attack.name}`, {
          mentions: attack.mentions,
          status: [400, 403],
        });
      });
      await sendOk(engine.endpoint, 'POST', `${API}/services/create`, { ...attack.options, body }, [201]);
      const created = await sendOk<{ Spec: ServiceSpec }>(engine.endpoint, 'GET', `${API}/services/${attack.spec.Name}`);
      await removeService(engine, attack.spec.Name);
      await waitForQuietEngine(engine);
      attack.check(created.Spec.TaskTemplate.ContainerSpec);
    });
  }

  it('refuses services/update adding a bind of / to a service made directly, no change; the engine updates such a service', async () => {
    const { engine } = suite();
    const withBind = (spec: ServiceSpec): ServiceSpec => {
      const changed = structuredClone(spec);
      changed.TaskTemplate.ContainerSpec['Mounts'] = [{ Type: 'bind', Source: '/', Target: '/host' }];
      return changed;
    };
    const current = await sendOk<{ Version: { Index: number }; Spec: ServiceSpec }>(engine.endpoint, 'GET', `${API}/services/calm`);
    await withoutEngineTrace(engine, 'service update', async () => {
      const result = await docker(['service', 'update', '--detach', '--no-resolve-image', '--mount-add', 'type=bind,src=/,dst=/host', 'calm'], gw().endpoint);
      assertCliRefused(result, 'docker service update --mount-add type=bind,src=/', /Mounts|bind/);
      const res = await send(gw().endpoint, 'POST', `${API}/services/calm/update?version=${current.Version.Index}`, { json: withBind(current.Spec) });
      assertRefused(res, 'services/update with a bind of /', { mentions: /Mounts|bind/ });
    });
    // Directly, on a twin made for the purpose (calm stays as it is for the tests after this one).
    await sendOk(engine.endpoint, 'POST', `${API}/services/create`, { json: { ...current.Spec, Name: 'calm-twin' } }, [201]);
    const twin = await sendOk<{ Version: { Index: number }; Spec: ServiceSpec }>(engine.endpoint, 'GET', `${API}/services/calm-twin`);
    await sendOk(engine.endpoint, 'POST', `${API}/services/calm-twin/update?version=${twin.Version.Index}`, { json: withBind(twin.Spec) });
    const updated = await sendOk<{ Spec: ServiceSpec }>(engine.endpoint, 'GET', `${API}/services/calm-twin`);
    await removeService(engine, 'calm-twin');
    await waitForQuietEngine(engine);
    assert.deepEqual(updated.Spec.TaskTemplate.ContainerSpec['Mounts'], [{ Type: 'bind', Source: '/', Target: '/host' }]);
  });

  it('lets a plain service through (a neighbour)', async () => {
    const { engine } = suite();
    const id = (await dockerOk(['service', 'create', '--detach', '--no-resolve-image', '--name', 'plain-svc', IMAGE, 'sleep', '600'], gw().endpoint)).trim();
    assert.match(id, /^[0-9a-z]{25}$/);
    await removeService(engine, 'plain-svc');
    await waitForQuietEngine(engine);
  });

  // -- what would make the engine fetch ---------------------------------------------------------------

  /** Sends `request` through the gateway (refused, no trace, no connection to the trap), then directly (the engine comes). */
  async function refusedBeforeFetching(
    t: TestContext,
    what: string,
    request: (trap: Trap, via: GatewayUnderTest['endpoint']) => Promise<void>,
    direct: (trap: Trap) => Promise<void>,
  ): Promise<void> {
    const { engine } = suite();
    const trap = await startTrap();
    try {
      await withoutEngineTrace(engine, what, async () => {
        await request(trap, gw().endpoint);
      });
      assert.equal(trap.connections(), 0, `${what}: the engine was made to connect out`);
      await direct(trap);
      assert.ok(trap.connections() > 0, `${what}: directly, the engine connects to ${trap.hostPort}`);
      t.diagnostic(`${what}: trap saw ${trap.connections()} connection(s) from the engine directly, none through the gateway`);
    } finally {
      await trap.close();
    }
  }

  it('refuses plugin pull with privileges before the engine contacts the registry (and shows the message); directly, the engine does', async (t) => {
    const privileges = [
      { Name: 'network', Description: '', Value: ['host'] },
      { Name: 'mount', Description: '', Value: ['/'] },
      { Name: 'capabilities', Description: '', Value: ['CAP_SYS_ADMIN'] },
    ];
    await refusedBeforeFetching(
      t,
      'plugin pull',
      async (trap, via) => {
        const res = await send(via, 'POST', `${API}/plugins/pull?remote=${trap.hostPort}/evil/plugin:latest&name=evil`, { json: privileges });
        const refusal = assertRefused(res, 'plugins/pull with privileges', { mentions: /plugin|privilege/i });
        t.diagnostic(`refusal: ${refusal.message}`);
        // Not `docker plugin install`: it first asks GET /plugins/privileges, a registry look-up that baseline
        // forwards like a pull (the engine then contacts the registry, here the trap), and fails on that.
      },
      async (trap) => {
        const res = await send(suite().engine.endpoint, 'POST', `${API}/plugins/pull?remote=${trap.hostPort}/evil/plugin:latest&name=evil`, { json: privileges });
        assert.notEqual(res.status, 200, 'no registry answers there');
      },
    );
    assert.equal((await sendOk<unknown[]>(suite().engine.endpoint, 'GET', `${API}/plugins`)).length, 0);
  });

  it('refuses build with a remote context before the engine fetches it (trap URL and 127.0.0.1:1)', async (t) => {
    await refusedBeforeFetching(
      t,
      'build remote',
      async (trap, via) => {
        for (const remote of [trap.url('/context.tar'), 'http://127.0.0.1:1/x']) {
          const res = await send(via, 'POST', `${API}/build?remote=${encodeURIComponent(remote)}&t=remote:evil`, { contentType: 'application/x-tar' });
          assertRefused(res, `build remote=${remote}`, { mentions: /remote|URL|fetch/i });
        }
      },
      async (trap) => {
        await send(suite().engine.endpoint, 'POST', `${API}/build?remote=${encodeURIComponent(trap.url('/context.tar'))}&t=remote:evil`, { contentType: 'application/x-tar' });
      },
    );
  });

  it('refuses images/create?fromSrc=URL before the engine fetches it (docker import URL and raw)', async (t) => {
    await refusedBeforeFetching(
      t,
      'import from URL',
      async (trap, via) => {
        assertCliRefused(await docker(['import', trap.url('/rootfs.tar'), 'fromsrc:evil'], via), 'docker import URL', /fromSrc|URL|fetch/i);
        for (const source of [trap.url('/rootfs.tar'), 'http://127.0.0.1:1/x']) {
          const res = await send(via, 'POST', `${API}/images/create?fromSrc=${encodeURIComponent(source)}&repo=fromsrc&tag=evil`);
          assertRefused(res, `images/create fromSrc=${source}`, { mentions: /fromSrc|URL|fetch/i });
        }
      },
      async (trap) => {
        await send(suite().engine.endpoint, 'POST', `${API}/images/create?fromSrc=${encodeURIComponent(trap.url('/rootfs.tar'))}&repo=fromsrc&tag=evil`);
      },
    );
  });

  // -- build, networks, BuildKit ----------------------------------------------------------------------

  it('refuses build with networkmode=host, no trace; the engine runs the RUN step in the host network namespace', async () => {
    const { engine } = suite();
    const context = netnsContext(engine);
    await withoutEngineTrace(engine, 'build --network host', async () => {
      assertCliRefused(await docker(['build', '--network', 'host', '-t', 'nethost:evil', context], gw().endpoint), 'docker build --network host', /networkmode|network|host/i);
    });
    const output = await dockerOk(['build', '--network', 'host', '-t', 'nethost:evil', context], engine.endpoint);
    assert.ok(output.includes(readlinkSync('/proc/self/ns/net')), `directly, RUN is in the host network namespace:\n${output}`);
    await sendOk(engine.endpoint, 'DELETE', `${API}/images/nethost:evil`);
  });

  it('lets a plain build through (a neighbour), its RUN step in a namespace of its own', async () => {
    const { engine } = suite();
    const output = await dockerOk(['build', '-t', 'plain-build:ok', netnsContext(engine)], gw().endpoint);
    assert.match(output, /Successfully tagged plain-build:ok/);
    assert.ok(!output.includes(readlinkSync('/proc/self/ns/net')), output);
    await sendOk(engine.endpoint, 'DELETE', `${API}/images/plain-build:ok`);
  });

  for (const driver of ['macvlan', 'ipvlan']) {
    it(`refuses networks/create with ${driver} and a host parent interface, no trace; the engine creates it`, async () => {
      const { engine } = suite();
      const parent = hostInterface();
      const body = { Name: `evil-${driver}`, Driver: driver, Options: { parent } };
      await withoutEngineTrace(engine, `network create ${driver}`, async () => {
        assertCliRefused(
          await docker(['network', 'create', '-d', driver, '-o', `parent=${parent}`, `evil-${driver}`], gw().endpoint),
          `docker network create -d ${driver}`,
          new RegExp(`${driver}|parent|Driver`),
        );
        assertRefused(await send(gw().endpoint, 'POST', `${API}/networks/create`, { json: body }), `networks/create ${driver}`, { mentions: new RegExp(`${driver}|parent|Driver`) });
      });
      const { Id } = await sendOk<{ Id: string }>(engine.endpoint, 'POST', `${API}/networks/create`, { json: body }, [201]);
      const made = await sendOk<{ Driver: string; Options: Record<string, string> }>(engine.endpoint, 'GET', `${API}/networks/${Id}`);
      await sendOk(engine.endpoint, 'DELETE', `${API}/networks/${Id}`);
      assert.equal(made.Driver, driver);
      assert.equal(made.Options['parent'], parent);
    });
  }

  for (const path of ['/session', '/grpc']) {
    it(`refuses ${path} (BuildKit's channel), no trace; the engine upgrades it`, async () => {
      const { engine } = suite();
      const headers = { Connection: 'Upgrade', Upgrade: 'h2c', 'X-Docker-Expose-Session-Uuid': 'dockgate-test', 'X-Docker-Expose-Session-Name': 'test' };
      await withoutEngineTrace(engine, path, async () => {
        assertRefused(await send(gw().endpoint, 'POST', `${API}${path}`, { headers }), `POST ${path}`, { mentions: new RegExp(`${path.slice(1)}|BuildKit`, 'i') });
      });
      assert.equal((await send(engine.endpoint, 'POST', `${API}${path}`, { headers })).status, 101, `directly, ${path} upgrades`);
    });
  }
});
