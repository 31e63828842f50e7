// The readers and judgements under `dockgate audit`, where docker-bench-security goes wrong: permission
// bits as masks (0606 is world-writable, though 606 <= 660), the kernel's socket tables, dockerd's
// command line and daemon.json, systemd units (ListenStream=, ExecStart= resets), subordinate id
// ranges, engine versions affected by CVE-2024-41110, and the engine's own TCP warnings.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { affectedByCve202441110, parseEngineVersion, tcpWarnings } from '../../src/audit/checks/engine-checks.js';
import { isLoopback } from '../../src/audit/checks/api-exposure.js';
import { allowedBy, DEFAULT_ALLOWED_PROCESSES, processNames } from '../../src/audit/checks/host.js';
import { parseSubIds, subIdProblems } from '../../src/audit/host/accounts.js';
import { DaemonConfig, parseDockerdArgs, parseHostSpec, readDaemonJson } from '../../src/audit/host/daemon-config.js';
import { bitsBeyond, S_IWOTH } from '../../src/audit/host/file-access.js';
import { parseInetTable, parseUnixTable } from '../../src/audit/host/proc.js';
import { expandVariables, parseListenStream, parseUnitText, splitCommandLine } from '../../src/audit/host/systemd-units.js';
import { remapIdentity } from '../../src/audit/checks/daemon-options.js';

describe('permission bits are tested as masks, never compared as numbers', () => {
  test('docker-bench compares octal strings as decimals: 606 <= 660 passes, though others may write', () => {
    // What `[ "$(stat -c %a)" -le 660 ]` concludes:
    assert.equal(606 <= 660, true);
    // What the bits say:
    assert.notEqual(0o606 & S_IWOTH, 0);
    assert.equal(bitsBeyond(0o606, 0o660), 0o006);
    assert.equal(bitsBeyond(0o660, 0o660), 0);
    assert.equal(bitsBeyond(0o600, 0o660), 0);
    // 477 <= 644 "passes" 3.18, yet the file is world-writable; 0o644 & write-for-others is clear.
    assert.equal(477 <= 644, true);
    assert.notEqual(0o477 & 0o022, 0);
    assert.equal(0o644 & 0o022, 0);
  });
});

describe('the kernel socket tables', () => {
  test('/proc/net/tcp and tcp6: addresses in host byte order, LISTEN state, inode', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:5CC6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1089250 1 0000000000000000 100 0 0 10 0',
      '   1: 00000000:0948 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42 1 0000000000000000 100 0 0 10 0',
      '   2: 0100007F:5CC6 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 43 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    const sockets = parseInetTable(tcp, 'tcp');
    assert.deepEqual(
      sockets.map((s) => [s.address, s.port, s.listening, s.inode]),
      [
        ['127.0.0.1', 23750, true, 1089250],
        ['0.0.0.0', 2376, true, 42],
        ['127.0.0.1', 23750, false, 43],
      ],
    );
    const tcp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000000000000:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0000000000000000 100 0 0 10 0',
      '   1: 00000000000000000000000001000000:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 78 1 0000000000000000 100 0 0 10 0',
      '   2: 0000000000000000FFFF00000100007F:0947 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 79 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(
      parseInetTable(tcp6, 'tcp6').map((s) => s.address),
      ['::', '::1', '::ffff:127.0.0.1'],
    );
    assert.equal(isLoopback('::1'), true);
    assert.equal(isLoopback('::ffff:127.0.0.1'), true);
    assert.equal(isLoopback('::'), false);
    assert.equal(isLoopback('10.0.0.5'), false);
  });

  test('/proc/net/unix: bound paths and the listening flag', () => {
    const unix = [
      'Num       RefCount Protocol Flags    Type St Inode Path',
      '0000000044362499: 00000002 00000000 00010000 0001 01 1089811 /run/docker.sock',
      '0000000097ff3d78: 00000003 00000000 00000000 0001 03 1089268 /run/docker.sock',
      '00000000aa: 00000002 00000000 00010000 0001 01 5 @abstract',
    ].join('\n');
    assert.deepEqual(parseUnixTable(unix), [
      { path: '/run/docker.sock', inode: 1089811, listening: true },
      { path: '/run/docker.sock', inode: 1089268, listening: false },
    ]);
  });
});

