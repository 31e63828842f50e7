// What the built-in profiles mean, pinned as a table: representative container creates (ordinary
// `docker run` forms, every host escape, benign neighbours) and other operations, each with the
// verdict under baseline and under restricted (with --allow-bind roots for the bind rows). Restricted
// rows start from a hardened body (non-root uid, no-new-privileges, CapDrop ALL, limits) so each row
// tests its own field. read-only keeps its meaning; audit allows whatever the gateway understands.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Decision } from '../../src/judge/decision.js';
import type { JudgeInput } from '../../src/judge/policy.js';
import { READ_ONLY_OPERATIONS, readOnlyProfile } from '../../src/judge/profiles/read-only-profile.js';
import { builtinPolicy } from '../../src/policy/builtin-policies.js';
import { ROUTE_ROWS } from '../../src/route/routes.js';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { ALICE, input } from '../support/policy-fixtures.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-profiles-')));
for (const dir of ['data/v1..2', 'data/app', 'database', 'ref']) mkdirSync(join(tmp, dir), { recursive: true });
symlinkSync('/etc', join(tmp, 'data/link'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, 'data');
const ref = join(tmp, 'ref');

const allowBind = [data, `${ref}:ro`];
const baseline = builtinPolicy('baseline', { allowBind });
const restricted = builtinPolicy('restricted', { allowBind });

const engine = () =>
  fakeEngine({
    containers: [
      plainContainer('plain', { User: '1000' }),
      plainContainer('priv', { HostConfig: { Privileged: true } }),
      plainContainer('rootmount', { Mounts: [{ Type: 'bind', Source: '/', Destination: '/host', RW: true }] }),
    ],
    volumes: [{ Name: 'etcvol', Driver: 'local', Options: { type: 'none', o: 'bind', device: '/etc' } }],
    images: [
      { Id: 'sha256:b', Config: { User: '' }, names: ['busybox'] },
      { Id: 'sha256:a', Config: { User: '1000' }, names: ['app'] },
    ],
  });

type Body = { [key: string]: unknown; HostConfig?: Record<string, unknown> };
const HARDENED: Body = { User: '1000:1000', HostConfig: { CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], Memory: 268435456, PidsLimit: 100, NanoCpus: 1e9 } };

function merge(base: Body, row: Body): Body {
  return { Image: 'busybox', ...base, ...row, HostConfig: { ...base.HostConfig, ...row.HostConfig } };
}

type V = 'allow' | 'deny';
const H = (HostConfig: Record<string, unknown>, rest: Body = {}): Body => ({ ...rest, HostConfig });

