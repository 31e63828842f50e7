// container.list's `before` and `since` filters name a container the engine looks for among every owner's
// (its full id, else its exact name: moby's daemon/list.go idOrNameFilter) and list only what was created
// after or before it. Another owner's container would serve as the boundary (telling when it was made), and a
// missing one is answered otherwise than a present one (telling that it exists): a client with an owner may
// name only its own. Each is forwarded as the full id checked; another owner's, an unowned and a missing one
// are refused in the same words, as the references a create names are (create-references.ts).
import type { Operation } from '../../route/operations.js';
import type { ReachEngine } from '../reach/reach-context.js';
import { checkOwnedTarget } from './judge-owner.js';
import type { ListFilters } from './list-filters.js';
import type { OwnerScope } from './owned-volumes-and-networks.js';

/** The filter keys whose values name a container. */
const BOUNDARY_KEYS = ['before', 'since'] as const;

/** How the engine finds a boundary: the full id, or the name with or without its leading slash, never an id prefix. */
function namesExactly(container: { Id: string; Name: string }, ref: string): boolean {
  return container.Id === ref || container.Name.replace(/^\//, '') === ref.replace(/^\//, '');
}

/**
 * Pins each `before`/`since` value of `filters` to the full id of the owner's container it names (in place,
 * its bool kept), or says which names none of the owner's containers.
 */
export async function pinListBoundaries(filters: ListFilters, scope: OwnerScope, engine: ReachEngine): Promise<{ field: string; why: string } | undefined> {
  const { owner } = scope;
  for (const key of BOUNDARY_KEYS) {
    const values = filters.get(key);
    if (values === undefined) continue;
    const pinned = new Map<string, boolean>();
    for (const [ref, flag] of values) {
      const checked = await checkOwnedTarget('container.list', { kind: 'container', ref }, scope, engine, undefined);
      const found = checked.own ? await engine.container(ref) : undefined;
      if (!checked.own || checked.id === undefined || found === undefined || !namesExactly(found, ref)) {
        return { field: `filters.${key}`, why: `names ${JSON.stringify(ref)}, which is no container of the owner ${JSON.stringify(owner)}` };
      }
      pinned.set(checked.id, flag);
    }
    filters.set(key, pinned);
  }
  return undefined;
}

/** Whether the filters name containers the engine would look up (container.list's alone: the others refuse those keys). */
export function hasListBoundaries(operation: Operation, filters: ListFilters): boolean {
  return operation === 'container.list' && BOUNDARY_KEYS.some((key) => filters.has(key));
}
