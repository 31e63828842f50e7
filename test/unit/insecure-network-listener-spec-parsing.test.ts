// `--insecure-listen` (plain HTTP on a container network) and where `--compat` listens without one: an
// address or an interface, never a wildcard or loopback, an allow-list always, `subnet` as the bound
// address's network; and the Host rule that keeps DNS rebinding out while taking what compose clients send.
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, test } from 'node:test';
import { containerNetworkListeners } from '../../src/listen/container-network-listeners.js';
import { containerNetworkHostNames } from '../../src/listen/host-names.js';
import { parseInsecureNetworkSpec, type InterfaceTable } from '../../src/listen/insecure-network-spec.js';

function entry(cidr: string, internal = false): NetworkInterfaceInfo {
  const [address, prefix] = cidr.split('/') as [string, string];
  const v6 = address.includes(':');
  return v6
    ? { address, cidr, netmask: '', family: 'IPv6', mac: '02:42:ac:12:00:05', internal, scopeid: 0 }
    : { address, cidr, netmask: prefix, family: 'IPv4', mac: '02:42:ac:12:00:05', internal };
}

/** A compose container on two networks. */
const CONTAINER: InterfaceTable = {
  lo: [entry('127.0.0.1/8', true), entry('::1/128', true)],
  eth0: [entry('172.18.0.5/16'), entry('fd00:18::5/64'), entry('fe80::42:acff:fe12:5/64')],
  eth1: [entry('10.9.8.7/24')],
};

describe('--insecure-listen', () => {
  test('an interface: one listener per usable address, allow=subnet its own network', () => {
    const specs = parseInsecureNetworkSpec('tcp://eth0:2375?allow=subnet', CONTAINER);
    assert.deepEqual(
      specs.map((s) => [s.name, s.host, s.port, s.allow.networks, s.interface]),
      [
        ['tcp://eth0:2375?allow=subnet (172.18.0.5)', '172.18.0.5', 2375, ['172.18.0.0/16'], 'eth0'],
        ['tcp://eth0:2375?allow=subnet (fd00:18::5)', 'fd00:18::5', 2375, ['fd00:18::/64'], 'eth0'],
      ],
    );
    assert.ok(specs[0]!.allow.admits('172.18.3.4'));
    assert.ok(specs[0]!.allow.admits('::ffff:172.18.0.1'));
    assert.ok(!specs[0]!.allow.admits('172.19.0.1'));
  });

  test('an address with explicit networks, subnet among them, and extra dotted names', () => {
    const [spec, more] = parseInsecureNetworkSpec('tcp://10.9.8.7:2375?allow=subnet,192.168.5.0/24&hosts=Proxy.Internal', CONTAINER);
    assert.equal(more, undefined);
    assert.equal(spec!.name, 'tcp://10.9.8.7:2375?allow=subnet,192.168.5.0/24&hosts=Proxy.Internal');
    assert.deepEqual(spec!.allow.networks, ['10.9.8.0/24', '192.168.5.0/24']);
    assert.deepEqual(spec!.hosts, ['proxy.internal']);
    assert.equal(spec!.interface, 'eth1');
  });

  test('a preset or profile of its own, as the other listeners take', () => {
    const [spec] = parseInsecureNetworkSpec('tcp://eth1:2375?allow=subnet&preset=traefik', CONTAINER);
    assert.deepEqual(spec!.policy, { kind: 'preset', name: 'traefik' });
    assert.throws(() => parseInsecureNetworkSpec('tcp://eth1:2375?allow=subnet&profile=nosuch', CONTAINER), /unknown profile 'nosuch'/);
  });

  test('refused: no allow=, wildcards, loopback, unknown names, subnet of an address no interface has, bad hosts=', () => {
    const refused: Array<[string, RegExp]> = [
      ['tcp://eth0:2375', /allow= is required/],
      ['tcp://0.0.0.0:2375?allow=10.0.0.0/8', /0\.0\.0\.0 binds every interface/],
      ['tcp://[::]:2375?allow=fd00::/8', /:: binds every interface/],
      ['tcp://[0:0::0]:2375?allow=fd00::/8', /binds every interface/],
      ['tcp://127.0.0.1:2375?allow=127.0.0.0/8', /loopback address; use --insecure-listen-loopback/],
      ['tcp://lo:2375?allow=subnet', /the interface lo has no address to listen on/],
      ['tcp://socket-proxy:2375?allow=subnet', /socket-proxy is neither an IP address nor an interface of this host \(interfaces: lo, eth0, eth1\)/],
      ['tcp://172.18.0.99:2375?allow=subnet', /allow=subnet needs an address of one of this host's interfaces, and 172\.18\.0\.99 is not one/],
      ['tcp://eth0:2375?allow=172.18.0.1/16', /has host bits set/],
      ['tcp://eth0:2375?allow=subnet&hosts=proxy.internal:2375', /hosts= takes dotted names .* without a port/],
      ['tcp://eth0?allow=subnet', /a port between 1 and 65535 is required/],
      ['unix:///x.sock', /expected tcp:\/\/ADDRESS:PORT/],
    ];
    for (const [arg, message] of refused) assert.throws(() => parseInsecureNetworkSpec(arg, CONTAINER), message, arg);
  });
});

describe('--compat without a listener', () => {
  test("a container: every interface's addresses on :2375, each limited to its subnet", () => {
    const specs = containerNetworkListeners({ disableIpv6: false }, CONTAINER);
    assert.deepEqual(
      specs.map((s) => [s.host, s.allow.networks]),
      [
        ['172.18.0.5', ['172.18.0.0/16']],
        ['fd00:18::5', ['fd00:18::/64']],
        ['10.9.8.7', ['10.9.8.0/24']],
      ],
    );
    assert.deepEqual(
      containerNetworkListeners({ disableIpv6: true }, CONTAINER).map((s) => s.host),
      ['172.18.0.5', '10.9.8.7'],
    );
  });

  test("the host's namespace, a public address, or nothing but loopback: no default, the flag to give instead", () => {
    assert.throws(
      () => containerNetworkListeners({ disableIpv6: false }, { ...CONTAINER, docker0: [entry('172.17.0.1/16')] }),
      /host's network namespace \(dockerd's docker0 is here\).*--insecure-listen tcp:\/\/ADDRESS:2375/,
    );
    assert.throws(() => containerNetworkListeners({ disableIpv6: false }, { ...CONTAINER, eth2: [entry('203.0.113.9/24')] }), /203\.0\.113\.9 \(eth2\) is not a private address/);
    assert.throws(() => containerNetworkListeners({ disableIpv6: false }, { lo: CONTAINER['lo']! }), /no interface besides loopback/);
  });
});

describe('Host names on a container network', () => {
  const names = containerNetworkHostNames(['proxy.internal'], 2375);
  test('compose service names, IP literals and listed dotted names pass, with any port', () => {
    for (const host of ['socket-proxy:2375', 'socket_proxy:2375', 'dockerproxy', '172.18.0.5:2375', '172.18.0.5', '[fd00:18::5]:2375', 'proxy.internal:12375', 'localhost:2375']) {
      assert.ok(names.accepts(host), host);
    }
  });
  test('dotted names not listed (a rebinding page sends its own) and malformed ones are refused', () => {
    for (const host of ['evil.example.com:2375', 'socket-proxy.evil.com', 'proxy.internal.evil.com', '[not-v6]:2375', 'a b:2375', '-x:2375', 'socket-proxy:2375:1', '']) {
      assert.ok(!names.accepts(host), host);
    }
  });
});
