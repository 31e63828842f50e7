// SecurityOpt entries read the way dockerd's parseSecurityOpt reads them: `no-new-privileges`,
// `disable` and `writable-cgroups` alone, otherwise `key=value` or the deprecated `key:value`
// (split at the first `=` if there is one anywhere, else at the first `:`). Refused unless the policy
// grants unconfined containers: seccomp, apparmor or SELinux off, an inline seccomp profile that allows
// everything by default, writable cgroups, and `systempaths=unconfined`.
import { parseGoBool, show } from './go-strings.js';
import type { ReachContext } from './reach-context.js';

/** SELinux types the Pod Security Standards allow (`label=type:...`). */
export const ALLOWED_SELINUX_TYPES: readonly string[] = ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

export interface SecurityOptReading {
  /** The effective no-new-privileges setting (the last entry wins), undefined when none is given. */
  noNewPrivileges?: boolean;
}

const UNCONFINED_FIX = 'Remove the option: the container must keep the default seccomp, AppArmor and SELinux confinement';

function unconfined(ctx: ReachContext, field: string, why: string, fix = UNCONFINED_FIX): void {
  if (!ctx.constraints.unconfined) ctx.deny('security-options', field, why, fix);
}

/** Go's encoding/json key folding: ASCII case, `ſ` for s and the Kelvin sign for k. */
function goFold(key: string): string {
  return key.replace(/\u017f/g, 's').replace(/\u212a/g, 'k').replace(/[A-Z]/g, (c) => c.toLowerCase());
}

const ALLOW_ALL_ACTIONS = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

/** An inline seccomp profile (the CLI sends the file's JSON): refused when it allows by default. */
export function judgeSeccompProfile(ctx: ReachContext, field: string, text: string): void {
  let profile: unknown;
  try {
    profile = JSON.parse(text);
  } catch {
    ctx.deny('security-options', field, 'the seccomp profile is neither "unconfined", "builtin" nor JSON dockgate can read', 'Send the profile as JSON');
    return;
  }
  if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
    ctx.deny('security-options', field, 'the seccomp profile is not a JSON object', 'Send the profile as a JSON object');
    return;
  }
  const actions = Object.entries(profile).filter(([key]) => goFold(key) === 'defaultaction');
  if (actions.length !== 1) {
    ctx.deny(
      'security-options',
      field,
      actions.length === 0 ? 'the seccomp profile has no defaultAction' : 'the seccomp profile spells defaultAction more than once, which Go and JavaScript read differently',
      'Give the profile exactly one defaultAction',
    );
    return;
  }
  const action = actions[0]![1];
  if (typeof action !== 'string' || ALLOW_ALL_ACTIONS.has(action)) {
    unconfined(ctx, field, `the seccomp profile's defaultAction is ${show(action)}, which lets every system call through (the same as unconfined)`, 'Use a profile whose defaultAction refuses (SCMP_ACT_ERRNO), or the default profile');
  }
}

/** Judges HostConfig.SecurityOpt (and the build's securityopt parameters) and reads no-new-privileges. */
export function judgeSecurityOpt(ctx: ReachContext, options: readonly string[], field: string): SecurityOptReading {
  const reading: SecurityOptReading = {};
  options.forEach((opt, i) => {
    const at = `${field}[${i}]`;
    if (opt === 'no-new-privileges') {
      reading.noNewPrivileges = true;
      return;
    }
    if (opt === 'writable-cgroups') {
      unconfined(ctx, at, 'makes the cgroup filesystem writable from inside the container');
      return;
    }
    if (opt === 'disable') {
      unconfined(ctx, at, 'turns SELinux labelling off (label=disable)');
      return;
    }
    const separator = opt.includes('=') ? '=' : opt.includes(':') ? ':' : undefined;
    if (separator === undefined) {
      ctx.deny('security-options', at, `${show(opt)} is not a security option the engine accepts`, 'Write it as KEY=VALUE');
      return;
    }
    const cut = opt.indexOf(separator);
    const key = opt.slice(0, cut);
    const value = opt.slice(cut + 1);
    switch (key) {
      case 'label': {
        if (value === 'disable') unconfined(ctx, at, `turns SELinux labelling off (${show(opt)})`);
        else if (value.startsWith('type:')) {
          if (!ALLOWED_SELINUX_TYPES.includes(value.slice(5))) {
            unconfined(ctx, at, `runs the container with the SELinux type ${show(value.slice(5))} (allowed: ${ALLOWED_SELINUX_TYPES.join(', ')})`);
          }
        } else if (!value.startsWith('level:')) {
          unconfined(ctx, at, `sets the SELinux ${show(value.split(':')[0])} label, which the Pod Security Standards refuse`);
        }
        break;
      }
      case 'apparmor':
        if (value === 'unconfined') unconfined(ctx, at, `turns AppArmor off (${show(opt)})`);
        break;
      case 'seccomp':
        if (value === 'unconfined') unconfined(ctx, at, `turns seccomp off (${show(opt)})`);
        else if (value !== 'builtin' && value !== '') judgeSeccompProfile(ctx, at, value);
        break;
      case 'no-new-privileges': {
        const parsed = parseGoBool(value);
        if (parsed === undefined) ctx.deny('security-options', at, `${show(value)} is not a boolean the engine accepts`, 'Write no-new-privileges=true');
        else reading.noNewPrivileges = parsed;
        break;
      }
      case 'writable-cgroups': {
        const parsed = parseGoBool(value);
        if (parsed === undefined) ctx.deny('security-options', at, `${show(value)} is not a boolean the engine accepts`, 'Remove the option');
        else if (parsed) unconfined(ctx, at, 'makes the cgroup filesystem writable from inside the container');
        break;
      }
      case 'systempaths':
        unconfined(ctx, at, `unmasks /proc and /sys paths (${show(opt)})`);
        break;
      default:
        ctx.deny('security-options', at, `${show(opt)} is not a security option the engine accepts`, 'Use label, apparmor, seccomp or no-new-privileges');
    }
  });
  return reading;
}

/** Whether a SecurityOpt list mentions no-new-privileges in any form (for defaults). */
export function mentionsNoNewPrivileges(options: readonly string[]): boolean {
  return options.some((opt) => opt === 'no-new-privileges' || opt.startsWith('no-new-privileges=') || opt.startsWith('no-new-privileges:'));
}

/** The effective no-new-privileges setting of a SecurityOpt list (the last entry wins), without judging it. */
export function readNoNewPrivileges(options: readonly string[]): boolean | undefined {
  let value: boolean | undefined;
  for (const opt of options) {
    if (opt === 'no-new-privileges') value = true;
    else if (opt.startsWith('no-new-privileges=') || (opt.startsWith('no-new-privileges:') && !opt.includes('='))) {
      const parsed = parseGoBool(opt.slice('no-new-privileges='.length));
      if (parsed !== undefined) value = parsed;
    }
  }
  return value;
}
