// What a `--listen` argument asks for: a unix socket with its owner, group and mode, or a TCP address
// (mutual TLS) with the client networks it accepts; and what `--insecure-listen-loopback` asks for: plain
// HTTP on a loopback address, with the Host names it answers to.
// Parsed once at start-up; a malformed spec stops the gateway before it opens anything.
import { isIP } from 'node:net';
import { builtinNames, type BuiltinChoice } from '../policy/builtin-policies.js';
import { isLoopbackAddress, parseAllowList, type AllowList } from './network-allow-list.js';
import type { InsecureNetworkListenerSpec } from './insecure-network-spec.js';

export interface UnixListenerSpec {
  kind: 'unix';
  /** The argument as given, used as the listener's name in identities and audit records. */
  name: string;
  path: string;
  /** File mode of the socket; 0o660 unless asked otherwise. */
  mode: number;
  /** User and group that own the socket, as names or numeric ids; the gateway's own when absent. */
  owner?: string;
  group?: string;
  /** `?preset=` or `?profile=`: the built-in policy this listener's clients are judged by (src/policy/listener-policies.ts). */
  policy?: BuiltinChoice;
}

export interface TcpListenerSpec {
  kind: 'tcp';
  name: string;
  host: string;
  port: number;
  /** `?allow=`: the client networks accepted; absent, every network is. */
  allow?: AllowList;
  policy?: BuiltinChoice;
}

/** `--insecure-listen-loopback`: plain HTTP, no authentication, loopback only, browsers refused. */
export interface InsecureLoopbackListenerSpec {
  kind: 'insecure-loopback';
  name: string;
  host: string;
  port: number;
  /** The `Host` header values accepted (lower case `name:port`); anything else is refused (DNS rebinding). */
  hosts: string[];
  allow?: AllowList;
  policy?: BuiltinChoice;
}

export type ListenerSpec = UnixListenerSpec | TcpListenerSpec | InsecureLoopbackListenerSpec | InsecureNetworkListenerSpec;

const UNIX_OPTIONS = new Set(['mode', 'owner', 'group']);
/** The options that give an Engine API listener a policy of its own (never the admin listener, which judges nothing). */
export const POLICY_OPTIONS = ['preset', 'profile'];
const INSECURE_FLAG = '--insecure-listen-loopback';

export function parseListenerSpec(arg: string): ListenerSpec {
  if (arg.startsWith('unix://')) return parseUnix(arg, '--listen', true);
  if (arg.startsWith('tcp://')) return parseTcp(arg);
  throw new Error(`--listen ${arg}: expected unix:///path/to.sock[?mode=0660&owner=USER&group=GROUP] or tcp://HOST:PORT[?allow=CIDR,...]`);
}

/**
 * `?preset=NAME` or `?profile=NAME`, at most one of them, with a name dockgate knows: the listener's clients
 * are judged by that built-in policy instead of the gateway's (--profile, --preset or --policy).
 */
export function listenerPolicy(options: ReadonlyMap<string, string>, flag: string, arg: string): { policy?: BuiltinChoice } {
  const given = POLICY_OPTIONS.filter((key) => options.has(key));
  if (given.length > 1) throw new Error(`${flag} ${arg}: preset= and profile= go separately (a preset is a policy of its own); give one`);
  const kind = given[0] as BuiltinChoice['kind'] | undefined;
  if (kind === undefined) return {};
  const name = options.get(kind)!;
  const known = builtinNames(kind);
  if (!known.includes(name)) throw new Error(`${flag} ${arg}: unknown ${kind} '${name}' (known: ${known.join(', ')})`);
  return { policy: { kind, name } };
}

function parseUnix(arg: string, flag: string, takesPolicy = false): UnixListenerSpec {
  const rest = arg.slice('unix://'.length);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  if (!path.startsWith('/')) throw new Error(`${flag} ${arg}: the socket path must be absolute (unix:///run/dockgate.sock)`);
  // sun_path holds 108 bytes including the terminating NUL.
  if (Buffer.byteLength(path) > 107) throw new Error(`${flag} ${arg}: the socket path is longer than the 107 bytes a unix socket allows`);
  const spec: UnixListenerSpec = { kind: 'unix', name: arg, path, mode: 0o660 };
  const seen = new Set<string>();
  const policyOptions = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(q === -1 ? '' : rest.slice(q + 1))) {
    const takes = takesPolicy && POLICY_OPTIONS.includes(key);
    if (!UNIX_OPTIONS.has(key) && !takes) throw new Error(`${flag} ${arg}: unknown option '${key}' (known: mode, owner, group${takesPolicy ? ', preset, profile' : ''})`);
    if (seen.has(key)) throw new Error(`${flag} ${arg}: ${key} is given twice`);
    seen.add(key);
    if (takes) {
      policyOptions.set(key, value);
    } else if (key === 'mode') {
      if (!/^0?[0-7]{3}$/.test(value)) throw new Error(`${flag} ${arg}: mode must be octal like 0660, not '${value}'`);
      spec.mode = parseInt(value, 8);
      if (spec.mode & 0o111) throw new Error(`${flag} ${arg}: mode ${value} sets execute bits, which mean nothing on a socket`);
    } else if (value === '') {
      throw new Error(`${flag} ${arg}: ${key} needs a value`);
    } else {
      spec[key as 'owner' | 'group'] = value;
    }
  }
  return { ...spec, ...listenerPolicy(policyOptions, flag, arg) };
}

export interface TcpAddress {
  host: string;
  port: number;
  /** The options after `?`, each given once. */
  options: Map<string, string>;
}

