// swarm.ServiceSpec, the body of POST /services/create and /services/{id}/update. A service runs
// containers on every node of the swarm, so its ContainerSpec carries the same reach as a container
// create: mounts, capabilities, sysctls, privileges (seccomp, AppArmor, SELinux), user, networks.
import { arrayOf, type BodyOf, bool, duration, emptyObject, fileMode, float, int64, object, pointer, str, stringList, stringMap, uint32, uint64 } from '../body-schema.js';
import { healthConfig } from './container-config.js';
import { mount } from './mount.js';
import { ulimit } from './resources.js';
import { annotationsFields, swarmDriver } from './swarm-common.js';

const fileTarget = object({ Name: str, UID: str, GID: str, Mode: fileMode });

const privileges = pointer(
  object({
    CredentialSpec: pointer(object({ Config: str, File: str, Registry: str })),
    SELinuxContext: pointer(object({ Disable: bool, User: str, Role: str, Type: str, Level: str })),
    // Profile is a []byte: a base64 string in JSON, forwarded as sent (null sets it to nil).
    Seccomp: pointer(object({ Mode: str, Profile: pointer(str) })),
    AppArmor: pointer(object({ Mode: str })),
    NoNewPrivileges: bool,
  }),
);

const containerSpec = pointer(
  object({
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
    Init: pointer(bool),
    StopSignal: str,
    TTY: bool,
    OpenStdin: bool,
    ReadOnly: bool,
    Mounts: arrayOf(mount),
    StopGracePeriod: pointer(duration),
    Healthcheck: healthConfig,
    Hosts: stringList,
    DNSConfig: pointer(object({ Nameservers: stringList, Search: stringList, Options: stringList })),
    Secrets: arrayOf(pointer(object({ File: pointer(fileTarget), SecretID: str, SecretName: str }))),
    Configs: arrayOf(pointer(object({ File: pointer(fileTarget), Runtime: pointer(emptyObject()), ConfigID: str, ConfigName: str }))),
    Isolation: str,
    Sysctls: stringMap,
    CapabilityAdd: stringList,
    CapabilityDrop: stringList,
    Ulimits: arrayOf(ulimit),
    OomScoreAdj: int64,
  }),
);

// swarm.RuntimeSpec (runtime.PluginSpec on engine 20.10): its Go names are lower-case, and the specs
// document capitalised ones, which Go matches to them. The specs' PluginPrivilege matches no Go field
// (Go reads `privileges`): the engine ignores it, and so it is not forwarded.
const pluginPrivilege = pointer(object({ name: str, description: str, value: stringList }));
const pluginSpec = pointer(object({ name: str, remote: str, privileges: arrayOf(pluginPrivilege), disabled: bool, env: stringList }));

const genericResource = object({
  NamedResourceSpec: object({ Kind: str, Value: str }),
  DiscreteResourceSpec: object({ Kind: str, Value: int64 }),
});

const resourceRequirements = pointer(
  object({
    Limits: pointer(object({ NanoCPUs: int64, MemoryBytes: int64, Pids: int64 })),
    Reservations: pointer(object({ NanoCPUs: int64, MemoryBytes: int64, GenericResources: arrayOf(genericResource) })),
    SwapBytes: pointer(int64),
    MemorySwappiness: pointer(int64),
  }),
);

export const networkAttachmentConfig = object({ Target: str, Aliases: stringList, DriverOpts: stringMap });

const taskSpec = object({
  ContainerSpec: containerSpec,
  PluginSpec: pluginSpec,
  NetworkAttachmentSpec: pointer(object({ ContainerID: str })),
  Resources: resourceRequirements,
  RestartPolicy: pointer(object({ Condition: str, Delay: pointer(duration), MaxAttempts: pointer(uint64), Window: pointer(duration) })),
  Placement: pointer(
    object({
      Constraints: stringList,
      Preferences: arrayOf(object({ Spread: object({ SpreadDescriptor: str }) })),
      MaxReplicas: uint64,
      Platforms: arrayOf(object({ Architecture: str, OS: str })),
    }),
  ),
  Networks: arrayOf(networkAttachmentConfig),
  LogDriver: pointer(swarmDriver),
  ForceUpdate: uint64,
  Runtime: str,
});

const updateConfig = pointer(
  object({
    Parallelism: uint64,
    Delay: duration,
    FailureAction: str,
    Monitor: duration,
    MaxFailureRatio: float('float32'),
    Order: str,
  }),
);

export const serviceSpecBody = object({
  ...annotationsFields,
  TaskTemplate: taskSpec,
  Mode: object({
    Replicated: pointer(object({ Replicas: pointer(uint64) })),
    Global: pointer(emptyObject()),
    ReplicatedJob: pointer(object({ MaxConcurrent: pointer(uint64), TotalCompletions: pointer(uint64) })),
    GlobalJob: pointer(emptyObject()),
  }),
  UpdateConfig: updateConfig,
  RollbackConfig: updateConfig,
  // Deprecated since API 1.25; engines still apply it for API < 1.44 when TaskTemplate.Networks is empty.
  Networks: arrayOf(networkAttachmentConfig),
  EndpointSpec: pointer(
    object({
      Mode: str,
      Ports: arrayOf(object({ Name: str, Protocol: str, TargetPort: uint32, PublishedPort: uint32, PublishMode: str })),
    }),
  ),
});

export type ServiceSpecBody = BodyOf<typeof serviceSpecBody>;
export type TaskSpecBody = BodyOf<typeof taskSpec>;
export type ContainerSpecBody = BodyOf<typeof containerSpec>;
export type ServiceLimitsBody = NonNullable<NonNullable<TaskSpecBody['Resources']>['Limits']>;
