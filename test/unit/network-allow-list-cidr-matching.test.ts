// `?allow=` networks: IPv4 and IPv6 CIDRs, IPv4 clients seen through a dual-stack socket (`::ffff:a.b.c.d`),
// IPv4-mapped networks written in IPv6 form, and the mistakes refused with the network that was meant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopbackAddress, parseAllowList, unmapAddress } from '../../src/listen/network-allow-list.js';

const CONTEXT = '--listen tcp://0.0.0.0:2376?allow=...';

test('IPv4 networks admit their addresses only', () => {
  const list = parseAllowList('10.0.0.0/8,192.168.1.7/32', CONTEXT);
  assert.deepEqual(list.networks, ['10.0.0.0/8', '192.168.1.7/32']);
  for (const address of ['10.0.0.1', '10.255.255.255', '192.168.1.7']) assert.equal(list.admits(address), true, address);
  for (const address of ['11.0.0.1', '192.168.1.8', '9.255.255.255', '::1', 'fd00::1', 'not-an-address', '']) assert.equal(list.admits(address), false, address);
});

test('an address without a prefix is that one address', () => {
  const list = parseAllowList('127.0.0.1', CONTEXT);
  assert.deepEqual(list.networks, ['127.0.0.1/32']);
  assert.equal(list.admits('127.0.0.1'), true);
  assert.equal(list.admits('127.0.0.2'), false);
});

test('an IPv4 client on a dual-stack socket (::ffff:a.b.c.d) is matched as the IPv4 address it is', () => {
  const list = parseAllowList('127.0.0.1/32', CONTEXT);
  assert.equal(list.admits('::ffff:127.0.0.1'), true);
  assert.equal(list.admits('::FFFF:127.0.0.1'), true);
  assert.equal(list.admits('::ffff:127.0.0.2'), false);
  assert.equal(unmapAddress('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(unmapAddress('fd00::1'), 'fd00::1');
});

test('an IPv4-mapped network written in IPv6 form is the IPv4 network it maps', () => {
  const list = parseAllowList('::ffff:10.0.0.0/104', CONTEXT);
  assert.deepEqual(list.networks, ['10.0.0.0/8']);
  assert.equal(list.admits('10.20.30.40'), true);
  assert.equal(list.admits('::ffff:10.20.30.40'), true);
  assert.equal(list.admits('11.0.0.1'), false);
});

test('IPv6 networks, written in any spelling, admit their addresses only', () => {
  const list = parseAllowList('fd00:0:0:0::/8, 2001:DB8::/32,::1/128', CONTEXT);
  assert.deepEqual(list.networks, ['fd00::/8', '2001:db8::/32', '::1/128']);
  for (const address of ['fd12:3456::1', '2001:db8:ffff::1', '::1']) assert.equal(list.admits(address), true, address);
  for (const address of ['fe80::1', '2001:db9::1', '::2', '127.0.0.1']) assert.equal(list.admits(address), false, address);
});

test('mistakes are refused with what was meant', () => {
  const cases: [string, RegExp][] = [
    ['10.0.0.1/8', /host bits set; write the network 10\.0\.0\.0\/8, or 10\.0\.0\.1\/32 for the one address/],
    ['fd00::1/8', /host bits set; write the network fd00::\/8/],
    ['10.0.0.0/33', /prefix length that is not between 0 and 32/],
    ['fd00::/129', /between 0 and 128/],
    ['10.0.0.0/x', /prefix length/],
    ['10.0.0.0/', /prefix length/],
    ['example.com/24', /not a network; write CIDR/],
    ['fe80::1%eth0/128', /not a network/],
    ['10.0.0.0/8,,192.168.0.0/16', /no empty entries/],
    ['', /no empty entries/],
  ];
  for (const [value, message] of cases) {
    assert.throws(
      () => parseAllowList(value, CONTEXT),
      (err: Error) => err.message.startsWith(CONTEXT) && message.test(err.message),
      value,
    );
  }
});

test('0.0.0.0/0 and ::/0 admit everything of their family', () => {
  const list = parseAllowList('0.0.0.0/0', CONTEXT);
  assert.equal(list.admits('203.0.113.9'), true);
  assert.equal(list.admits('2001:db8::1'), false);
  assert.equal(parseAllowList('::/0', CONTEXT).admits('2001:db8::1'), true);
});

test('loopback addresses: 127.0.0.0/8, ::1 and 127/8 mapped into IPv6; nothing else', () => {
  for (const address of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(address), true, address);
  for (const address of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'localhost', '']) assert.equal(isLoopbackAddress(address), false, address);
});
