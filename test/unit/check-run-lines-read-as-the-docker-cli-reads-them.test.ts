// `dockgate check` reads `docker run` and `docker create` lines as the docker CLI does: the shell's words
// (quotes, continuations, variables, `~`), then pflag's flag forms, then the create body the CLI's parse()
// builds. The expected bodies are what docker 28's CLI was seen sending for the same lines; the places are
// the flag words' lines and columns in the script.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors/config-error.js';
import { argumentRequests, scriptRequests } from '../../src/check/run-line/run-requests.js';
import type { CheckedRequest } from '../../src/check/checked-request.js';

type Body = { [key: string]: unknown; HostConfig: Record<string, unknown> };

function line(...args: string[]): { request: CheckedRequest; body: Body } {
  const request = argumentRequests(['docker', ...args]);
  return { request, body: request.body as Body };
}

function refused(args: string[], pattern: RegExp): void {
  assert.throws(
    () => argumentRequests(['docker', ...args]),
    (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
  );
}

test('long flags: --flag=value, --flag value (even a value starting with -), booleans alone or =false, the last single value wins', () => {
  const { body, request } = line('run', '--name=web', '--user', '-1', '--privileged', '--read-only=false', '--hostname', 'a', '--hostname', 'b', 'busybox');
  assert.equal(request.path, '/v1.41/containers/create?name=web');
  assert.equal(body['User'], '-1');
  assert.equal(body.HostConfig['Privileged'], true);
  assert.equal(body.HostConfig['ReadonlyRootfs'], false);
  assert.equal(body['Hostname'], 'b');
  assert.equal(line('run', '--privileged=0', 'busybox').body.HostConfig['Privileged'], false);
  refused(['run', '--privileged=yes', 'busybox'], /invalid argument "yes" for "privileged" flag/);
});

test('shorthands: grouped booleans, a value glued, after =, or in the next word, a group ending in a value flag', () => {
  const grouped = line('run', '-itd', 'busybox', 'sh').body;
  assert.deepEqual([grouped['Tty'], grouped['OpenStdin'], grouped['AttachStdin'], grouped['AttachStdout'], grouped['StdinOnce']], [true, true, false, false, false]);
  const attached = line('run', '-i', 'busybox').body;
  assert.deepEqual([attached['OpenStdin'], attached['AttachStdin'], attached['StdinOnce'], attached['AttachStdout']], [true, true, true, true]);
  for (const form of [['-p8080:80'], ['-p=8080:80'], ['-p', '8080:80'], ['-dp', '8080:80'], ['-dp8080:80']]) {
    const { body } = line('run', ...form, 'busybox');
    assert.deepEqual(body.HostConfig['PortBindings'], { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, form.join(' '));
    assert.deepEqual(body['ExposedPorts'], { '80/tcp': {} });
  }
  assert.equal(line('run', '-t=false', 'busybox').body['Tty'], false);
});

test('the first word that is not a flag is the image; every word after it is the command, flags included; -- ends the flags', () => {
  const { body } = line('run', '--rm', 'busybox', 'ls', '-l', '--privileged');
  assert.equal(body['Image'], 'busybox');
  assert.deepEqual(body['Cmd'], ['ls', '-l', '--privileged']);
  assert.equal(body.HostConfig['Privileged'], false);
  assert.equal(line('run', '--', 'busybox', '-x').body['Image'], 'busybox');
  assert.equal(line('container', 'create', 'alpine').body['Image'], 'alpine');
});

test('what the CLI refuses is refused at its place: unknown flags, a value flag at the end, run-only flags on create, no image', () => {
  refused(['run', '--no-such-flag', 'busybox'], /:1:12: docker run: unknown flag: --no-such-flag/);
  refused(['run', '-iZ', 'busybox'], /unknown shorthand flag: 'Z' in -iZ/);
  refused(['run', '--name'], /flag needs an argument: --name/);
  refused(['run', '-d'], /requires at least 1 argument/);
  refused(['create', '-d', 'busybox'], /docker create: unknown shorthand flag: 'd' in -d/);
  refused(['create', '--sig-proxy', 'busybox'], /unknown flag: --sig-proxy/);
  refused(['run', '--help'], /--help prints the usage/);
  refused(['run', '--gpus', 'all', 'busybox'], /--gpus is not read by dockgate check yet/);
});

test('repeated list flags keep their order; each item is located at its own flag', () => {
  const { body, request } = line('run', '-v', '/etc:/x:ro', '--volume=vol:/data', '-v', '/anon', '--cap-add', 'sys_admin', '--cap-add', 'CAP_NET_ADMIN', '--cap-drop=all', 'busybox');
  assert.deepEqual(body.HostConfig['Binds'], ['/etc:/x:ro', 'vol:/data']);
  assert.deepEqual(body['Volumes'], { '/anon': {} });
  assert.deepEqual(body.HostConfig['CapAdd'], ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], 'sorted, as the CLI sends them');
  assert.deepEqual(body.HostConfig['CapDrop'], ['ALL']);
  assert.equal(request.locate('HostConfig.Binds[0]').column, 12);
  assert.equal(request.locate('HostConfig.Binds[1]').column, 26);
  assert.equal(request.locate('HostConfig.CapAdd[0]').column, 74, 'each capability at the flag that named it');
  assert.equal(request.locate('HostConfig.Binds[0].Source').column, 12, 'a field inside an item is at the item');
  assert.equal(request.locate('HostConfig.Memory').column, 1, 'a field no flag set is at the command');
});

test('capabilities as the CLI settles them: each once, ALL for all, added beats dropped, RESET left out, sorted', () => {
  const caps = (...args: string[]): [unknown, unknown] => {
    const { body } = line('run', ...args, 'busybox');
    return [body.HostConfig['CapAdd'], body.HostConfig['CapDrop']];
  };
  assert.deepEqual(caps('--cap-add', 'chown', '--cap-add', 'CAP_CHOWN', '--cap-add', ' kill '), [['CAP_CHOWN', 'CAP_KILL'], null]);
  assert.deepEqual(caps('--cap-add', 'ALL', '--cap-add', 'sys_admin', '--cap-drop', 'net_raw'), [['ALL'], ['CAP_NET_RAW']]);
  assert.deepEqual(caps('--cap-drop', 'NET_RAW', '--cap-add', 'net_raw', '--cap-drop', 'reset'), [['CAP_NET_RAW'], null]);
  const { request } = line('run', '--cap-add', 'SYS_ADMIN', '--cap-add', 'CHOWN', 'busybox');
  assert.deepEqual([request.locate('HostConfig.CapAdd[0]').column, request.locate('HostConfig.CapAdd[1]').column], [32, 12]);
});

test('volumes, mounts, devices and a relative bind as the CLI sends them', () => {
  assert.deepEqual(line('run', '-v', './data:/d', 'busybox').body.HostConfig['Binds'], [`${resolve('data')}:/d`]);
  assert.deepEqual(line('run', '--mount', 'type=bind,src=/var/run/docker.sock,dst=/s,readonly', '--mount', 'type=volume,source=v,target=/v', 'busybox').body.HostConfig['Mounts'], [
    { Type: 'bind', Source: '/var/run/docker.sock', Target: '/s', ReadOnly: true },
    { Type: 'volume', Source: 'v', Target: '/v' },
  ]);
  refused(['run', '--mount', 'type=bind,src=/x,dst=/y,bind-recursive=disabled', 'busybox'], /the key bind-recursive is not read/);
  assert.deepEqual(line('run', '--device', '/dev/fuse', '--device', '/dev/sda:/dev/xvda:r', '--device', '/dev/kmsg:rw', 'busybox').body.HostConfig['Devices'], [
    { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
    { PathOnHost: '/dev/sda', PathInContainer: '/dev/xvda', CgroupPermissions: 'r' },
    { PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rw' },
  ]);
});

test('namespaces, security options, resources and the rest of the host-reaching flags', () => {
  const { body } = line(
    'run',
    '--network=host',
    '--pid',
    'host',
    '--ipc',
    'host',
    '--uts=host',
    '--userns',
    'host',
    '--cgroupns',
    'host',
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'systempaths=unconfined',
    '-m',
    '64m',
    '--memory-swap',
    '-1',
    '--cpus',
    '1.5',
    '--pids-limit',
    '100',
    '--tmpfs',
    '/t:size=1m',
    '--restart',
    'on-failure:3',
    '--sysctl',
    'net.ipv4.ip_forward=1',
    '--add-host',
    'a=1.2.3.4',
    '--log-opt',
    'max-size=1m',
    'busybox',
  );
  const host = body.HostConfig;
  assert.deepEqual([host['NetworkMode'], host['PidMode'], host['IpcMode'], host['UTSMode'], host['UsernsMode'], host['CgroupnsMode']], ['host', 'host', 'host', 'host', 'host', 'host']);
  assert.deepEqual(body['NetworkingConfig'], { EndpointsConfig: {} });
  assert.deepEqual(host['SecurityOpt'], ['seccomp=unconfined']);
  assert.deepEqual([host['MaskedPaths'], host['ReadonlyPaths']], [[], []]);
  assert.deepEqual([host['Memory'], host['MemorySwap'], host['NanoCpus'], host['PidsLimit']], [64 * 2 ** 20, -1, 1.5e9, 100]);
  assert.deepEqual(host['Tmpfs'], { '/t': 'size=1m' });
  assert.deepEqual(host['RestartPolicy'], { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(host['Sysctls'], { 'net.ipv4.ip_forward': '1' });
  assert.deepEqual(host['ExtraHosts'], ['a:1.2.3.4']);
  assert.deepEqual(host['LogConfig'], { Type: '', Config: { 'max-size': '1m' } });
  assert.deepEqual(line('run', '--network', 'mynet', 'busybox').body['NetworkingConfig'], { EndpointsConfig: {} }, 'a network given by flag has no endpoint sent');
});

test('a seccomp profile file is sent inline, as the CLI reads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-seccomp-'));
  const file = join(dir, 'profile.json');
  writeFileSync(file, '{\n  "defaultAction": "SCMP_ACT_ALLOW"\n}\n');
  assert.deepEqual(line('run', '--security-opt', `seccomp=${file}`, 'busybox').body.HostConfig['SecurityOpt'], ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']);
  refused(['run', '--security-opt', `seccomp=${join(dir, 'missing.json')}`, 'busybox'], /opening seccomp profile/);
});

test('a script: quotes, continuations, comments, variables and ~ as the shell reads them; each field at its line and column', () => {
  const script = [
    '#!/bin/sh',
    'set -e',
    'docker pull busybox',
    'docker run --rm \\',
    '  --privileged \\',
    '  -v "$DATA:/data" -e "GREETING=hello world" -v ~/cache:/c \\',
    "  busybox sh -c 'echo $1'",
    'if true; then docker create --pid=host busybox; fi',
    'echo "$(id)" | docker run -d busybox',
  ].join('\n');
  const { requests, notChecked } = scriptRequests(script, 'deploy.sh', { DATA: '/srv/data', HOME: '/home/u' });
  assert.equal(requests.length, 3);
  const [run, create, piped] = requests as [CheckedRequest, CheckedRequest, CheckedRequest];
  const body = run.body as Body;
  assert.deepEqual(body.HostConfig['Binds'], ['/srv/data:/data', '/home/u/cache:/c']);
  assert.deepEqual(body['Env'], ['GREETING=hello world']);
  assert.deepEqual(body['Cmd'], ['sh', '-c', 'echo $1']);
  assert.deepEqual(run.location, { file: 'deploy.sh', line: 4, column: 1 });
  assert.deepEqual(run.locate('HostConfig.Privileged'), { file: 'deploy.sh', line: 5, column: 3 });
  assert.deepEqual(run.locate('HostConfig.Binds[1]'), { file: 'deploy.sh', line: 6, column: 46 });
  assert.deepEqual(create.locate('HostConfig.PidMode'), { file: 'deploy.sh', line: 8, column: 29 });
  assert.equal(piped.location.line, 9);
  assert.deepEqual(notChecked, [{ location: { file: 'deploy.sh', line: 3, column: 1 }, command: 'docker pull busybox' }]);
});

test('a word only running the shell could read is an error at its place; a script the shell cannot parse is the shell’s error', () => {
  const error = (script: string, pattern: RegExp): void =>
    assert.throws(
      () => scriptRequests(script, 's.sh', { SPACED: 'a b' }),
      (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
    );
  error('docker run -v "$(pwd):/x" busybox', /s\.sh:1:16: CmdSubst/);
  error('docker run -v ${X:-/etc}:/x busybox', /s\.sh:1:15: \$\{X\.\.\.\} is an expansion with an operator/);
  error('docker run -v $SPACED:/x busybox', /\$SPACED is unquoted and its value would be split/);
  error('docker run "busybox', /s\.sh:1:12: reached EOF without closing quote/);
  assert.equal(scriptRequests('echo "$(id)"\ndocker run busybox', 's.sh', {}).requests.length, 1, 'other commands may use any shell');
});

test('the bodies the docker CLI 28.2.2 was captured sending (test/fixtures/cli-bodies) are the bodies built from the same lines', () => {
  const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'cli-bodies', 'docker-cli-28.2.2-api-1.41.json'), 'utf8')) as {
    requests: Array<{ command: string; target: string; body: string }>;
  };
  const creates = fixture.requests.filter((r) => r.target.includes('/containers/create'));
  assert.ok(creates.length >= 4);
  for (const captured of creates) {
    const sent = JSON.parse(captured.body) as Body;
    // The fixture writes the command unquoted (`busybox -c echo hi` for the words -c and "echo hi"): quote its command words again.
    const words = Array.isArray(sent['Cmd']) ? (sent['Cmd'] as string[]) : [];
    const tail = words.join(' ');
    const script = words.length > 0 && captured.command.endsWith(tail) ? `${captured.command.slice(0, -tail.length)}${words.map((w) => `'${w}'`).join(' ')}` : captured.command;
    const { requests } = scriptRequests(script, 'captured.sh', {});
    const built = requests[0]!;
    const ours = JSON.parse(JSON.stringify(built.body)) as Body;
    // The CLI walks a Go map to list the binds: their order is not the CLI's to keep.
    for (const body of [sent, ours]) if (Array.isArray(body.HostConfig['Binds'])) (body.HostConfig['Binds'] as string[]).sort();
    assert.deepEqual(ours, sent, captured.command);
    assert.equal(built.path, captured.target, captured.command);
  }
});

test('--env-file and --label-file are read as the CLI reads them, before the -e and -l values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-kvfile-'));
  const env = join(dir, 'app.env');
  writeFileSync(env, '\uFEFF# settings\n\n  MODE=prod \nCHECK_KVFILE_SET\nCHECK_KVFILE_UNSET\n');
  const labels = join(dir, 'labels');
  writeFileSync(labels, 'team=a\nlonely\n');
  process.env['CHECK_KVFILE_SET'] = 'from-env';
  try {
    const { body, request } = line('run', '-e', 'LAST=1', '--env-file', env, '-l', 'team=b', '--label-file', labels, 'busybox');
    assert.deepEqual(body['Env'], ['MODE=prod ', 'CHECK_KVFILE_SET=from-env', 'LAST=1']);
    assert.deepEqual(body['Labels'], { team: 'b' });
    assert.equal(request.locate('Env[0]').column, 22, 'a line from the file is at the --env-file flag');
  } finally {
    delete process.env['CHECK_KVFILE_SET'];
  }
  writeFileSync(join(dir, 'bad.env'), 'MY VAR=1\n');
  refused(['run', '--env-file', join(dir, 'bad.env'), 'busybox'], /variable 'MY VAR' contains whitespaces/);
});