describe("dockerd's configuration as intended", () => {
  test('flags in every form dockerd accepts, as daemon.json keys', () => {
    const flags = parseDockerdArgs([
      '-H',
      'fd://',
      '--host=tcp://0.0.0.0:2375',
      '-Hunix:///x.sock',
      '--tlsverify',
      '--icc=false',
      '--userland-proxy',
      'false',
      '-D',
      '--log-level',
      'debug',
      '--authorization-plugin',
      'opa',
    ]);
    assert.deepEqual(flags.get('hosts'), ['fd://', 'tcp://0.0.0.0:2375', 'unix:///x.sock']);
    assert.equal(flags.get('tlsverify'), true);
    assert.equal(flags.get('icc'), false);
    // A boolean flag takes no following word: `--userland-proxy false` leaves it true (the word is an argument).
    assert.equal(flags.get('userland-proxy'), true);
    assert.equal(flags.get('debug'), true);
    assert.equal(flags.get('log-level'), 'debug');
    assert.deepEqual(flags.get('authorization-plugins'), ['opa']);
  });

  test('flag and file merged; a key given both ways is a conflict dockerd refuses at its next start', () => {
    const config = new DaemonConfig(
      parseDockerdArgs(['--icc=false', '-H', 'unix:///a.sock']),
      readDaemonJson('{"hosts": ["tcp://127.0.0.1:2375"], "tls": true, "live-restore": true}'),
      '/etc/docker/daemon.json',
    );
    assert.deepEqual(config.conflicts(), ['hosts']);
    assert.deepEqual(config.boolean('icc', true), { value: false, source: 'dockerd flag' });
    assert.deepEqual(config.boolean('live-restore', false), { value: true, source: 'daemon.json' });
    assert.equal(config.tlsMode(), 'tls');
    assert.deepEqual(parseHostSpec('tcp://127.0.0.1', true), { kind: 'tcp', raw: 'tcp://127.0.0.1', address: '127.0.0.1', port: 2376 });
    assert.deepEqual(parseHostSpec('tcp://:2375', false), { kind: 'tcp', raw: 'tcp://:2375', address: '', port: 2375 });
    assert.deepEqual(parseHostSpec('tcp://[::]:2376', false), { kind: 'tcp', raw: 'tcp://[::]:2376', address: '::', port: 2376 });
  });

  test('systemd units: ListenStream= forms, ExecStart= reset by a drop-in, $DOCKER_OPTS expanded', () => {
    const values = parseUnitText('[Service]\nExecStart=/usr/sbin/dockerd -H fd://\n');
    parseUnitText('[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// \\\n  --tlsverify $DOCKER_OPTS\n', values);
    assert.deepEqual(values.get('ExecStart'), ['/usr/sbin/dockerd -H fd://    --tlsverify $DOCKER_OPTS']);
    const words = expandVariables(splitCommandLine(values.get('ExecStart')![0]!), new Map([['DOCKER_OPTS', '--icc=false --live-restore']]));
    assert.deepEqual(words, ['/usr/sbin/dockerd', '-H', 'fd://', '--tlsverify', '--icc=false', '--live-restore']);
    assert.deepEqual(parseListenStream('/run/docker.sock'), { kind: 'unix', path: '/run/docker.sock' });
    assert.deepEqual(parseListenStream('2375'), { kind: 'tcp', address: '', port: 2375 });
    assert.deepEqual(parseListenStream('0.0.0.0:2375'), { kind: 'tcp', address: '0.0.0.0', port: 2375 });
    assert.deepEqual(parseListenStream('[::1]:2375'), { kind: 'tcp', address: '::1', port: 2375 });
  });
});

