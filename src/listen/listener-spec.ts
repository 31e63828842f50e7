// What a `--listen` argument asks for: a unix socket with its owner, group and mode, or a TCP address.
// Parsed once at start-up; a malformed spec stops the gateway before it opens anything.

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
}

export interface TcpListenerSpec {
  kind: 'tcp';
  name: string;
  host: string;
  port: number;
}

export type ListenerSpec = UnixListenerSpec | TcpListenerSpec;

const UNIX_OPTIONS = new Set(['mode', 'owner', 'group']);

export function parseListenerSpec(arg: string): ListenerSpec {
  if (arg.startsWith('unix://')) return parseUnix(arg);
  if (arg.startsWith('tcp://')) return parseTcp(arg);
  throw new Error(`--listen ${arg}: expected unix:///path/to.sock[?mode=0660&owner=USER&group=GROUP] or tcp://HOST:PORT`);
}

function parseUnix(arg: string): UnixListenerSpec {
  const rest = arg.slice('unix://'.length);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  if (!path.startsWith('/')) throw new Error(`--listen ${arg}: the socket path must be absolute (unix:///run/dockgate.sock)`);
  // sun_path holds 108 bytes including the terminating NUL.
  if (Buffer.byteLength(path) > 107) throw new Error(`--listen ${arg}: the socket path is longer than the 107 bytes a unix socket allows`);
  const spec: UnixListenerSpec = { kind: 'unix', name: arg, path, mode: 0o660 };
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(q === -1 ? '' : rest.slice(q + 1))) {
    if (!UNIX_OPTIONS.has(key)) throw new Error(`--listen ${arg}: unknown option '${key}' (known: mode, owner, group)`);
    if (seen.has(key)) throw new Error(`--listen ${arg}: ${key} is given twice`);
    seen.add(key);
    if (key === 'mode') {
      if (!/^0?[0-7]{3}$/.test(value)) throw new Error(`--listen ${arg}: mode must be octal like 0660, not '${value}'`);
      spec.mode = parseInt(value, 8);
      if (spec.mode & 0o111) throw new Error(`--listen ${arg}: mode ${value} sets execute bits, which mean nothing on a socket`);
    } else if (value === '') {
      throw new Error(`--listen ${arg}: ${key} needs a value`);
    } else {
      spec[key as 'owner' | 'group'] = value;
    }
  }
  return spec;
}

function parseTcp(arg: string): TcpListenerSpec {
  let url: URL;
  try {
    url = new URL(arg);
  } catch {
    throw new Error(`--listen ${arg}: not a valid tcp://HOST:PORT address`);
  }
  if (url.pathname !== '' && url.pathname !== '/') throw new Error(`--listen ${arg}: a tcp listener takes no path`);
  if (url.search !== '' || url.username !== '' || url.password !== '') throw new Error(`--listen ${arg}: unexpected options in a tcp listener`);
  const port = Number(url.port);
  if (!url.port || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--listen ${arg}: a port between 1 and 65535 is required`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { kind: 'tcp', name: arg, host, port };
}
