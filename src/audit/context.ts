// What the checks of one target work with: the engine's own answers (/info, /version, every container's
// inspect document), the daemon process and its configuration when the engine is on this host, and
// the collector of findings. Gathered once by run-audit.ts; the checks only read it.
import type { AccountDb } from './host/accounts.js';
import type { DaemonConfig, HostSpec } from './host/daemon-config.js';
import type { InetSocket, ProcessInfo } from './host/proc.js';
import type { LoadedUnit } from './host/systemd-units.js';
import type { EngineApi } from './engine-api.js';
import type { Collector } from './finding.js';

/** The parts of GET /info the audit reads (every field optional: engines differ). */
export interface EngineInfo {
  ServerVersion?: string;
  SecurityOptions?: string[] | null;
  Warnings?: string[] | null;
  Plugins?: { Authorization?: string[] | null } | null;
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } | null;
  LiveRestoreEnabled?: boolean;
  LoggingDriver?: string;
  Debug?: boolean;
  ExperimentalBuild?: boolean;
  DockerRootDir?: string;
  Driver?: string;
  CgroupVersion?: string;
  RegistryConfig?: { InsecureRegistryCIDRs?: string[] | null; IndexConfigs?: Record<string, { Name?: string; Secure?: boolean }> | null } | null;
  Name?: string;
}

export interface EngineVersion {
  Version?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
}

export type ContainerInspect = Record<string, unknown> & {
  Id: string;
  Name?: string;
  State?: { Status?: string; Running?: boolean };
  HostConfig?: Record<string, unknown>;
  Mounts?: Array<Record<string, unknown>>;
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null };
  AppArmorProfile?: string;
  Config?: Record<string, unknown>;
};

/** A TCP socket dockerd really listens on, with what a probe from this host found it speaks. */
export interface ActualListener {
  socket: InetSocket;
  /** 'plaintext': answered HTTP; 'tls-no-verify': answered over TLS without a client certificate; 'tls-verify': refused without one. */
  probe: 'plaintext' | 'tls-no-verify' | 'tls-verify' | 'unknown';
  probeDetail: string;
}

export interface DeclaredHost {
  spec: HostSpec;
  /** Where it is declared: `dockerd flag`, `daemon.json`, `docker.socket ListenStream=`, `default`. */
  source: string;
}

export interface DaemonFacts {
  process: ProcessInfo;
  /** How the process was found. */
  foundBy: string;
  rootless: boolean;
  config: DaemonConfig;
  configFile: { path: string; state: 'read' | 'absent' | 'invalid' | 'unreadable'; detail?: string };
  /** Declared API hosts, from every source. */
  declared: DeclaredHost[];
  /** TCP listeners the dockerd process holds; undefined when its file descriptors could not be read. */
  tcpListeners?: ActualListener[];
  /** Unix sockets the dockerd process listens on. */
  unixListeners?: string[];
  /** systemd units, when the daemon runs as docker.service. */
  units?: { service?: LoadedUnit; socket?: LoadedUnit; managed: boolean };
}

export interface TargetOptions {
  /** Program names (or `prefix*`) allowed to run on the host outside containers, on top of the defaults. */
  allowProcesses: readonly string[];
  now: Date;
}

export interface AuditContext {
  /** The host URL as given (`unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`). */
  host: string;
  /** 'local': the engine runs on this host and its process, files and sockets are examined; 'remote': API only. */
  scope: 'local' | 'remote';
  api?: EngineApi;
  info?: EngineInfo;
  version?: EngineVersion;
  containers?: ContainerInspect[];
  /** The default bridge network's inspect document; null when the engine has none. */
  bridge?: Record<string, unknown> | null;
  /** The unix socket audited (local targets reached over a socket). */
  socketPath?: string;
  daemon?: DaemonFacts;
  accounts: () => AccountDb;
  collector: Collector;
  options: TargetOptions;
}

export function securityOptions(ctx: AuditContext): string[] {
  return ctx.info?.SecurityOptions ?? [];
}

export function engineRootless(ctx: AuditContext): boolean {
  return securityOptions(ctx).includes('name=rootless') || ctx.daemon?.rootless === true;
}

export function engineRemaps(ctx: AuditContext): boolean {
  return securityOptions(ctx).includes('name=userns');
}
