// Images of clients with an owner (docs/owners-design.md, sections 3 and 4, "Owning a tag"). An image
// belongs to the owner its `dockgate.owner` label names. Without `shared: [images]` a client reads and
// changes only its own images, and any other is answered as the engine answers for a missing one; with it,
// it reads every image but still pushes, tags and removes only its own. A reference (`repo:tag`) belongs to
// the owner of the image it points at: a client creates or moves one (tag, build -t, commit, import, pull)
// only where it is free or already its own, else bob could re-point `busybox:latest` at his image under
// every other owner's next `docker run`. For the same reason a create never names by name an image of
// another owner, shared or not (by id or digest, which no one can move, it may where images are shared).
import type { Operation } from '../../route/operations.js';
import type { QueryView } from '../../route/query.js';
import type { ObjectKind } from '../../route/route.js';
import type { ImageFacts } from '../engine-lookup.js';
import { normaliseImageReference } from '../reach/image-refs.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import { noSuchImage } from './not-found.js';
import { whose } from './owned-volumes-and-networks.js';
import { ownerIn } from './owner-label.js';
import { isImageImport } from './query-label-stamps.js';

/** Image operations whose path (or, for save, `?names`) names images to read. */
const READS: ReadonlySet<Operation> = new Set<Operation>(['image.inspect', 'image.history', 'image.get']);
/** Image operations that change the image the path names: own images only, shared or not. */
const CHANGES: ReadonlySet<Operation> = new Set<Operation>(['image.push', 'image.tag', 'image.delete']);
/**
 * Those forwarded with the full id the check looked at (the same answer by id). Not save (by id it leaves the
 * reference out of the archive), delete (by id it removes the image rather than the reference) or push (by name only).
 */
const PINNED: ReadonlySet<Operation> = new Set<Operation>(['image.inspect', 'image.history', 'image.tag']);

/** The operations this file keeps to the owner's images (ownersCover lists them). */
export const OWNED_IMAGE_OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([...READS, ...CHANGES, 'image.build', 'image.create']);

/** Whether judgeOwnedImages has something to check for this operation. */
export function namesImages(operation: Operation): boolean {
  return OWNED_IMAGE_OPERATIONS.has(operation) || operation === 'container.commit' || operation === 'container.create';
}

export type ImageVerdict =
  { readonly refused: { readonly why: string; readonly fix: string; readonly notFound?: string } } | { readonly pinned?: string; readonly details: readonly string[] };

export interface ImageRequest {
  readonly operation: Operation;
  readonly target: { kind: ObjectKind; ref: string; segments?: readonly [number, number] } | undefined;
  readonly query: QueryView;
  readonly body: unknown;
  readonly owner: string;
  /** The rule's `shared:` names images. */
  readonly shared: boolean;
  readonly engine: ReachEngine;
}

function ownerOfImage(image: ImageFacts): string | undefined {
  return isRecord(image.Config) ? ownerIn(image.Config.Labels) : undefined;
}

/** A reference no one can move: a full id or a digest. Anything else (a name, an id prefix the engine may read as a name) is by name. */
function byIdOrDigest(ref: string): boolean {
  return /^(sha256:)?[a-f0-9]{64}$/.test(ref) || ref.includes('@');
}

/** `repo` with `tag` as the engine makes a reference of them (RepoTagReference): the tag replaces one in the repository. */
function repoTag(repo: string, tag: string | undefined): string {
  if (tag === undefined || tag === '') return repo;
  const colon = repo.lastIndexOf(':');
  const name = colon > repo.lastIndexOf('/') ? repo.slice(0, colon) : repo;
  return tag.includes(':') ? `${name}@${tag}` : `${name}:${tag}`;
}

/** The references the request makes or moves, by the field that names each. */
function claimedReferences(operation: Operation, query: QueryView): Array<{ field: string; ref: string }> | string {
  const named = (field: string, repo: string | undefined, tag: string | undefined): Array<{ field: string; ref: string }> =>
    repo === undefined || repo === '' ? [] : [{ field, ref: repoTag(repo, tag) }];
  switch (operation) {
    case 'image.tag':
      return named('?repo', query.get('repo'), query.get('tag'));
    case 'container.commit':
      return named('?repo', query.get('repo'), query.get('tag'));
    case 'image.build':
      return query.all('t').map((ref, i) => ({ field: `?t[${i}]`, ref }));
    case 'image.create': {
      if (isImageImport(operation, query)) return named('?repo', query.get('repo'), query.get('tag'));
      const from = query.get('fromImage')!;
      const tag = query.get('tag');
      // Without a tag or digest on either, the engine pulls every tag of the repository: which references move is the registry's to say.
      if ((tag === undefined || tag === '') && !/:[^/]*$|@/.test(from)) return '?fromImage names no tag, so the pull would move every tag of the repository';
      return named('?fromImage', from, tag);
    }
    default:
      return [];
  }
}

/** The images the request reads or changes by name: the path's, or save's `?names`. */
function namedImages(request: ImageRequest): Array<{ field: string; ref: string }> {
  const { operation, target, query } = request;
  if (!READS.has(operation) && !CHANGES.has(operation)) return [];
  if (target !== undefined) return [{ field: 'path', ref: target.ref }];
  return query.all('names').map((ref, i) => ({ field: `?names[${i}]`, ref }));
}

