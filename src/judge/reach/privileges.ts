// Privileges beyond the default container: Privileged, devices, the legacy Capabilities set, unmasked
// /proc and /sys paths, sysctls, cgroup parent, runtime, OCI annotations, OOM settings that shift the
// kernel's choice of victim to the host, and a working directory inside /proc (the runc fd leak).
import { cleanPath } from '../../inspect/go-path.js';
import { show } from './go-strings.js';
import type { HostConfigBody } from '../../inspect/schemas/host-config.js';
import { readArray, readBoolean, readNumber, readString, readStringMap, readStrings, type FieldsOf, type ReachContext } from './reach-context.js';

/** The engine's default masked paths (Docker 20.10; newer engines add more). A custom list must keep them. */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
export const DEFAULT_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export function judgePrivileged(ctx: ReachContext, value: unknown, field: string, what = 'runs the container privileged'): void {
  if (readBoolean(ctx, value, field) === true && !ctx.constraints.privileged) {
    ctx.deny(
      'privileges',
      field,
      `${what}: every capability, every device, no seccomp or AppArmor, which is root on the host`,
      'Remove --privileged; add only the capabilities the policy allows',
    );
  }
}

/** Devices, DeviceCgroupRules, DeviceRequests (also in container update bodies). */
export function judgeDevices(ctx: ReachContext, hostConfig: FieldsOf<HostConfigBody>, prefix: string): void {
  if (ctx.constraints.devices) return;
  const fields: Array<['Devices' | 'DeviceCgroupRules' | 'DeviceRequests', string, string]> = [
    ['Devices', 'gives the container host devices', 'Remove --device'],
    ['DeviceCgroupRules', 'lets the container open host devices by number', 'Remove --device-cgroup-rule'],
    ['DeviceRequests', 'hands host devices (GPUs) to the container', 'Remove --gpus and --device requests'],
  ];
  for (const [name, why, fix] of fields) {
    const list = readArray(ctx, hostConfig[name], `${prefix}${name}`);
    if (list && list.length > 0) ctx.deny('privileges', `${prefix}${name}`, `${why}, which this policy does not grant`, fix);
  }
}

function isSuperset(list: readonly string[], required: readonly string[]): boolean {
  const set = new Set(list);
  return required.every((p) => set.has(p));
}

/** MaskedPaths/ReadonlyPaths replace the engine's lists: absent is the default, `[]` unmasks /proc and /sys. */
export function judgeSystemPaths(ctx: ReachContext, hostConfig: FieldsOf<HostConfigBody>, prefix: string): void {
  if (ctx.constraints.unconfined) return;
  for (const [name, defaults] of [
    ['MaskedPaths', DEFAULT_MASKED_PATHS],
    ['ReadonlyPaths', DEFAULT_READONLY_PATHS],
  ] as const) {
    if (hostConfig[name] === undefined || hostConfig[name] === null) continue;
    const list = readStrings(ctx, hostConfig[name], `${prefix}${name}`);
    if (!isSuperset(list, defaults)) {
      const missing = defaults.filter((p) => !list.includes(p));
      ctx.deny(
        'privileges',
        `${prefix}${name}`,
        list.length === 0 ? `is empty, which unmasks /proc and /sys (systempaths=unconfined)` : `leaves out ${missing.join(', ')}, which the engine protects by default`,
        `Remove ${name} (and --security-opt systempaths=unconfined) so the engine's defaults apply`,
      );
    }
  }
}

function sysctlAllowed(name: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    if (entry.endsWith('*')) return name.startsWith(entry.slice(0, -1));
    if (entry.endsWith('.')) return name.startsWith(entry);
    return name === entry;
  });
}

