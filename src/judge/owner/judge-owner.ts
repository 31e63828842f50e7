// The owner's part of a decision (docs/owners-design.md): a create may not set the owner label itself,
// the object a request names must be its owner's, and what a create makes is stamped with the owner.
// Sits beside the reach judge and asks the engine through the same once-each look-ups (judge/reach/engine-asked-once.ts).
import type { Operation } from '../../route/operations.js';
import type { QueryView } from '../../route/query.js';
import type { ObjectKind } from '../../route/route.js';
import type { ContainerFacts, SwarmKind } from '../engine-lookup.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import type { BodyPin } from './body-pins.js';
import { OWNED_IMAGE_OPERATIONS } from './image-ownership.js';
import { noSuchContainer, noSuchExec } from './not-found.js';
import { checkOwnedNetwork, checkOwnedVolume, ownsVolumeOrNetwork, whose, type OwnerScope } from './owned-volumes-and-networks.js';
import { OWNER_LABEL, ownerIn, setsOwnerLabel, withOwnerLabel } from './owner-label.js';
import { checkOwnedSwarmObject, isSwarmKind, setsSwarmOwner, stampSwarmOwner } from './swarm-objects.js';

/** Creates whose body carries the made object's labels (`Labels`; a commit's body is the image's configuration), stamped with the owner. */
const LABELLED_CREATES: ReadonlySet<Operation> = new Set<Operation>(['container.create', 'volume.create', 'network.create', 'container.commit']);

/** The field a client may not set, as a refusal names it. */
export const OWNER_LABEL_FIELD = `Labels.${OWNER_LABEL}`;

/** Whether the body of this request sets the owner label, which only dockgate writes where a policy uses owners; `owner`: the client's, if any. */
export function setsOwner(operation: Operation, body: unknown, owner: string | undefined): boolean {
  return (LABELLED_CREATES.has(operation) && isRecord(body) && setsOwnerLabel(body.Labels)) || setsSwarmOwner(operation, body, owner);
}

/**
 * The body to forward with the owner stamped, or undefined when the operation creates nothing labelled (the
 * body reader has refused a create whose body is not an object).
 */
export function stampOwner(operation: Operation, body: unknown, owner: string): Record<string, unknown> | undefined {
  return LABELLED_CREATES.has(operation) && isRecord(body) ? withOwnerLabel(body, owner) : stampSwarmOwner(operation, body, owner);
}

/**
 * Operations a client with an owner may make while owners cover only part of the API (docs/owners-design.md,
 * "What is built"): the creates that are stamped, the operations whose path names a container, exec
 * instance, volume or network (checked by namesOwnedObject), those that name no engine object, and the image
 * operations kept to the owner's images (image-ownership.ts); with the lists and prunes of FILTERED_BY_OWNER,
 * commits, services, tasks, secrets and configs by name (swarm-objects.ts), and the answers dockgate keeps
 * to the owner (events, df). Every other one (image prune, image load, info, plugins...) would reach other
 * owners' objects, so it is refused until it is built.
 */
const NO_OWNED_OBJECT: ReadonlySet<Operation> = new Set<Operation>([
  'container.create',
  'volume.create',
  'network.create',
  'service.create',
  'secret.create',
  'config.create',
  'system.ping',
  'system.version',
  ...OWNED_IMAGE_OPERATIONS,
  // Nodes are nobody's: the swarm's machines, read by `docker service ls` to count replicas; changing them is refused.
  'node.list',
  'node.inspect',
  // Kept to the owner's objects in the answer, as it streams (src/forward/owner-answer-filter.ts).
  'system.events',
  'system.df',
]);

/**
 * Lists and prunes the engine filters by label: forwarded with the owner's label merged into their `filters`
 * (list-filters.ts), so they show and remove only the owner's objects.
 */
export const FILTERED_BY_OWNER: ReadonlySet<Operation> = new Set<Operation>([
  'container.list',
  'volume.list',
  'network.list',
  'container.prune',
  'volume.prune',
  'network.prune',
  'service.list',
  'secret.list',
  'config.list',
  // The swarm matches a task list's `label` filter against its service's labels (swarmkit's ListTasks reads
  // ServiceAnnotations), which dockgate stamps: the owner's services' tasks.
  'task.list',
]);

/** The query parameter of a commit that names the container committed, checked like a container in the path. */
const COMMITTED_CONTAINER = 'container';

/**
 * Whether owners cover this operation yet (see NO_OWNED_OBJECT). A commit is covered: its container is
 * checked (ownedReference), the references it moves (`repo`) are checked and its image stamped through its
 * body and `changes` (image-ownership.ts, query-label-stamps.ts). The image list is not filtered by owner
 * yet: it is covered only where the owner's rule shares images (`scope`).
 */
