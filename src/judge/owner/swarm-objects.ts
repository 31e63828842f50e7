// Services, tasks, secrets and configs for owners (docs/owners-design.md, sections 3 and 4). A swarm spec
// carries its object's labels in `Labels` and a service's task containers' in
// `TaskTemplate.ContainerSpec.Labels`; an update sends the whole spec again, so every write is stamped
// anew and may never set the label itself. A named object belongs to the owner its `Spec.Labels` names, a
// task to its service's owner; anything else is answered with the swarm's own "not found".
import type { Operation } from '../../route/operations.js';
import type { ObjectKind } from '../../route/route.js';
import type { SwarmKind, SwarmObjectFacts } from '../engine-lookup.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import { swarmObjectNotFound } from './not-found.js';
import { ownerIn, setsOwnerLabel, withOwnerLabel } from './owner-label.js';

const SWARM_KINDS: ReadonlySet<ObjectKind> = new Set<ObjectKind>(['service', 'task', 'secret', 'config']);

export function isSwarmKind(kind: ObjectKind): kind is SwarmKind {
  return SWARM_KINDS.has(kind);
}

/** Writes whose body is a whole spec of the object (create, and update, which replaces it). */
const SPEC_WRITES: ReadonlySet<Operation> = new Set<Operation>(['service.create', 'service.update', 'secret.create', 'secret.update', 'config.create', 'config.update']);
/** Of those, the updates: their body is the object's spec as inspected, sent back whole (what `docker service update` does). */
const SPEC_UPDATES: ReadonlySet<Operation> = new Set<Operation>(['service.update', 'secret.update', 'config.update']);
/** Of those, the ones whose spec also labels containers: a service's tasks. */
export const SERVICE_WRITES: ReadonlySet<Operation> = new Set<Operation>(['service.create', 'service.update']);

/** The task containers' spec of a service body, when it has one (a plugin service has none: nothing is made up). */
function containerSpecOf(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const template = body.TaskTemplate;
  return isRecord(template) && isRecord(template.ContainerSpec) ? template.ContainerSpec : undefined;
}

/** Whether a swarm spec body carries an owner label other than `keeps` (undefined: any), on the object or (services) its task containers. */
function carriesOwnerBut(operation: Operation, body: Record<string, unknown>, keeps: string | undefined): boolean {
  const sets = (labels: unknown): boolean => setsOwnerLabel(labels) && !(keeps !== undefined && ownerIn(labels) === keeps);
  return sets(body.Labels) || (SERVICE_WRITES.has(operation) && sets(containerSpecOf(body)?.Labels));
}

/**
 * Whether a swarm spec body sets the owner label. An update carries the spec it read back, label included:
 * the client's own owner there is no forgery (the path's object was checked to be its owner's, and the
 * stamp writes the same value). A client without an owner may carry back the object's current owner, which
 * only a look-up tells (keepsSwarmOwner): not judged here.
 */
export function setsSwarmOwner(operation: Operation, body: unknown, owner: string | undefined): boolean {
  if (!SPEC_WRITES.has(operation) || !isRecord(body)) return false;
  if (!SPEC_UPDATES.has(operation)) return carriesOwnerBut(operation, body, undefined);
  return owner !== undefined && carriesOwnerBut(operation, body, owner);
}

/**
 * For an update by a client without an owner (an operator's `docker service update` of a tenant's
 * service): whether the spec it sends carries back no owner label but the one the object has now. Undefined
 * when there is nothing to ask (not a swarm update, or no label carried).
 */
export function keepsSwarmOwner(operation: Operation, body: unknown, target: { kind: ObjectKind; ref: string } | undefined, engine: ReachEngine): Promise<boolean> | undefined {
  if (!SPEC_UPDATES.has(operation) || !isRecord(body) || target === undefined || !isSwarmKind(target.kind) || !carriesOwnerBut(operation, body, undefined)) return undefined;
  const kind = target.kind;
  return (async () => {
    const found = await engine.swarmObject?.(kind, target.ref);
    const current = found === undefined ? undefined : ownerOfSwarmObject(found);
    return current !== undefined && !carriesOwnerBut(operation, body, current);
  })();
}

/** The swarm spec to forward with the owner stamped on the object and its task containers; undefined when the operation writes no spec. */
export function stampSwarmOwner(operation: Operation, body: unknown, owner: string): Record<string, unknown> | undefined {
  if (!SPEC_WRITES.has(operation) || !isRecord(body)) return undefined;
  const stamped = withOwnerLabel(body, owner);
  const containerSpec = SERVICE_WRITES.has(operation) ? containerSpecOf(body) : undefined;
  if (containerSpec === undefined) return stamped;
  return { ...stamped, TaskTemplate: { ...(body.TaskTemplate as Record<string, unknown>), ContainerSpec: withOwnerLabel(containerSpec, owner) } };
}

/** The owner a service, secret or config names in its spec's labels. */
export function ownerOfSwarmObject(facts: SwarmObjectFacts): string | undefined {
  return isRecord(facts.Spec) ? ownerIn(facts.Spec.Labels) : undefined;
}

function ownedBy(found: string | undefined): string {
  return found === undefined ? 'is labelled with no owner' : 'is labelled with another owner';
}

export type OwnedSwarmObject = { readonly own: true; readonly id: string; readonly detail: string } | { readonly own: false; readonly message: string; readonly why: string };

/**
 * The service, task, secret or config the path names, checked to be `owner`'s (a task through its
 * service); its full id is what is forwarded. An engine without swarm look-ups knows of none.
 */
export async function checkOwnedSwarmObject(target: { kind: SwarmKind; ref: string }, owner: string, engine: ReachEngine): Promise<OwnedSwarmObject> {
  const { kind, ref } = target;
  const message = swarmObjectNotFound(kind, ref);
  const named = JSON.stringify(ref);
  const found = await engine.swarmObject?.(kind, ref);
  if (found === undefined) return { own: false, message, why: `no ${kind} ${named} exists` };
  if (kind !== 'task') {
    const whose = ownerOfSwarmObject(found);
    if (whose !== owner) return { own: false, message, why: `${kind} ${named} ${ownedBy(whose)}` };
    return { own: true, id: found.ID, detail: `${kind} ${ref} (${found.ID}) is owned by ${JSON.stringify(owner)}` };
  }
  const serviceId = typeof found.ServiceID === 'string' && found.ServiceID !== '' ? found.ServiceID : undefined;
  const service = serviceId === undefined ? undefined : await engine.swarmObject?.('service', serviceId);
  if (service === undefined) return { own: false, message, why: `the service of task ${named} no longer exists` };
  const whose = ownerOfSwarmObject(service);
  if (whose !== owner) return { own: false, message, why: `the service of task ${named} ${ownedBy(whose)}` };
  return { own: true, id: found.ID, detail: `task ${ref} (${found.ID}) is a task of service ${service.ID}, owned by ${JSON.stringify(owner)}` };
}
