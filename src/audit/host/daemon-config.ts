// The daemon's configuration as intended: dockerd's command line (read the way its flag parser reads
// it: `--flag=value`, `--flag value`, boolean flags without a value, repeated list flags, short
// aliases) and daemon.json, both named by daemon.json's keys so that they can be merged and compared.

/** dockerd flags that take no value (a following word is the next argument). */
const BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  'debug',
  'tls',
  'tlsverify',
  'icc',
  'iptables',
  'ip6tables',
  'ip-forward',
  'ip-masq',
  'userland-proxy',
  'live-restore',
  'no-new-privileges',
  'experimental',
  'selinux-enabled',
  'raw-logs',
  'ipv6',
  'init',
  'rootless',
  'validate',
  'version',
  'help',
  'cri-containerd',
  'bridge-nf-call-iptables',
  'bridge-nf-call-ip6tables',
]);

/** Flags whose name differs from their daemon.json key. */
const FLAG_TO_KEY: Readonly<Record<string, string>> = {
  H: 'hosts',
  host: 'hosts',
  D: 'debug',
  l: 'log-level',
  G: 'group',
  g: 'data-root',
  graph: 'data-root',
  p: 'pidfile',
  b: 'bridge',
  s: 'storage-driver',
  'insecure-registry': 'insecure-registries',
  'authorization-plugin': 'authorization-plugins',
  'exec-opt': 'exec-opts',
  'log-opt': 'log-opts',
  'storage-opt': 'storage-opts',
  'default-ulimit': 'default-ulimits',
  'registry-mirror': 'registry-mirrors',
  label: 'labels',
  dns: 'dns',
  'dns-opt': 'dns-opts',
  'dns-search': 'dns-search',
  'add-runtime': 'runtimes',
  'allow-nondistributable-artifacts': 'allow-nondistributable-artifacts',
  v: 'version',
  h: 'help',
};

/** Keys that may be given more than once on the command line and are lists in daemon.json. */
const LIST_KEYS: ReadonlySet<string> = new Set([
  'hosts',
  'insecure-registries',
  'authorization-plugins',
  'exec-opts',
  'log-opts',
  'storage-opts',
  'default-ulimits',
  'registry-mirrors',
  'labels',
  'dns',
  'dns-opts',
  'dns-search',
  'runtimes',
  'allow-nondistributable-artifacts',
]);

export type ConfigValue = string | boolean | string[];

/** Go's strconv.ParseBool. */
export function parseGoBoolean(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** dockerd's arguments (without argv[0]) as daemon.json keys. */
export function parseDockerdArgs(args: readonly string[]): Map<string, ConfigValue> {
  const out = new Map<string, ConfigValue>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') continue;
    const long = arg.startsWith('--');
    let name = arg.slice(long ? 2 : 1);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq !== -1) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else if (!long && name.length > 1 && FLAG_TO_KEY[name[0]!] !== undefined && !BOOLEAN_FLAGS.has(FLAG_TO_KEY[name[0]!]!)) {
      // -Hunix:///x: a short flag with its value attached.
      value = name.slice(1);
      name = name[0]!;
    }
    const key = FLAG_TO_KEY[name] ?? name;
    if (BOOLEAN_FLAGS.has(key)) {
      out.set(key, value === undefined ? true : (parseGoBoolean(value) ?? value));
      continue;
    }
    if (value === undefined) {
      value = args[i + 1] ?? '';
      i++;
    }
    if (LIST_KEYS.has(key)) {
      const previous = out.get(key);
      out.set(key, [...(Array.isArray(previous) ? previous : []), value]);
    } else {
      out.set(key, value);
    }
  }
  return out;
}

/** A daemon.json document as the same key → value map (values kept as JSON gives them, lists of strings). */
export function readDaemonJson(text: string): Map<string, unknown> {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the document is not a JSON object');
  return new Map(Object.entries(parsed));
}

export type SettingSource = 'dockerd flag' | 'daemon.json' | 'default';

export interface Setting<T> {
  value: T;
  source: SettingSource;
}

/** The intended configuration: command line and daemon.json, merged the way dockerd merges them. */
export class DaemonConfig {
  constructor(
    readonly flags: ReadonlyMap<string, ConfigValue>,
    readonly file: ReadonlyMap<string, unknown>,
    /** Where daemon.json was read from, when it was. */
    readonly filePath?: string,
  ) {}

  /** Keys given both ways: dockerd refuses to start with them (list keys included). */
  conflicts(): string[] {
    return [...this.flags.keys()].filter((key) => this.file.has(key));
  }

  private raw(key: string): { value: unknown; source: SettingSource } | undefined {
    if (this.flags.has(key)) return { value: this.flags.get(key), source: 'dockerd flag' };
    if (this.file.has(key)) return { value: this.file.get(key), source: 'daemon.json' };
    return undefined;
  }

  boolean(key: string, fallback: boolean): Setting<boolean> {
    const found = this.raw(key);
    if (found === undefined) return { value: fallback, source: 'default' };
    if (typeof found.value === 'boolean') return { value: found.value, source: found.source };
    if (typeof found.value === 'string') return { value: parseGoBoolean(found.value) ?? fallback, source: found.source };
    return { value: fallback, source: 'default' };
  }

  string(key: string): Setting<string> | undefined {
    const found = this.raw(key);
    if (found === undefined || typeof found.value !== 'string') return undefined;
    return { value: found.value, source: found.source };
  }

  list(key: string): Setting<string[]> {
    const found = this.raw(key);
    if (found === undefined) return { value: [], source: 'default' };
    if (Array.isArray(found.value)) return { value: found.value.filter((v): v is string => typeof v === 'string'), source: found.source };
    if (typeof found.value === 'string') return { value: [found.value], source: found.source };
    return { value: [], source: 'default' };
  }

  /** `tlsverify` implies `tls`. */
  tlsMode(): 'none' | 'tls' | 'tlsverify' {
    if (this.boolean('tlsverify', false).value) return 'tlsverify';
    if (this.boolean('tls', false).value) return 'tls';
    return 'none';
  }
}

export interface HostSpec {
  kind: 'unix' | 'tcp' | 'fd' | 'other';
  raw: string;
  /** unix: the path. */
  path?: string;
  /** tcp: the bind address as given ('' is every interface) and the port. */
  address?: string;
  port?: number;
}

/** A -H/hosts entry as dockerd reads it (tcp:// default port 2375, or 2376 with TLS). */
export function parseHostSpec(raw: string, tls: boolean): HostSpec {
  if (raw.startsWith('unix://')) return { kind: 'unix', raw, path: raw.slice('unix://'.length) || '/var/run/docker.sock' };
  if (raw.startsWith('fd://')) return { kind: 'fd', raw };
  const rest = raw.startsWith('tcp://') ? raw.slice('tcp://'.length) : /^[\w.-]*:\d+$|^\[[^\]]*\]:\d+$|^:\d+$/.test(raw) ? raw : undefined;
  if (rest === undefined) return { kind: 'other', raw };
  const match = /^(\[[^\]]*\]|[^:/]*)(?::(\d+))?\/?$/.exec(rest);
  if (!match) return { kind: 'other', raw };
  const host = match[1]!.replace(/^\[|\]$/g, '');
  return { kind: 'tcp', raw, address: host, port: match[2] !== undefined ? Number(match[2]) : tls ? 2376 : 2375 };
}