const CREATES: Array<[string, Body, V, V]> = [
  ['docker run --rm busybox echo hi', H({ AutoRemove: true }, { Cmd: ['echo', 'hi'] }), 'allow', 'allow'],
  ['a hardened container', {}, 'allow', 'allow'],
  ['-v /:/host', H({ Binds: ['/:/host'] }), 'deny', 'deny'],
  ['--privileged', H({ Privileged: true }), 'deny', 'deny'],
  ['--pid host', H({ PidMode: 'host' }), 'deny', 'deny'],
  ['--network host', H({ NetworkMode: 'host' }), 'deny', 'deny'],
  ['--ipc host', H({ IpcMode: 'host' }), 'deny', 'deny'],
  ['--uts host', H({ UTSMode: 'host' }), 'deny', 'deny'],
  ['--userns host', H({ UsernsMode: 'host' }), 'deny', 'deny'],
  ['--cgroupns host', H({ CgroupnsMode: 'host' }), 'allow', 'deny'],
  ['-v /var/run/docker.sock', H({ Binds: ['/var/run/docker.sock:/var/run/docker.sock'] }), 'deny', 'deny'],
  ['-v /run:/r:ro', H({ Binds: ['/run:/r:ro'] }), 'deny', 'deny'],
  ['a named volume', H({ Binds: ['data:/data'] }), 'allow', 'allow'],
  ['a named volume made with bind options', H({ Binds: ['etcvol:/x'] }), 'deny', 'deny'],
  ['a read-only bind under a read-only root', H({ Binds: [`${ref}:/ref:ro`] }), 'allow', 'allow'],
  ['a read-write bind under a read-only root', H({ Binds: [`${ref}:/ref`] }), 'deny', 'deny'],
  ['a read-write bind under a read-write root', H({ Binds: [`${data}/app:/app`] }), 'allow', 'allow'],
  ['a directory named v1..2', H({ Binds: [`${data}/v1..2:/v`] }), 'allow', 'allow'],
  ['prefix confusion (database vs data)', H({ Binds: [`${tmp}/database:/d`] }), 'deny', 'deny'],
  ['a symlink planted in the root', H({ Binds: [`${data}/link:/l:ro`] }), 'deny', 'deny'],
  ['.. out of the root', H({ Binds: [`${data}/../database:/d`] }), 'deny', 'deny'],
  [
    '--mount type=volume with a bind device',
    H({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/etc' } } } }] }),
    'deny',
    'deny',
  ],
  ['--volumes-from a container with / mounted', H({ VolumesFrom: ['rootmount'] }), 'deny', 'deny'],
  ['--tmpfs /tmp', H({ Tmpfs: { '/tmp': 'rw,size=64m' } }), 'allow', 'allow'],
  ['--cap-add SYS_ADMIN', H({ CapAdd: ['SYS_ADMIN'] }), 'deny', 'deny'],
  ['--cap-add cap_sys_ptrace', H({ CapAdd: ['cap_sys_ptrace'] }), 'deny', 'deny'],
  ['--cap-add ALL', H({ CapAdd: ['all'] }), 'deny', 'deny'],
  ['--cap-add NET_RAW', H({ CapAdd: ['NET_RAW'] }), 'deny', 'deny'],
  ['--cap-add CHOWN', H({ CapAdd: ['CHOWN'] }), 'allow', 'deny'],
  ['--cap-add NET_BIND_SERVICE', H({ CapAdd: ['NET_BIND_SERVICE'] }), 'allow', 'allow'],
  ['--device /dev/sda', H({ Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }), 'deny', 'deny'],
  ['--gpus all', H({ DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }] }), 'deny', 'deny'],
  ['--security-opt seccomp=unconfined', H({ SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'] }), 'deny', 'deny'],
  ['--security-opt apparmor:unconfined', H({ SecurityOpt: ['no-new-privileges', 'apparmor:unconfined'] }), 'deny', 'deny'],
  ['--security-opt label=disable', H({ SecurityOpt: ['no-new-privileges', 'label=disable'] }), 'deny', 'deny'],
  ['--security-opt systempaths=unconfined', H({ MaskedPaths: [], ReadonlyPaths: [] }), 'deny', 'deny'],
  ['--security-opt no-new-privileges=false', H({ SecurityOpt: ['no-new-privileges=false'] }), 'allow', 'deny'],
  ['--sysctl kernel.shm_rmid_forced=1', H({ Sysctls: { 'kernel.shm_rmid_forced': '1' } }), 'allow', 'allow'],
  ["--sysctl net.ipv4.ip_forward=1 (the container's own network namespace)", H({ Sysctls: { 'net.ipv4.ip_forward': '1' } }), 'allow', 'allow'],
  ['--sysctl net.core.somaxconn=1024', H({ Sysctls: { 'net.core.somaxconn': '1024' } }), 'allow', 'allow'],
  ['--sysctl kernel.msgmnb=65536', H({ Sysctls: { 'kernel.msgmnb': '65536' } }), 'deny', 'deny'],
  ['--cgroup-parent /', H({ CgroupParent: '/' }), 'deny', 'deny'],
  ['--runtime sysbox-runc', H({ Runtime: 'sysbox-runc' }), 'deny', 'deny'],
  ['-w /proc/self/fd/8', H({}, { WorkingDir: '/proc/self/fd/8' }), 'deny', 'deny'],
  ['-p 127.0.0.1:8080:80', H({ PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] } }), 'allow', 'allow'],
  ['-P', H({ PublishAllPorts: true }), 'allow', 'allow'],
  ['--network container:priv', H({ NetworkMode: 'container:priv' }), 'deny', 'deny'],
  ['--network container:plain', H({ NetworkMode: 'container:plain' }), 'allow', 'allow'],
  ['--user 0', H({}, { User: '0' }), 'allow', 'deny'],
  ['--user root:root', H({}, { User: 'root:root' }), 'allow', 'deny'],
  ['--user nobody', H({}, { User: 'nobody' }), 'allow', 'deny'],
  ["no --user, the image's user is root", H({}, { User: '' }), 'allow', 'deny'],
  ["no --user, the image's user is 1000", H({}, { User: '', Image: 'app' }), 'allow', 'allow'],
  ['--log-driver syslog', H({ LogConfig: { Type: 'syslog', Config: {} } }), 'deny', 'deny'],
  ['--oom-score-adj -1000', H({ OomScoreAdj: -1000 }), 'deny', 'deny'],
  ['labels and env that mention Privileged', H({}, { Labels: { Privileged: 'true' }, Env: ['PRIVILEGED=1'] }), 'allow', 'allow'],
];

describe('container creates under baseline and restricted', () => {
  for (const [name, row, underBaseline, underRestricted] of CREATES) {
    test(`${name}: baseline ${underBaseline}, restricted ${underRestricted}`, async () => {
      const plainBody = merge({}, row);
      const hardenedBody = merge(HARDENED, row);
      const b = await baseline.judge(input(ALICE, 'POST', '/v1.41/containers/create', plainBody, engine()));
      assert.equal(b.verdict, underBaseline, `baseline: ${b.reason}`);
      const r = await restricted.judge(input(ALICE, 'POST', '/v1.41/containers/create', hardenedBody, engine()));
      assert.equal(r.verdict, underRestricted, `restricted: ${r.reason}`);
      if (b.verdict === 'deny') {
        assert.equal(b.rule, 'profile.baseline');
        assert.ok(b.fix && b.fix.length > 0, 'a refusal says how to fix it');
      }
    });
  }
});

describe('what restricted asks of an ordinary docker run', () => {
  test('docker run --rm busybox echo hi is refused: root user, no no-new-privileges, capabilities kept, no limits', async () => {
    const decision = await restricted.judge(input(ALICE, 'POST', '/v1.41/containers/create', { Image: 'busybox', Cmd: ['echo', 'hi'], HostConfig: { AutoRemove: true } }, engine()));
    assert.equal(decision.verdict, 'deny');
    for (const field of ['User', 'HostConfig.SecurityOpt', 'HostConfig.CapDrop', 'HostConfig.Memory', 'HostConfig.PidsLimit', 'HostConfig.NanoCpus']) {
      assert.ok(decision.reason.includes(`${field}:`), `${field} in ${decision.reason}`);
    }
    assert.match(decision.fix!, /--user 1000:1000/);
    assert.match(decision.fix!, /--cap-drop ALL/);
  });
});

const OPERATIONS: Array<[string, string, string, unknown, V]> = [
  ['docker ps', 'GET', '/v1.41/containers/json', undefined, 'allow'],
  ['docker logs', 'GET', '/v1.41/containers/plain/logs?stdout=1', undefined, 'allow'],
  ['docker pull', 'POST', '/v1.41/images/create?fromImage=busybox&tag=latest', undefined, 'allow'],
  ['docker import from a URL', 'POST', '/v1.41/images/create?fromSrc=http%3A%2F%2F169.254.169.254%2F&repo=x', undefined, 'deny'],
  ['docker save', 'GET', '/v1.41/images/get?names=busybox', undefined, 'allow'],
  ['docker load', 'POST', '/v1.41/images/load', undefined, 'allow'],
  ['docker push', 'POST', '/v1.41/images/busybox/push', undefined, 'allow'],
  ['docker build .', 'POST', '/v1.41/build?t=app', undefined, 'allow'],
  ['docker build --network host', 'POST', '/v1.41/build?networkmode=host', undefined, 'deny'],
  ['docker build from a remote context', 'POST', '/v1.41/build?remote=https%3A%2F%2Fexample.com%2Fctx.tar', undefined, 'deny'],
  ['docker cp out of a plain container', 'GET', '/v1.41/containers/plain/archive?path=%2Fetc', undefined, 'allow'],
  ['docker cp out of a privileged container', 'GET', '/v1.41/containers/priv/archive?path=%2Fetc', undefined, 'deny'],
  ['docker exec into a plain container', 'POST', '/v1.41/containers/plain/exec', { Cmd: ['sh'], User: '0' }, 'allow'],
  ['docker exec into a privileged container', 'POST', '/v1.41/containers/priv/exec', { Cmd: ['sh'] }, 'deny'],
  ['docker exec --privileged', 'POST', '/v1.41/containers/plain/exec', { Cmd: ['sh'], Privileged: true }, 'deny'],
  ['docker volume create', 'POST', '/v1.41/volumes/create', { Name: 'v' }, 'allow'],
  ['docker volume create with o=bind outside the roots', 'POST', '/v1.41/volumes/create', { Name: 'v', Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device: '/' } }, 'deny'],
  ['docker network create', 'POST', '/v1.41/networks/create', { Name: 'n' }, 'allow'],
  ['docker network create -d macvlan', 'POST', '/v1.41/networks/create', { Name: 'n', Driver: 'macvlan', Options: { parent: 'eth0' } }, 'deny'],
  ['docker swarm init', 'POST', '/v1.41/swarm/init', { ListenAddr: '0.0.0.0:2377' }, 'deny'],
  ['docker swarm join-token', 'GET', '/v1.41/swarm', undefined, 'deny'],
  ['docker plugin install with privileges', 'POST', '/v1.41/plugins/pull?remote=vieux%2Fsshfs', [{ Name: 'mount', Description: '', Value: ['/var/lib/docker/plugins/'] }], 'deny'],
  ['BuildKit session', 'POST', '/v1.41/session', undefined, 'deny'],
  ['BuildKit gRPC', 'POST', '/v1.41/grpc', undefined, 'deny'],
  ['debug profiles', 'GET', '/debug/pprof/profile', undefined, 'deny'],
  ['CRIU checkpoint', 'POST', '/v1.41/containers/plain/checkpoints', { CheckpointID: 'c' }, 'deny'],
  ['start with a legacy HostConfig body', 'POST', '/v1.41/containers/plain/start', { Binds: ['/:/host'] }, 'deny'],
];

