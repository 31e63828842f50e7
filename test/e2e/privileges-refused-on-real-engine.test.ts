// Issue 3, acceptance 1 (privileges): under `--profile baseline`, a container create that asks for more
// privilege than the Pod Security Standards baseline allows is refused (Privileged; CapAdd ALL, sys_admin,
// CAP_SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, NET_RAW; Devices, DeviceCgroupRules, DeviceRequests;
// seccomp, apparmor, label and systempaths unconfined in `=` and `:` forms, an inline allow-all seccomp
// profile; MaskedPaths/ReadonlyPaths emptied; a kernel.* sysctl outside the allow list; CgroupParent; a
// Runtime other than the default; WorkingDir under /proc); under `--profile restricted`, a root user
// spelled 0, 00, 0:0, root, or left to the image's default. Each with the Docker-format refusal and no trace
// on the engine; each then sent to the engine directly to prove the engine honours it.
//
// On this machine the container runtime cannot start privileged or ALL-capability containers at all (the
// test environment lacks CAP_SYS_RESOURCE: runc fails "unable to apply caps"), so those proofs read the
// engine's inspect document; the others run a harmless command that shows the effect.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docker } from '../support/docker-cli.js';
import type { Engine } from '../support/engine.js';
import {
  IMAGE,
  assertForwarded,
  checkCreateAttack,
  runDirect,
  send,
  API,
  useGuardedEngine,
  removeContainer,
  restrictedBody,
  RESTRICTED_CLI,
  runRawDirect,
  type ContainerInspect,
  type CreateAttack,
} from '../support/host-escape.js';

/** CapEff of a process, from /proc/self/status. */
function effectiveCaps(status: string): bigint {
  const match = /^CapEff:\s+([0-9a-f]+)$/m.exec(status);
  if (match?.[1] === undefined) throw new Error(`no CapEff in ${status}`);
  return BigInt(`0x${match[1]}`);
}
const CAP_SYS_ADMIN = 21n;
const CAP_SYS_PTRACE = 19n;
const CAP_SYS_MODULE = 16n;
const CAP_DAC_READ_SEARCH = 2n;
const CAP_NET_RAW = 13n;
const hasCap = (caps: bigint, cap: bigint): boolean => ((caps >> cap) & 1n) === 1n;

const hostConfig = (c: ContainerInspect): Record<string, unknown> => c.HostConfig;

