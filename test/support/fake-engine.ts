// An in-memory EngineLookup for unit tests of the reach judge: containers by name, full id or unique
// id prefix (as the engine resolves them), volumes, images, execs and swarm objects given by the test.
import type { ContainerFacts, ExecFacts, ImageFacts, SwarmKind, SwarmObjectFacts, VolumeFacts } from '../../src/judge/engine-lookup.js';
import type { NetworkFacts, ReachEngine } from '../../src/judge/reach/reach-context.js';

export interface FakeEngineContents {
  containers?: ContainerFacts[];
  volumes?: VolumeFacts[];
  images?: Array<ImageFacts & { names: string[] }>;
  execs?: ExecFacts[];
  networks?: NetworkFacts[];
  /** Services, tasks, secrets and configs: found by full id, `Spec.Name` or unique id prefix, as the swarm resolves them. */
  swarm?: Array<SwarmObjectFacts & { kind: SwarmKind }>;
}

export function fakeEngine(contents: FakeEngineContents = {}, withNetworks = true): ReachEngine & { asked: string[] } {
  const asked: string[] = [];
  const engine: ReachEngine & { asked: string[] } = {
    asked,
    async container(ref) {
      asked.push(`container ${ref}`);
      const all = contents.containers ?? [];
      const exact = all.find((c) => c.Id === ref || c.Name === ref || c.Name === `/${ref}`);
      if (exact) return exact;
      const prefixed = all.filter((c) => c.Id.startsWith(ref));
      return prefixed.length === 1 ? prefixed[0] : undefined;
    },
    async volume(name) {
      asked.push(`volume ${name}`);
      return (contents.volumes ?? []).find((v) => v.Name === name);
    },
    async image(ref) {
      asked.push(`image ${ref}`);
      return (contents.images ?? []).find((i) => i.names.includes(ref) || i.Id === ref);
    },
    async exec(id) {
      asked.push(`exec ${id}`);
      return (contents.execs ?? []).find((e) => e.ID === id);
    },
  };
  engine.swarmObject = async (kind, ref) => {
    asked.push(`${kind} ${ref}`);
    const all = (contents.swarm ?? []).filter((o) => o.kind === kind);
    const exact = all.find((o) => o.ID === ref) ?? all.find((o) => o.Spec?.['Name'] === ref);
    if (exact) return exact;
    const prefixed = all.filter((o) => o.ID.startsWith(ref));
    return prefixed.length === 1 ? prefixed[0] : undefined;
  };
  if (withNetworks) {
    engine.network = async (ref) => {
      asked.push(`network ${ref}`);
      return (contents.networks ?? []).find((n) => n.Id === ref || n.Name === ref || n.Id.startsWith(ref));
    };
  }
  return engine;
}

/** A container as `docker inspect` shows it after a plain `docker run -d busybox sleep 1d`. */
export function plainContainer(name: string, overrides: { HostConfig?: Record<string, unknown>; Mounts?: ContainerFacts['Mounts']; User?: string } = {}): ContainerFacts {
  const id = `${Buffer.from(name).toString('hex').padEnd(64, '0')}`.slice(0, 64);
  return {
    Id: id,
    Name: `/${name}`,
    Image: 'sha256:1111',
    Config: { User: overrides.User ?? '', Image: 'busybox' },
    HostConfig: {
      Binds: null,
      NetworkMode: 'default',
      PortBindings: {},
      VolumeDriver: '',
      VolumesFrom: null,
      CapAdd: null,
      CapDrop: null,
      CgroupnsMode: 'private',
      IpcMode: 'private',
      PidMode: '',
      Privileged: false,
      SecurityOpt: null,
      UTSMode: '',
      UsernsMode: '',
      Runtime: 'runc',
      CgroupParent: '',
      Devices: [],
      DeviceCgroupRules: null,
      DeviceRequests: null,
      MaskedPaths: [
        '/proc/asound',
        '/proc/acpi',
        '/proc/kcore',
        '/proc/keys',
        '/proc/latency_stats',
        '/proc/timer_list',
        '/proc/timer_stats',
        '/proc/sched_debug',
        '/proc/scsi',
        '/sys/firmware',
      ],
      ReadonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      ...overrides.HostConfig,
    },
    Mounts: overrides.Mounts ?? [],
  };
}
