// docker-socket-proxy's variables as its HAProxy reads them (`-m bool` of a decimal integer), its
// defaults, the flavour they imply, and the values dockgate will not guess at.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { haproxyReadsOn, readSocketProxyEnvironment } from '../../src/policy/socket-proxy-environment.js';
import { compatUpstream, parseCompat } from '../../src/cli/compat-mode.js';

describe('docker-socket-proxy environment', () => {
  test("the defaults are the images': PING, VERSION and EVENTS on, everything else off", () => {
    const env = readSocketProxyEnvironment({});
    const on = [...env.switches].filter(([, value]) => value).map(([name]) => name);
    assert.deepEqual(on.sort(), ['EVENTS', 'PING', 'VERSION']);
    assert.equal(env.flavour, 'tecnativa');
    assert.equal(env.upstream, 'unix:///var/run/docker.sock');
    assert.equal(env.logLevel, undefined);
  });

  test('HAProxy reads the leading sign and digits; non-zero is on', () => {
    for (const [value, on] of [
      ['1', true],
      ['2', true],
      ['-1', true],
      ['01', true],
      ['1abc', true],
      ['0', false],
      ['00', false],
      ['', false],
      ['true', false],
      ['yes', false],
      [' 1', false],
    ] as const) {
      assert.equal(haproxyReadsOn(value), on, JSON.stringify(value));
    }
  });

  test('0 and 1 are read silently, other integers as HAProxy reads them with a warning, empty as off', () => {
    const env = readSocketProxyEnvironment({ CONTAINERS: '1', IMAGES: '2', PING: '0', NETWORKS: '-0', VOLUMES: '' });
    assert.equal(env.switches.get('CONTAINERS'), true);
    assert.equal(env.switches.get('IMAGES'), true);
    assert.equal(env.switches.get('PING'), false);
    assert.equal(env.switches.get('NETWORKS'), false);
    assert.equal(env.switches.get('VOLUMES'), false);
    assert.deepEqual(env.warnings, ['IMAGES=2 is read as 1, as docker-socket-proxy reads it; write 1', 'NETWORKS=-0 is read as 0, as docker-socket-proxy reads it; write 0']);
  });

  test('a value HAProxy would read otherwise than it says stops the gateway, saying how HAProxy reads it', () => {
    assert.throws(() => readSocketProxyEnvironment({ CONTAINERS: 'true' }), /^Error: CONTAINERS="true": .* would take this as off .*write CONTAINERS=1 to grant or CONTAINERS=0 to refuse$/);
    assert.throws(() => readSocketProxyEnvironment({ POST: '1abc' }), /POST="1abc": .* as on \(its leading digits are not 0\)/);
    assert.throws(() => readSocketProxyEnvironment({ EXEC: ' 1' }), /EXEC=" 1": .* as off/);
  });

  test('the flavour: named, or LinuxServer when one of its own variables is set at all', () => {
    assert.equal(readSocketProxyEnvironment({ CONTAINERS: '1' }).flavour, 'tecnativa');
    const lsio = readSocketProxyEnvironment({ ALLOW_LOGS: '0' });
    assert.equal(lsio.flavour, 'linuxserver');
    assert.match(lsio.flavourReason, /ALLOW_LOGS is set/);
    assert.equal(readSocketProxyEnvironment({}, 'linuxserver').flavour, 'linuxserver');
    assert.throws(() => readSocketProxyEnvironment({ ALLOW_PAUSE: '1' }, 'tecnativa'), /ALLOW_PAUSE: only LinuxServer's socket-proxy has this variable/);
  });

  test('LIBPOD_* that grants Podman API stops the gateway; the two defaults of LinuxServer do not', () => {
    assert.doesNotThrow(() => readSocketProxyEnvironment({ LIBPOD_PING: '1', LIBPOD_VERSION: '1', LIBPOD_IMAGES: '0' }));
    assert.throws(() => readSocketProxyEnvironment({ LIBPOD_CONTAINERS: '1' }), /LIBPOD_CONTAINERS=1: grants part of Podman's API/);
  });

  test("LOG_LEVEL's syslog names are the logger's levels; an unknown one stops the gateway", () => {
    assert.equal(readSocketProxyEnvironment({ LOG_LEVEL: 'warning' }).logLevel, 'warn');
    assert.equal(readSocketProxyEnvironment({ LOG_LEVEL: 'err' }).logLevel, 'error');
    assert.equal(readSocketProxyEnvironment({ LOG_LEVEL: 'notice' }).logLevel, 'info');
    assert.equal(readSocketProxyEnvironment({ LOG_LEVEL: 'debug' }).logLevel, 'debug');
    assert.throws(() => readSocketProxyEnvironment({ LOG_LEVEL: 'loud' }), /LOG_LEVEL=loud: expected one of/);
  });

  test('DISABLE_IPV6 as each entrypoint reads it: Tecnativa 1, true or yes; LinuxServer only 1', () => {
    assert.equal(readSocketProxyEnvironment({ DISABLE_IPV6: 'TRUE' }).disableIpv6, true);
    assert.equal(readSocketProxyEnvironment({ DISABLE_IPV6: 'true' }, 'linuxserver').disableIpv6, false);
    assert.equal(readSocketProxyEnvironment({ DISABLE_IPV6: '1' }, 'linuxserver').disableIpv6, true);
  });

  test('SOCKET_PATH is the upstream; --upstream given and different is a conflict', () => {
    const env = readSocketProxyEnvironment({ SOCKET_PATH: '/run/docker.sock' });
    assert.equal(compatUpstream(env, 'unix:///var/run/docker.sock', false, true), 'unix:///run/docker.sock');
    assert.equal(compatUpstream(env, 'unix:///run/docker.sock', true, true), 'unix:///run/docker.sock');
    assert.equal(compatUpstream(readSocketProxyEnvironment({}), 'unix:///other.sock', true, false), 'unix:///other.sock');
    assert.throws(() => compatUpstream(env, 'unix:///other.sock', true, true), /--upstream unix:\/\/\/other.sock and SOCKET_PATH \(\/run\/docker.sock\) name different engine sockets/);
    assert.throws(() => readSocketProxyEnvironment({ SOCKET_PATH: 'docker.sock' }), /SOCKET_PATH=docker.sock: expected the absolute path/);
  });

  test('--compat takes docker-socket-proxy, with a flavour or without', () => {
    assert.equal(parseCompat('docker-socket-proxy'), 'inferred');
    assert.equal(parseCompat('docker-socket-proxy:linuxserver'), 'linuxserver');
    assert.throws(() => parseCompat('socket-proxy'), /--compat socket-proxy: expected docker-socket-proxy/);
    assert.throws(() => parseCompat('docker-socket-proxy:podman'), /expected docker-socket-proxy/);
  });
});