const BASELINE_ATTACKS: [string, (engine: Engine) => CreateAttack][] = [
  [
    'Privileged',
    () => ({
      cli: ['--privileged'],
      body: { HostConfig: { Privileged: true } },
      mentions: /Privileged/,
      proof: (c) => assert.equal(hostConfig(c)['Privileged'], true),
    }),
  ],
  [
    'CapAdd ALL',
    () => ({
      cli: ['--cap-add', 'ALL'],
      body: { HostConfig: { CapAdd: ['ALL'] } },
      mentions: /CapAdd|ALL/,
      proof: (c) => assert.deepEqual(hostConfig(c)['CapAdd'], ['ALL']),
    }),
  ],
  [
    'CapAdd sys_admin (lower case)',
    (engine) => ({
      cli: ['--cap-add', 'sys_admin'],
      body: { HostConfig: { CapAdd: ['sys_admin'] } },
      mentions: /CapAdd|SYS_ADMIN/i,
      proof: async () => assert.ok(hasCap(effectiveCaps(await runDirect(engine, ['--cap-add', 'sys_admin'], ['cat', '/proc/self/status'])), CAP_SYS_ADMIN), 'CAP_SYS_ADMIN is effective'),
    }),
  ],
  [
    'CapAdd CAP_SYS_PTRACE (CAP_ prefix)',
    (engine) => ({
      cli: ['--cap-add', 'CAP_SYS_PTRACE'],
      body: { HostConfig: { CapAdd: ['CAP_SYS_PTRACE'] } },
      mentions: /CapAdd|SYS_PTRACE/i,
      proof: async () => assert.ok(hasCap(effectiveCaps(await runDirect(engine, ['--cap-add', 'CAP_SYS_PTRACE'], ['cat', '/proc/self/status'])), CAP_SYS_PTRACE)),
    }),
  ],
  [
    'CapAdd SYS_MODULE',
    (engine) => ({
      cli: ['--cap-add', 'SYS_MODULE'],
      body: { HostConfig: { CapAdd: ['SYS_MODULE'] } },
      mentions: /CapAdd|SYS_MODULE/i,
      proof: async () => assert.ok(hasCap(effectiveCaps(await runDirect(engine, ['--cap-add', 'SYS_MODULE'], ['cat', '/proc/self/status'])), CAP_SYS_MODULE)),
    }),
  ],
  [
    'CapAdd DAC_READ_SEARCH',
    (engine) => ({
      cli: ['--cap-add', 'DAC_READ_SEARCH'],
      body: { HostConfig: { CapAdd: ['DAC_READ_SEARCH'] } },
      mentions: /CapAdd|DAC_READ_SEARCH/i,
      proof: async () => assert.ok(hasCap(effectiveCaps(await runDirect(engine, ['--cap-add', 'DAC_READ_SEARCH'], ['cat', '/proc/self/status'])), CAP_DAC_READ_SEARCH)),
    }),
  ],
  [
    'CapAdd NET_RAW (in Docker defaults, not in the PSS baseline add list)',
    (engine) => ({
      cli: ['--cap-add', 'NET_RAW'],
      body: { HostConfig: { CapAdd: ['NET_RAW'] } },
      mentions: /CapAdd|NET_RAW/i,
      proof: async () => assert.ok(hasCap(effectiveCaps(await runDirect(engine, ['--cap-add', 'NET_RAW'], ['cat', '/proc/self/status'])), CAP_NET_RAW)),
    }),
  ],
  [
    'Devices /dev/mem',
    () => ({
      cli: ['--device', '/dev/mem'],
      body: { HostConfig: { Devices: [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }] } },
      mentions: /Devices|\/dev\/mem/,
      proof: (c) => assert.deepEqual(hostConfig(c)['Devices'], [{ PathOnHost: '/dev/mem', PathInContainer: '/dev/mem', CgroupPermissions: 'rwm' }]),
    }),
  ],
  [
    'DeviceCgroupRules a *:* rwm',
    () => ({
      cli: ['--device-cgroup-rule', 'a *:* rwm'],
      body: { HostConfig: { DeviceCgroupRules: ['a *:* rwm'] } },
      mentions: /DeviceCgroupRules/,
      proof: (c) => assert.deepEqual(hostConfig(c)['DeviceCgroupRules'], ['a *:* rwm']),
    }),
  ],
  [
    'DeviceRequests (--gpus all)',
    () => ({
      cli: ['--gpus', 'all'],
      body: { HostConfig: { DeviceRequests: [{ Driver: '', Count: -1, DeviceIDs: null, Capabilities: [['gpu']], Options: {} }] } },
      mentions: /DeviceRequests/,
      proof: (c) => assert.equal((hostConfig(c)['DeviceRequests'] as unknown[]).length, 1),
    }),
  ],
  [
    'SecurityOpt seccomp=unconfined',
    (engine) => ({
      cli: ['--security-opt', 'seccomp=unconfined'],
      body: { HostConfig: { SecurityOpt: ['seccomp=unconfined'] } },
      mentions: /SecurityOpt|seccomp/,
      proof: async () => assert.match(await runDirect(engine, ['--security-opt', 'seccomp=unconfined'], ['cat', '/proc/self/status']), /^Seccomp:\s+0$/m, 'no seccomp filter'),
    }),
  ],
  [
    'SecurityOpt seccomp:unconfined (legacy colon form)',
    (engine) => ({
      body: { HostConfig: { SecurityOpt: ['seccomp:unconfined'] } },
      mentions: /SecurityOpt|seccomp/,
      proof: async () => assert.match(await runDirect(engine, ['--security-opt', 'seccomp:unconfined'], ['cat', '/proc/self/status']), /^Seccomp:\s+0$/m),
    }),
  ],
  // The CLI reads a profile file and sends its content inline, as here.
  [
    'SecurityOpt seccomp=<inline allow-all profile>',
    () => ({
      body: { HostConfig: { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] } },
      mentions: /SecurityOpt|seccomp/,
      proof: (c) => assert.deepEqual(hostConfig(c)['SecurityOpt'], ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']),
    }),
  ],
  [
    'SecurityOpt apparmor=unconfined',
    () => ({
      cli: ['--security-opt', 'apparmor=unconfined'],
      body: { HostConfig: { SecurityOpt: ['apparmor=unconfined'] } },
      mentions: /SecurityOpt|apparmor/,
      proof: (c) => assert.deepEqual(hostConfig(c)['SecurityOpt'], ['apparmor=unconfined']),
    }),
  ],
  [
    'SecurityOpt label=disable',
    () => ({
      cli: ['--security-opt', 'label=disable'],
      body: { HostConfig: { SecurityOpt: ['label=disable'] } },
      mentions: /SecurityOpt|label/,
      proof: (c) => assert.deepEqual(hostConfig(c)['SecurityOpt'], ['label=disable']),
    }),
  ],
  [
    'SecurityOpt label:disable (legacy colon form)',
    () => ({
      body: { HostConfig: { SecurityOpt: ['label:disable'] } },
      mentions: /SecurityOpt|label/,
      proof: (c) => assert.deepEqual(hostConfig(c)['SecurityOpt'], ['label:disable']),
    }),
  ],
  [
    '--security-opt systempaths=unconfined (the CLI sends MaskedPaths: [] and ReadonlyPaths: [])',
    (engine) => ({
      cli: ['--security-opt', 'systempaths=unconfined'],
      body: { HostConfig: { MaskedPaths: [], ReadonlyPaths: [] } },
      mentions: /MaskedPaths|ReadonlyPaths|systempaths/,
      proof: async () => {
        // By default /proc/sys is remounted read-only and /proc/keys masked; unconfined, neither is (the host
        // kernel's non-namespaced sysctls become writable: not tried here).
        const mountPoints = async (options: string[]) => (await runDirect(engine, options, ['cat', '/proc/self/mountinfo'])).split('\n').map((line) => line.split(' ')[4]);
        const confined = await mountPoints([]);
        assert.ok(confined.includes('/proc/sys') && confined.includes('/proc/keys'), `masked and read-only by default: ${confined.join(' ')}`);
        const unconfined = await mountPoints(['--security-opt', 'systempaths=unconfined']);
        assert.ok(!unconfined.includes('/proc/sys') && !unconfined.includes('/proc/keys'), `neither when unconfined: ${unconfined.join(' ')}`);
      },
    }),
  ],
  [
    'SecurityOpt systempaths=unconfined sent raw (this engine rejects the raw option itself)',
    () => ({
      body: { HostConfig: { SecurityOpt: ['systempaths=unconfined'] } },
      mentions: /SecurityOpt|systempaths/,
      status: [400, 403],
      engineRejects: /invalid --security-opt/,
    }),
  ],
  [
    'MaskedPaths: [] alone',
    () => ({
      body: { HostConfig: { MaskedPaths: [] } },
      mentions: /MaskedPaths/,
      proof: (c) => assert.deepEqual(hostConfig(c)['MaskedPaths'], []),
    }),
  ],
  [
    'ReadonlyPaths: [] alone',
    () => ({
      body: { HostConfig: { ReadonlyPaths: [] } },
      mentions: /ReadonlyPaths/,
      proof: (c) => assert.deepEqual(hostConfig(c)['ReadonlyPaths'], []),
    }),
  ],
  [
    'Sysctls kernel.msgmax (namespaced, but not in the PSS allow list)',
    (engine) => ({
      cli: ['--sysctl', 'kernel.msgmax=65536'],
      body: { HostConfig: { Sysctls: { 'kernel.msgmax': '65536' } } },
      mentions: /Sysctls|kernel\.msgmax/,
      proof: async () => assert.equal(await runDirect(engine, ['--sysctl', 'kernel.msgmax=65536'], ['cat', '/proc/sys/kernel/msgmax']), '65536\n'),
    }),
  ],
  // The CLI refuses this one itself (it wants --uts for the domain name); the engine does not.
  [
    'Sysctls kernel.domainname (raw)',
    (engine) => ({
      body: { HostConfig: { Sysctls: { 'kernel.domainname': 'evil' } } },
      mentions: /Sysctls|kernel\.domainname/,
      proof: async () => {
        const body = { Image: IMAGE, Cmd: ['cat', '/proc/sys/kernel/domainname'], HostConfig: { Sysctls: { 'kernel.domainname': 'evil' } } };
        assert.equal(await runRawDirect(engine, body), 'evil\n');
      },
    }),
  ],
  [
    'CgroupParent',
    () => ({
      cli: ['--cgroup-parent', '/escape'],
      body: { HostConfig: { CgroupParent: '/escape' } },
      mentions: /CgroupParent/,
      proof: (c) => assert.equal(hostConfig(c)['CgroupParent'], '/escape'),
    }),
  ],
  // baseline allows runc under both its names (runc, io.containerd.runc.v2); the engine also offers the
  // deprecated v1 shim, which the profile does not list.
  [
    'Runtime not on the allow list (io.containerd.runtime.v1.linux)',
    () => ({
      cli: ['--runtime', 'io.containerd.runtime.v1.linux'],
      body: { HostConfig: { Runtime: 'io.containerd.runtime.v1.linux' } },
      mentions: /Runtime|runtime\.v1/,
      proof: (c) => assert.equal(hostConfig(c)['Runtime'], 'io.containerd.runtime.v1.linux'),
    }),
  ],
  [
    'WorkingDir /proc/self/fd/8 (the runc fd leak, CVE-2024-21626)',
    () => ({
      cli: ['--workdir', '/proc/self/fd/8'],
      body: { WorkingDir: '/proc/self/fd/8' },
      mentions: /WorkingDir|\/proc/,
      proof: (c) => assert.equal(c.Config.WorkingDir, '/proc/self/fd/8'),
    }),
  ],
  [
    'WorkingDir /proc/1/root',
    () => ({
      body: { WorkingDir: '/proc/1/root' },
      mentions: /WorkingDir|\/proc/,
      proof: (c) => assert.equal(c.Config.WorkingDir, '/proc/1/root'),
    }),
  ],
];

