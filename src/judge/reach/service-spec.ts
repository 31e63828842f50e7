// Swarm services (services/create, services/{id}/update): the TaskTemplate's ContainerSpec is a
// container create by another name (mounts, privileges, capabilities, sysctls, user), plus the
// networks the tasks attach to (the swarm `host` network) and the ports published on every node.
// Host paths in mounts are judged on this host; tasks scheduled elsewhere resolve them there.
import type { ContainerSpecBody, ServiceSpecBody, TaskSpecBody } from '../../inspect/schemas/service-spec.js';
import { ALLOWED_SELINUX_TYPES, judgeInlineSeccomp, type SecurityOptReading } from './security-options.js';
import { hostConfigCapabilities, judgeCapAdd, judgeCapDrop } from './capabilities.js';
import { judgeServiceHostPaths } from './restart-policy.js';
import { show } from './go-strings.js';
import { judgeImageReference } from './image-refs.js';
import { judgeLogDriver } from './logging.js';
import { judgeMounts } from './mounts.js';
import { judgeHostPort } from './ports.js';
import { judgeOom, judgeSysctls, judgeWorkingDir } from './privileges.js';
import { readArray, readBoolean, readNumber, readRecord, readString, type ReachContext } from './reach-context.js';
import { judgeServiceLimits } from './resources.js';
import { imageUser, judgeEffectiveUser, judgeNoNewPrivileges } from './user.js';

/** A Go []byte field in JSON: standard base64 with padding (Go skips CR and LF); undefined when Go would refuse it. */
function decodeGoBytes(text: string): string | undefined {
  const clean = text.replace(/[\r\n]/g, '');
  if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined;
  return Buffer.from(clean, 'base64').toString('utf8');
}

const UNCONFINED_FIX = 'Remove the option: the service must keep the default seccomp, AppArmor and SELinux confinement';

function judgePrivilegesBlock(ctx: ReachContext, value: ContainerSpecBody['Privileges'], prefix: string, caps: ReadonlySet<string>): SecurityOptReading {
  const reading: SecurityOptReading = {};
  const privileges = readRecord(ctx, value, prefix);
  if (!privileges) return reading;
  const unconfined = (field: string, why: string): void => {
    if (!ctx.constraints.unconfined) ctx.deny('security-options', field, why, UNCONFINED_FIX);
  };
  const credential = readRecord(ctx, privileges.CredentialSpec, `${prefix}.CredentialSpec`);
  if (credential && Object.values(credential).some((v) => v !== undefined && v !== null && v !== '')) {
    unconfined(`${prefix}.CredentialSpec`, 'hands the tasks a host credential spec (Windows gMSA)');
  }
  const selinux = readRecord(ctx, privileges.SELinuxContext, `${prefix}.SELinuxContext`);
  if (selinux) {
    if (readBoolean(ctx, selinux.Disable, `${prefix}.SELinuxContext.Disable`) === true) unconfined(`${prefix}.SELinuxContext.Disable`, 'turns SELinux labelling off');
    for (const key of ['User', 'Role'] as const) {
      const text = readString(ctx, selinux[key], `${prefix}.SELinuxContext.${key}`);
      if (text) unconfined(`${prefix}.SELinuxContext.${key}`, `sets the SELinux ${key.toLowerCase()} label, which the Pod Security Standards refuse`);
    }
    const type = readString(ctx, selinux.Type, `${prefix}.SELinuxContext.Type`);
    if (type && !ALLOWED_SELINUX_TYPES.includes(type))
      unconfined(`${prefix}.SELinuxContext.Type`, `runs the tasks with the SELinux type ${show(type)} (allowed: ${ALLOWED_SELINUX_TYPES.join(', ')})`);
  }
  const seccomp = readRecord(ctx, privileges.Seccomp, `${prefix}.Seccomp`);
  if (seccomp) {
    const mode = readString(ctx, seccomp.Mode, `${prefix}.Seccomp.Mode`);
    if (mode === 'unconfined') unconfined(`${prefix}.Seccomp.Mode`, 'turns seccomp off');
    else if (mode === 'custom') {
      const profile = decodeGoBytes(readString(ctx, seccomp.Profile, `${prefix}.Seccomp.Profile`) ?? '');
      if (profile === undefined) ctx.deny('security-options', `${prefix}.Seccomp.Profile`, 'is not base64, as the engine reads this []byte field', 'Send the profile base64-encoded');
      else judgeInlineSeccomp(ctx, `${prefix}.Seccomp.Profile`, profile, caps);
    } else if (mode !== undefined && mode !== '' && mode !== 'default')
      ctx.deny('security-options', `${prefix}.Seccomp.Mode`, `${show(mode)} is not a seccomp mode dockgate knows`, 'Use default or custom');
  }
  const apparmor = readRecord(ctx, privileges.AppArmor, `${prefix}.AppArmor`);
  if (apparmor) {
    const mode = readString(ctx, apparmor.Mode, `${prefix}.AppArmor.Mode`);
    if (mode === 'disabled') unconfined(`${prefix}.AppArmor.Mode`, 'turns AppArmor off');
    else if (mode !== undefined && mode !== '' && mode !== 'default')
      ctx.deny('security-options', `${prefix}.AppArmor.Mode`, `${show(mode)} is not an AppArmor mode dockgate knows`, 'Use default');
  }
  const noNewPrivileges = readBoolean(ctx, privileges.NoNewPrivileges, `${prefix}.NoNewPrivileges`);
  if (noNewPrivileges !== undefined) reading.noNewPrivileges = noNewPrivileges;
  return reading;
}

