// Which client networks a tcp listener accepts (`?allow=CIDR[,CIDR...]`): checked on accept, before a
// TLS handshake or an HTTP byte is read. IPv4 and IPv6; an IPv4 client on a dual-stack socket shows up
// as `::ffff:a.b.c.d` and is matched as the IPv4 address it is (and an IPv4-mapped network written in
// IPv6 form as the IPv4 network it means).
import { BlockList, isIP } from 'node:net';
import { ipv6Text } from '../identify/ipv6-text.js';

export interface AllowList {
  /** The networks as normalised text (`127.0.0.1/32`, `fd00::/8`), for messages and logs. */
  readonly networks: readonly string[];
  /** Whether a peer address (as `socket.remoteAddress` gives it) is inside one of the networks. */
  admits(address: string): boolean;
}

const MAPPED_PREFIX = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:127.0.0.1` → `127.0.0.1`; any other address unchanged. */
export function unmapAddress(address: string): string {
  const mapped = MAPPED_PREFIX.exec(address);
  return mapped?.[1] !== undefined && isIP(mapped[1]) === 4 ? mapped[1] : address;
}

interface Network {
  address: string;
  prefix: number;
  family: 4 | 6;
}

/** Bytes of an IPv4 or IPv6 address in network order. */
function addressBytes(address: string, family: 4 | 6): number[] {
  if (family === 4) return address.split('.').map(Number);
  let text = address;
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4?.[1] !== undefined) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** The address as text; IPv6 with its longest run of zero groups as `::`, so that equal networks print the same. */
function bytesToAddress(bytes: number[], family: 4 | 6): string {
  return family === 4 ? bytes.join('.') : ipv6Text(bytes);
}

/** The network part of an address's bytes: the first `prefix` bits kept, the rest zero. */
function maskBytes(bytes: number[], prefix: number): number[] {
  return bytes.map((byte, i) => {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    return byte & (0xff << (8 - bits)) & 0xff;
  });
}

/** The network an interface address is on (`172.18.0.5/16` → `172.18.0.0/16`), as an allow= entry. */
export function networkOfAddress(address: string, prefix: number): string {
  const family = isIP(address) === 4 ? 4 : 6;
  return `${bytesToAddress(maskBytes(addressBytes(address, family), prefix), family)}/${prefix}`;
}

function parseNetwork(text: string, context: string): Network {
  const slash = text.indexOf('/');
  const rawAddress = slash === -1 ? text : text.slice(0, slash);
  const ipVersion = rawAddress.includes('%') ? 0 : isIP(rawAddress);
  if (ipVersion === 0) throw new Error(`${context}: '${text}' is not a network; write CIDR such as 10.0.0.0/8, 192.168.1.7/32 or fd00::/8`);
  const family: 4 | 6 = ipVersion === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) throw new Error(`${context}: '${text}' has a prefix length that is not between 0 and ${max}`);
    prefix = Number(prefixText);
  }
  const bytes = addressBytes(rawAddress, family);
  // Host bits set (10.0.0.1/8) usually mean a typo; say which network was meant instead of guessing.
  const masked = maskBytes(bytes, prefix);
  if (masked.some((byte, i) => byte !== bytes[i])) {
    throw new Error(`${context}: '${text}' has host bits set; write the network ${bytesToAddress(masked, family)}/${prefix}, or ${rawAddress}/${max} for the one address`);
  }
  // An IPv4-mapped IPv6 network is the IPv4 network it maps.
  if (family === 6 && prefix >= 96 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return { address: bytes.slice(12).join('.'), prefix: prefix - 96, family: 4 };
  }
  return { address: bytesToAddress(bytes, family), prefix, family };
}

/** Parses the value of `allow=` (comma-separated CIDRs); `context` starts every error message. */
export function parseAllowList(value: string, context: string): AllowList {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new Error(`${context}: allow= needs a comma-separated list of networks (CIDR), with no empty entries`);
  const networks = items.map((item) => parseNetwork(item, context));
  const list = new BlockList();
  for (const network of networks) list.addSubnet(network.address, network.prefix, network.family === 4 ? 'ipv4' : 'ipv6');
  return {
    networks: networks.map((n) => `${n.address}/${n.prefix}`),
    admits(address: string): boolean {
      const plain = unmapAddress(address);
      const family = isIP(plain);
      if (family === 0) return false;
      return list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** Whether an address is a loopback address: 127.0.0.0/8, ::1, or 127/8 written as IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string): boolean {
  const plain = unmapAddress(address);
  const family = isIP(plain);
  if (family === 4) return plain.split('.')[0] === '127';
  if (family === 6) return addressBytes(plain, 6).every((b, i) => b === (i === 15 ? 1 : 0));
  return false;
}