const RESTRICTED_ATTACKS: [string, (engine: Engine) => CreateAttack][] = [
  ...(['0', '00', '0:0', 'root', 'root:root'] as const).map((user): [string, (engine: Engine) => CreateAttack] => [
    `User ${user}`,
    (engine) => ({
      cli: ['--user', user, ...RESTRICTED_CLI],
      body: restrictedBody(user),
      mentions: /User|root|uid/i,
      proof: async (c) => {
        assert.equal(c.Config.User, user);
        // busybox:test has no /etc/passwd, so only numeric users can be run here; they are uid 0.
        if (/^0+(:0+)?$/.test(user)) assert.match(await runDirect(engine, ['--user', user, ...RESTRICTED_CLI], ['id', '-u']), /^0\n$/);
      },
    }),
  ]),
  [
    'no User: the image default (busybox:test runs as root)',
    (engine) => ({
      cli: [...RESTRICTED_CLI],
      body: restrictedBody(undefined),
      mentions: /User|root|uid|non-root/i,
      proof: async () => assert.equal(await runDirect(engine, RESTRICTED_CLI, ['id', '-u']), '0\n'),
    }),
  ],
];

describe('privileges are refused on a real engine (baseline; restricted for users)', { timeout: 10 * 60_000 }, () => {
  const suite = useGuardedEngine({
    gateways: (_, host) => [
      { name: 'baseline', profile: 'baseline', allowBind: [host.root] },
      { name: 'restricted', profile: 'restricted' },
    ],
  });

  for (const [name, make] of BASELINE_ATTACKS) {
    it(`baseline refuses ${name}, with the rule and a fix, no trace on the engine; the engine itself honours it`, async () => {
      await checkCreateAttack(suite().engine, suite().gateway('baseline'), name, make(suite().engine));
    });
  }

  for (const [name, make] of RESTRICTED_ATTACKS) {
    it(`restricted refuses ${name}, with the rule and a fix, no trace on the engine; the engine itself honours it`, async () => {
      await checkCreateAttack(suite().engine, suite().gateway('restricted'), name, make(suite().engine));
    });
  }

  it('restricted lets the same container through as uid 1000 (the refusals above are for the user alone)', async () => {
    const { engine } = suite();
    const gateway = suite().gateway('restricted');
    const result = await docker(['run', '--rm', '--user', '1000:1000', ...RESTRICTED_CLI, IMAGE, 'id'], gateway.endpoint);
    assert.equal(result.code, 0, `docker run --user 1000:1000 ${RESTRICTED_CLI.join(' ')} through restricted\n${result.stderr}`);
    assert.equal(result.stdout, 'uid=1000 gid=1000 groups=1000\n');
    const res = await send(gateway.endpoint, 'POST', `${API}/containers/create?name=restricted-ok`, { json: { Image: IMAGE, Cmd: ['true'], ...restrictedBody('1000') } });
    assertForwarded(res, 'raw create as uid 1000 through restricted', [201]);
    await removeContainer(engine, 'restricted-ok');
  });
});
