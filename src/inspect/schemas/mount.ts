// mount.Mount: HostConfig.Mounts of a container and ContainerSpec.Mounts of a swarm service.
import { arrayOf, bool, emptyObject, fileMode, int64, object, pointer, str, stringList, stringMap, type BodyOf } from '../body-schema.js';

export const mount = object({
  Type: str,
  Source: str,
  Target: str,
  ReadOnly: bool,
  Consistency: str,
  BindOptions: pointer(
    object({
      Propagation: str,
      NonRecursive: bool,
      CreateMountpoint: bool,
      ReadOnlyNonRecursive: bool,
      ReadOnlyForceRecursive: bool,
    }),
  ),
  VolumeOptions: pointer(
    object({
      NoCopy: bool,
      Labels: stringMap,
      Subpath: str,
      DriverConfig: pointer(object({ Name: str, Options: stringMap })),
    }),
  ),
  ImageOptions: pointer(object({ Subpath: str })),
  TmpfsOptions: pointer(
    object({
      SizeBytes: int64,
      Mode: fileMode,
      Options: arrayOf(stringList),
    }),
  ),
  ClusterOptions: pointer(emptyObject()),
});

export type MountBody = BodyOf<typeof mount>;
