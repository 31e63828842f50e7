// container.Resources (embedded in HostConfig and in the container update body, so its fields sit at the
// level of their parent) and container.RestartPolicy.
import { arrayOf, bool, int, int64, object, pointer, str, stringList, stringMap, uint16, uint64, type BodyOf } from '../body-schema.js';

const weightDevice = object({ Path: str, Weight: uint16 });
const throttleDevice = object({ Path: str, Rate: uint64 });

/** *units.Ulimit. */
export const ulimit = pointer(object({ Name: str, Hard: int64, Soft: int64 }));

export const resourcesFields = {
  CpuShares: int64,
  Memory: int64,
  NanoCpus: int64,
  CgroupParent: str,
  BlkioWeight: uint16,
  BlkioWeightDevice: arrayOf(weightDevice),
  BlkioDeviceReadBps: arrayOf(throttleDevice),
  BlkioDeviceWriteBps: arrayOf(throttleDevice),
  BlkioDeviceReadIOps: arrayOf(throttleDevice),
  BlkioDeviceWriteIOps: arrayOf(throttleDevice),
  CpuPeriod: int64,
  CpuQuota: int64,
  CpuRealtimePeriod: int64,
  CpuRealtimeRuntime: int64,
  CpusetCpus: str,
  CpusetMems: str,
  Devices: arrayOf(object({ PathOnHost: str, PathInContainer: str, CgroupPermissions: str })),
  DeviceCgroupRules: stringList,
  DeviceRequests: arrayOf(
    object({
      Driver: str,
      Count: int,
      DeviceIDs: stringList,
      Capabilities: arrayOf(stringList),
      Options: stringMap,
    }),
  ),
  // Engine 20.10 (API 1.41) still reads the kernel memory limits; newer engines ignore them.
  KernelMemory: int64,
  KernelMemoryTCP: int64,
  MemoryReservation: int64,
  MemorySwap: int64,
  MemorySwappiness: pointer(int64),
  OomKillDisable: pointer(bool),
  PidsLimit: pointer(int64),
  Ulimits: arrayOf(ulimit),
  CpuCount: int64,
  CpuPercent: int64,
  IOMaximumIOps: uint64,
  IOMaximumBandwidth: uint64,
} as const;

export const restartPolicy = object({ Name: str, MaximumRetryCount: int });

export type RestartPolicyBody = BodyOf<typeof restartPolicy>;
