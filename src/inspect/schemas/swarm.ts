// Swarm bodies: POST /swarm/init, /swarm/join and /swarm/update. They make this engine a manager or a
// worker of a cluster (which then runs services on it) and set the cluster's CA and defaults.
import { arrayOf, bool, duration, int, int64, object, str, stringList, stringMap, uint32, uint64 } from '../body-schema.js';
import { annotationsFields, swarmDriver } from './swarm-common.js';

/** swarm.Spec: the body of /swarm/update and the Spec of /swarm/init. */
export const swarmSpecBody = object({
  ...annotationsFields,
  Orchestration: object({ TaskHistoryRetentionLimit: int64 }),
  Raft: object({
    SnapshotInterval: uint64,
    KeepOldSnapshots: uint64,
    LogEntriesForSlowFollowers: uint64,
    ElectionTick: int,
    HeartbeatTick: int,
  }),
  Dispatcher: object({ HeartbeatPeriod: duration }),
  CAConfig: object({
    NodeCertExpiry: duration,
    ExternalCAs: arrayOf(object({ Protocol: str, URL: str, Options: stringMap, CACert: str })),
    SigningCACert: str,
    SigningCAKey: str,
    ForceRotate: uint64,
  }),
  TaskDefaults: object({ LogDriver: swarmDriver }),
  EncryptionConfig: object({ AutoLockManagers: bool }),
});

export const swarmInitBody = object({
  ListenAddr: str,
  AdvertiseAddr: str,
  DataPathAddr: str,
  DataPathPort: uint32,
  ForceNewCluster: bool,
  Spec: swarmSpecBody,
  // Not in the specs; in the Go type and sent by the Docker CLI.
  AutoLockManagers: bool,
  Availability: str,
  DefaultAddrPool: stringList,
  SubnetSize: uint32,
});

export const swarmJoinBody = object({
  ListenAddr: str,
  AdvertiseAddr: str,
  DataPathAddr: str,
  RemoteAddrs: stringList,
  JoinToken: str,
  // Not in the specs; in the Go type and sent by the Docker CLI.
  Availability: str,
});
