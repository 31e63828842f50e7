// Each security-relevant service key becomes the create-body field Compose 1.29 (through docker-py) makes
// of it, and that field is located at the key or list item that set it; the fields the gateway's judge
// names in its refusals of these requests (baseline profile) are located at the lines the test expects, so
// locate() answers in the judge's own spelling.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CheckedRequest } from '../../src/check/checked-request.js';
import { composeRequests } from '../../src/check/compose/compose-requests.js';
import { builtinPolicy, judge } from '../../src/index.js';
import { composeProject, spot } from '../support/compose-files.js';
import { ALICE } from '../support/policy-fixtures.js';

const COMPOSE = `version: "3.8"
services:
  web:
    image: busybox:1.36
    command: sh -c 'echo "hi there"'
    entrypoint: [/bin/sh]
    user: root
    privileged: true
    cap_add: [SYS_ADMIN, NET_ADMIN]
    cap_drop: [ALL]
    devices: ["/dev/fuse", "/dev/sda:/dev/xvda:r"]
    pid: host
    ipc: host
    userns_mode: host
    cgroup_parent: /system.slice
    security_opt: ["apparmor=unconfined", "no-new-privileges:true"]
    sysctls: { net.ipv4.ip_forward: 1, kernel.msgmax: "65536" }
    mem_limit: 1g
    memswap_limit: 2g
    pids_limit: 200
    cpus: 1.5
    ports: ["8080:80", "127.0.0.1:5353:53/udp", "9000-9001:90-91", 3000]
    tmpfs: ["/run:size=64m", /tmp]
    read_only: true
    logging: { driver: syslog, options: { tag: web } }
    runtime: runc
    restart: always
    group_add: [docker, 999]
    extra_hosts: ["host.local:10.0.0.1"]
    environment: { TOKEN: secret }
    labels: [dockgate.owner=alice, tier=front]
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - ./app:/app:ro
      - type: bind
        source: /
        target: /host
        bind: { propagation: rshared }
      - type: volume
        source: cache
        target: /cache
        volume: { nocopy: true }
      - type: tmpfs
        target: /scratch
        tmpfs: { size: 1m }
  hostnet:
    image: busybox:1.36
    network_mode: host
    healthcheck: { test: [CMD, /bin/true], interval: 1m30s, start_period: 1.5s }
    stop_grace_period: 1m5s
    deploy:
      resources:
        limits: { memory: 256m, cpus: "0.25" }
        reservations: { devices: [{ driver: nvidia, count: all, capabilities: [gpu] }] }
      restart_policy: { condition: on-failure, max_attempts: 3 }
volumes:
  cache:
  etc:
    driver: local
    driver_opts: { type: none, o: bind, device: /etc }
networks:
  default:
    driver_opts: { com.docker.network.bridge.gateway_mode_ipv4: routed }
`;

const dir = composeProject({ 'docker-compose.yml': COMPOSE }, 'shop');
const file = join(dir, 'docker-compose.yml');
const requests = composeRequests({ files: [file], env: {} });

function request(subject: string): CheckedRequest & { body: Record<string, unknown> & { HostConfig: Record<string, unknown> } } {
  const found = requests.find((r) => r.subject === subject);
  assert.ok(found, `${subject} among ${requests.map((r) => r.subject).join(', ')}`);
  return found as CheckedRequest & { body: Record<string, unknown> & { HostConfig: Record<string, unknown> } };
}

const web = request('service web');
const hostnet = request('service hostnet');

