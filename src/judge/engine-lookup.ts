// What the judge may ask the engine while deciding: facts about existing objects that a request refers
// to (the container an exec or VolumesFrom names, a named volume's options, an image's default user).
// Answers are the engine's own inspect documents, read as plain JSON; absent when the object does not exist.

export interface ContainerFacts {
  /** Full container id. */
  Id: string;
  Name: string;
  Image: string;
  Config: { User?: string; Image?: string } & Record<string, unknown>;
  HostConfig: Record<string, unknown>;
  Mounts: ReadonlyArray<{ Type?: string; Source?: string; Destination?: string; RW?: boolean; Name?: string; Driver?: string }>;
}

export interface VolumeFacts {
  Name: string;
  Driver: string;
  Options: Readonly<Record<string, string>> | null;
  Labels?: Readonly<Record<string, string>> | null;
}

export interface ImageFacts {
  Id: string;
  Config: { User?: string } & Record<string, unknown>;
}

export interface ExecFacts {
  ID: string;
  ContainerID: string;
}

/** The swarm objects a request names by path: services, tasks, secrets and configs. */
export type SwarmKind = 'service' | 'task' | 'secret' | 'config';

/** A swarm object's inspect document, as far as owners read it: its id, its labels, and a task's service. */
export interface SwarmObjectFacts {
  ID: string;
  Spec?: { Labels?: Readonly<Record<string, string>> | null } & Record<string, unknown>;
  /** Tasks only: the service whose task it is. */
  ServiceID?: string;
}

import type { ApiVersion } from '../route/api-version.js';

export interface EngineLookup {
  /** By name, full id or unique id prefix, as the engine resolves it. */
  container(ref: string): Promise<ContainerFacts | undefined>;
  volume(name: string): Promise<VolumeFacts | undefined>;
  image(ref: string): Promise<ImageFacts | undefined>;
  exec(id: string): Promise<ExecFacts | undefined>;
  /**
   * A service, task, secret or config by full id, name or unique id prefix, as the swarm resolves it. Absent:
   * every swarm object is "not found" to the owner checks (the safe answer).
   */
  swarmObject?(kind: SwarmKind, ref: string): Promise<SwarmObjectFacts | undefined>;
  /**
   * The engine's own (newest) API version, where how a body is read depends on the engine behind the
   * gateway (root-level HostConfig fields of a container create). Absent: the newest dockgate knows.
   */
  apiVersion?(): Promise<ApiVersion>;
}
