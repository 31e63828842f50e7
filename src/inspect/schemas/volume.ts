// Volume bodies: POST /volumes/create (driver options of the local driver can bind a host path or mount a
// device) and PUT /volumes/{name} (a cluster volume's spec).
import { arrayOf, emptyObject, int64, object, str, stringList, stringMap, type BodyOf } from '../body-schema.js';

const topology = object({ Segments: stringMap });

/** volume.ClusterVolumeSpec. */
const clusterVolumeSpec = object({
  Group: str,
  AccessMode: object({
    Scope: str,
    Sharing: str,
    MountVolume: object({ FsType: str, MountFlags: stringList }),
    BlockVolume: emptyObject(),
  }),
  AccessibilityRequirements: object({ Requisite: arrayOf(topology), Preferred: arrayOf(topology) }),
  CapacityRange: object({ RequiredBytes: int64, LimitBytes: int64 }),
  Secrets: arrayOf(object({ Key: str, Secret: str })),
  Availability: str,
});

export const volumeCreateBody = object({
  Name: str,
  Driver: str,
  DriverOpts: stringMap,
  Labels: stringMap,
  ClusterVolumeSpec: clusterVolumeSpec,
});

export type VolumeCreateBody = BodyOf<typeof volumeCreateBody>;

export const volumeUpdateBody = object({ Spec: clusterVolumeSpec });
