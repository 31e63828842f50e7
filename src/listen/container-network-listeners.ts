// Where `dockgate serve --compat docker-socket-proxy` listens when no listener is given: where that image
// listens (:2375 on the container's network), in the explicit form `--insecure-listen` takes, so that the
// start-up log shows the arguments an operator could have written (`tcp://eth0:2375?allow=subnet`).
// The image binds [::]:2375, every address; here each interface of the container is bound on its own
// addresses, and only the containers of its own network (its subnet) may connect.
//
// Inside a container the interfaces are its networks. On a host (network_mode: host, or dockgate run
// outside a container) they are the host's LAN and public interfaces, and a default must not open an
// unauthenticated Docker API there: an interface with dockerd's bridges (docker0, docker_gwbridge), or an
// address outside the private ranges compose networks use, stops the gateway with the explicit flag to give.
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { INSECURE_NETWORK_FLAG, parseInsecureNetworkSpec, type InsecureNetworkListenerSpec, type InterfaceTable } from './insecure-network-spec.js';

/** docker-socket-proxy's port. */
export const SOCKET_PROXY_PORT = 2375;

/** Interfaces dockerd creates in the network namespace it runs in: their presence means the host's namespace. */
const HOST_BRIDGES = ['docker0', 'docker_gwbridge'];

/** The ranges compose and docker networks are given addresses from (RFC 1918, and IPv6 unique local addresses). */
const PRIVATE_RANGES: ReadonlyArray<{ network: string; prefix: number; family: 'ipv4' | 'ipv6' }> = [
  { network: '10.0.0.0', prefix: 8, family: 'ipv4' },
  { network: '172.16.0.0', prefix: 12, family: 'ipv4' },
  { network: '192.168.0.0', prefix: 16, family: 'ipv4' },
  { network: 'fc00::', prefix: 7, family: 'ipv6' },
];
const PRIVATE = PRIVATE_RANGES.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.network, range.prefix, range.family);
  return { ...range, list };
});

/** Whether an address is in the ranges container networks are given. */
export function isPrivateAddress(address: string): boolean {
  return isPrivateNetwork(address, isIP(address) === 4 ? 32 : 128);
}

/** Whether a whole network lies in one of those ranges (`10.0.0.0/1` does not); how `dockgate audit` rates a plain listener's allow-list. */
export function isPrivateNetwork(address: string, prefix: number): boolean {
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  return PRIVATE.some((range) => range.family === family && prefix >= range.prefix && range.list.check(address, family));
}

export function containerNetworkListeners(options: { disableIpv6: boolean }, interfaces: InterfaceTable = networkInterfaces()): InsecureNetworkListenerSpec[] {
  const explicit = `give ${INSECURE_NETWORK_FLAG} tcp://ADDRESS:${SOCKET_PROXY_PORT}?allow=CIDR for the network your clients are on`;
  const bridge = HOST_BRIDGES.find((name) => interfaces[name] !== undefined);
  if (bridge !== undefined) {
    throw new Error(
      `--compat: no listener is given, and this is the host's network namespace (dockerd's ${bridge} is here), where listening without authentication by default could reach beyond a container network; ${explicit}`,
    );
  }
  const specs = Object.keys(interfaces).flatMap((name) => {
    const entries = interfaces[name] ?? [];
    if (entries.every((entry) => entry.internal || entry.address.toLowerCase().startsWith('fe80:'))) return [];
    return parseInsecureNetworkSpec(`tcp://${name}:${SOCKET_PROXY_PORT}?allow=subnet`, interfaces).filter((spec) => !(options.disableIpv6 && isIP(spec.host) === 6));
  });
  const outside = specs.find((spec) => !isPrivateAddress(spec.host));
  if (outside !== undefined) {
    throw new Error(
      `--compat: no listener is given, and ${outside.host} (${outside.interface}) is not a private address as container networks have; listening without authentication there by default could reach beyond a container network; ${explicit}`,
    );
  }
  if (specs.length === 0) throw new Error(`--compat: no listener is given, and this host has no interface besides loopback to listen on; ${explicit}`);
  return specs;
}
