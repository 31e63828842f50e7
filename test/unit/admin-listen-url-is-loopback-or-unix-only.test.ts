// `serve --admin-listen` (and `health --admin`): a unix socket with the mode and owner of any unix listener,
// or plain HTTP on a loopback address written as an address. Anything else stops serve at start-up, naming
// the option: the admin listener has no authentication, and what it tells is who runs what.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAdminListenSpec } from '../../src/listen/listener-spec.js';

test('a unix socket takes mode, owner and group as --listen does (mode 0660 unless asked)', () => {
  assert.deepEqual(parseAdminListenSpec('unix:///run/dockgate-admin.sock'), { kind: 'unix', name: 'unix:///run/dockgate-admin.sock', path: '/run/dockgate-admin.sock', mode: 0o660 });
  assert.deepEqual(parseAdminListenSpec('unix:///run/a.sock?mode=0600&group=monitor'), {
    kind: 'unix',
    name: 'unix:///run/a.sock?mode=0600&group=monitor',
    path: '/run/a.sock',
    mode: 0o600,
    group: 'monitor',
  });
});

test('tcp is served on IPv4 and IPv6 loopback addresses', () => {
  assert.deepEqual(parseAdminListenSpec('tcp://127.0.0.1:9323'), { kind: 'admin-loopback', name: 'tcp://127.0.0.1:9323', host: '127.0.0.1', port: 9323 });
  assert.deepEqual(parseAdminListenSpec('tcp://[::1]:9323'), { kind: 'admin-loopback', name: 'tcp://[::1]:9323', host: '::1', port: 9323 });
});

test('anything else is refused, naming the option and the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['tcp://0.0.0.0:9323', /^--admin-listen tcp:\/\/0\.0\.0\.0:9323: 0\.0\.0\.0 is not a loopback address; the admin listener has no authentication/],
    ['tcp://[::]:9323', /:: is not a loopback address/],
    ['tcp://10.1.2.3:9323', /10\.1\.2\.3 is not a loopback address/],
    ['tcp://[fe80::1]:9323', /not a loopback address/],
    ['tcp://localhost:9323', /write a loopback address \(127\.0\.0\.1 or \[::1\]\), not the name localhost/],
    ['tcp://127.0.0.1', /a port between 1 and 65535 is required/],
    ['tcp://127.0.0.1:9323/metrics', /takes no path/],
    ['tcp://127.0.0.1:9323?allow=127.0.0.0/8', /unknown option 'allow' \(a tcp listener takes none\)/],
    ['http://127.0.0.1:9323', /expected unix:\/\/\/path\.sock.* or tcp:\/\/127\.0\.0\.1:PORT/],
    ['unix://relative.sock', /must be absolute/],
    ['unix:///run/a.sock?mode=0777', /execute bits/],
  ];
  for (const [arg, message] of cases) {
    assert.throws(
      () => parseAdminListenSpec(arg),
      (err: Error) => err.message.startsWith(`--admin-listen ${arg}: `) && message.test(err.message),
      arg,
    );
  }
});

test('health --admin reads the same addresses, and its errors name its own option', () => {
  assert.throws(() => parseAdminListenSpec('tcp://192.0.2.1:9323', '--admin'), /^Error: --admin tcp:\/\/192\.0\.2\.1:9323: 192\.0\.2\.1 is not a loopback address/);
});
