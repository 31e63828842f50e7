// POST /containers/create: every field of the create body that reaches the host, judged against the
// client's constraints after the policy's defaults are applied. References to other containers
// (`container:<ref>` modes) are pinned to the id that was judged, so a later rename cannot swap them.
import type { ContainerCreateBody } from '../../inspect/schemas/container-create.js';
import type { HostConfigBody } from '../../inspect/schemas/host-config.js';
import { hostConfigCapabilities, judgeCapAdd, judgeCapDrop } from './capabilities.js';
import { show } from './go-strings.js';
import { judgeJoinedContainer } from './host-access.js';
import { judgeImageReference } from './image-refs.js';
import { judgeLogConfig } from './logging.js';
import { judgeAnonymousVolumes, judgeBinds, judgeMounts, judgeVolumesFrom } from './mounts.js';
import { judgeRestartWithHostPaths } from './restart-policy.js';
import { judgeEndpointsConfig, judgeNamespaceModes } from './namespaces.js';
import { judgePortBindings, judgePublishAll } from './ports.js';
import {
  judgeAnnotations,
  judgeCgroupParent,
  judgeDevices,
  judgeLegacyCapabilities,
  type LegacyCapabilitiesField,
  judgeOom,
  judgePrivileged,
  judgeRuntime,
  judgeSysctls,
  judgeSystemPaths,
  judgeWorkingDir,
} from './privileges.js';
import { isRecord, readArray, readRecord, readString, readStrings, type ReachContext } from './reach-context.js';
import { judgeCreateLimits } from './resources.js';
import { judgeSecurityOpt } from './security-options.js';
import { applyCreateDefaults } from './defaults.js';
import { imageUser, judgeEffectiveUser, judgeNoNewPrivileges } from './user.js';

/**
 * The body the judge writes its changes into: the root and HostConfig copied, the only levels it writes
 * (defaults and pinned references each put a new value in place of the old one); everything below is
 * shared with `input`, which the create's other pass and the record's needs read as it was sent. A deep
 * copy was a tenth of a refused create's judgement.
 */
function writableCopy(input: ContainerCreateBody): ContainerCreateBody {
  const body = { ...input };
  if (isRecord(input.HostConfig)) body.HostConfig = { ...input.HostConfig };
  return body;
}

/** Judges a create body; returns the body to forward (with defaults and pinned references). */
export async function judgeContainerCreate(ctx: ReachContext, input: ContainerCreateBody | null | undefined): Promise<ContainerCreateBody> {
  if (!isRecord(input)) {
    ctx.deny('body', 'body', 'a container create needs a JSON object body', 'Send the create body the Engine API defines');
    return {};
  }
  const body = writableCopy(input);
  if (ctx.defaults) applyCreateDefaults(ctx, body, ctx.defaults);
  const hostConfig: HostConfigBody & LegacyCapabilitiesField = readRecord(ctx, body.HostConfig, 'HostConfig') ?? {};
  const H = 'HostConfig.';
  const findings = ctx.findings;
  const volumeDriver = readString(ctx, hostConfig.VolumeDriver, `${H}VolumeDriver`);
  const image = readString(ctx, body.Image, 'Image');

  await findings.run('mounts', 'no host paths outside the allowed roots, no engine sockets, no unsafe volumes', async () => {
    await judgeBinds(ctx, readStrings(ctx, hostConfig.Binds, `${H}Binds`), volumeDriver);
    await judgeMounts(ctx, readArray(ctx, hostConfig.Mounts, `${H}Mounts`) ?? [], `${H}Mounts`);
    const volumesFrom = await judgeVolumesFrom(ctx, readStrings(ctx, hostConfig.VolumesFrom, `${H}VolumesFrom`));
    if (volumesFrom !== undefined) {
      hostConfig.VolumesFrom = volumesFrom;
      ctx.findings.change({ field: `${H}VolumesFrom`, value: volumesFrom });
    }
    judgeAnonymousVolumes(ctx, body.Volumes, volumeDriver);
  });
  await findings.run('restart', 'the engine does not mount host paths again on its own', () => judgeRestartWithHostPaths(ctx, hostConfig.RestartPolicy, `${H}RestartPolicy`));
  await findings.run('privileges', 'not privileged; capabilities, devices, sysctls, runtime and cgroup within the policy', () => {
    judgePrivileged(ctx, hostConfig.Privileged, `${H}Privileged`);
    judgeCapAdd(ctx, readStrings(ctx, hostConfig.CapAdd, `${H}CapAdd`), `${H}CapAdd`);
    judgeCapDrop(ctx, readStrings(ctx, hostConfig.CapDrop, `${H}CapDrop`), `${H}CapDrop`);
    judgeLegacyCapabilities(ctx, hostConfig.Capabilities, `${H}Capabilities`);
    judgeDevices(ctx, hostConfig, H);
    judgeSystemPaths(ctx, hostConfig, H);
    judgeSysctls(ctx, hostConfig.Sysctls, `${H}Sysctls`);
    judgeCgroupParent(ctx, hostConfig.CgroupParent, `${H}CgroupParent`);
    judgeRuntime(ctx, hostConfig.Runtime, `${H}Runtime`);
    judgeWorkingDir(ctx, body.WorkingDir, 'WorkingDir');
    judgeAnnotations(ctx, hostConfig.Annotations, `${H}Annotations`);
    judgeOom(ctx, hostConfig, H);
  });
  let reading = {};
  await findings.run('security-options', 'seccomp, AppArmor and SELinux stay confined', () => {
    reading = judgeSecurityOpt(ctx, readStrings(ctx, hostConfig.SecurityOpt, `${H}SecurityOpt`), `${H}SecurityOpt`, hostConfigCapabilities(hostConfig));
  });
  await findings.run('namespaces', 'no host namespaces; joined containers have no host access', async () => {
    const joined = judgeNamespaceModes(ctx, hostConfig, H);
    judgeEndpointsConfig(ctx, body.NetworkingConfig);
    for (const join of joined) {
      const target = await judgeJoinedContainer(ctx, join.field, join.ref, 'joins the namespace of the container');
      if (target && target.Id !== join.ref) {
        const pinned = `container:${target.Id}`;
        hostConfig[join.key] = pinned;
        ctx.findings.change({ field: join.field, value: pinned });
      }
    }
  });
  await findings.run(
    'user',
    ctx.constraints.requireNonRoot || ctx.constraints.requireNoNewPrivileges
      ? 'runs as a non-root user with no-new-privileges as required'
      : 'any user (the policy does not require non-root)',
    async () => {
      await judgeEffectiveUser(ctx, 'User', readString(ctx, body.User, 'User'), imageUser(ctx, image));
      judgeNoNewPrivileges(ctx, `${H}SecurityOpt`, reading);
    },
  );
  await findings.run('resources', 'limits as the policy requires', () => judgeCreateLimits(ctx, hostConfig, H));
  await findings.run('ports', 'published ports within the allowed addresses and range', () => {
    judgePortBindings(ctx, hostConfig.PortBindings, H);
    judgePublishAll(ctx, hostConfig.PublishAllPorts, `${H}PublishAllPorts`);
  });
  await findings.run('images', ctx.constraints.images.length > 0 ? `image ${show(image)} allowed` : 'any image', () => judgeImageReference(ctx, 'Image', image));
  await findings.run('logging', 'log driver allowed', () => judgeLogConfig(ctx, hostConfig.LogConfig, `${H}LogConfig`));
  if (Object.keys(hostConfig).length > 0 || isRecord(body.HostConfig)) body.HostConfig = hostConfig;
  return body;
}