test('-a names the attached streams, --platform goes in the query, --expose adds exposed ports (as the CLI 28 sent them)', () => {
  const streams = (...args: string[]): unknown[] => {
    const { body } = line('create', ...args, 'busybox');
    return [body['AttachStdin'], body['AttachStdout'], body['AttachStderr'], body['OpenStdin'], body['StdinOnce']];
  };
  assert.deepEqual(streams('-a', 'stdout'), [false, true, false, false, false]);
  assert.deepEqual(streams('-a', 'STDIN', '-a', 'stderr'), [true, false, true, false, false]);
  assert.deepEqual(streams('-it', '-a', 'stdout'), [true, true, false, true, true]);
  refused(['create', '-a', 'stdlog', 'busybox'], /valid streams are STDIN, STDOUT and STDERR/);
  assert.equal(line('create', '--platform', 'linux/amd64', '--name', 'my x', 'busybox').request.path, '/v1.41/containers/create?name=my+x&platform=linux%2Famd64');
  assert.deepEqual(line('create', '--expose', '80', '--expose', '90/udp', 'busybox').body['ExposedPorts'], { '80/tcp': {}, '90/udp': {} });
});

test('docker run is found behind sudo, exec and a path, and in any command position of a script', () => {
  const { requests } = scriptRequests('sudo docker run --privileged busybox\nexec /usr/bin/docker create busybox\nDOCKER_HOST=unix:///x docker run busybox', 's.sh', {});
  assert.deepEqual(
    requests.map((r) => [r.location.line, r.location.column, (r.body as Body).HostConfig['Privileged']]),
    [
      [1, 6, true],
      [2, 6, false],
      [3, 23, false],
    ],
  );
});

test('endpoint options (aliases, addresses) on the network the container joins, as the CLI 28 sent them', () => {
  const { body, request } = line(
    'create',
    '--network-alias',
    'a',
    '--network',
    'mynet',
    '--ip',
    '10.0.0.5',
    '--ip6',
    '2001:db8::1',
    '--link-local-ip',
    '169.254.1.1',
    '--net-alias',
    'b',
    'busybox',
  );
  const endpoint = (body['NetworkingConfig'] as { EndpointsConfig: Record<string, Record<string, unknown>> }).EndpointsConfig['mynet']!;
  assert.deepEqual(endpoint['Aliases'], ['a', 'b']);
  assert.deepEqual(endpoint['IPAMConfig'], { IPv4Address: '10.0.0.5', IPv6Address: '2001:db8::1', LinkLocalIPs: ['169.254.1.1'] });
  assert.equal(request.locate('NetworkingConfig.EndpointsConfig.mynet.Aliases[1]').column, 109);
  assert.equal(request.locate('NetworkingConfig.EndpointsConfig.mynet.IPAMConfig.IPv4Address').column, 49);
  refused(['create', '--network', 'host', '--network-alias', 'a', 'busybox'], /network-scoped aliases are only supported for user-defined networks/);
});
