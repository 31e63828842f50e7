// Which engine events a client with an owner may see (docs/owners-design.md, section 6). The engine cannot
// filter its event stream by owner: volume and network events carry no labels (their attributes are the
// driver, name, type and the container a network connect names), so a `label=` filter would drop them all.
// Each event is judged here instead, one at a time, as the stream goes: container events (exec ones too)
// carry their container's labels among the actor's attributes, image events their image's; volumes and
// networks are looked up once per stream and remembered, and one that no longer exists is not shown.
import type { SharedKind } from './owner-source.js';
import { ownerIn } from './owner-label.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';

/** How many objects' owners one stream remembers; the oldest is forgotten first (and asked again if it comes back). */
export const OWNERS_REMEMBERED = 4096;

/** The owner an object has (a string), has none (null), or the object is gone (undefined: not shown, fail closed). */
type Known = string | null | undefined;

export class OwnerEvents {
  /** `kind:id` → the owner the object was found to have, for the objects this stream has met. */
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly owner: string,
    private readonly shared: readonly SharedKind[],
    private readonly engine: Pick<ReachEngine, 'container' | 'volume' | 'network'>,
  ) {}

  /** Whether the event concerns the owner's objects (or a shared kind); a promise when an object had to be looked up. */
  keeps(event: unknown): boolean | Promise<boolean> {
    if (!isRecord(event) || !isRecord(event.Actor) || typeof event.Type !== 'string') return false;
    const id = typeof event.Actor.ID === 'string' ? event.Actor.ID : '';
    const attributes = isRecord(event.Actor.Attributes) ? event.Actor.Attributes : {};
    const labelled = ownerIn(attributes);
    switch (event.Type) {
      case 'container':
        // Every container event carries the container's labels, its destroy too: what the stream learns here
        // answers the network connects that name the container.
        if (id !== '') this.remember(`container:${id}`, labelled ?? null);
        return labelled === this.owner;
      case 'image':
        return this.shared.includes('images') || labelled === this.owner;
      case 'volume':
        return this.objectKept('volume', id, labelled);
      case 'network': {
        const network = this.objectKept('network', id, labelled);
        const container = attributes.container;
        // A connect or disconnect names a container too: shown only when that container is the owner's as well.
        if (typeof container !== 'string') return network;
        const own = this.ownerOf('container', container);
        return both(network, own instanceof Promise ? own.then((o) => o === this.owner) : own === this.owner);
      }
      default:
        // daemon, plugin, node, service, secret, config, builder and whatever comes later: only with the owner's own label.
        return labelled === this.owner;
    }
  }

  private objectKept(kind: 'volume' | 'network', id: string, labelled: string | undefined): boolean | Promise<boolean> {
    if (this.shared.includes(kind === 'volume' ? 'volumes' : 'networks')) return true;
    if (labelled !== undefined) this.remember(`${kind}:${id}`, labelled);
    const found = this.ownerOf(kind, id);
    return found instanceof Promise ? found.then((o) => o === this.owner) : found === this.owner;
  }

  /** The owner of an object as this stream knows it, or as the engine says (once); undefined for one gone. */
  private ownerOf(kind: 'container' | 'volume' | 'network', id: string): Known | Promise<Known> {
    const key = `${kind}:${id}`;
    if (this.known.has(key)) return this.known.get(key);
    if (id === '') return undefined;
    return this.lookUp(kind, id).then(
      (found) => {
        // A gone object is not remembered: the name may be made again, by anyone.
        if (found !== undefined) this.remember(key, found);
        return found;
      },
      // The engine could not say: not shown.
      () => undefined,
    );
  }

  private async lookUp(kind: 'container' | 'volume' | 'network', id: string): Promise<Known> {
    if (kind === 'container') {
      const container = await this.engine.container(id);
      return container === undefined ? undefined : (ownerIn(container.Config.Labels) ?? null);
    }
    const found = kind === 'volume' ? await this.engine.volume(id) : await this.engine.network?.(id);
    return found === undefined ? undefined : (ownerIn((found as { Labels?: unknown }).Labels) ?? null);
  }

  private remember(key: string, owner: Known): void {
    this.known.delete(key);
    this.known.set(key, owner);
    if (this.known.size > OWNERS_REMEMBERED) this.known.delete(this.known.keys().next().value!);
  }
}

function both(a: boolean | Promise<boolean>, b: boolean | Promise<boolean>): boolean | Promise<boolean> {
  if (a instanceof Promise || b instanceof Promise) return Promise.all([a, b]).then(([x, y]) => x && y);
  return a && b;
}
