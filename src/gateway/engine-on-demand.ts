// The engine's look-ups as one decision makes them, made only when the decision first asks one: most
// requests never do, and the look-ups of a request (answers charged to its memory budget, containers still
// being checked refused) are a handful of closures. A class, not an object literal with a getter: the
// judge reads its input field by field, and V8 builds a literal with an accessor on a slow path.
import type { ContainerFacts, ExecFacts, ImageFacts, SwarmKind, SwarmObjectFacts, VolumeFacts } from '../judge/engine-lookup.js';
import type { NetworkFacts, ReachEngine } from '../judge/reach/reach-context.js';
import type { ApiVersion } from '../route/api-version.js';

export class EngineOnDemand implements Required<ReachEngine> {
  private made: Required<ReachEngine> | undefined;

  constructor(private readonly make: () => Required<ReachEngine>) {}

  container(ref: string): Promise<ContainerFacts | undefined> {
    return this.engine().container(ref);
  }

  volume(name: string): Promise<VolumeFacts | undefined> {
    return this.engine().volume(name);
  }

  image(ref: string): Promise<ImageFacts | undefined> {
    return this.engine().image(ref);
  }

  exec(id: string): Promise<ExecFacts | undefined> {
    return this.engine().exec(id);
  }

  network(ref: string): Promise<NetworkFacts | undefined> {
    return this.engine().network(ref);
  }

  swarmObject(kind: SwarmKind, ref: string): Promise<SwarmObjectFacts | undefined> {
    return this.engine().swarmObject(kind, ref);
  }

  apiVersion(): Promise<ApiVersion> {
    return this.engine().apiVersion();
  }

  private engine(): Required<ReachEngine> {
    return (this.made ??= this.make());
  }
}
