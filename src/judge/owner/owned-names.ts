// Names another owner holds (docs/owners-design.md, section 7). Container, volume and network names are
// one namespace in the engine, so that a name is taken cannot be hidden; what the engine says beyond that
// can. Its container-name conflict names the holder's full id, so for an owned client dockgate answers the
// conflict itself, in the engine's words without the id. A volume create with a taken name would answer 201
// with the existing volume (the owner would believe it its own): answered 409 unless it is the owner's. A
// network create with a taken name makes an older engine (CheckDuplicate unset) create a second network of
// that name and warn with the first one's id, after which the name resolves to neither: answered 409 with
// the engine's own duplicate refusal, whoever holds the name, as engines since API 1.44 always answer.
import type { Operation } from '../../route/operations.js';
import type { QueryView } from '../../route/query.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import { whose } from './owned-volumes-and-networks.js';
import { ownerIn } from './owner-label.js';

/** A name the request would give that is taken: the engine-shaped answer (409), and why, for the record. */
export interface TakenName {
  readonly message: string;
  readonly why: string;
}

/** The names the engine gives its own networks; creating one is refused by the engine itself (403), left to it. */
const PREDEFINED_NETWORKS: ReadonlySet<string> = new Set(['bridge', 'host', 'none', 'default']);

async function takenContainerName(operation: Operation, name: string | undefined, owner: string, engine: ReachEngine): Promise<TakenName | undefined> {
  if (name === undefined || name === '') return undefined;
  const stored = `/${name.replace(/^\//, '')}`;
  // The engine resolves a full id, then a name, then an id prefix; only a holder of this very name conflicts.
  const holder = await engine.container(stored.slice(1));
  if (holder === undefined || holder.Name !== stored) return undefined;
  const found = isRecord(holder.Config) ? ownerIn(holder.Config.Labels) : undefined;
  if (found === owner) return undefined;
  const conflict = `Conflict. The container name ${JSON.stringify(stored)} is already in use by another container. You have to choose another name.`;
  return {
    message: operation === 'container.rename' ? `Error when allocating new name: ${conflict}` : conflict,
    why: `the name ${JSON.stringify(stored)} is held by container ${holder.Id}, which ${whose(found)}`,
  };
}

async function takenVolumeName(body: unknown, owner: string, engine: ReachEngine): Promise<TakenName | undefined> {
  const name = isRecord(body) && typeof body.Name === 'string' ? body.Name : '';
  if (name === '') return undefined;
  const volume = await engine.volume(name);
  if (volume === undefined) return undefined;
  const found = ownerIn(volume.Labels);
  if (found === owner) return undefined;
  return { message: `create ${name}: volume name must be unique`, why: `the volume ${JSON.stringify(name)} exists and ${whose(found)}` };
}

async function takenNetworkName(body: unknown, engine: ReachEngine): Promise<TakenName | undefined> {
  const name = isRecord(body) && typeof body.Name === 'string' ? body.Name : '';
  if (name === '' || PREDEFINED_NETWORKS.has(name)) return undefined;
  // Without a network look-up (a library engine that has none) no name can be told free.
  const network = engine.network === undefined ? { Name: name, Id: '' } : await engine.network(name);
  if (network === undefined || network.Name !== name) return undefined;
  return { message: `network with name ${name} already exists`, why: `a network named ${JSON.stringify(name)} exists` };
}

/** The name a create or rename would give that another owner (or nobody, or for networks anybody) holds. */
export function takenName(operation: Operation, query: QueryView, body: unknown, owner: string, engine: ReachEngine): Promise<TakenName | undefined> {
  switch (operation) {
    case 'container.create':
    case 'container.rename':
      return takenContainerName(operation, query.get('name'), owner, engine);
    case 'volume.create':
      return takenVolumeName(body, owner, engine);
    case 'network.create':
      return takenNetworkName(body, engine);
    default:
      return Promise.resolve(undefined);
  }
}
