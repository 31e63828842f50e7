// A seccomp profile as the engine decodes it (moby's types.Seccomp): sent inline in SecurityOpt
// (`seccomp=<JSON>`, the CLI reads the file) or in a service's Privileges.Seccomp.Profile. Read with the
// same Go-compatible reader as bodies, so the profile judged is the profile the engine will load.
import { arrayOf, object, pointer, str, stringList, uint, uint64 } from '../body-schema.js';

/** types.Filter: a rule applies only when the container has all `caps` (includes) or none of them (excludes). */
const filter = object({ caps: stringList, arches: stringList, minKernel: str });

const syscall = pointer(
  object({
    name: str,
    names: stringList,
    action: str,
    errnoRet: pointer(uint),
    args: arrayOf(pointer(object({ index: uint, value: uint64, valueTwo: uint64, op: str }))),
    comment: str,
    includes: filter,
    excludes: filter,
  }),
);

export const seccompProfile = object({
  defaultAction: str,
  defaultErrnoRet: pointer(uint),
  listenerPath: str,
  listenerMetadata: str,
  architectures: stringList,
  archMap: arrayOf(object({ architecture: str, subArchitectures: stringList })),
  syscalls: arrayOf(syscall),
  flags: stringList,
});
