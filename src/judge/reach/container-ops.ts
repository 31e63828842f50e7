// Operations on containers that already exist: update (it can lift limits and add devices), start
// with a body (old API versions took a HostConfig there), exec (Privileged, User), and the operations
// that hand a container's reach to the client: exec, attach, archive, copy, export and commit of a
// container with host access.
import type { ContainerUpdateBody } from '../../inspect/schemas/container-update.js';
import type { ExecCreateBody } from '../../inspect/schemas/exec.js';
import type { HostConfigBody } from '../../inspect/schemas/host-config.js';
import { show } from './go-strings.js';
import { judgeContainerHostAccess } from './host-access.js';
import { judgeContainerMountPoints } from './mounts.js';
import { judgeCgroupParent, judgeDevices, judgeOom, judgePrivileged, judgeWorkingDir } from './privileges.js';
import { isRecord, readString, type FieldsOf, type ReachContext } from './reach-context.js';
import { judgeUpdateLimits } from './resources.js';
import { automaticRestart, judgeRestartWithHostPaths } from './restart-policy.js';
import { readNoNewPrivileges } from './security-options.js';
import { judgeEffectiveUser, judgeNoNewPrivileges } from './user.js';

/** POST /containers/{id}/update: a Resources document (plus RestartPolicy). */
/**
 * POST /containers/{id}/update, judged on the state it leaves: the container's current configuration with
 * the update merged in as the engine merges it. Returns the body to forward when fields were completed
 * from the current state (each recorded as a change), undefined when it goes as sent.
 */
export async function judgeContainerUpdate(ctx: ReachContext, ref: string, body: ContainerUpdateBody | null | undefined): Promise<ContainerUpdateBody | undefined> {
  if (!isRecord(body)) {
    if (body !== undefined && body !== null) ctx.deny('body', 'body', 'a container update needs a JSON object body', 'Send the update body the Engine API defines');
    return undefined;
  }
  const container = ref === '' ? undefined : await ctx.engine.container(ref);
  if (automaticRestart(body.RestartPolicy) !== undefined) {
    // The container's mounts decide whether the engine may start it again on its own.
    if (container !== undefined) await judgeContainerMountPoints(ctx, `container ${show(ref)}`, container, false, 'would mount');
    await ctx.findings.run('restart', 'the engine does not mount host paths again on its own', () => judgeRestartWithHostPaths(ctx, body.RestartPolicy, 'RestartPolicy'));
  }
  await ctx.findings.run('privileges', 'no devices, cgroup parent or OOM changes', () => {
    judgeDevices(ctx, body, '');
    judgeCgroupParent(ctx, body.CgroupParent, 'CgroupParent');
    judgeOom(ctx, body, '');
  });
  let completed: Record<string, number> = {};
  await ctx.findings.run('resources', "limits, merged with the container's current ones, stay within the policy", () => {
    completed = judgeUpdateLimits(ctx, body, container?.HostConfig);
  });
  const fields = Object.entries(completed);
  for (const [field, value] of fields) ctx.findings.change({ field, value });
  return fields.length === 0 ? undefined : { ...body, ...completed };
}

/**
 * POST /containers/{id}/start and /restart. Before API 1.24 a start body carried a HostConfig: nothing
 * may be sent now. Host paths are mounted at start, not at create, and the filesystem may have changed
 * in between (a directory under a root replaced by a symlink to /), so the container's binds and
 * volume devices are resolved on the host again, just before the engine mounts them.
 */
export async function judgeContainerStart(ctx: ReachContext, ref: string, body: unknown): Promise<void> {
  const empty = body === undefined || body === null || (isRecord(body) && Object.keys(body).length === 0);
  if (empty) ctx.findings.pass('body', 'no body: the container starts with the configuration it was created with');
  else {
    ctx.deny(
      'body',
      'body',
      "a body on start would change the container's HostConfig (old API versions), bypassing the create judgement",
      'Send start without a body; set options when creating the container',
    );
  }
  const container = ref === '' ? undefined : await ctx.engine.container(ref);
  if (container === undefined) {
    ctx.findings.skip('mounts', `no container ${show(ref)}: the engine will answer that it does not exist`);
    return;
  }
  await ctx.findings.run('mounts', 'its host paths still resolve under the allowed roots', () => judgeContainerMountPoints(ctx, `container ${show(ref)}`, container, false, 'would mount'));
}

