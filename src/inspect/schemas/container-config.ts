// container.Config, the portable part of a container (the root of a container create body, the whole
// body of a commit), as engines 20.10 (API 1.41) to the newest (API 1.56) decode it.
import { bool, duration, emptyObject, int, mapOf, object, pointer, str, strSlice, stringList, stringMap } from '../body-schema.js';
import { portSet } from './port.js';

/** *container.HealthConfig (dockerspec.HealthcheckConfig on newer engines); durations in nanoseconds. */
export const healthConfig = pointer(
  object({
    Test: stringList,
    Interval: duration,
    Timeout: duration,
    StartPeriod: duration,
    StartInterval: duration,
    Retries: int,
  }),
);

export const containerConfigFields = {
  Hostname: str,
  Domainname: str,
  User: str,
  AttachStdin: bool,
  AttachStdout: bool,
  AttachStderr: bool,
  ExposedPorts: portSet,
  Tty: bool,
  OpenStdin: bool,
  StdinOnce: bool,
  Env: stringList,
  Cmd: strSlice,
  Healthcheck: healthConfig,
  ArgsEscaped: bool,
  Image: str,
  Volumes: mapOf(emptyObject()),
  WorkingDir: str,
  Entrypoint: strSlice,
  NetworkDisabled: bool,
  // A Config field up to engine 28; newer engines still apply a root-level MacAddress for API < 1.52.
  MacAddress: str,
  OnBuild: stringList,
  Labels: stringMap,
  StopSignal: str,
  StopTimeout: pointer(int),
  Shell: strSlice,
} as const;

export const containerConfig = object(containerConfigFields);