export function ownersCover(operation: Operation, target: { kind: ObjectKind; ref: string; segments?: readonly [number, number] } | undefined, scope?: Pick<OwnerScope, 'shared'>): boolean {
  if (operation === 'image.list') return scope?.shared.includes('images') ?? false;
  return operation === 'container.commit' || NO_OWNED_OBJECT.has(operation) || FILTERED_BY_OWNER.has(operation) || namesOwnedObject(operation, target);
}

/**
 * The object a request names whose owner is checked: the one its path names (forwarded with the full id in
 * the path), or the container a commit names in its query (forwarded with the full id in the query). None for
 * a commit that names no container: the engine refuses it without resolving anything.
 */
export function ownedReference(
  operation: Operation,
  target: { kind: ObjectKind; ref: string; segments?: readonly [number, number] } | undefined,
  query: QueryView,
): { kind: 'container' | 'exec' | 'volume' | 'network' | SwarmKind; ref: string; inQuery?: string } | undefined {
  if (namesOwnedObject(operation, target)) return target;
  const committed = operation === 'container.commit' ? query.get(COMMITTED_CONTAINER) : undefined;
  return committed === undefined || committed === '' ? undefined : { kind: 'container', ref: committed, inQuery: COMMITTED_CONTAINER };
}

/**
 * Whether the owner check asks the engine for this request: its path names an object owners apply to. A
 * create's target is the name its query gives the new object (no place in the path): nothing to check.
 */
export function namesOwnedObject<T extends { kind: ObjectKind; ref: string; segments?: readonly [number, number] }>(
  operation: Operation,
  target: T | undefined,
): target is T & { kind: 'container' | 'exec' | 'volume' | 'network' | SwarmKind; segments: readonly [number, number] } {
  if (target?.segments === undefined) return false;
  if (target.kind === 'container' || target.kind === 'exec' || isSwarmKind(target.kind)) return true;
  return (target.kind === 'volume' || target.kind === 'network') && ownsVolumeOrNetwork(operation);
}

export type OwnedTarget =
  /** Its owner's (or of a kind shared for this use): forwarded as `id`, the full id the check looked at, with the body's references pinned too. */
  | { readonly own: true; readonly id?: string; readonly pins?: readonly BodyPin[]; readonly detail: string }
  /** Missing, unowned or another owner's: answered with the engine's `message`, the same for all three; `why` is for the record. */
  | { readonly own: false; readonly message: string; readonly why: string }
  /** Of a kind the rule shares, so visible anyway, but the operation changes it: refused naming the rule. */
  | { readonly own: false; readonly visible: true; readonly why: string };

function ownerOfContainer(container: ContainerFacts): string | undefined {
  return isRecord(container.Config) ? ownerIn(container.Config.Labels) : undefined;
}

/**
 * The object the path names, checked to be the owner's: a container by its labels, an exec instance by its
 * container's, a volume or network by its own (owned-volumes-and-networks.ts), a service, task, secret or
 * config as swarm-objects.ts reads it. A missing object is answered
 * here too, as the engine would: forwarding a reference that did not resolve would let the engine resolve
 * it again, to whatever holds the name by then.
 */
export async function checkOwnedTarget(
  operation: Operation,
  target: { kind: 'container' | 'exec' | 'volume' | 'network' | SwarmKind; ref: string },
  scope: OwnerScope,
  engine: ReachEngine,
  body: unknown,
): Promise<OwnedTarget> {
  const { owner } = scope;
  if (isSwarmKind(target.kind)) return checkOwnedSwarmObject({ kind: target.kind, ref: target.ref }, owner, engine);
  if (target.kind === 'volume') return checkOwnedVolume(operation, target.ref, scope, engine);
  if (target.kind === 'network') return checkOwnedNetwork(operation, target.ref, body, scope, engine);
  if (target.kind === 'exec') {
    const exec = await engine.exec(target.ref);
    const container = exec === undefined ? undefined : await engine.container(exec.ContainerID);
    const found = container === undefined ? undefined : ownerOfContainer(container);
    if (exec === undefined || container === undefined)
      return { own: false, message: noSuchExec(target.ref), why: `no exec instance ${JSON.stringify(target.ref)} (or its container) exists` };
    if (found !== owner) return { own: false, message: noSuchExec(target.ref), why: `the container of exec instance ${JSON.stringify(target.ref)} ${whose(found)}` };
    return { own: true, id: exec.ID, detail: `exec instance ${target.ref} runs in container ${container.Id}, owned by ${JSON.stringify(owner)}` };
  }
  const container = await engine.container(target.ref);
  if (container === undefined) return { own: false, message: noSuchContainer(operation, target.ref), why: `no container ${JSON.stringify(target.ref)} exists` };
  const found = ownerOfContainer(container);
  if (found !== owner) return { own: false, message: noSuchContainer(operation, target.ref), why: `container ${JSON.stringify(target.ref)} ${whose(found)}` };
  return { own: true, id: container.Id, detail: `container ${target.ref} (${container.Id}) is owned by ${JSON.stringify(owner)}` };
}
