// SecurityOpt entries read the way dockerd's parseSecurityOpt reads them: `no-new-privileges`,
// `disable` and `writable-cgroups` alone, otherwise `key=value` or the deprecated `key:value`
// (split at the first `=` if there is one anywhere, else at the first `:`). Refused unless the policy
// grants unconfined containers: seccomp, apparmor or SELinux off, an inline seccomp profile that lets
// through what Docker's default profile refuses (seccomp-profile.ts), writable cgroups, and
// `systempaths=unconfined`.
import { DOCKER_DEFAULT_CAPABILITIES } from './capabilities.js';
import { parseGoBool, show } from './go-strings.js';
import type { ReachContext } from './reach-context.js';
import { judgeSeccompProfile } from './seccomp-profile.js';

/** SELinux types the Pod Security Standards allow (`label=type:...`). */
export const ALLOWED_SELINUX_TYPES: readonly string[] = ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

export interface SecurityOptReading {
  /** The effective no-new-privileges setting (the last entry wins), undefined when none is given. */
  noNewPrivileges?: boolean;
}

/** The profile the engine loads and applies when none is named. */
const DOCKER_APPARMOR_PROFILE = 'docker-default';

const UNCONFINED_FIX = 'Remove the option: the container must keep the default seccomp, AppArmor and SELinux confinement';

function unconfined(ctx: ReachContext, field: string, why: string, fix = UNCONFINED_FIX): void {
  if (!ctx.constraints.unconfined) ctx.deny('security-options', field, why, fix);
}

/** An inline seccomp profile, judged for a container with `caps`; refused as unconfined where it lets more through. */
export function judgeInlineSeccomp(ctx: ReachContext, field: string, profile: string, caps: ReadonlySet<string>): void {
  judgeSeccompProfile(ctx, field, profile, caps, (why, fix) => unconfined(ctx, field, why, fix));
}

const DEFAULT_CAPABILITY_SET: ReadonlySet<string> = new Set(DOCKER_DEFAULT_CAPABILITIES);

/**
 * Judges HostConfig.SecurityOpt (and the build's securityopt parameters) and reads no-new-privileges; `caps`
 * is the container's capability set (an inline seccomp profile's rules depend on it).
 */
export function judgeSecurityOpt(ctx: ReachContext, options: readonly string[], field: string, caps: ReadonlySet<string> = DEFAULT_CAPABILITY_SET): SecurityOptReading {
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
        else if (value !== '' && value !== DOCKER_APPARMOR_PROFILE && !ctx.constraints.apparmorProfiles.includes(value)) {
          unconfined(
            ctx,
            at,
            `confines the container by the host's AppArmor profile ${show(value)}, which may allow anything (allowed: ${[DOCKER_APPARMOR_PROFILE, ...ctx.constraints.apparmorProfiles].join(', ')})`,
            'Remove the option (the engine applies docker-default), or ask for a rule that lists the profile (apparmor-profiles)',
          );
        }
        break;
      case 'seccomp':
        if (value === 'unconfined') unconfined(ctx, at, `turns seccomp off (${show(opt)})`);
        else if (value !== 'builtin' && value !== '') judgeInlineSeccomp(ctx, at, value, caps);
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