async function judgeNetworkTargets(ctx: ReachContext, value: TaskSpecBody['Networks'], prefix: string): Promise<void> {
  const networks = readArray(ctx, value, prefix) ?? [];
  for (const [i, item] of networks.entries()) {
    const at = `${prefix}[${i}].Target`;
    const attachment = readRecord(ctx, item, `${prefix}[${i}]`) ?? {};
    const target = readString(ctx, attachment.Target, at) ?? '';
    if (ctx.constraints.hostNamespaces.network) continue;
    if (target === 'host') {
      ctx.deny('networks', at, "attaches the tasks to the host network: host-only services, every interface, the host's ports", 'Use an overlay network');
      continue;
    }
    if (ctx.engine.network === undefined) {
      ctx.deny('networks', at, `dockgate cannot look up the network ${show(target)} to tell whether it is the host network`, 'Ask the operator to update dockgate');
      continue;
    }
    const network = await ctx.engine.network(target);
    if (network && network.Driver === 'host') {
      ctx.deny('networks', at, `the network ${show(target)} is the host network: host-only services, every interface, the host's ports`, 'Use an overlay network');
    }
  }
}

/** A ServiceSpec, as sent to services/create and services/{id}/update. */
export async function judgeServiceSpec(ctx: ReachContext, body: ServiceSpecBody | null | undefined): Promise<void> {
  const spec = readRecord(ctx, body, 'body');
  if (!spec) {
    ctx.deny('body', 'body', 'a service needs a JSON object body', 'Send the ServiceSpec the Engine API defines');
    return;
  }
  const template: TaskSpecBody = readRecord(ctx, spec.TaskTemplate, 'TaskTemplate') ?? {};
  const T = 'TaskTemplate';
  const runtime = readString(ctx, template.Runtime, `${T}.Runtime`) ?? '';
  await ctx.findings.run('plugins', 'the tasks are containers', () => {
    if ((runtime === 'plugin' || (template.PluginSpec !== undefined && template.PluginSpec !== null)) && !ctx.constraints.plugins) {
      ctx.deny('plugins', `${T}.PluginSpec`, 'installs a plugin on every node, with the privileges it asks for', 'Run the service as containers, or ask for a rule that grants plugins');
    }
    if (runtime === 'attachment' || (template.NetworkAttachmentSpec !== undefined && template.NetworkAttachmentSpec !== null)) {
      ctx.deny('body', `${T}.NetworkAttachmentSpec`, 'network attachment tasks are made by the engine itself, not by clients', 'Remove it');
    }
    if (!['', 'container', 'plugin', 'attachment'].includes(runtime)) {
      ctx.deny('body', `${T}.Runtime`, `${show(runtime)} is not a task runtime dockgate knows`, 'Remove it');
    }
  });
  const C = `${T}.ContainerSpec`;
  const container: ContainerSpecBody = readRecord(ctx, template.ContainerSpec, C) ?? {};
  const image = readString(ctx, container.Image, `${C}.Image`);
  let reading: SecurityOptReading = {};
  await ctx.findings.run('mounts', 'no host paths outside the allowed roots, no engine sockets, no unsafe volumes', () =>
    judgeMounts(ctx, readArray(ctx, container.Mounts, `${C}.Mounts`) ?? [], `${C}.Mounts`),
  );
  await ctx.findings.run('restart', 'no host paths the swarm would mount on its own', () => judgeServiceHostPaths(ctx, `${C}.Mounts`));
  await ctx.findings.run('privileges', 'capabilities and sysctls within the policy', () => {
    const caps = (name: 'CapabilityAdd' | 'CapabilityDrop'): string[] => (readArray(ctx, container[name], `${C}.${name}`) ?? []).filter((c): c is string => typeof c === 'string');
    judgeCapAdd(ctx, caps('CapabilityAdd'), `${C}.CapabilityAdd`);
    judgeCapDrop(ctx, caps('CapabilityDrop'), `${C}.CapabilityDrop`);
    judgeSysctls(ctx, container.Sysctls, `${C}.Sysctls`);
    judgeWorkingDir(ctx, container.Dir, `${C}.Dir`);
    judgeOom(ctx, container, `${C}.`);
  });
  await ctx.findings.run('security-options', 'seccomp, AppArmor and SELinux stay confined', () => {
    reading = judgePrivilegesBlock(ctx, container.Privileges, `${C}.Privileges`, hostConfigCapabilities({ CapAdd: container.CapabilityAdd, CapDrop: container.CapabilityDrop }));
  });
  await ctx.findings.run(
    'user',
    ctx.constraints.requireNonRoot || ctx.constraints.requireNoNewPrivileges
      ? 'runs as a non-root user with no-new-privileges as required'
      : 'any user (the policy does not require non-root)',
    async () => {
      await judgeEffectiveUser(ctx, `${C}.User`, readString(ctx, container.User, `${C}.User`), imageUser(ctx, image));
      judgeNoNewPrivileges(ctx, `${C}.Privileges.NoNewPrivileges`, reading);
    },
  );
  await ctx.findings.run('resources', 'limits as the policy requires', () => {
    const resources = readRecord(ctx, template.Resources, `${T}.Resources`) ?? {};
    judgeServiceLimits(ctx, readRecord(ctx, resources.Limits, `${T}.Resources.Limits`) ?? {}, `${T}.Resources.Limits.`);
  });
  await ctx.findings.run('networks', 'not attached to the host network', async () => {
    await judgeNetworkTargets(ctx, template.Networks, `${T}.Networks`);
    await judgeNetworkTargets(ctx, spec.Networks, 'Networks');
  });
  await ctx.findings.run('ports', 'published ports within the allowed addresses and range', () => {
    const endpoint = readRecord(ctx, spec.EndpointSpec, 'EndpointSpec') ?? {};
    (readArray(ctx, endpoint.Ports, 'EndpointSpec.Ports') ?? []).forEach((item, i) => {
      const port = readRecord(ctx, item, `EndpointSpec.Ports[${i}]`) ?? {};
      const published = readNumber(ctx, port.PublishedPort, `EndpointSpec.Ports[${i}].PublishedPort`);
      judgeHostPort(ctx, `EndpointSpec.Ports[${i}]`, '', published === undefined ? '' : String(published), '--publish');
    });
  });
  await ctx.findings.run('images', ctx.constraints.images.length > 0 ? `image ${show(image)} allowed` : 'any image', () => judgeImageReference(ctx, `${C}.Image`, image));
  await ctx.findings.run('logging', 'log driver allowed', () => {
    const driver = readRecord(ctx, template.LogDriver, `${T}.LogDriver`);
    if (driver) judgeLogDriver(ctx, readString(ctx, driver.Name, `${T}.LogDriver.Name`), `${T}.LogDriver.Name`);
  });
}
