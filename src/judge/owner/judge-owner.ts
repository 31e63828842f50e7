// The owner's part of a decision (docs/owners-design.md): a create may not set the owner label itself,
// the object a request names must be its owner's, and what a create makes is stamped with the owner.
// Sits beside the reach judge and asks the engine through the same once-each look-ups (owned-lookups.ts).
import type { Operation } from '../../route/operations.js';
import type { ObjectKind } from '../../route/route.js';
import type { ContainerFacts } from '../engine-lookup.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import { OWNED_IMAGE_OPERATIONS } from './image-ownership.js';
import { noSuchContainer, noSuchExec } from './not-found.js';
import { OWNER_LABEL, ownerIn, setsOwnerLabel, withOwnerLabel } from './owner-label.js';

/** Creates whose body carries the made object's labels (`Labels`; a commit's body is the image's configuration), stamped with the owner. */
const LABELLED_CREATES: ReadonlySet<Operation> = new Set<Operation>(['container.create', 'volume.create', 'network.create', 'container.commit']);

/** The field a client may not set, as a refusal names it. */
export const OWNER_LABEL_FIELD = `Labels.${OWNER_LABEL}`;

/** Whether the body of this request sets the owner label, which only dockgate writes where a policy uses owners. */
export function setsOwner(operation: Operation, body: unknown): boolean {
  return LABELLED_CREATES.has(operation) && isRecord(body) && setsOwnerLabel(body.Labels);
}

/**
 * The body to forward with the owner stamped, or undefined when the operation creates nothing labelled (the
 * body reader has refused a create whose body is not an object).
 */
export function stampOwner(operation: Operation, body: unknown, owner: string): Record<string, unknown> | undefined {
  return LABELLED_CREATES.has(operation) && isRecord(body) ? withOwnerLabel(body, owner) : undefined;
}

/**
 * Operations a client with an owner may make while owners cover only part of the API (docs/owners-design.md,
 * "What is built"): the creates that are stamped, the operations whose path names a container or exec
 * instance (checked by namesOwnedObject), those that name no engine object, and the image operations kept
 * to the owner's images (image-ownership.ts). Every other one (lists, events, df, prunes, volumes and
 * networks by name, commit, load, services, secrets, configs...) would reach other owners' objects, so it
 * is refused until it is built.
 */
const NO_OWNED_OBJECT: ReadonlySet<Operation> = new Set<Operation>(['container.create', 'volume.create', 'network.create', 'system.ping', 'system.version', ...OWNED_IMAGE_OPERATIONS]);

/**
 * Whether owners cover this operation yet (see NO_OWNED_OBJECT). The image list is not filtered by owner
 * yet: it is open only to clients whose rule shares images.
 */
export function ownersCover(operation: Operation, target: { kind: ObjectKind; ref: string; segments?: readonly [number, number] } | undefined, sharesImages: boolean): boolean {
  return NO_OWNED_OBJECT.has(operation) || namesOwnedObject(target) || (operation === 'image.list' && sharesImages);
}

/**
 * Whether the owner check asks the engine for this request: its path names an object owners apply to. A
 * create's target is the name its query gives the new object (no place in the path): nothing to check.
 */
export function namesOwnedObject<T extends { kind: ObjectKind; ref: string; segments?: readonly [number, number] }>(
  target: T | undefined,
): target is T & { kind: 'container' | 'exec'; segments: readonly [number, number] } {
  return target?.segments !== undefined && (target.kind === 'container' || target.kind === 'exec');
}

export type OwnedTarget =
  /** Its owner's: forwarded as `id`, the full id the check looked at. */
  | { readonly own: true; readonly id: string; readonly detail: string }
  /** Missing, unowned or another owner's: answered with the engine's `message`, the same for all three; `why` is for the record. */
  | { readonly own: false; readonly message: string; readonly why: string };

function ownerOfContainer(container: ContainerFacts): string | undefined {
  return isRecord(container.Config) ? ownerIn(container.Config.Labels) : undefined;
}

function whose(found: string | undefined): string {
  return found === undefined ? 'has no owner' : `belongs to another owner`;
}

/**
 * The object the path names, checked to be `owner`'s: a container by its labels, an exec instance by its
 * container's. A missing object is answered here too, as the engine would: forwarding a reference that did
 * not resolve would let the engine resolve it again, to whatever holds the name by then.
 */
export async function checkOwnedTarget(operation: Operation, target: { kind: 'container' | 'exec'; ref: string }, owner: string, engine: ReachEngine): Promise<OwnedTarget> {
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
