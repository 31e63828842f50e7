// `--insecure-listen tcp://ADDRESS|INTERFACE:PORT?allow=CIDR|subnet,...[&hosts=NAME,...][&preset=NAME|&profile=NAME]`: plain HTTP, no
// authentication, off loopback, for the clients of one container network (what docker-socket-proxy serves
// on :2375). Made safe enough to be worth having by what it will not do:
//  - bind a wildcard (0.0.0.0, ::): that would take every interface, public ones included; the listener is
//    bound to addresses of this host, written out, or to those of an interface named at start-up (`eth0`,
//    for compose, where the container's address is not known in advance);
//  - take clients from anywhere: `allow=` is required; `subnet` stands for the network of each bound
//    address (the compose network, which only its containers and the bridge's gateway, the host, reach);
//  - serve loopback (that is `--insecure-listen-loopback`, with its own Host list);
//  - answer browsers: the browser guard, with the container-network Host rule (host-names.ts).
// One argument may name an interface with several addresses: it becomes one listener per address.
import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { DOTTED_NAME } from './host-names.js';
import type { BuiltinChoice } from '../policy/builtin-policies.js';
import { listenerPolicy, parseTcpAddress, POLICY_OPTIONS } from './listener-spec.js';
import { isLoopbackAddress, networkOfAddress, parseAllowList, type AllowList } from './network-allow-list.js';

export interface InsecureNetworkListenerSpec {
  kind: 'insecure-network';
  /** The argument as given (with the address, when an interface has several), used in identities and records. */
  name: string;
  /** An address of this host, never a wildcard. */
  host: string;
  port: number;
  /** The client networks accepted; always given. */
  allow: AllowList;
  /** Dotted names accepted in Host besides single labels and IP literals (lower case). */
  hosts: readonly string[];
  /** The interface the address was taken from, when one was named. */
  interface?: string;
  /** `?preset=` or `?profile=`, as on the other listeners. */
  policy?: BuiltinChoice;
}

/** The host's interfaces as `os.networkInterfaces()` gives them; a parameter so that tests can give their own. */
export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

export const INSECURE_NETWORK_FLAG = '--insecure-listen';

/** IPv6 link-local addresses need a zone to bind and belong to no network clients route from. */
function usable(entry: NetworkInterfaceInfo): boolean {
  return !entry.internal && !(entry.family === 'IPv6' && entry.address.toLowerCase().startsWith('fe80:'));
}

/** The interface entry that holds an address, compared as bytes (`fd00:0::2` is `fd00::2`). */
function entryOf(address: string, interfaces: InterfaceTable): { name: string; entry: NetworkInterfaceInfo } | undefined {
  const key = networkOfAddress(address, isIP(address) === 4 ? 32 : 128);
  for (const [name, entries] of Object.entries(interfaces)) {
    const entry = (entries ?? []).find((e) => isIP(e.address) === isIP(address) && networkOfAddress(e.address, isIP(address) === 4 ? 32 : 128) === key);
    if (entry !== undefined) return { name, entry };
  }
  return undefined;
}

function prefixOf(entry: NetworkInterfaceInfo): number {
  return Number(entry.cidr?.split('/')[1] ?? (entry.family === 'IPv4' ? 32 : 128));
}

export function parseInsecureNetworkSpec(arg: string, interfaces: InterfaceTable = networkInterfaces()): InsecureNetworkListenerSpec[] {
  const context = `${INSECURE_NETWORK_FLAG} ${arg}`;
  if (!arg.startsWith('tcp://')) throw new Error(`${context}: expected tcp://ADDRESS:PORT?allow=CIDR,... or tcp://INTERFACE:PORT?allow=subnet (plain HTTP on a container network)`);
  const { host, port, options } = parseTcpAddress(arg, INSECURE_NETWORK_FLAG, ['allow', 'hosts', ...POLICY_OPTIONS]);
  const policy = listenerPolicy(options, INSECURE_NETWORK_FLAG, arg);
  const allowText = options.get('allow');
  if (allowText === undefined) {
    throw new Error(
      `${context}: allow= is required: the client networks that may connect without authentication (CIDR, or subnet for the network of each bound address), e.g. ?allow=subnet`,
    );
  }
  const hosts = (options.get('hosts') ?? '').split(',').flatMap((entry) => {
    const name = entry.trim().toLowerCase();
    if (name === '') return [];
    if (!DOTTED_NAME.test(name)) {
      throw new Error(`${context}: hosts= takes dotted names as clients send them in Host, without a port (single-label names and addresses are accepted anyway), not '${entry}'`);
    }
    return [name];
  });
  let bound: Array<{ address: string; entry?: NetworkInterfaceInfo; interface?: string }>;
  if (isIP(host) !== 0) {
    const exact = networkOfAddress(host, isIP(host) === 4 ? 32 : 128);
    if (exact === '0.0.0.0/32' || exact === '::/128') {
      throw new Error(`${context}: ${host} binds every interface, public ones included; name the container network's address, or its interface (tcp://eth0:${port}?allow=subnet)`);
    }
    if (isLoopbackAddress(host)) throw new Error(`${context}: ${host} is a loopback address; use --insecure-listen-loopback for loopback (it has its own Host list)`);
    const found = entryOf(host, interfaces);
    bound = [{ address: host, ...(found && { entry: found.entry, interface: found.name }) }];
  } else {
    const entries = interfaces[host];
    if (entries === undefined) {
      throw new Error(
        `${context}: ${host} is neither an IP address nor an interface of this host (interfaces: ${Object.keys(interfaces).join(', ')}); names are not resolved, since one could resolve elsewhere`,
      );
    }
    bound = entries.filter(usable).map((entry) => ({ address: entry.address, entry, interface: host }));
    if (bound.length === 0) throw new Error(`${context}: the interface ${host} has no address to listen on (loopback and link-local addresses are not used)`);
  }
  return bound.map(({ address, entry, interface: name }) => {
    const allowEntries = allowText.split(',').map((item) => {
      if (item.trim() !== 'subnet') return item;
      if (entry === undefined) throw new Error(`${context}: allow=subnet needs an address of one of this host's interfaces, and ${address} is not one`);
      return networkOfAddress(address, prefixOf(entry));
    });
    const allow: AllowList = parseAllowList(allowEntries.join(','), context);
    return { kind: 'insecure-network', name: bound.length === 1 ? arg : `${arg} (${address})`, host: address, port, allow, hosts, ...(name !== undefined && { interface: name }), ...policy };
  });
}
