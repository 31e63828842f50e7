// How `dockgate audit` tells which listeners of a dockgate serve are plain HTTP off loopback, from its
// command line (the sockets it really holds are matched to these by port; test/e2e/compat-socket-proxy-
// environment-on-a-container-network.test.ts runs the whole check against a real gateway).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { declaredPlainListeners, plainListenerSeverity } from '../../src/audit/checks/gateway-listeners.js';

describe('plain gateway listeners as the command line declares them', () => {
  test('--insecure-listen, in both spellings, with its allow= entries', () => {
    assert.deepEqual(
      declaredPlainListeners([
        'node',
        'dockgate',
        'serve',
        '--insecure-listen',
        'tcp://eth0:2375?allow=subnet',
        '--insecure-listen=tcp://10.0.0.5:2380?allow=10.0.0.0/24,fd00::/8&hosts=a.b',
      ]),
      [
        { declaration: '--insecure-listen tcp://eth0:2375?allow=subnet', port: 2375, allow: ['subnet'] },
        { declaration: '--insecure-listen tcp://10.0.0.5:2380?allow=10.0.0.0/24,fd00::/8&hosts=a.b', port: 2380, allow: ['10.0.0.0/24', 'fd00::/8'] },
      ],
    );
  });

  test('--compat with no listener listens on :2375; with one, only what is given', () => {
    assert.deepEqual(
      declaredPlainListeners(['dockgate', 'serve', '--compat', 'docker-socket-proxy']).map((d) => [d.port, d.allow]),
      [[2375, ['subnet']]],
    );
    assert.deepEqual(declaredPlainListeners(['dockgate', 'serve', '--compat', 'docker-socket-proxy', '--listen', 'unix:///run/dockgate.sock']), []);
  });

  test('TLS, unix and loopback listeners are not reported here', () => {
    assert.deepEqual(
      declaredPlainListeners(['dockgate', 'serve', '--listen', 'tcp://0.0.0.0:2376', '--insecure-listen-loopback', 'tcp://127.0.0.1:2375', '--admin-listen', 'tcp://127.0.0.1:9100']),
      [],
    );
  });

  test('medium on private networks; high when the address or an allowed network is outside them', () => {
    assert.deepEqual(plainListenerSeverity('172.18.0.5', ['subnet']), { severity: 'medium', outside: [] });
    assert.deepEqual(plainListenerSeverity('fd00:18::5', ['subnet', 'fd00::/8', '10.0.0.0/8']), { severity: 'medium', outside: [] });
    assert.deepEqual(plainListenerSeverity('203.0.113.9', ['subnet']), { severity: 'high', outside: ['203.0.113.9'] });
    assert.deepEqual(plainListenerSeverity('10.0.0.5', ['subnet', '0.0.0.0/0']), { severity: 'high', outside: ['0.0.0.0/0'] });
    assert.deepEqual(plainListenerSeverity('10.0.0.5', ['10.0.0.0/1']), { severity: 'high', outside: ['10.0.0.0/1'] });
  });
});