export function judgeSysctls(ctx: ReachContext, value: unknown, field: string): void {
  const sysctls = readStringMap(ctx, value, field);
  for (const name of Object.keys(sysctls)) {
    // runc accepts `/` as well as `.` between components.
    const normal = name.replace(/\//g, '.');
    if (!sysctlAllowed(normal, ctx.constraints.sysctls)) {
      ctx.deny(
        'privileges',
        `${field}.${name}`,
        `sets the kernel parameter ${show(name)}, which this policy does not allow`,
        `Remove --sysctl ${name}${ctx.constraints.sysctls.length > 0 ? `; allowed: ${ctx.constraints.sysctls.join(', ')}` : ''}`,
      );
    }
  }
}

export function judgeCgroupParent(ctx: ReachContext, value: unknown, field: string): void {
  const parent = readString(ctx, value, field);
  if (parent !== undefined && parent !== '' && !ctx.constraints.cgroupParent) {
    ctx.deny('privileges', field, `places the container in the host cgroup ${show(parent)}, outside the engine's limits`, 'Remove --cgroup-parent');
  }
}

export function judgeRuntime(ctx: ReachContext, value: unknown, field: string): void {
  const runtime = readString(ctx, value, field);
  if (runtime === undefined || runtime === '') return;
  if (ctx.constraints.runtimes.includes(runtime)) return;
  ctx.deny(
    'privileges',
    field,
    `chooses the runtime ${show(runtime)}, which this policy does not allow (a runtime decides the container's isolation)`,
    ctx.constraints.runtimes.length > 0 ? `Use the engine's default runtime or one of: ${ctx.constraints.runtimes.join(', ')}` : "Use the engine's default runtime",
  );
}

/** A working directory in /proc (or /dev/fd, a link into it) can leak host file descriptors (CVE-2024-21626). */
export function judgeWorkingDir(ctx: ReachContext, value: unknown, field: string): void {
  const dir = readString(ctx, value, field);
  if (dir === undefined || dir === '') return;
  const clean = cleanPath(dir.startsWith('/') ? dir : `/${dir}`);
  const risky = ['/proc', '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr'].find((p) => clean === p || clean.startsWith(`${p}/`));
  if (risky !== undefined) {
    ctx.deny('privileges', field, `starts the process in ${show(dir)}, inside ${risky}, where it can reach host file descriptors`, 'Use a working directory in the container filesystem');
  }
}

/** OCI annotations are read by runtimes, and some change how they set the container up. */
export function judgeAnnotations(ctx: ReachContext, value: unknown, field: string): void {
  const annotations = readStringMap(ctx, value, field);
  if (Object.keys(annotations).length > 0 && !ctx.constraints.unconfined) {
    ctx.deny('privileges', field, 'passes OCI annotations to the runtime, which can change how it isolates the container', 'Remove --annotation');
  }
}

/** A negative OOM score or a disabled OOM killer makes the kernel kill host processes instead. */
export function judgeOom(ctx: ReachContext, hostConfig: FieldsOf<Pick<HostConfigBody, 'OomScoreAdj' | 'OomKillDisable'>>, prefix: string): void {
  if (ctx.constraints.unconfined) return;
  const score = readNumber(ctx, hostConfig.OomScoreAdj, `${prefix}OomScoreAdj`);
  if (score !== undefined && score < 0) {
    ctx.deny(
      'privileges',
      `${prefix}OomScoreAdj`,
      `protects the container from the OOM killer (${score}), so the kernel kills host processes instead`,
      'Remove --oom-score-adj or give a value of 0 or more',
    );
  }
  if (readBoolean(ctx, hostConfig.OomKillDisable, `${prefix}OomKillDisable`) === true) {
    ctx.deny('privileges', `${prefix}OomKillDisable`, 'disables the OOM killer for the container, so the kernel kills host processes instead', 'Remove --oom-kill-disable');
  }
}

/**
 * HostConfig.Capabilities (API 1.40 only) is outside the schema: engines from 20.10 on ignore it, so a
 * decoded body never carries it. A container an older engine made may, and an existing container's
 * HostConfig (the engine's answer) is judged by the same code as a create's, so both read it.
 */
export interface LegacyCapabilitiesField {
  readonly Capabilities?: unknown;
}

/** The legacy Capabilities field (API 1.40) replaces the whole capability set. */
export function judgeLegacyCapabilities(ctx: ReachContext, value: unknown, field: string): void {
  const list = readStrings(ctx, value, field);
  if (list.length > 0 && !ctx.constraints.capAdd.includes('ALL')) {
    ctx.deny('privileges', field, 'replaces the capability set (the legacy Capabilities field)', 'Use CapAdd and CapDrop');
  }
}
