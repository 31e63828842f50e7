// What a client may ask of a container's reach into the host: the constraints a policy grants an
// identity for container create/update, exec, services and the other places reach is decided.
// Policies (built-in profiles and policy files) produce these; the container-reach judge enforces them.

export interface BindRoot {
  /** Absolute host path, already resolved (no symlinks, no `..`); a bind source must lie under it, component-wise. */
  path: string;
  /** Binds under this root must be read-only. */
  readOnly: boolean;
}

export interface ResourceLimit {
  /** The field must be set (non-zero). */
  required: boolean;
  /** Largest value allowed, in the field's own unit (bytes, pids, nano-CPUs); absent: no maximum. */
  max?: number;
}

export interface ContainerConstraints {
  /** Host directories that may be bind-mounted (Binds, Mounts type bind, local volumes with bind/device options). */
  bindRoots: readonly BindRoot[];
  privileged: boolean;
  /** Capabilities that may be added, upper-case without `CAP_` (e.g. NET_BIND_SERVICE); `ALL` is never implied. */
  capAdd: readonly string[];
  /** CapDrop must contain ALL. */
  requireDropAll: boolean;
  /** Devices, DeviceCgroupRules and DeviceRequests may be used. */
  devices: boolean;
  /** Host namespaces that may be joined: PidMode, IpcMode, UTSMode, UsernsMode, CgroupnsMode, NetworkMode `host`. */
  hostNamespaces: { pid: boolean; ipc: boolean; uts: boolean; user: boolean; cgroup: boolean; network: boolean };
  /** seccomp/apparmor `unconfined`, `label=disable`, `systempaths=unconfined`, emptied MaskedPaths/ReadonlyPaths. */
  unconfined: boolean;
  /**
   * AppArmor profiles a container may be confined by, beyond the engine's `docker-default`: a profile
   * loaded on the host may allow anything, so names are allowed one by one.
   */
  apparmorProfiles: readonly string[];
  /**
   * `ps_args` of top, which dockerd passes to `ps` on the host: `any`, or `safe` (selection and format
   * options that print neither a process's environment nor a column renamed PID; see top-arguments.ts).
   */
  topArguments: 'any' | 'safe';
  /** Sysctl names that may be set; an entry ending in `.` or `*` allows that prefix. */
  sysctls: readonly string[];
  /** Runtimes that may be chosen (HostConfig.Runtime); the engine's default is always allowed. */
  runtimes: readonly string[];
  cgroupParent: boolean;
  /** Volume drivers that may be used beyond `local`. */
  volumeDrivers: readonly string[];
  /** The effective user (Config.User, or the image's when empty) must be a non-zero uid; exec User too. */
  requireNonRoot: boolean;
  /** SecurityOpt must contain no-new-privileges (or the engine must enforce it). */
  requireNoNewPrivileges: boolean;
  memory: ResourceLimit;
  pids: ResourceLimit;
  /** NanoCpus, or CpuQuota with CpuPeriod. */
  cpu: ResourceLimit;
  /** Published ports: allowed host addresses (`0.0.0.0` means all interfaces) and host port range. */
  ports: { hostIps: readonly string[]; min: number; max: number; publishAll: boolean };
  /** Image references that may be used, as glob patterns (`registry.example/team/*`); empty: any image. */
  images: readonly string[];
  /** Log drivers that may be chosen (LogConfig.Type, a service's LogDriver); the engine's default is always allowed. */
  logDrivers: readonly string[];
  /** Network drivers that may be created; `macvlan` and `ipvlan` put containers on host interfaces. */
  networkDrivers: readonly string[];
  /** Plugins may be pulled or upgraded with privileges, created, configured (set), enabled and disabled. */
  plugins: boolean;
  /** The node may initialise, join, leave, update or unlock a swarm, read its join tokens and unlock key, and change nodes. */
  swarm: boolean;
  /** BuildKit's channels (`/session`, `/grpc`) and builds that need them. */
  buildkit: boolean;
  /** The engine may fetch URLs for the client (build `remote=`, images/create `fromSrc=`). */
  remoteFetch: boolean;
}

/** Values a policy sets instead of refusing, each recorded in the audit record when applied. */
export interface ContainerDefaults {
  labels?: Readonly<Record<string, string>>;
  noNewPrivileges?: boolean;
  capDrop?: readonly string[];
  memory?: number;
  pidsLimit?: number;
  nanoCpus?: number;
  readonlyRootfs?: boolean;
}
