// swarm.ServiceSpec, the body of POST /services/create and /services/{id}/update. A service runs
// containers on every node of the swarm, so its ContainerSpec carries the same reach as a container
// create: mounts, capabilities, sysctls, privileges (seccomp, AppArmor, SELinux), user, networks.
import {
  arrayOf,
  bool,
  duration,
  emptyObject,
  fileMode,
  float,
  int64,
  object,
  str,
  stringList,
  stringMap,
  uint32,
  uint64,
} from '../body-schema.js';
import { healthConfig } from './container-config.js';
import { mount } from './mount.js';
import { ulimit } from './resources.js';
import { annotationsFields, swarmDriver } from './swarm-common.js';

const fileTarget = object({ Name: str, UID: str, GID: str, Mode: fileMode });

const privileges = object({
  CredentialSpec: object({ Config: str, File: str, Registry: str }),
  SELinuxContext: object({ Disable: bool, User: str, Role: str, Type: str, Level: str }),
  // Profile is a []byte: a base64 string in JSON, forwarded as sent.
  Seccomp: object({ Mode: str, Profile: str }),
  AppArmor: object({ Mode: str }),
  NoNewPrivileges: bool,
});

const containerSpec = object(
  {
    Image: str,
    Labels: stringMap,
    Command: stringList,
    Args: stringList,
    Hostname: str,
    Env: stringList,
    Dir: str,
    User: str,
    Groups: stringList,
    Privileges: privileges,
    Init: bool,
    StopSignal: str,
    TTY: bool,
    OpenStdin: bool,
    ReadOnly: bool,
    Mounts: arrayOf(mount),
    StopGracePeriod: duration,
    Healthcheck: healthConfig,
    Hosts: stringList,
    DNSConfig: object({ Nameservers: stringList, Search: stringList, Options: stringList }),
    Secrets: arrayOf(object({ File: fileTarget, SecretID: str, SecretName: str })),
    Configs: arrayOf(object({ File: fileTarget, Runtime: emptyObject(), ConfigID: str, ConfigName: str })),
    Isolation: str,
    Sysctls: stringMap,
    CapabilityAdd: stringList,
    CapabilityDrop: stringList,
    Ulimits: arrayOf(ulimit),
    OomScoreAdj: int64,
  },
  // The specs spell it HealthCheck; Go's field is Healthcheck and matches either spelling.
  { spellings: { HealthCheck: 'Healthcheck' } },
);

// swarm.RuntimeSpec (runtime.PluginSpec on engine 20.10): its Go names are lower-case, and the specs
// document capitalised ones, which Go matches to them. The specs' PluginPrivilege matches no Go field
// (Go reads `privileges`), so it is refused as unknown rather than silently dropped.
const pluginPrivilege = object(
  { name: str, description: str, value: stringList },
  { spellings: { Name: 'name', Description: 'description', Value: 'value' } },
);
const pluginSpec = object(
  { name: str, remote: str, privileges: arrayOf(pluginPrivilege), disabled: bool, env: stringList },
  { spellings: { Name: 'name', Remote: 'remote', Privileges: 'privileges', Disabled: 'disabled', Env: 'env' } },
);

const genericResource = object({
  NamedResourceSpec: object({ Kind: str, Value: str }),
  DiscreteResourceSpec: object({ Kind: str, Value: int64 }),
});

const resourceRequirements = object({
  Limits: object({ NanoCPUs: int64, MemoryBytes: int64, Pids: int64 }),
  Reservations: object({ NanoCPUs: int64, MemoryBytes: int64, GenericResources: arrayOf(genericResource) }),
  SwapBytes: int64,
  MemorySwappiness: int64,
});

export const networkAttachmentConfig = object({ Target: str, Aliases: stringList, DriverOpts: stringMap });

const taskSpec = object({
  ContainerSpec: containerSpec,
  PluginSpec: pluginSpec,
  NetworkAttachmentSpec: object({ ContainerID: str }),
  Resources: resourceRequirements,
  RestartPolicy: object({ Condition: str, Delay: duration, MaxAttempts: uint64, Window: duration }),
  Placement: object({
    Constraints: stringList,
    Preferences: arrayOf(object({ Spread: object({ SpreadDescriptor: str }) })),
    MaxReplicas: uint64,
    Platforms: arrayOf(object({ Architecture: str, OS: str })),
  }),
  Networks: arrayOf(networkAttachmentConfig),
  LogDriver: swarmDriver,
  ForceUpdate: uint64,
  Runtime: str,
});

const updateConfig = object({
  Parallelism: uint64,
  Delay: duration,
  FailureAction: str,
  Monitor: duration,
  MaxFailureRatio: float('float32'),
  Order: str,
});

export const serviceSpecBody = object({
  ...annotationsFields,
  TaskTemplate: taskSpec,
  Mode: object({
    Replicated: object({ Replicas: uint64 }),
    Global: emptyObject(),
    ReplicatedJob: object({ MaxConcurrent: uint64, TotalCompletions: uint64 }),
    GlobalJob: emptyObject(),
  }),
  UpdateConfig: updateConfig,
  RollbackConfig: updateConfig,
  // Deprecated since API 1.25; engines still apply it for API < 1.44 when TaskTemplate.Networks is empty.
  Networks: arrayOf(networkAttachmentConfig),
  EndpointSpec: object({
    Mode: str,
    Ports: arrayOf(object({ Name: str, Protocol: str, TargetPort: uint32, PublishedPort: uint32, PublishMode: str })),
  }),
});
