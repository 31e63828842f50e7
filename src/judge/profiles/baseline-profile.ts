// `--profile baseline` (the default of `dockgate serve`): the Kubernetes Pod Security Standards'
// baseline mapped to Docker fields, plus every Docker-only way to the host. Normal CLI work passes:
// run, exec (as any user), build with the classic builder from a local context, volumes, bridge and
// overlay networks, pull, push, save, load, cp, logs, services. Refused: privileged containers, host
// namespaces, capabilities beyond the PSS list, devices, unconfined seccomp/AppArmor/SELinux, unmasked
// /proc, sysctls outside the container's own network namespace beyond the PSS list, cgroup parents, other runtimes, host binds (unless --allow-bind
// grants a root), volumes with bind or device options, macvlan/ipvlan networks, log drivers that send
// elsewhere, swarm membership, plugin privileges, BuildKit's channels, URLs the engine would fetch,
// exec into containers with host access, CRIU checkpoints and the engine's debug endpoints.
import type { ContainerConstraints } from '../container-constraints.js';
import { DOCKER_DEFAULT_CAPABILITIES } from '../reach/capabilities.js';

/** Capabilities the PSS baseline allows to add (Docker's default set without NET_RAW). */
export const PSS_BASELINE_CAPABILITIES: readonly string[] = DOCKER_DEFAULT_CAPABILITIES.filter((capability) => capability !== 'NET_RAW');

/**
 * Sysctls baseline allows. The PSS safe set is a floor: on Docker every `net.*` sysctl a container can set
 * acts in its own network namespace (the kernel shows a non-initial namespace only its namespaced `net.*`
 * parameters, and runc refuses them for a container on the host's network, which baseline refuses anyway),
 * and Compose files commonly set them (`net.core.somaxconn`). The IPC ones beyond the PSS entry
 * (kernel.msgmnb, kernel.shmmax, ...) stay out: they raise limits on kernel memory the container can pin.
 * A policy rule can allow more (`constraints: { sysctls: [...] }`).
 */
export const BASELINE_SYSCTLS: readonly string[] = ['kernel.shm_rmid_forced', 'net.*'];

export const BASELINE_CONSTRAINTS: ContainerConstraints = {
  bindRoots: [],
  privileged: false,
  capAdd: PSS_BASELINE_CAPABILITIES,
  requireDropAll: false,
  devices: false,
  // The cgroup namespace is not a PSS baseline control (the engine itself picks `host` on cgroup v1).
  hostNamespaces: { pid: false, ipc: false, uts: false, user: false, cgroup: true, network: false },
  unconfined: false,
  sysctls: BASELINE_SYSCTLS,
  runtimes: ['runc', 'io.containerd.runc.v2'],
  apparmorProfiles: [],
  topArguments: 'safe',
  cgroupParent: false,
  volumeDrivers: [],
  requireNonRoot: false,
  requireNoNewPrivileges: false,
  memory: { required: false },
  pids: { required: false },
  cpu: { required: false },
  ports: { hostIps: ['0.0.0.0'], min: 1, max: 65535, publishAll: true },
  images: [],
  logDrivers: ['json-file', 'local', 'journald', 'none'],
  networkDrivers: ['bridge', 'overlay'],
  plugins: false,
  swarm: false,
  buildkit: false,
  remoteFetch: false,
};

/** Operation patterns baseline grants: everything the route table knows ... */
export const BASELINE_OPERATIONS: readonly string[] = ['*'];
/** ... except CRIU checkpoints (the host dumps and restores process memory) and the engine's debug endpoints. */
export const BASELINE_EXCEPT: readonly string[] = ['container.checkpoint.*', 'debug.*'];