describe('other operations under baseline', () => {
  for (const [name, method, path, body, expected] of OPERATIONS) {
    test(`${name}: ${expected}`, async () => {
      const decision = await baseline.judge(input(ALICE, method, path, body, engine()));
      assert.equal(decision.verdict, expected, decision.reason);
    });
  }
});

describe('read-only and audit', () => {
  const sample = (row: (typeof ROUTE_ROWS)[number]): JudgeInput => {
    const path = row.path.replace(/\{[^}]+\}/g, 'x');
    return input(ALICE, row.method, path, undefined, engine());
  };

  test('read-only as a policy decides every operation as the read-only profile does', async () => {
    const policy = builtinPolicy('read-only');
    for (const row of ROUTE_ROWS) {
      const request = sample(row);
      const expected = readOnlyProfile.judge(request) as Decision;
      const actual = await policy.judge(request);
      assert.equal(actual.verdict, expected.verdict, row.operation);
      assert.equal(actual.verdict === 'allow', READ_ONLY_OPERATIONS.has(row.operation), row.operation);
      if (actual.verdict === 'deny') assert.equal(actual.reason, expected.reason, row.operation);
    }
  });

  test('audit allows every operation, host escapes included', async () => {
    const policy = builtinPolicy('audit');
    for (const row of ROUTE_ROWS) assert.equal((await policy.judge(sample(row))).verdict, 'allow', row.operation);
    const escape = await policy.judge(input(ALICE, 'POST', '/v1.41/containers/create', { Image: 'x', HostConfig: { Privileged: true, Binds: ['/:/host'] } }));
    assert.equal(escape.verdict, 'allow');
  });

  test('--allow-bind needs a profile that judges mounts, and an existing directory', () => {
    assert.throws(() => builtinPolicy('audit', { allowBind: [data] }), /judges no container reach/);
    assert.throws(() => builtinPolicy('baseline', { allowBind: [`${tmp}/absent`] }), /--allow-bind .*absent.*cannot be resolved/);
    assert.throws(() => builtinPolicy('baseline', { allowBind: ['relative/dir'] }), /not an absolute path/);
    assert.throws(() => builtinPolicy('strict'), /unknown profile/);
  });
});