export function parseTcpAddress(arg: string, flag: string, known: readonly string[]): TcpAddress {
  let url: URL;
  try {
    url = new URL(arg);
  } catch {
    throw new Error(`${flag} ${arg}: not a valid tcp://HOST:PORT address`);
  }
  if (url.protocol !== 'tcp:') throw new Error(`${flag} ${arg}: expected tcp://HOST:PORT`);
  if (url.pathname !== '' && url.pathname !== '/') throw new Error(`${flag} ${arg}: a tcp listener takes no path`);
  if (url.username !== '' || url.password !== '' || url.hash !== '') throw new Error(`${flag} ${arg}: unexpected parts in a tcp listener`);
  const port = Number(url.port);
  if (!url.port || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${flag} ${arg}: a port between 1 and 65535 is required`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const options = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (!known.includes(key)) {
      throw new Error(`${flag} ${arg}: unknown option '${key}' (${known.length === 0 ? 'a tcp listener takes none' : `known: ${known.join(', ')}`})`);
    }
    if (options.has(key)) throw new Error(`${flag} ${arg}: ${key} is given twice (write one comma-separated list)`);
    if (value === '') throw new Error(`${flag} ${arg}: ${key} needs a value`);
    options.set(key, value);
  }
  return { host, port, options };
}

function parseTcp(arg: string): TcpListenerSpec {
  const { host, port, options } = parseTcpAddress(arg, '--listen', ['allow', ...POLICY_OPTIONS]);
  const allow = options.get('allow');
  return { kind: 'tcp', name: arg, host, port, ...(allow !== undefined && { allow: parseAllowList(allow, `--listen ${arg}`) }), ...listenerPolicy(options, '--listen', arg) };
}

/** The Host values the docker CLI and other local clients send for a loopback listener on `port`. */
export function defaultLoopbackHosts(host: string, port: number): string[] {
  const bound = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  return [...new Set([bound, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])];
}

/**
 * `--insecure-listen-loopback tcp://127.0.0.1:2375[?hosts=NAME:PORT,...][&allow=CIDR,...]`. Only loopback
 * addresses, written as addresses (a name could resolve elsewhere); `hosts=` replaces the default list.
 */
export function parseInsecureLoopbackSpec(arg: string): InsecureLoopbackListenerSpec {
  if (!arg.startsWith('tcp://')) throw new Error(`${INSECURE_FLAG} ${arg}: expected tcp://127.0.0.1:PORT (plain HTTP on a loopback address)`);
  const { host, port, options } = parseTcpAddress(arg, INSECURE_FLAG, ['hosts', 'allow', ...POLICY_OPTIONS]);
  if (isIP(host) === 0) {
    throw new Error(`${INSECURE_FLAG} ${arg}: write a loopback address (127.0.0.1 or [::1]), not the name ${host}, which could resolve to another address`);
  }
  if (!isLoopbackAddress(host)) {
    throw new Error(
      `${INSECURE_FLAG} ${arg}: ${host} is not a loopback address; plain HTTP without authentication is served only on 127.0.0.1 or [::1]. ` +
        'For other addresses use --listen tcp://HOST:PORT with --tls-ca, --tls-cert and --tls-key (mutual TLS)',
    );
  }
  const hostsOption = options.get('hosts');
  let hosts = defaultLoopbackHosts(host, port);
  if (hostsOption !== undefined) {
    hosts = hostsOption.split(',').map((entry) => {
      const value = entry.trim().toLowerCase();
      if (!/^([a-z0-9.-]+|\[[0-9a-f:.]+\]):\d{1,5}$/.test(value)) {
        throw new Error(`${INSECURE_FLAG} ${arg}: hosts= takes NAME:PORT entries as clients send them in Host (e.g. localhost:${port}), not '${entry}'`);
      }
      return value;
    });
  }
  const allow = options.get('allow');
  return {
    kind: 'insecure-loopback',
    name: arg,
    host,
    port,
    hosts,
    ...(allow !== undefined && { allow: parseAllowList(allow, `${INSECURE_FLAG} ${arg}`) }),
    ...listenerPolicy(options, INSECURE_FLAG, arg),
  };
}

/** `--admin-listen`'s plain HTTP on a loopback address (/health, /ready, /metrics: src/observe/admin-server.ts). */
export interface AdminLoopbackSpec {
  kind: 'admin-loopback';
  name: string;
  host: string;
  port: number;
}

/** `--admin-listen`: a unix socket (mode, owner and group as --listen) or a loopback TCP address. */
export type AdminListenerSpec = UnixListenerSpec | AdminLoopbackSpec;

/**
 * `--admin-listen unix:///path[?mode=..&owner=..&group=..]` or `tcp://127.0.0.1:PORT` / `tcp://[::1]:PORT`.
 * Metrics say which operations clients run and which are refused: on TCP they are served to loopback only,
 * written as an address (a name could resolve elsewhere); anything else is refused at start-up. `flag` is
 * the option errors name (`dockgate health --admin` reads the same addresses).
 */
export function parseAdminListenSpec(arg: string, flag = '--admin-listen'): AdminListenerSpec {
  if (arg.startsWith('unix://')) return parseUnix(arg, flag);
  if (!arg.startsWith('tcp://')) throw new Error(`${flag} ${arg}: expected unix:///path.sock[?mode=0660&owner=USER&group=GROUP] or tcp://127.0.0.1:PORT`);
  const { host, port } = parseTcpAddress(arg, flag, []);
  if (isIP(host) === 0 || !isLoopbackAddress(host)) {
    throw new Error(
      `${flag} ${arg}: ${isIP(host) === 0 ? `write a loopback address (127.0.0.1 or [::1]), not the name ${host}` : `${host} is not a loopback address`}; ` +
        'the admin listener has no authentication and is served on 127.0.0.1 or [::1] only (or a unix socket, with its mode)',
    );
  }
  return { kind: 'admin-loopback', name: arg, host, port };
}
