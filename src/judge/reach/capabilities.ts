// Capability names read the way the engine reads them: upper-cased rune by rune, with or without the
// `CAP_` prefix, `ALL` meaning every capability.
import { goToUpper, show } from './go-strings.js';
import type { ReachContext } from './reach-context.js';

/** Canonical spelling for comparison: upper case without `CAP_` (`cap_sys_admin` → `SYS_ADMIN`). */
export function normaliseCapability(name: string): string {
  const upper = goToUpper(name);
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** Docker's default capability set (what a container has without CapAdd). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'NET_RAW', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

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
