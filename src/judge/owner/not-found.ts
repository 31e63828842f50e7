// The engine's own answer for an object that does not exist, which is what a client hears about an object
// of another owner: any other answer would tell that it exists. moby words it as objNotFoundError
// (`No such %s: %s`, daemon/errors.go) with the reference exactly as the client gave it; the e2e test
// compares these texts with the engine's answer for a name that is really missing.
import type { Operation } from '../../route/operations.js';
import type { SwarmKind } from '../engine-lookup.js';

/**
 * The engine's answer when the container `ref` names does not exist. Its router passes the daemon's error
 * through, except kill, which wraps it (`Cannot kill container: %s`; moby master lowercases the wrapper,
 * which this does not follow yet: docs/owners-design.md).
 */
export function noSuchContainer(operation: Operation, ref: string): string {
  const missing = `No such container: ${ref}`;
  return operation === 'container.kill' ? `Cannot kill container: ${ref}: ${missing}` : missing;
}

export function noSuchExec(id: string): string {
  return `No such exec instance: ${id}`;
}

/** The volume store's not-found, wrapped in the operation it failed (`get`) for inspect and delete alike (volume/service/errors.go). */
export function noSuchVolume(name: string): string {
  return `get ${name}: no such volume`;
}

/** libnetwork's ErrNoSuchNetwork, for inspect, delete and a running container's connect alike. */
export function noSuchNetwork(ref: string): string {
  return `network ${ref} not found`;
}

/** The swarm's answer for a service, task, secret or config that does not exist (`service web not found`), for every operation on it. */
export function swarmObjectNotFound(kind: SwarmKind, ref: string): string {
  return `${kind} ${ref} not found`;
}
