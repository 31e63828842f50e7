// The engine's answers the audit reads (GET /version, /info, /networks/bridge, the container listing, a
// container's and a volume's inspect document), each with the schema of the fields the audit relies on
// (the engine's Go types) and the typed value read-answer.ts makes of it: what was not of its type is
// left out and noted in the problems, so the types below hold whatever the engine sent.
import { arrayOf, bool, mapOf, object, str, stringList, stringMap } from '../inspect/body-schema.js';
import { hostConfigFields } from '../inspect/schemas/host-config.js';
import { portMap } from '../inspect/schemas/port.js';
import type { VolumeFacts } from '../judge/engine-lookup.js';
import type { EngineApi } from './engine-api.js';
import { AnswerProblems, readAnswer } from './read-answer.js';

/** The parts of GET /version the audit reads. */
export interface EngineVersion {
  Version?: string;
  ApiVersion?: string;
  Os?: string;
  Arch?: string;
}

const version = object({ Version: str, ApiVersion: str, Os: str, Arch: str });

/** The parts of GET /info the audit reads (every field optional: engines differ). */
export interface EngineInfo {
  ServerVersion?: string;
  SecurityOptions?: string[];
  Warnings?: string[];
  Plugins?: { Authorization?: string[] };
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
  LiveRestoreEnabled?: boolean;
  LoggingDriver?: string;
  Debug?: boolean;
  ExperimentalBuild?: boolean;
  DockerRootDir?: string;
  Driver?: string;
  CgroupVersion?: string;
  RegistryConfig?: { InsecureRegistryCIDRs?: string[]; IndexConfigs?: Record<string, { Name?: string; Secure?: boolean }> };
  Name?: string;
}

const info = object({
  ServerVersion: str,
  SecurityOptions: stringList,
  Warnings: stringList,
  Plugins: object({ Authorization: stringList }),
  Swarm: object({ LocalNodeState: str, ControlAvailable: bool }),
  LiveRestoreEnabled: bool,
  LoggingDriver: str,
  Debug: bool,
  ExperimentalBuild: bool,
  DockerRootDir: str,
  Driver: str,
  CgroupVersion: str,
  RegistryConfig: object({ InsecureRegistryCIDRs: stringList, IndexConfigs: mapOf(object({ Name: str, Secure: bool })) }),
  Name: str,
});

/** The default bridge network's inspect document, for the options the daemon gave it. */
export interface BridgeNetwork {
  Options?: Record<string, string>;
}

const bridgeNetwork = object({ Options: stringMap });

type MountPoint = { Type?: string; Name?: string; Source?: string; Destination?: string; Driver?: string; RW?: boolean; Propagation?: string };
export type PortBinding = { HostIp?: string; HostPort?: string };

/** A container's inspect document, every field the checks read in place (empty when the engine sent none). */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  State: { Status?: string; Running?: boolean };
  Config: { User?: string; Image?: string };
  /** Read by the schema of the engine's container.HostConfig (and the legacy Capabilities list). */
  HostConfig: Record<string, unknown>;
  Mounts: MountPoint[];
  NetworkSettings: { Ports?: Record<string, PortBinding[]> };
  AppArmorProfile?: string;
}

const containerInspect = object({
  Id: str,
  Name: str,
  Image: str,
  State: object({ Status: str, Running: bool }),
  Config: object({ User: str, Image: str }),
  // Engines up to 19.03 (API 1.40) still had HostConfig.Capabilities, a list replacing the default set.
  HostConfig: object({ ...hostConfigFields, Capabilities: stringList }),
  Mounts: arrayOf(object({ Type: str, Name: str, Source: str, Destination: str, Driver: str, RW: bool, Propagation: str })),
  NetworkSettings: object({ Ports: portMap }),
  AppArmorProfile: str,
});

const listingEntry = object({ Id: str });

const volume = object({ Name: str, Driver: str, Options: stringMap });

/** A document of the engine as read, and what in it was not of its type. */
export interface FetchedDocument<T> {
  value: T;
  problems: AnswerProblems;
}

/** A document of the engine, read by `read`; null when the engine has none (404). Throws when the call fails. */
export async function fetchDocument<T>(api: EngineApi, path: string, read: (json: unknown, problems: AnswerProblems) => T): Promise<FetchedDocument<T> | null> {
  const json = await api.get(path);
  if (json === undefined) return null;
  const problems = new AnswerProblems();
  return { value: read(json, problems), problems };
}

export function readVersion(json: unknown, problems: AnswerProblems): EngineVersion | undefined {
  return readAnswer(json, version, problems) as EngineVersion | undefined;
}

/** An engine has a handful of warnings, each a finding; thousands would be a flood to stop, not a list to report. */
const WARNINGS_READ = 100;

export function readInfo(json: unknown, problems: AnswerProblems): EngineInfo | undefined {
  const read = readAnswer(json, info, problems) as EngineInfo | undefined;
  const warnings = read?.Warnings;
  if (warnings !== undefined && warnings.length > WARNINGS_READ) {
    problems.add('Warnings', `${warnings.length} warnings, of which only the first ${WARNINGS_READ} were read`);
    read!.Warnings = warnings.slice(0, WARNINGS_READ);
  }
  return read;
}

export function readBridgeNetwork(json: unknown, problems: AnswerProblems): BridgeNetwork | undefined {
  return readAnswer(json, bridgeNetwork, problems) as BridgeNetwork | undefined;
}

/** The id of the entry of GET /containers/json at `path`; undefined (and a problem noted) when it has none that can be read. */
export function readListingId(json: unknown, problems: AnswerProblems, path: string): string | undefined {
  const entry = readAnswer(json, listingEntry, problems, path) as { Id?: string } | undefined;
  if (entry === undefined) return undefined; // not an object, which readAnswer named
  if (entry.Id !== undefined && entry.Id !== '') return entry.Id;
  // A wrongly typed Id was named by readAnswer; an absent or empty one is named here.
  if (((json as Record<string, unknown>)['Id'] ?? '') === '') problems.add(`${path}.Id`, 'missing or empty');
  return undefined;
}

/** A container's inspect document; `fallbackId` stands in for an id the engine did not give readably. */
export function readContainer(json: unknown, fallbackId: string, problems: AnswerProblems): ContainerInspect {
  const doc = (readAnswer(json, containerInspect, problems) ?? {}) as Partial<ContainerInspect>;
  return {
    Id: doc.Id !== undefined && doc.Id !== '' ? doc.Id : fallbackId,
    Name: doc.Name ?? '',
    Image: doc.Image ?? '',
    State: doc.State ?? {},
    Config: doc.Config ?? {},
    HostConfig: doc.HostConfig ?? {},
    Mounts: doc.Mounts ?? [],
    NetworkSettings: doc.NetworkSettings ?? {},
    ...(doc.AppArmorProfile !== undefined && { AppArmorProfile: doc.AppArmorProfile }),
  };
}

/** The name a container is shown by: its name without the leading slash, else its short id. */
export function containerName(container: ContainerInspect): string {
  return container.Name.replace(/^\//, '') || container.Id.slice(0, 12);
}

export function readVolume(json: unknown, name: string, problems: AnswerProblems): VolumeFacts {
  const doc = (readAnswer(json, volume, problems) ?? {}) as Partial<VolumeFacts>;
  return { Name: doc.Name ?? name, Driver: doc.Driver ?? '', Options: doc.Options ?? null };
}
