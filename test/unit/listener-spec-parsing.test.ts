// `--listen` arguments: what each form means, and that malformed ones stop the gateway with a clear reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListenerSpec } from '../../src/listen/listener-spec.js';

test('a unix listener takes mode, owner and group; mode defaults to 0660', () => {
  assert.deepEqual(parseListenerSpec('unix:///run/dockgate.sock'), { kind: 'unix', name: 'unix:///run/dockgate.sock', path: '/run/dockgate.sock', mode: 0o660 });
  const spec = parseListenerSpec('unix:///run/d.sock?mode=0600&owner=root&group=docker');
  assert.equal(spec.kind, 'unix');
  assert.equal(spec.kind === 'unix' && spec.mode, 0o600);
  assert.equal(spec.kind === 'unix' && spec.owner, 'root');
  assert.equal(spec.kind === 'unix' && spec.group, 'docker');
});

test('a tcp listener takes a host and a port, IPv6 included', () => {
  assert.deepEqual(parseListenerSpec('tcp://127.0.0.1:2376'), { kind: 'tcp', name: 'tcp://127.0.0.1:2376', host: '127.0.0.1', port: 2376 });
  assert.equal((parseListenerSpec('tcp://[::1]:2376') as { host: string }).host, '::1');
});

test('malformed listeners are refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['http://127.0.0.1:2375', /expected unix:/],
    ['unix://relative.sock', /must be absolute/],
    ['unix:///run/d.sock?mode=0777', /execute bits/],
    ['unix:///run/d.sock?mode=rw', /octal/],
    ['unix:///run/d.sock?perm=0600', /unknown option 'perm'/],
    ['unix:///run/d.sock?group=', /group needs a value/],
    [`unix:///${'x'.repeat(120)}`, /107 bytes/],
    ['tcp://127.0.0.1', /port/],
    ['tcp://127.0.0.1:99999', /not a valid|port/],
    ['tcp://127.0.0.1:2376/path', /no path/],
  ];
  for (const [arg, message] of cases) assert.throws(() => parseListenerSpec(arg), message, arg);
});