describe('service keys mapped to the container create body', () => {
  const host = web.body.HostConfig;
  const cases: [string, unknown, unknown][] = [
    ['image', web.body['Image'], 'busybox:1.36'],
    ['command (split as shlex splits it)', web.body['Cmd'], ['sh', '-c', 'echo "hi there"']],
    ['entrypoint', web.body['Entrypoint'], ['/bin/sh']],
    ['user', web.body['User'], 'root'],
    ['environment', web.body['Env'], ['TOKEN=secret']],
    [
      'labels, with Compose’s own',
      web.body['Labels'],
      {
        'dockgate.owner': 'alice',
        tier: 'front',
        'com.docker.compose.project': 'shop',
        'com.docker.compose.service': 'web',
        'com.docker.compose.oneoff': 'False',
        'com.docker.compose.container-number': '1',
        'com.docker.compose.version': '1.29.2',
      },
    ],
    ['privileged', host['Privileged'], true],
    ['cap_add', host['CapAdd'], ['SYS_ADMIN', 'NET_ADMIN']],
    ['cap_drop', host['CapDrop'], ['ALL']],
    [
      'devices',
      host['Devices'],
      [
        { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
        { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'r' },
      ],
    ],
    ['pid', host['PidMode'], 'host'],
    ['ipc', host['IpcMode'], 'host'],
    ['userns_mode', host['UsernsMode'], 'host'],
    ['cgroup_parent', host['CgroupParent'], '/system.slice'],
    ['security_opt', host['SecurityOpt'], ['apparmor=unconfined', 'no-new-privileges:true']],
    ['sysctls (values as text)', host['Sysctls'], { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '65536' }],
    ['mem_limit', host['Memory'], 1024 ** 3],
    ['memswap_limit', host['MemorySwap'], 2 * 1024 ** 3],
    ['pids_limit', host['PidsLimit'], 200],
    ['cpus', host['NanoCpus'], 1_500_000_000],
    ['ports: exposed', web.body['ExposedPorts'], { '80/tcp': {}, '53/udp': {}, '90/tcp': {}, '91/tcp': {}, '3000/tcp': {} }],
    [
      'ports: bindings (a range port by port; a port without a host port still bound, to a random one)',
      host['PortBindings'],
      {
        '80/tcp': [{ HostIp: '', HostPort: '8080' }],
        '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
        '90/tcp': [{ HostIp: '', HostPort: '9000' }],
        '91/tcp': [{ HostIp: '', HostPort: '9001' }],
        '3000/tcp': [{ HostIp: '', HostPort: '' }],
      },
    ],
    ['tmpfs', host['Tmpfs'], { '/run': 'size=64m', '/tmp': '' }],
    ['read_only', host['ReadonlyRootfs'], true],
    ['logging', host['LogConfig'], { Type: 'syslog', Config: { tag: 'web' } }],
    ['runtime', host['Runtime'], 'runc'],
    ['restart', host['RestartPolicy'], { Name: 'always', MaximumRetryCount: 0 }],
    ['group_add (as text)', host['GroupAdd'], ['docker', '999']],
    ['extra_hosts', host['ExtraHosts'], ['host.local:10.0.0.1']],
    ['volumes, short syntax: binds with a mode, relative paths from the project directory', host['Binds'], ['/var/run/docker.sock:/var/run/docker.sock:rw', `${join(dir, 'app')}:/app:ro`]],
    ['volumes, short syntax: every container path in Volumes', web.body['Volumes'], { '/var/run/docker.sock': {}, '/app': {} }],
    [
      'volumes, long syntax: mounts, named volumes by their engine name',
      host['Mounts'],
      [
        { Target: '/host', Source: '/', Type: 'bind', ReadOnly: null, BindOptions: { Propagation: 'rshared' } },
        { Target: '/cache', Source: 'shop_cache', Type: 'volume', ReadOnly: null, VolumeOptions: { NoCopy: true } },
        { Target: '/scratch', Source: null, Type: 'tmpfs', ReadOnly: null, TmpfsOptions: { SizeBytes: 1024 ** 2 } },
      ],
    ],
    ['the project network', host['NetworkMode'], 'shop_default'],
    ['network_mode', hostnet.body.HostConfig['NetworkMode'], 'host'],
    ['no environment: no Env at all (docker-py leaves an empty one out)', hostnet.body['Env'], undefined],
    [
      'healthcheck (durations in nanoseconds, every field sent)',
      hostnet.body['Healthcheck'],
      { Test: ['CMD', '/bin/true'], Interval: 90_000_000_000, Timeout: null, Retries: null, StartPeriod: 1_500_000_000 },
    ],
    ['stop_grace_period (seconds)', hostnet.body['StopTimeout'], 65],
    ['deploy.resources.limits.memory', hostnet.body.HostConfig['Memory'], 256 * 1024 ** 2],
    ['deploy.resources.limits.cpus', hostnet.body.HostConfig['NanoCpus'], 250_000_000],
    ['deploy.restart_policy', hostnet.body.HostConfig['RestartPolicy'], { Name: 'on-failure', MaximumRetryCount: 3 }],
    ['deploy.resources.reservations.devices', hostnet.body.HostConfig['DeviceRequests'], [{ Driver: 'nvidia', Count: -1, DeviceIDs: [], Capabilities: [['gpu']], Options: {} }]],
  ];
  for (const [what, actual, expected] of cases) test(what, () => assert.deepEqual(actual, expected));

  test('volume and network creates: driver_opts as given, Compose’s labels', () => {
    assert.deepEqual(request('volume etc').body, {
      Name: 'shop_etc',
      Driver: 'local',
      DriverOpts: { type: 'none', o: 'bind', device: '/etc' },
      Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.volume': 'etc', 'com.docker.compose.version': '1.29.2' },
    });
    assert.deepEqual(request('network default').body, {
      Name: 'shop_default',
      Options: { 'com.docker.network.bridge.gateway_mode_ipv4': 'routed' },
      CheckDuplicate: true,
      Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.network': 'default', 'com.docker.compose.version': '1.29.2' },
      Attachable: true,
    });
  });
});

describe('fields located at the key or item that set them', () => {
  const cases: [CheckedRequest, string, string, number?][] = [
    [web, 'HostConfig.Privileged', 'privileged:'],
    [web, 'HostConfig.CapAdd[1]', 'NET_ADMIN'],
    [web, 'HostConfig.Devices[1]', '"/dev/sda:/dev/xvda:r"'],
    [web, 'HostConfig.PidMode', 'pid:'],
    [web, 'HostConfig.Sysctls.net.ipv4.ip_forward', 'net.ipv4.ip_forward'],
    [web, 'HostConfig.SecurityOpt[0]', '"apparmor=unconfined"'],
    [web, 'HostConfig.Binds[0]', '/var/run/docker.sock:'],
    [web, 'HostConfig.Mounts[0].Source', 'source: /'],
    [web, 'HostConfig.Mounts[0].BindOptions.Propagation', 'bind: { propagation'],
    [web, 'HostConfig.Mounts[2]', '- type: tmpfs'.slice(2)],
    [web, 'HostConfig.PortBindings.91/tcp[0]', '"9000-9001:90-91"'],
    [web, 'HostConfig.Memory', 'mem_limit:'],
    [web, 'HostConfig.NanoCpus', 'cpus: 1.5'],
    [web, 'User', 'user:'],
    [web, 'Labels.dockgate.owner', 'dockgate.owner=alice'],
    [web, 'Image', 'image:'],
    [web, 'HostConfig.LogConfig.Type', 'driver: syslog'],
    [web, 'HostConfig.RestartPolicy', 'restart:'],
    [hostnet, 'HostConfig.NetworkMode', 'network_mode:'],
    [hostnet, 'HostConfig.Memory', 'memory: 256m'],
    [request('volume etc'), 'DriverOpts.device', 'device: /etc'],
    [request('network default'), 'Options.com.docker.network.bridge.gateway_mode_ipv4', 'com.docker.network.bridge.gateway_mode_ipv4:'],
  ];
  for (const [req, field, needle, nth] of cases) {
    test(`${req.subject}: ${field}`, () => assert.deepEqual(req.locate(field), spot(file, needle, nth)));
  }

  test('a field no key set (what Compose adds) is located at the service', () => {
    assert.deepEqual(web.locate('HostConfig.VolumesFrom'), spot(file, 'web:'));
    assert.deepEqual(web.locate('Labels.com.docker.compose.project'), spot(file, 'labels:'));
    assert.deepEqual(web.location, spot(file, 'web:'));
  });
});

describe('the fields the judge names in its refusals are located in the file', () => {
  const policy = builtinPolicy('baseline');

  async function refusedFields(req: CheckedRequest): Promise<string[]> {
    const result = await judge(policy, { method: req.method, path: req.path, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(req.body)), identity: ALICE });
    assert.equal(result.verdict, 'deny', `${req.subject} is refused under baseline`);
    return [...(result.reason ?? '').matchAll(/(?:^|; )([A-Z?][\w.?/[\]-]*): /g)].map((m) => m[1]!);
  }

  test('web: privileges, capabilities, devices, namespaces, mounts and the docker socket', async () => {
    const fields = await refusedFields(web);
    const expected: Record<string, string> = {
      'HostConfig.Privileged': 'privileged:',
      'HostConfig.CapAdd[0]': 'SYS_ADMIN',
      'HostConfig.PidMode': 'pid:',
      'HostConfig.IpcMode': 'ipc:',
      'HostConfig.Binds[0]': '/var/run/docker.sock:',
      'HostConfig.Mounts[0].Source': 'source: /',
      'HostConfig.CgroupParent': 'cgroup_parent:',
    };
    for (const [field, needle] of Object.entries(expected)) {
      assert.ok(fields.includes(field), `the judge names ${field} (it named ${fields.join(', ')})`);
      assert.deepEqual(web.locate(field), spot(file, needle), field);
    }
    for (const field of fields) assert.notDeepEqual(web.locate(field), web.location, `${field} is located at a key of its own, not at the service`);
  });

  test('hostnet: the host network and a GPU', async () => {
    assert.deepEqual(await refusedFields(hostnet), ['HostConfig.DeviceRequests', 'HostConfig.NetworkMode']);
    assert.deepEqual(hostnet.locate('HostConfig.DeviceRequests'), spot(file, 'devices: [{ driver: nvidia'));
    assert.deepEqual(hostnet.locate('HostConfig.NetworkMode'), spot(file, 'network_mode:'));
  });

  test('a local volume bound to /etc', async () => {
    const volume = request('volume etc');
    assert.deepEqual(await refusedFields(volume), ['DriverOpts.device']);
    assert.deepEqual(volume.locate('DriverOpts.device'), spot(file, 'device: /etc'));
  });
});
