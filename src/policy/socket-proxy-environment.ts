// docker-socket-proxy's environment as its images read it (`dockgate serve --compat docker-socket-proxy`),
// from their configuration files, not their READMEs (docs/socket-proxy-compat-research.md §1): every rule
// tests `env(NAME) -m bool`, which HAProxy reads as a decimal integer (an optional sign, then the leading
// digits, stopping at the first other character) and takes as on when it is not zero; an unset or empty
// variable is off. So `CONTAINERS=true` grants nothing there. Here a value HAProxy would read differently
// from what it says (`true`, `yes`, ` 1`, `1abc`) stops the gateway with what HAProxy would have made of it,
// rather than silently granting or refusing; integers other than 0 and 1 are read as HAProxy reads them.
//
// Two images answer to the same variables with different rules (research §3): Tecnativa's
// (tecnativa/docker-socket-proxy) and LinuxServer's (lscr.io/linuxserver/socket-proxy). The flavour is
// named (`--compat docker-socket-proxy:linuxserver`) or inferred: a variable only LinuxServer's image has
// (ALLOW_PAUSE, ALLOW_LOGS, ...) set at all means LinuxServer's rules, anything else Tecnativa's.

export const SOCKET_PROXY_FLAVOURS = ['tecnativa', 'linuxserver'] as const;
export type SocketProxyFlavour = (typeof SOCKET_PROXY_FLAVOURS)[number];

/** The variables of one path section each (`CONTAINERS` is every path under `/containers`), with the images' defaults. */
export const SECTION_DEFAULTS = {
  AUTH: false,
  BUILD: false,
  COMMIT: false,
  CONFIGS: false,
  CONTAINERS: false,
  DISTRIBUTION: false,
  EVENTS: true,
  EXEC: false,
  GRPC: false,
  IMAGES: false,
  INFO: false,
  NETWORKS: false,
  NODES: false,
  PING: true,
  PLUGINS: false,
  SECRETS: false,
  SERVICES: false,
  SESSION: false,
  SWARM: false,
  SYSTEM: false,
  TASKS: false,
  VERSION: true,
  VOLUMES: false,
} as const;
export type SectionVariable = keyof typeof SECTION_DEFAULTS;

/** Variables both images have that grant single container actions (default 0). */
const SHARED_SWITCHES = ['ALLOW_START', 'ALLOW_STOP', 'ALLOW_RESTARTS'] as const;
/** Variables only LinuxServer's image has (default 0): two grants, and five gates on container sub-paths. */
export const LINUXSERVER_SWITCHES = ['ALLOW_PAUSE', 'ALLOW_UNPAUSE', 'ALLOW_ARCHIVE', 'ALLOW_CHANGES', 'ALLOW_EXPORT', 'ALLOW_LOGS', 'ALLOW_TOP'] as const;

export type SwitchVariable = 'POST' | SectionVariable | (typeof SHARED_SWITCHES)[number] | (typeof LINUXSERVER_SWITCHES)[number];

/** The variables read as on/off, in the order a start-up line lists them. */
export const SWITCH_VARIABLES: readonly SwitchVariable[] = ['POST', ...(Object.keys(SECTION_DEFAULTS) as SectionVariable[]), ...SHARED_SWITCHES, ...LINUXSERVER_SWITCHES];

/** Podman's API, which LinuxServer's image proxies and dockgate has no routes for; these two default to 1 there and mean nothing here. */
const IGNORED_LIBPOD = new Set(['LIBPOD_PING', 'LIBPOD_VERSION']);

export interface SocketProxyEnvironment {
  flavour: SocketProxyFlavour;
  /** Why this flavour: named, or which variable implied it. */
  flavourReason: string;
  /** Every switch with its value (defaults applied). */
  switches: ReadonlyMap<SwitchVariable, boolean>;
  /** The variables set in the environment (not defaulted), as given, for the start-up log. */
  given: Readonly<Record<string, string>>;
  /** `LOG_LEVEL` as the gateway's logger level (pino), when set (else the logger's own default, info). */
  logLevel?: string;
  /** `SOCKET_PATH`: the engine socket, as `unix://` upstream. */
  upstream: string;
  /** `DISABLE_IPV6`: the default listener binds IPv4 addresses only. */
  disableIpv6: boolean;
  /** Values read as HAProxy reads them but not written 0 or 1, said once at start-up. */
  warnings: string[];
}

/** HAProxy's `log` levels (syslog names) and the logger's levels they are. */
const LOG_LEVELS: Readonly<Record<string, string>> = {
  emerg: 'fatal',
  alert: 'fatal',
  crit: 'fatal',
  err: 'error',
  error: 'error',
  warning: 'warn',
  warn: 'warn',
  notice: 'info',
  info: 'info',
  debug: 'debug',
};