/**
 * The owner's part of an image operation: the images it names are the owner's (or readable, where shared),
 * the references it makes or moves are free or the owner's, and a create's image is one it may use.
 */
export async function judgeOwnedImages(request: ImageRequest): Promise<ImageVerdict> {
  const { operation, owner, shared, engine } = request;
  const details: string[] = [];
  let pinned: string | undefined;
  for (const { field, ref } of namedImages(request)) {
    const image = await engine.image(ref);
    const found = image === undefined ? undefined : ownerOfImage(image);
    if (image === undefined || (found !== owner && !(shared && READS.has(operation)))) {
      const why = image === undefined ? `no image ${JSON.stringify(ref)} exists` : `image ${JSON.stringify(ref)} (${field}) ${whose(found)}`;
      if (image !== undefined && shared) {
        return { refused: { why: `${why}: images are shared for reading, but only their owner pushes, tags or removes them`, fix: 'Name an image this owner built or committed' } };
      }
      return { refused: { why, fix: 'Name an image this owner built or committed', notFound: noSuchImage(operation, ref) } };
    }
    details.push(`image ${ref} (${image.Id}) ${found === owner ? `is owned by ${JSON.stringify(owner)}` : `${whose(found)}, readable as images are shared`}`);
    if (PINNED.has(operation) && field === 'path') pinned = image.Id;
  }
  const claims = claimedReferences(operation, request.query);
  if (typeof claims === 'string') return { refused: { why: claims, fix: 'Pull one tag or digest' } };
  for (const { field, ref } of claims) {
    const held = await engine.image(normaliseImageReference(ref).full);
    const found = held === undefined ? undefined : ownerOfImage(held);
    if (held !== undefined && found !== owner) {
      return {
        refused: {
          why: `${field} ${JSON.stringify(ref)} points at an image that ${whose(found)}, and a reference is moved only by the owner of the image it points at`,
          fix: 'Choose a reference that is free or names one of this owner’s images',
        },
      };
    }
    details.push(`${field} ${ref} is ${held === undefined ? 'free' : `the owner's (${held.Id})`}`);
  }
  const created = operation === 'container.create' && isRecord(request.body) && typeof request.body.Image === 'string' ? request.body.Image : undefined;
  if (created !== undefined && created !== '') {
    const use = await imageToUse(created, owner, shared, engine);
    if ('refused' in use) {
      const notFound = use.refused === 'foreign by name' ? {} : { notFound: noSuchImage(operation, created) };
      return { refused: { why: `Image: ${use.why}`, fix: 'Create containers from images this owner built or committed, or name a shared one by id or digest', ...notFound } };
    }
    details.push(`Image: ${use.usable}`);
  }
  return { ...(pinned !== undefined && { pinned }), details };
}

type ImageUse = { readonly usable: string } | { readonly refused: 'not usable' | 'foreign by name'; readonly why: string };

/**
 * Whether an image a create or a build starts from may be used by `owner`: its own; where images are
 * shared, one of no owner, one not on the engine (the engine's to pull or refuse) and another owner's by id
 * or digest (not by a name that owner may move).
 */
async function imageToUse(ref: string, owner: string, shared: boolean, engine: ReachEngine): Promise<ImageUse> {
  const image = await engine.image(ref);
  if (image === undefined) return shared ? { usable: `${ref} is not on the engine` } : { refused: 'not usable', why: `no image ${JSON.stringify(ref)} exists` };
  const found = ownerOfImage(image);
  if (found === owner) return { usable: `${ref} (${image.Id}) is owned by ${JSON.stringify(owner)}` };
  if (shared && found !== undefined && !byIdOrDigest(ref)) {
    return { refused: 'foreign by name', why: `${JSON.stringify(ref)} names an image of another owner by a name that owner can move` };
  }
  if (shared) return { usable: `${ref} (${image.Id}) ${whose(found)}, usable as images are shared` };
  return { refused: 'not usable', why: `image ${JSON.stringify(ref)} ${whose(found)}` };
}

/**
 * The first base image of a build (FROM, COPY --from, as the reach judge expanded them) the owner may not
 * build from, as a refusal in the same words for a missing, an unowned and another owner's image (the
 * build's own answer is a stream, not the engine's 404); undefined when all may be used.
 */
export async function unusableBaseImage(
  bases: ReadonlyArray<{ field: string; ref: string | undefined }>,
  owner: string,
  shared: boolean,
  engine: ReachEngine,
): Promise<{ why: string; fix: string } | undefined> {
  const fix = shared ? 'Build from images this owner built or committed, or name a shared one by id or digest' : 'Build from images this owner built, committed or imported';
  for (const { field, ref } of bases) {
    if (ref === undefined) return { why: `${field} names its image through variables dockgate cannot expand, so whose image it is cannot be told`, fix: 'Name the image literally' };
    const use = await imageToUse(ref, owner, shared, engine);
    if ('refused' in use) return { why: `${field} ${use.refused === 'foreign by name' ? use.why : `names ${JSON.stringify(ref)}, which is not an image of this owner`}`, fix };
  }
  return undefined;
}
