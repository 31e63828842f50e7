// Whether an existing container has host access for this client: whether it would fail the client's
// own create constraints on anything that reaches the host (privileges, capabilities, devices,
// confinement, host namespaces, host mounts, sysctls, cgroup parent). Exec, attach, archive, copy,
// export, commit and joining its namespaces hand that reach to the client, so they are refused.
// Not counted: user, limits, ports, images, labels and the runtime (inspect names the engine's default
// runtime explicitly, and a runtime gives an exec nothing the container does not already have).
import type { HostConfigBody } from '../../inspect/schemas/host-config.js';
import type { ContainerFacts } from '../engine-lookup.js';
import { hostConfigCapabilities, judgeCapAdd } from './capabilities.js';
import { show } from './go-strings.js';
import { judgeContainerMountPoints } from './mounts.js';
import { judgeNamespaceModes } from './namespaces.js';
import { judgeCgroupParent, judgeDevices, judgeLegacyCapabilities, judgePrivileged, judgeSysctls, judgeSystemPaths, type LegacyCapabilitiesField } from './privileges.js';
import { isRecord, ReachContext, readStrings, type FieldsOf } from './reach-context.js';
import { judgeSecurityOpt } from './security-options.js';

/** How deep `container:` chains are followed (a joins b joins c ...). */
const MAX_DEPTH = 4;

/**
 * The reasons an existing container has host access under the client's constraints; empty when it has none.
 * The engine may set the cgroup namespace to `host` itself (cgroup v1 hosts), so that is not counted.
 */
export async function hostAccessOf(ctx: ReachContext, container: ContainerFacts, depth = 0): Promise<string[]> {
  const sub = new ReachContext(ctx.constraints, undefined, ctx.engine, ctx.options);
  // The engine's inspect answer, plain JSON read by the HostConfig's field names: each value is checked where it is read.
  const hostConfig: FieldsOf<HostConfigBody & LegacyCapabilitiesField> = isRecord(container.HostConfig) ? container.HostConfig : {};
  const name = show(container.Name?.replace(/^\//, '') || container.Id?.slice(0, 12));
  judgePrivileged(sub, hostConfig.Privileged, 'Privileged', 'is privileged');
  judgeCapAdd(sub, readStrings(sub, hostConfig.CapAdd, 'CapAdd'), 'CapAdd');
  judgeLegacyCapabilities(sub, hostConfig.Capabilities, 'Capabilities');
  judgeDevices(sub, hostConfig, '');
  judgeSecurityOpt(sub, readStrings(sub, hostConfig.SecurityOpt, 'SecurityOpt'), 'SecurityOpt', hostConfigCapabilities(hostConfig));
  judgeSystemPaths(sub, hostConfig, '');
  judgeSysctls(sub, hostConfig.Sysctls, 'Sysctls');
  judgeCgroupParent(sub, hostConfig.CgroupParent, 'CgroupParent');
  const joined = judgeNamespaceModes(sub, hostConfig, '', new Set(['CgroupnsMode']));
  await judgeContainerMountPoints(sub, 'Mounts', container, false, 'has');
  for (const join of joined) {
    if (depth >= MAX_DEPTH) {
      sub.deny('host-access', join.field, 'joins containers too deeply nested to judge', 'Join the container directly');
      continue;
    }
    const target = await ctx.engine.container(join.ref);
    if (target === undefined) continue;
    const reasons = await hostAccessOf(ctx, target, depth + 1);
    if (reasons.length > 0) sub.deny('host-access', join.field, `joins ${show(join.ref)}, which has host access (${reasons[0]})`, '');
  }
  return sub.findings.violations.map((v) => `${name} ${v.field}: ${v.why}`);
}

export interface ResolvedJoin {
  /** The full id of the container joined, to pin the reference. */
  id: string;
}

/**
 * Judges a container the request joins or uses by reference (`container:<ref>`, VolumesFrom excepted).
 * Returns the resolved container, or undefined when it was refused.
 */
export async function judgeJoinedContainer(ctx: ReachContext, field: string, ref: string, what: string): Promise<ContainerFacts | undefined> {
  if (ctx.defers(field, `the container ${show(ref)}`)) return undefined;
  const target = await ctx.engine.container(ref);
  if (target === undefined) {
    ctx.deny('namespaces', field, `${what} ${show(ref)}, which does not exist, so it cannot be judged`, 'Start the container first, then refer to it');
    return undefined;
  }
  const reasons = await hostAccessOf(ctx, target);
  if (reasons.length > 0) {
    ctx.deny('host-access', field, `${what} ${show(ref)}, which has host access: ${reasons[0]}`, 'Join a container that this policy would let you create');
    return undefined;
  }
  return target;
}

/** Refuses an operation on an existing container with host access (exec, attach, archive, export, ...). */
export async function judgeContainerHostAccess(ctx: ReachContext, ref: string, what: string): Promise<ContainerFacts | undefined> {
  const container = await ctx.engine.container(ref);
  if (container === undefined) {
    ctx.findings.skip('host-access', `no container ${show(ref)}: the engine will answer that it does not exist`);
    return undefined;
  }
  const reasons = await hostAccessOf(ctx, container);
  if (reasons.length > 0) {
    ctx.deny('host-access', `container ${show(ref)}`, `${what} a container with host access: ${reasons.join('; ')}`, 'Use a container this policy would let you create');
  } else {
    ctx.findings.pass('host-access', `container ${show(ref)} has no host access under this policy`);
  }
  return container;
}
