// `--profile restricted`: the Pod Security Standards' restricted level on top of baseline. The
// container must run as a numeric non-root uid with no-new-privileges, drop ALL capabilities (adding
// back at most NET_BIND_SERVICE), keep its own cgroup namespace, and set memory, pids and CPU limits.
import type { ContainerConstraints } from '../container-constraints.js';
import { BASELINE_CONSTRAINTS, BASELINE_EXCEPT, BASELINE_OPERATIONS } from './baseline-profile.js';

export const RESTRICTED_CONSTRAINTS: ContainerConstraints = {
  ...BASELINE_CONSTRAINTS,
  capAdd: ['NET_BIND_SERVICE'],
  requireDropAll: true,
  hostNamespaces: { pid: false, ipc: false, uts: false, user: false, cgroup: false, network: false },
  requireNonRoot: true,
  requireNoNewPrivileges: true,
  memory: { required: true },
  pids: { required: true },
  cpu: { required: true },
};

export const RESTRICTED_OPERATIONS: readonly string[] = BASELINE_OPERATIONS;
export const RESTRICTED_EXCEPT: readonly string[] = BASELINE_EXCEPT;
