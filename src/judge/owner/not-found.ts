// The engine's own answer for an object that does not exist, which is what a client hears about an object
// of another owner: any other answer would tell that it exists. moby words it as objNotFoundError
// (`No such %s: %s`, daemon/errors.go) with the reference exactly as the client gave it; the e2e test
// compares these texts with the engine's answer for a name that is really missing.
import type { Operation } from '../../route/operations.js';
import { normaliseImageReference } from '../reach/image-refs.js';
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

/**
 * The reference as moby's ErrImageDoesNotExist prints it: a 64-hex id as `sha256:ID`, a digest as it is, a
 * name normalised (`docker.io/library/` dropped, `:latest` added when it has neither tag nor digest).
 */
function familiarImage(ref: string): string {
  if (/^[a-f0-9]{64}$/.test(ref)) return `sha256:${ref}`;
  if (/^sha(256|384|512):[a-f0-9]+$/.test(ref)) return ref;
  const full = normaliseImageReference(ref).full;
  const path = full.startsWith('docker.io/') ? full.slice('docker.io/'.length) : full;
  const library = path.startsWith('library/') ? path.slice('library/'.length) : path;
  return library.includes('/') ? path : library;
}

/**
 * The engine's answer when the image `ref` names does not exist: inspect wraps it with the reference as
 * given, save names the reference as given (or, for a tag or digest, says the reference store's words),
 * push streams its own words; the others print it normalised.
 */
export function noSuchImage(operation: Operation, ref: string): string {
  switch (operation) {
    case 'image.inspect':
      return `no such image: ${ref}: No such image: ${familiarImage(ref)}`;
    case 'image.get':
      // The exporter looks a tagged or digested name up in the reference store, whose error is its own.
      return /^[^@]*:[^/]*$|^[^@]+@/.test(ref) && !/^sha(256|384|512):/.test(ref) ? 'reference does not exist' : `No such image: ${ref}`;
    case 'image.push':
      return `An image does not exist locally with the tag: ${ref}`;
    default:
      return `No such image: ${familiarImage(ref)}`;
  }
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
