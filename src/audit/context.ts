// What the checks of one target work with: the engine's own answers (/info, /version, the default bridge),
// the daemon process and its configuration when the engine is on this host, and the collector of
// findings. Gathered once by run-audit.ts; the checks only read it. Containers are not held here: there
// can be hundreds of thousands, so the container checks stream them from the engine (container-sweep.ts).
import type { AccountDb } from './host/accounts.js';
import type { DaemonConfig, HostSpec } from './host/daemon-config.js';
import type { InetSocket, ProcessInfo } from './host/proc.js';
import type { LoadedUnit } from './host/systemd-units.js';
import type { EngineApi } from './engine-api.js';
import type { BridgeNetwork, EngineInfo, EngineVersion } from './engine-documents.js';
import type { Collector } from './finding.js';

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
  /** Containers inspected at most (the most recently created); the rest are counted as not checked. */
  maxContainers: number;
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
  /** The default bridge network's inspect document; null when the engine has none. */
  bridge?: BridgeNetwork | null;
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
