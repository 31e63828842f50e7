// The engine's look-ups of one decision, each asked once: the owner check and the reach judge (both its
// passes, judge-reach.ts) then read the same answer for a reference, so the full id whose owner was compared
// is the id the reach judge pins and forwards. Two asks could meet two containers (or networks, services...) when a name is removed and made again in between.
import type { ContainerFacts, ExecFacts, ImageFacts, SwarmObjectFacts, VolumeFacts } from '../engine-lookup.js';
import type { NetworkFacts, ReachEngine } from './reach-context.js';

export function onceEach(engine: ReachEngine): ReachEngine {
  const containers = new Map<string, Promise<ContainerFacts | undefined>>();
  const execs = new Map<string, Promise<ExecFacts | undefined>>();
  const images = new Map<string, Promise<ImageFacts | undefined>>();
  const volumes = new Map<string, Promise<VolumeFacts | undefined>>();
  const networks = new Map<string, Promise<NetworkFacts | undefined>>();
  const swarmObjects = new Map<string, Promise<SwarmObjectFacts | undefined>>();
  const remember = <T>(asked: Map<string, Promise<T>>, ref: string, ask: () => Promise<T>): Promise<T> => {
    let answer = asked.get(ref);
    if (answer === undefined) {
      answer = ask();
      asked.set(ref, answer);
    }
    return answer;
  };
  const network = engine.network?.bind(engine);
  const apiVersion = engine.apiVersion?.bind(engine);
  const swarmObject = engine.swarmObject?.bind(engine);
  return {
    container: (ref) => remember(containers, ref, () => engine.container(ref)),
    exec: (id) => remember(execs, id, () => engine.exec(id)),
    volume: (name) => remember(volumes, name, () => engine.volume(name)),
    // The image a create's owner check looked at is the one the reach judge pins (createdFromImage).
    image: (ref) => remember(images, ref, () => engine.image(ref)),
    ...(network !== undefined && { network: (ref: string) => remember(networks, ref, () => network(ref)) }),
    ...(apiVersion !== undefined && { apiVersion }),
    ...(swarmObject !== undefined && { swarmObject: (kind, ref) => remember(swarmObjects, `${kind}:${ref}`, () => swarmObject(kind, ref)) }),
  };
}
