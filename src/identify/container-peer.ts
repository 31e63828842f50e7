// A unix peer's container: its cgroup read safely (peer-process.ts), then the engine's inspect of the id it
// names. The inspect comes from the caller (the listener, wired to the gateway's one engine client), since
// this layer comes before the engine side. Never a refusal: a peer whose container cannot be told (a host
// process, a pid reused, an id the engine does not know, an engine that does not answer) stays an ordinary
// unix peer, with `noContainer` saying why when something other than "not in a container" stopped it.
import type { ContainerIdentity, UnixPeer } from './identity.js';
import { hostProc, peerCgroup, type PeerPidfd, type ProcFiles } from './peer-process.js';

/** The fields of the engine's container inspect document this reads. */
export interface ContainerDocument {
  Id?: unknown;
  Name?: unknown;
  Config?: { Image?: unknown; Labels?: unknown } | null;
}

/** The engine's inspect of a container by full id; undefined when the engine does not know it. */
export type InspectContainer = (id: string) => Promise<ContainerDocument | undefined>;

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';

/** The identity of a container from its inspect document; undefined when the document is not the container's. */
export function containerIdentity(id: string, doc: ContainerDocument): ContainerIdentity | undefined {
  if (doc.Id !== id) return undefined;
  const labels: Record<string, string> = {};
  const given = doc.Config?.Labels;
  if (typeof given === 'object' && given !== null) {
    for (const [key, value] of Object.entries(given)) if (typeof value === 'string') labels[key] = value;
  }
  const name = typeof doc.Name === 'string' ? doc.Name.replace(/^\//, '') : '';
  const image = typeof doc.Config?.Image === 'string' ? doc.Config.Image : '';
  return {
    id,
    name,
    image,
    labels,
    ...(labels[COMPOSE_PROJECT] !== undefined && { composeProject: labels[COMPOSE_PROJECT] }),
    ...(labels[COMPOSE_SERVICE] !== undefined && { composeService: labels[COMPOSE_SERVICE] }),
  };
}

/**
 * The peer with its container, when its cgroup names one the engine knows. `acceptedAt` is the connection's
 * accept (peer-process.ts ticksSinceBoot). Only peers in a container's cgroup cost an engine look-up.
 */
export async function withContainer(peer: UnixPeer, acceptedAt: bigint, inspect: InspectContainer, proc: ProcFiles = hostProc, pidfd?: PeerPidfd | 'gone'): Promise<UnixPeer> {
  const cgroup = peerCgroup(peer.pid, acceptedAt, proc, pidfd);
  switch (cgroup.kind) {
    case 'none':
      return peer;
    case 'race':
      return { ...peer, noContainer: cgroup.why };
    case 'ambiguous':
      return { ...peer, noContainer: `the peer's cgroups name several containers (${cgroup.ids.map((id) => id.slice(0, 12)).join(', ')})` };
    case 'container':
      break;
  }
  let doc: ContainerDocument | undefined;
  try {
    doc = await inspect(cgroup.id);
  } catch (err) {
    return { ...peer, noContainer: `the engine could not be asked about container ${cgroup.id.slice(0, 12)} (${(err as Error).message})` };
  }
  const container = doc === undefined ? undefined : containerIdentity(cgroup.id, doc);
  if (container === undefined) return { ...peer, noContainer: `the engine knows no container ${cgroup.id.slice(0, 12)}, which the peer's cgroup names` };
  return { ...peer, container };
}