/** POST /containers/{id}/exec. */
export async function judgeExecCreate(ctx: ReachContext, containerRef: string, body: ExecCreateBody | null | undefined): Promise<void> {
  const exec: ExecCreateBody = isRecord(body) ? body : {};
  await ctx.findings.run('privileges', 'exec is not privileged', () => {
    judgePrivileged(ctx, exec.Privileged, 'Privileged', 'runs the exec privileged');
    judgeWorkingDir(ctx, exec.WorkingDir, 'WorkingDir');
  });
  const container = await judgeContainerHostAccess(ctx, containerRef, 'executes a command in');
  await ctx.findings.run('user', ctx.constraints.requireNonRoot ? 'exec runs as a non-root user' : 'any user (the policy does not require non-root)', async () => {
    await judgeEffectiveUser(ctx, 'User', readString(ctx, exec.User, 'User'), async () => {
      if (container === undefined) return undefined;
      return { user: typeof container.Config?.User === 'string' ? container.Config.User : '', from: `the container ${show(containerRef)}` };
    });
    if (ctx.constraints.requireNoNewPrivileges && container !== undefined) {
      // The engine's answer, plain JSON: its fields are checked here.
      const hostConfig: FieldsOf<HostConfigBody> = isRecord(container.HostConfig) ? container.HostConfig : {};
      const options = Array.isArray(hostConfig.SecurityOpt) ? hostConfig.SecurityOpt.filter((o): o is string => typeof o === 'string') : [];
      const noNewPrivileges = readNoNewPrivileges(options);
      judgeNoNewPrivileges(ctx, `container ${show(containerRef)}`, noNewPrivileges === undefined ? {} : { noNewPrivileges });
    }
  });
}

/** POST /exec/{id}/start: the exec is resolved to its container, which must have no host access. */
export async function judgeExecStart(ctx: ReachContext, execId: string): Promise<void> {
  const exec = await ctx.engine.exec(execId);
  if (exec === undefined) {
    ctx.findings.skip('host-access', `no exec ${show(execId)}: the engine will answer that it does not exist`);
    return;
  }
  await judgeContainerHostAccess(ctx, exec.ContainerID, 'starts an exec in');
}

/**
 * Operations that use an existing container's reach (attach, archive, copy, export, commit): `verb` says
 * what the request does to it (`attaches to`).
 */
export async function judgeContainerUse(ctx: ReachContext, verb: string, ref: string | undefined): Promise<void> {
  if (ref === undefined || ref === '') {
    ctx.findings.skip('host-access', 'no container named: the engine will refuse the request');
    return;
  }
  await judgeContainerHostAccess(ctx, ref, verb);
}

const HEX_NAME = /^\/?([0-9a-f]+)$/;

/**
 * The name a create or rename gives a container. The engine resolves a reference as a full id, then a
 * name, then an id prefix: a container named like another's id prefix takes over every later reference
 * to that prefix. Such names are refused; the container being renamed (`self`) may take its own.
 */
export async function judgeContainerName(ctx: ReachContext, name: string | undefined, field: string, self?: string): Promise<void> {
  const hex = name === undefined ? null : HEX_NAME.exec(name);
  if (hex === null) {
    ctx.findings.pass('names', name === undefined ? 'no name given: the engine picks one' : `the name ${show(name)} cannot be read as an id`);
    return;
  }
  const prefix = hex[1]!;
  if (ctx.defers(field, `the containers whose id starts with ${show(prefix)}`)) return;
  let other: { Id: string } | undefined;
  try {
    other = await ctx.engine.container(prefix);
  } catch {
    ctx.deny(
      'names',
      field,
      `${show(name)} is made of hexadecimal digits, and dockgate could not tell whether it is the id prefix of other containers`,
      'Choose a name with a letter beyond a-f, or retry',
    );
    return;
  }
  if (other === undefined || !other.Id.startsWith(prefix) || other.Id === self) {
    ctx.findings.pass('names', `the name ${show(name)} is no other container's id prefix`);
    return;
  }
  // The other container is not named: it may be another owner's, whose id a client must not learn.
  ctx.deny(
    'names',
    field,
    `${show(name)} is the id prefix of another container: references to it would reach this container instead`,
    "Choose a name that is not the start of another container's id",
  );
}

/** POST /containers/{id}/rename?name=: the container is looked up (and forwarded by id), the new name judged. */
export async function judgeContainerRename(ctx: ReachContext, ref: string, name: string | undefined): Promise<void> {
  const container = await ctx.engine.container(ref);
  await judgeContainerName(ctx, name, '?name', container?.Id);
}