describe('user namespace remapping: sane subordinate id ranges', () => {
  const hostIds = [0, 1, 100, 1000];
  test('a single range of 65536 above every account is sane', () => {
    assert.deepEqual(subIdProblems('/etc/subuid', parseSubIds('dockremap:165536:65536\nalice:231072:65536\n'), { name: 'dockremap', uid: 120 }, hostIds), []);
    assert.deepEqual(remapIdentity('default'), { user: 'dockremap', group: 'dockremap' });
    assert.deepEqual(remapIdentity('app:apps'), { user: 'app', group: 'apps' });
  });
  test('missing, too small, overlapping, or containing host accounts (root above all)', () => {
    assert.match(subIdProblems('/etc/subuid', [], { name: 'dockremap', uid: 120 }, hostIds)[0]!, /no range for dockremap/);
    assert.match(subIdProblems('/etc/subuid', parseSubIds('dockremap:165536:1000'), { name: 'dockremap', uid: 120 }, hostIds)[0]!, /1000 ids.*fewer than 65536/);
    assert.match(subIdProblems('/etc/subuid', parseSubIds('dockremap:165536:65536\nalice:200000:65536'), { name: 'dockremap', uid: 120 }, hostIds).join(' '), /overlaps alice/);
    assert.match(subIdProblems('/etc/subuid', parseSubIds('dockremap:0:65536'), { name: 'dockremap', uid: 120 }, hostIds).join(' '), /contains host ids 0, 1, 100, 1000/);
  });
});

describe('engine versions and warnings', () => {
  test('CVE-2024-41110: affected lines and the first fixed release of each', () => {
    const affected = (v: string) => affectedByCve202441110(parseEngineVersion(v)!);
    for (const v of ['19.03.15', '20.10.24+dfsg1', '20.10.27', '23.0.14', '24.0.9', '25.0.5', '26.0.2', '26.1.4', '27.0.3', '27.1.0']) assert.equal(affected(v), true, v);
    for (const v of ['23.0.15', '25.0.6', '26.1.5', '27.1.1', '27.2.0', '28.2.2']) assert.equal(affected(v), false, v);
  });
  test("the engine's own TCP warnings, plain and without client verification", () => {
    const warnings = tcpWarnings([
      'WARNING: API is accessible on http://127.0.0.1:23750 without encryption.\n         Access to the remote API is equivalent to root access on the host.',
      'WARNING: API is accessible on https://0.0.0.0:2376 without TLS client verification.',
      'WARNING: No swap limit support',
    ]);
    assert.deepEqual(
      warnings.map((w) => [w.address, w.kind]),
      [
        ['127.0.0.1:23750', 'plaintext'],
        ['0.0.0.0:2376', 'no-verify'],
      ],
    );
  });
});

describe('the host as a dedicated server: processes by every name they answer to', () => {
  test('management services pass; a database does not unless allowed; scripts are named by their file', () => {
    const process = (comm: string, exe: string, argv: string[]) => ({ pid: 10, ppid: 1, comm, exe, argv, uid: 0, gid: 0, kernelThread: false });
    assert.equal(allowedBy(processNames(process('sshd', '/usr/sbin/sshd', ['sshd: /usr/sbin/sshd -D'])), DEFAULT_ALLOWED_PROCESSES), true);
    assert.equal(allowedBy(processNames(process('containerd-shim', '/usr/bin/containerd-shim-runc-v2', ['/usr/bin/containerd-shim-runc-v2'])), DEFAULT_ALLOWED_PROCESSES), true);
    assert.equal(allowedBy(processNames(process('node', '/usr/bin/node', ['node', '/opt/dockgate/bin/dockgate.js', 'serve'])), DEFAULT_ALLOWED_PROCESSES), true);
    const mysqld = processNames(process('mysqld', '/usr/sbin/mysqld', ['/usr/sbin/mysqld']));
    assert.equal(allowedBy(mysqld, DEFAULT_ALLOWED_PROCESSES), false);
    assert.equal(allowedBy(mysqld, [...DEFAULT_ALLOWED_PROCESSES, 'mysql*']), true);
  });
});
