// Volumes and networks named in the path (docs/owners-design.md, section 3): inspect and delete of a
// volume; inspect, delete, connect and disconnect of a network, whose body's `Container` must be the owner's
// container too. A missing, unowned or another owner's object is answered with the engine's own 404 text
// for its kind; a network goes out by the full id whose owner was checked (a volume's name is exact). The
// engine's built-in networks (bridge, host, none) are nobody's: a create may still use them as network
// modes (create-references.ts), but an owned client does not inspect, connect to or delete them.
// A kind the rule shares (`shared: [volumes]`, `[networks]`) is read and used across owners, never deleted.
import type { Operation } from '../../route/operations.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import type { BodyPin } from './body-pins.js';
import type { OwnedTarget } from './judge-owner.js';
import { noSuchContainer, noSuchNetwork, noSuchVolume } from './not-found.js';
import { ownerIn } from './owner-label.js';
import type { SharedKind } from './owner-source.js';

/** The owner a request acts for, and the kinds its rule shares across owners. */
export interface OwnerScope {
  readonly owner: string;
  readonly shared: readonly SharedKind[];
}

/**
 * Operations whose path names a volume or network, kept to the owner's. volume.update is not among them:
 * it updates swarm cluster volumes only, and what the engine answers for a missing one differs by version
 * (a plain 404 `page not found` before API 1.42), so it stays refused to owned clients.
 */
const BY_NAME: ReadonlySet<Operation> = new Set<Operation>(['volume.inspect', 'volume.delete', 'network.inspect', 'network.delete', 'network.connect', 'network.disconnect']);

/** Whether owners keep this operation on a volume or network to the owner's objects. */
export function ownsVolumeOrNetwork(operation: Operation): boolean {
  return BY_NAME.has(operation);
}

/** What removes the object rather than reads or uses it: own-only, even for a shared kind. */
const REMOVES: ReadonlySet<Operation> = new Set<Operation>(['volume.delete', 'network.delete']);

/** How a found object's owner relates to the client's, in the record's words. */
export function whose(found: string | undefined): string {
  return found === undefined ? 'has no owner' : 'belongs to another owner';
}

/** An object of the kind `kind` that exists, judged for the operation: own, shared for use, or not the owner's. */
function judgeFound(
  operation: Operation,
  what: string,
  labels: unknown,
  scope: OwnerScope,
  kind: SharedKind,
  missing: string,
  pinned: { id?: string; pins?: readonly BodyPin[] },
): OwnedTarget {
  const found = ownerIn(labels);
  if (found === scope.owner) return { own: true, ...pinned, detail: `${what} is owned by ${JSON.stringify(scope.owner)}` };
  if (!scope.shared.includes(kind)) return { own: false, message: missing, why: `${what} ${whose(found)}` };
  if (REMOVES.has(operation)) return { own: false, visible: true, why: `${what} ${whose(found)}, and ${kind} are shared to read and use, not to remove` };
  return { own: true, ...pinned, detail: `${what} ${whose(found)}, and the rule shares ${kind}` };
}

export async function checkOwnedVolume(operation: Operation, name: string, scope: OwnerScope, engine: ReachEngine): Promise<OwnedTarget> {
  const volume = await engine.volume(name);
  if (volume === undefined) return { own: false, message: noSuchVolume(name), why: `no volume ${JSON.stringify(name)} exists` };
  return judgeFound(operation, `volume ${JSON.stringify(name)}`, volume.Labels, scope, 'volumes', noSuchVolume(name), {});
}

/**
 * The container a connect or disconnect body names, which must be the owner's whatever the network (the
 * engine looks the container up first, so it is checked first): pinned to its full id.
 */
async function checkBodyContainer(operation: Operation, body: unknown, owner: string, engine: ReachEngine): Promise<{ pins: BodyPin[] } | OwnedTarget> {
  // No container named: the engine refuses it itself, and nothing is reached.
  if (!isRecord(body) || typeof body.Container !== 'string' || body.Container === '') return { pins: [] };
  const ref = body.Container;
  const container = await engine.container(ref);
  if (container === undefined) return { own: false, message: noSuchContainer(operation, ref), why: `Container: no container ${JSON.stringify(ref)} exists` };
  const found = isRecord(container.Config) ? ownerIn(container.Config.Labels) : undefined;
  if (found !== owner) return { own: false, message: noSuchContainer(operation, ref), why: `Container: container ${JSON.stringify(ref)} ${whose(found)}` };
  return { pins: container.Id === ref ? [] : [{ path: ['Container'], value: container.Id }] };
}

export async function checkOwnedNetwork(operation: Operation, ref: string, body: unknown, scope: OwnerScope, engine: ReachEngine): Promise<OwnedTarget> {
  const attached = operation === 'network.connect' || operation === 'network.disconnect' ? await checkBodyContainer(operation, body, scope.owner, engine) : { pins: [] };
  if ('own' in attached) return attached;
  const network = engine.network === undefined ? undefined : await engine.network(ref);
  if (network === undefined) return { own: false, message: noSuchNetwork(ref), why: `no network ${JSON.stringify(ref)} exists` };
  return judgeFound(operation, `network ${JSON.stringify(ref)}`, network.Labels, scope, 'networks', noSuchNetwork(ref), { id: network.Id, pins: attached.pins });
}
