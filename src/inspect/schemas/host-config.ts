// container.HostConfig, the non-portable part of a container: everything that decides its reach into the
// host. Resources is embedded in the Go struct, so its fields sit here directly.
import { arrayOf, bool, int, int64, object, pointer, str, strSlice, stringList, stringMap, uint, type BodySchema, type BodyOf } from '../body-schema.js';
import { mount } from './mount.js';
import { portMap } from './port.js';
import { resourcesFields, restartPolicy } from './resources.js';

export const hostConfigFields = {
  Binds: stringList,
  ContainerIDFile: str,
  LogConfig: object({ Type: str, Config: stringMap }),
  NetworkMode: str,
  PortBindings: portMap,
  RestartPolicy: restartPolicy,
  AutoRemove: bool,
  VolumeDriver: str,
  VolumesFrom: stringList,
  // [2]uint: height and width.
  ConsoleSize: arrayOf(uint, 2),
  Annotations: stringMap,
  CapAdd: strSlice,
  CapDrop: strSlice,
  CgroupnsMode: str,
  Dns: stringList,
  DnsOptions: stringList,
  DnsSearch: stringList,
  ExtraHosts: stringList,
  GroupAdd: stringList,
  IpcMode: str,
  Cgroup: str,
  Links: stringList,
  OomScoreAdj: int,
  PidMode: str,
  Privileged: bool,
  PublishAllPorts: bool,
  ReadonlyRootfs: bool,
  SecurityOpt: stringList,
  StorageOpt: stringMap,
  Tmpfs: stringMap,
  UTSMode: str,
  UsernsMode: str,
  ShmSize: int64,
  Sysctls: stringMap,
  Runtime: str,
  Isolation: str,
  ...resourcesFields,
  Mounts: arrayOf(mount),
  MaskedPaths: stringList,
  ReadonlyPaths: stringList,
  Init: pointer(bool),
} as const satisfies Record<string, BodySchema>;

export const hostConfig = object(hostConfigFields);

export type HostConfigBody = BodyOf<typeof hostConfig>;
