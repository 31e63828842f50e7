// Namespaces: PidMode, IpcMode, UTSMode, UsernsMode, CgroupnsMode, NetworkMode and Cgroup, read as the
// engine reads them. `host` shares the host's namespace; `container:<ref>` shares another container's,
// so the caller judges that container (joining a container with host access is host access);
// `ns:<path>` names a namespace file on the host. Anything the engine would not accept is refused.
import type { ContainerConstraints } from '../container-constraints.js';
import { show } from './go-strings.js';
import type { ContainerCreateBody } from '../../inspect/schemas/container-create.js';
import type { HostConfigBody } from '../../inspect/schemas/host-config.js';
import { readRecord, readString, type FieldsOf, type ReachContext } from './reach-context.js';

type HostNamespace = keyof ContainerConstraints['hostNamespaces'];

interface ModeField {
  name: 'PidMode' | 'IpcMode' | 'UTSMode' | 'UsernsMode' | 'CgroupnsMode' | 'NetworkMode' | 'Cgroup';
  namespace?: HostNamespace;
  /** Values that mean a private namespace. */
  private: readonly string[];
  /** `container:<ref>` is accepted. */
  joins: boolean;
  /** Any other value is accepted (network names). */
  open?: boolean;
  host: string;
  flag: string;
}

const FIELDS: readonly ModeField[] = [
  { name: 'PidMode', namespace: 'pid', private: [''], joins: true, host: "shares the host's process namespace: the container sees, signals and traces every host process", flag: '--pid' },
  { name: 'IpcMode', namespace: 'ipc', private: ['', 'none', 'private', 'shareable'], joins: true, host: "shares the host's IPC namespace (shared memory of host processes)", flag: '--ipc' },
  { name: 'UTSMode', namespace: 'uts', private: [''], joins: false, host: "shares the host's UTS namespace: the container can change the host's hostname", flag: '--uts' },
  { name: 'UsernsMode', namespace: 'user', private: [''], joins: false, host: "leaves the engine's user-namespace remapping: root in the container is root on the host", flag: '--userns' },
  { name: 'CgroupnsMode', namespace: 'cgroup', private: ['', 'private'], joins: false, host: "shares the host's cgroup namespace", flag: '--cgroupns' },
  {
    name: 'NetworkMode',
    namespace: 'network',
    private: [],
    joins: true,
    open: true,
    host: "shares the host's network stack: host-only services, every interface, the host's ports",
    flag: '--network',
  },
  { name: 'Cgroup', private: [''], joins: true, host: '', flag: '--cgroup' },
];

export interface JoinedContainer {
  /** `HostConfig.NetworkMode` */
  field: string;
  /** The body key, for pinning the reference. */
  key: ModeField['name'];
  ref: string;
}

/**
 * Judges the namespace modes of a HostConfig and returns the containers it joins, for the caller to
 * judge. `ignore` leaves out fields the caller does not judge (an existing container's cgroup
 * namespace, which the engine may have chosen itself).
 */
export function judgeNamespaceModes(ctx: ReachContext, hostConfig: FieldsOf<HostConfigBody>, prefix: string, ignore: ReadonlySet<string> = new Set()): JoinedContainer[] {
  const joined: JoinedContainer[] = [];
  for (const field of FIELDS) {
    if (ignore.has(field.name)) continue;
    const at = `${prefix}${field.name}`;
    const value = readString(ctx, hostConfig[field.name], at);
    if (value === undefined || field.private.includes(value)) continue;
    if (value === 'host' && field.namespace !== undefined) {
      if (!ctx.constraints.hostNamespaces[field.namespace]) {
        ctx.deny('namespaces', at, `${show(value)} ${field.host}`, `Remove ${field.flag} host`);
      }
      continue;
    }
    if (value.startsWith('container:') && field.joins) {
      const ref = value.slice('container:'.length);
      if (ref === '') ctx.deny('namespaces', at, `${show(value)} names no container`, `Write ${field.flag} container:NAME`);
      else joined.push({ field: at, key: field.name, ref });
      continue;
    }
    if (value.startsWith('ns:')) {
      ctx.deny('namespaces', at, `${show(value)} names a namespace file on the host`, `Remove ${field.flag} ${value}`);
      continue;
    }
    if (field.open && !value.includes(':')) continue;
    ctx.deny('namespaces', at, `${show(value)} is not a mode dockgate knows for ${field.name}`, `Remove ${field.flag} or use a documented value`);
  }
  return joined;
}

/** NetworkingConfig.EndpointsConfig naming the host network. */
export function judgeEndpointsConfig(ctx: ReachContext, networkingConfig: ContainerCreateBody['NetworkingConfig'], prefix = 'NetworkingConfig'): void {
  const config = readRecord(ctx, networkingConfig, prefix);
  const endpoints = config && readRecord(ctx, config.EndpointsConfig, `${prefix}.EndpointsConfig`);
  if (!endpoints || ctx.constraints.hostNamespaces.network) return;
  if ('host' in endpoints) {
    ctx.deny(
      'namespaces',
      `${prefix}.EndpointsConfig.host`,
      "connects the container to the host network: host-only services, every interface, the host's ports",
      'Use a bridge or user-defined network',
    );
  }
}