/** What HAProxy's `-m bool` makes of a value: read_int64 of the leading sign and digits, on when not zero. */
export function haproxyReadsOn(value: string): boolean {
  const leading = /^[+-]?(\d*)/.exec(value)![1]!;
  return /[1-9]/.test(leading);
}

/** One on/off variable: a decimal integer (HAProxy's reading), or empty (off, as HAProxy reads it). */
export function readSwitch(name: string, value: string, warnings: string[]): boolean {
  if (value === '') return false;
  if (!/^[+-]?\d+$/.test(value)) {
    const reading = haproxyReadsOn(value) ? 'on (its leading digits are not 0)' : 'off (it does not start with a non-zero number)';
    throw new Error(
      `${name}=${JSON.stringify(value)}: docker-socket-proxy reads its variables as numbers, so it would take this as ${reading}; write ${name}=1 to grant or ${name}=0 to refuse`,
    );
  }
  const on = haproxyReadsOn(value);
  if (value !== '0' && value !== '1') warnings.push(`${name}=${value} is read as ${on ? 1 : 0}, as docker-socket-proxy reads it; write ${on ? 1 : 0}`);
  return on;
}

function detectFlavour(env: NodeJS.ProcessEnv, named: SocketProxyFlavour | undefined): { flavour: SocketProxyFlavour; reason: string } {
  const lsio = LINUXSERVER_SWITCHES.filter((name) => env[name] !== undefined);
  if (named === 'tecnativa' && lsio.length > 0) {
    throw new Error(
      `${lsio.join(', ')}: only LinuxServer's socket-proxy has ${lsio.length === 1 ? 'this variable' : 'these variables'}; use --compat docker-socket-proxy:linuxserver, or remove them`,
    );
  }
  if (named !== undefined) return { flavour: named, reason: `named by --compat docker-socket-proxy:${named}` };
  if (lsio.length > 0) return { flavour: 'linuxserver', reason: `${lsio[0]} is set, and only LinuxServer's socket-proxy has it` };
  return { flavour: 'tecnativa', reason: "no variable only LinuxServer's socket-proxy has is set: Tecnativa's rules (name :linuxserver to change)" };
}

/** Reads the environment of `dockgate serve --compat docker-socket-proxy[:FLAVOUR]`; throws on a value it will not guess at. */
export function readSocketProxyEnvironment(env: NodeJS.ProcessEnv, named?: SocketProxyFlavour): SocketProxyEnvironment {
  const { flavour, reason } = detectFlavour(env, named);
  const warnings: string[] = [];
  const given: Record<string, string> = {};
  const switches = new Map<SwitchVariable, boolean>();
  for (const name of SWITCH_VARIABLES) {
    const value = env[name];
    const fallback = name in SECTION_DEFAULTS ? SECTION_DEFAULTS[name as SectionVariable] : false;
    if (value !== undefined) given[name] = value;
    switches.set(name, value === undefined ? fallback : readSwitch(name, value, warnings));
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('LIBPOD_') || IGNORED_LIBPOD.has(name) || value === undefined || !haproxyReadsOn(value)) continue;
    throw new Error(`${name}=${value}: grants part of Podman's API (/libpod), which dockgate does not serve; remove it (dockgate fronts the Docker Engine API only)`);
  }
  const level = env['LOG_LEVEL'];
  const logLevel = level === undefined ? undefined : LOG_LEVELS[level.toLowerCase()];
  if (level !== undefined && logLevel === undefined) throw new Error(`LOG_LEVEL=${level}: expected one of ${Object.keys(LOG_LEVELS).join(', ')}`);
  const socketPath = env['SOCKET_PATH'] ?? '/var/run/docker.sock';
  if (!socketPath.startsWith('/')) throw new Error(`SOCKET_PATH=${socketPath}: expected the absolute path of the engine's socket (/var/run/docker.sock)`);
  // The images' entrypoints read DISABLE_IPV6 in the shell: Tecnativa's takes 1, true or yes in any case, LinuxServer's only 1.
  const ipv6 = env['DISABLE_IPV6'] ?? '';
  const disableIpv6 = flavour === 'tecnativa' ? ['1', 'true', 'yes'].includes(ipv6.toLowerCase()) : ipv6 === '1';
  return { flavour, flavourReason: reason, switches, given, ...(logLevel !== undefined && { logLevel }), upstream: `unix://${socketPath}`, disableIpv6, warnings };
}
