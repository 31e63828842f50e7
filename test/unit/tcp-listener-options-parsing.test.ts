// What `--listen tcp://...?allow=` and `--insecure-listen-loopback tcp://...` mean, and the command lines
// refused before anything is bound: options that do not exist or are given twice, a non-loopback or
// named address for plain HTTP, hosts= entries that are not NAME:PORT.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultLoopbackHosts, parseInsecureLoopbackSpec, parseListenerSpec } from '../../src/listen/listener-spec.js';

test('a tcp listener takes allow= with a list of networks; without it, no allow-list at all', () => {
  const spec = parseListenerSpec('tcp://0.0.0.0:2376?allow=10.0.0.0/8,fd00::/8');
  assert.equal(spec.kind, 'tcp');
  assert.ok(spec.kind === 'tcp' && spec.allow !== undefined);
  assert.deepEqual(spec.kind === 'tcp' && spec.allow?.networks, ['10.0.0.0/8', 'fd00::/8']);
  assert.equal(spec.kind === 'tcp' && spec.host, '0.0.0.0');
  assert.equal(spec.name, 'tcp://0.0.0.0:2376?allow=10.0.0.0/8,fd00::/8', 'the listener is named as given');
  const plain = parseListenerSpec('tcp://127.0.0.1:2376');
  assert.equal('allow' in plain, false);
});

test('tcp listener options that do not exist, are empty or are given twice are refused', () => {
  const cases: [string, RegExp][] = [
    ['tcp://0.0.0.0:2376?allowed=10.0.0.0/8', /unknown option 'allowed' \(known: allow, preset, profile\)/],
    ['tcp://0.0.0.0:2376?allow=10.0.0.0/8&allow=fd00::/8', /allow is given twice/],
    ['tcp://0.0.0.0:2376?allow=', /allow needs a value/],
    ['tcp://0.0.0.0:2376?allow=10.0.0.1/8', /host bits set/],
    ['tcp://0.0.0.0:2376?mode=0660', /unknown option 'mode'/],
  ];
  for (const [arg, message] of cases)
    assert.throws(
      () => parseListenerSpec(arg),
      (err: Error) => err.message.startsWith(`--listen ${arg}:`) && message.test(err.message),
      arg,
    );
});

test('the insecure listener: loopback addresses only, with the Host names local clients send', () => {
  const spec = parseInsecureLoopbackSpec('tcp://127.0.0.1:2375');
  assert.equal(spec.kind, 'insecure-loopback');
  assert.equal(spec.host, '127.0.0.1');
  assert.equal(spec.port, 2375);
  // The docker CLI sends DOCKER_HOST's host:port as Host (127.0.0.1:2375 for tcp://127.0.0.1:2375).
  assert.deepEqual(spec.hosts, ['127.0.0.1:2375', 'localhost:2375', '[::1]:2375']);
  assert.deepEqual(parseInsecureLoopbackSpec('tcp://[::1]:2375').hosts, ['[::1]:2375', '127.0.0.1:2375', 'localhost:2375']);
  assert.deepEqual(defaultLoopbackHosts('127.0.0.5', 80), ['127.0.0.5:80', '127.0.0.1:80', 'localhost:80', '[::1]:80']);
});

test('hosts= replaces the default names, lower-cased; allow= works as on --listen', () => {
  const spec = parseInsecureLoopbackSpec('tcp://127.0.0.1:2375?hosts=Docker.Internal:2375,127.0.0.1:2375&allow=127.0.0.1/32');
  assert.deepEqual(spec.hosts, ['docker.internal:2375', '127.0.0.1:2375']);
  assert.deepEqual(spec.allow?.networks, ['127.0.0.1/32']);
});

test('the insecure listener refuses other addresses, names, bad hosts= entries and unknown options', () => {
  const cases: [string, RegExp][] = [
    ['tcp://0.0.0.0:2375', /0\.0\.0\.0 is not a loopback address.*--listen tcp:\/\/HOST:PORT with --tls-ca/],
    ['tcp://[::]:2375', /:: is not a loopback address/],
    ['tcp://192.168.1.10:2375', /192\.168\.1\.10 is not a loopback address/],
    ['tcp://[::ffff:10.0.0.1]:2375', /is not a loopback address/],
    ['tcp://localhost:2375', /not the name localhost/],
    ['unix:///run/docker.sock', /expected tcp:\/\/127\.0\.0\.1:PORT/],
    ['http://127.0.0.1:2375', /expected tcp:\/\/127\.0\.0\.1:PORT/],
    ['tcp://127.0.0.1', /port between 1 and 65535/],
    ['tcp://127.0.0.1:2375/api', /takes no path/],
    ['tcp://127.0.0.1:2375?hosts=evil', /hosts= takes NAME:PORT entries/],
    ['tcp://127.0.0.1:2375?hosts=a:1,,b:2', /hosts= takes NAME:PORT entries/],
    ['tcp://127.0.0.1:2375?cors=*', /unknown option 'cors' \(known: hosts, allow, preset, profile\)/],
  ];
  for (const [arg, message] of cases) {
    assert.throws(
      () => parseInsecureLoopbackSpec(arg),
      (err: Error) => err.message.startsWith(`--insecure-listen-loopback ${arg}:`) && message.test(err.message),
      arg,
    );
  }
  assert.equal(parseInsecureLoopbackSpec('tcp://127.9.9.9:2375').host, '127.9.9.9', 'all of 127.0.0.0/8 is loopback');
});
