// Capability names read the way the engine reads them: upper-cased rune by rune, with or without the
// `CAP_` prefix, `ALL` meaning every capability.
import { goToUpper, show } from './go-strings.js';
import type { HostConfigBody } from '../../inspect/schemas/host-config.js';
import type { FieldsOf, ReachContext } from './reach-context.js';

/** Canonical spelling for comparison: upper case without `CAP_` (`cap_sys_admin` → `SYS_ADMIN`). */
export function normaliseCapability(name: string): string {
  const upper = goToUpper(name);
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** Docker's default capability set (what a container has without CapAdd). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** Every Linux capability (what `ALL` and a privileged container mean). */
const ALL_CAPABILITIES: readonly string[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
];

/**
 * The capabilities a container runs with, as moby's TweakCapabilities computes them: every one when
 * privileged or when CapAdd has ALL (less CapDrop); only CapAdd when CapDrop has ALL; else the defaults
 * less CapDrop plus CapAdd.
 */
export function effectiveCapabilities(capAdd: readonly string[], capDrop: readonly string[], privileged: boolean): Set<string> {
  if (privileged) return new Set(ALL_CAPABILITIES);
  const add = capAdd.map(normaliseCapability);
  const drop = new Set(capDrop.map(normaliseCapability));
  if (add.includes('ALL')) return new Set(ALL_CAPABILITIES.filter((cap) => !drop.has(cap)));
  if (drop.has('ALL')) return new Set(add);
  return new Set([...DOCKER_DEFAULT_CAPABILITIES.filter((cap) => !drop.has(cap)), ...add]);
}

/** effectiveCapabilities of a container's HostConfig (or a create body's), read leniently: the judges refuse bad shapes. */
export function hostConfigCapabilities(hostConfig: FieldsOf<Pick<HostConfigBody, 'CapAdd' | 'CapDrop' | 'Privileged'>>): Set<string> {
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
  return effectiveCapabilities(list(hostConfig.CapAdd), list(hostConfig.CapDrop), hostConfig.Privileged === true);
}

/** Capabilities added beyond the allow list (a list of offending entries as given). */
export function judgeCapAdd(ctx: ReachContext, caps: readonly string[], field: string): void {
  const allowed = new Set(ctx.constraints.capAdd.map(normaliseCapability));
  if (allowed.has('ALL')) return;
  caps.forEach((cap, i) => {
    const name = normaliseCapability(cap);
    if (allowed.has(name)) return;
    const list = [...allowed].join(', ') || 'none';
    ctx.deny(
      'privileges',
      `${field}[${i}]`,
      name === 'ALL'
        ? `adds every capability (${show(cap)}), which gives the container the host's root powers`
        : `adds the capability ${show(cap)}, which this policy does not grant (allowed: ${list})`,
      `Remove --cap-add ${cap}${list === 'none' ? '' : `; only ${list} may be added`}`,
    );
  });
}

/** The capability drop list must contain ALL when the policy requires it. */
export function judgeCapDrop(ctx: ReachContext, caps: readonly string[], field: string): void {
  if (!ctx.constraints.requireDropAll) return;
  if (caps.some((cap) => normaliseCapability(cap) === 'ALL')) return;
  ctx.deny('privileges', field, 'does not drop ALL capabilities, which this policy requires', 'Add --cap-drop ALL (and --cap-add only what the policy allows)');
}
