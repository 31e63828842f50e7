// A container create judged on its image (the user it runs as, its configuration) names the image, and the
// engine resolves that name again when the create reaches it: a re-tag in between gives the container
// another image. Forwarding the image's id instead would close the gap but change what the client sees
// (Config.Image would show the id, not the name it used). So the create is forwarded as judged, and what
// it made is checked before the client hears of it: a container from another image than the one judged is
// removed, and the client gets a refusal it can retry. Until the check is done, the container is not to be
// used: a request that looks up a container being checked (by the create's name, or by id once known) is
// refused. Residual: a container created without a name could be found by listing and used by id in the
// milliseconds before its id is known here.

import { GatewayError } from '../errors/catalogue.js';
import { removeContainer } from '../forward/engine-client.js';
import type { Upstream } from '../forward/upstream.js';
import type { ReachEngine } from '../judge/reach/reach-context.js';

export class CreatedContainerCheck {
  /** Names (`/web`) and ids of containers whose create is being checked. */
  private readonly pending = new Set<string>();

  constructor(private readonly upstream: Upstream) {}

  /** The engine's look-ups, refusing a container whose create is still being checked. */
  guard<E extends ReachEngine>(engine: E): E {
    return {
      ...engine,
      container: async (ref) => {
        const facts = await engine.container(ref);
        if (facts !== undefined && (this.pending.has(facts.Id) || this.pending.has(facts.Name))) {
          throw new GatewayError('DG_CONTAINER_BEING_CHECKED', {
            what: `container ${JSON.stringify(ref)}`,
            why: 'it has just been created and dockgate is still checking that it comes from the image that was judged',
            fix: 'Retry in a moment',
          });
        }
        return facts;
      },
    };
  }

  /**
   * Starts the check of one create named `name` (if any): returns the verifier the forward calls with the
   * created id, and `end`, which lifts the quarantine whatever happened.
   */
  begin(name: string | undefined, imageId: string, engine: ReachEngine): { verify: (id: string) => Promise<GatewayError | undefined>; end: () => void } {
    const marks = name === undefined || name === '' ? [] : [`/${name}`];
    for (const mark of marks) this.pending.add(mark);
    const end = (): void => {
      for (const mark of marks) this.pending.delete(mark);
    };
    const verify = async (id: string): Promise<GatewayError | undefined> => {
      this.pending.add(id);
      marks.push(id);
      let createdFrom: string | undefined;
      try {
        createdFrom = (await engine.container(id))?.Image;
      } catch {
        createdFrom = undefined;
      }
      if (createdFrom === imageId) return undefined;
      await removeContainer(this.upstream, id).catch(() => undefined);
      return new GatewayError('DG_CREATE_IMAGE_CHANGED', {
        what: `container create (${name === undefined || name === '' ? id.slice(0, 12) : name})`,
        why:
          createdFrom === undefined
            ? 'dockgate could not check which image the engine created it from, so it was removed'
            : `the image name was moved to another image (${createdFrom.slice(0, 19)}) between the judgement (${imageId.slice(0, 19)}) and the create, so the container was removed`,
        fix: 'Retry the create; do not re-tag the image while creating containers from it',
      });
    };
    return { verify, end };
  }
}
