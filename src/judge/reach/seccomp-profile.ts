// An inline seccomp profile is as confining as what it lets through, whatever its defaultAction says: a
// profile that refuses by default but allows `unshare`, `mount` or `keyctl` by name is as good as
// unconfined. The profile is read as the engine decodes it (src/inspect, types.Seccomp), its rules applied
// as moby applies them to this container (a rule with `includes.caps` only when the container has all of
// them, one with `excludes.caps` only when it has none), and it is refused when it lets through a system
// call that Docker's default profile would refuse to the same container.
//
// DEFAULT_PROFILE_GATES is dockgate's own table, written from reading moby's profiles/seccomp/default.json
// (engine 20.10 to 28): the system calls that profile does not allow to every container, each with the
// capability it ties them to, or null where it never allows them. Every other system call the default
// profile allows.
import { isGatewayError } from '../../errors/catalogue.js';
import { readEmbeddedJson } from '../../inspect/inspect-body.js';
import { seccompProfile } from '../../inspect/schemas/seccomp-profile.js';
import { show } from './go-strings.js';
import type { ReachContext } from './reach-context.js';

const SYS_ADMIN = 'SYS_ADMIN';

/** System call → the capabilities any of which makes Docker's default profile allow it, or null: never allowed. */
const DEFAULT_PROFILE_GATES: ReadonlyMap<string, readonly string[] | null> = new Map<string, readonly string[] | null>([
  ...[
    'clone3',
    'fanotify_init',
    'fsconfig',
    'fsmount',
    'fsopen',
    'fspick',
    'lookup_dcookie',
    'mount',
    'mount_setattr',
    'move_mount',
    'name_to_handle_at',
    'open_tree',
    'quotactl',
    'quotactl_fd',
    'setdomainname',
    'sethostname',
    'setns',
    'umount',
    'umount2',
    'unshare',
  ].map((name): [string, string[]] => [name, [SYS_ADMIN]]),
  ['bpf', [SYS_ADMIN, 'BPF']],
  ['perf_event_open', [SYS_ADMIN, 'PERFMON']],
  ['syslog', [SYS_ADMIN, 'SYSLOG']],
  ['open_by_handle_at', ['DAC_READ_SEARCH']],
  ['reboot', ['SYS_BOOT']],
  ...['delete_module', 'init_module', 'finit_module'].map((name): [string, string[]] => [name, ['SYS_MODULE']]),
  ['acct', ['SYS_PACCT']],
  // ptrace itself is allowed to every container on kernels from 4.8 (the profile's minKernel rule).
  ...['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev'].map((name): [string, string[]] => [name, ['SYS_PTRACE']]),
  ...['iopl', 'ioperm'].map((name): [string, string[]] => [name, ['SYS_RAWIO']]),
  ...['settimeofday', 'stime', 'clock_settime', 'clock_settime64'].map((name): [string, string[]] => [name, ['SYS_TIME']]),
  ['vhangup', ['SYS_TTY_CONFIG']],
  ...['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'].map((name): [string, string[]] => [name, ['SYS_NICE']]),
  ...[
    'add_key',
    'keyctl',
    'request_key',
    'kexec_load',
    'kexec_file_load',
    'nfsservctl',
    'swapon',
    'swapoff',
    'uselib',
    'sysfs',
    '_sysctl',
    'vm86',
    'vm86old',
    'get_kernel_syms',
    'query_module',
    'create_module',
    'pivot_root',
    'userfaultfd',
  ].map((name): [string, null] => [name, null]),
]);

/**
 * `clone` is allowed by the default profile to containers without SYS_ADMIN only when no namespace flag
 * is set: arg 0 masked with CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET equals 0.
 */
const CLONE_NAMESPACE_FLAGS = 2114060288;

/** Actions that let the call through (TRACE without a tracer and NOTIFY without a listener fail it). */
const PERMITTING = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

interface Filter {
  caps?: string[];
  arches?: string[];
}
/** The parts of a profile rule (types.Syscall) the judgement reads. */
export interface SeccompRule {
  name?: string;
  names?: string[];
  action?: string;
  args?: { index?: number; value?: number; valueTwo?: number; op?: string }[];
  includes?: Filter;
  excludes?: Filter;
}
/** The parts of a profile (types.Seccomp) the judgement reads. */
export interface SeccompProfile {
  defaultAction?: string;
  syscalls?: SeccompRule[];
}

function capabilityName(cap: string): string {
  const upper = cap.toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** Node's name for the processor to Go's (runtime.GOARCH), which the profile's `arches` filters name. */
const GO_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64', mips64el: 'mips64le' };

/** The engine runs on this host (dockgate talks to it over a unix socket): its architecture is ours. */
const ENGINE_ARCH = GO_ARCH[process.arch] ?? process.arch;

/** Whether moby applies `rule` to a container with `caps` on this architecture (its includes and excludes). */
function applies(rule: SeccompRule, caps: ReadonlySet<string>): boolean {
  const needs = rule.includes?.caps ?? [];
  if (needs.some((cap) => !caps.has(capabilityName(cap)))) return false;
  const arches = rule.includes?.arches ?? [];
  if (arches.length > 0 && !arches.includes(ENGINE_ARCH)) return false;
  if ((rule.excludes?.arches ?? []).includes(ENGINE_ARCH)) return false;
  const excluded = rule.excludes?.caps ?? [];
  return !excluded.some((cap) => caps.has(capabilityName(cap)));
}

/** Whether a permitted `clone` keeps the default profile's condition: no namespace flags. */
function cloneWithoutNamespaces(rule: SeccompRule): boolean {
  return (rule.args ?? []).some((arg) => (arg.index ?? 0) === 0 && arg.op === 'SCMP_CMP_MASKED_EQ' && arg.value === CLONE_NAMESPACE_FLAGS && (arg.valueTwo ?? 0) === 0);
}

/**
 * System calls `profile` lets through to a container with `caps` that Docker's default profile would
 * not, or 'all' when its default action lets everything through.
 */
export function beyondDefaultProfile(profile: SeccompProfile, caps: ReadonlySet<string>): string[] | 'all' {
  if (profile.defaultAction === undefined || PERMITTING.has(profile.defaultAction)) return 'all';
  const beyond = new Set<string>();
  for (const rule of profile.syscalls ?? []) {
    if (rule.action === undefined || !PERMITTING.has(rule.action) || !applies(rule, caps)) continue;
    for (const name of [...(rule.name === undefined || rule.name === '' ? [] : [rule.name]), ...(rule.names ?? [])]) {
      if (name === 'clone') {
        if (!caps.has(SYS_ADMIN) && !cloneWithoutNamespaces(rule)) beyond.add('clone (with namespace flags)');
        continue;
      }
      if (!DEFAULT_PROFILE_GATES.has(name)) continue;
      const gate = DEFAULT_PROFILE_GATES.get(name);
      if (gate === null || gate === undefined || !gate.some((cap) => caps.has(cap))) beyond.add(name);
    }
  }
  return [...beyond];
}

/** Judges an inline seccomp profile for a container with `caps` (its effective capability set). */
export function judgeSeccompProfile(ctx: ReachContext, field: string, text: string, caps: ReadonlySet<string>, refuse: (why: string, fix: string) => void): void {
  let profile: SeccompProfile;
  try {
    profile = readEmbeddedJson(text, seccompProfile) as SeccompProfile;
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    ctx.deny('security-options', field, `the seccomp profile is not one the engine would load: ${err.detail.why}`, 'Send the profile as the JSON object seccomp profiles are');
    return;
  }
  const beyond = beyondDefaultProfile(profile, caps);
  if (beyond === 'all') {
    refuse(
      `the seccomp profile's defaultAction is ${show(profile.defaultAction ?? '')}, which lets every system call through (the same as unconfined)`,
      'Use a profile whose defaultAction refuses (SCMP_ACT_ERRNO), or the default profile',
    );
  } else if (beyond.length > 0) {
    refuse(
      `the seccomp profile lets through ${beyond.slice(0, 6).join(', ')}${beyond.length > 6 ? ` and ${beyond.length - 6} more` : ''}, which Docker's default profile refuses to this container (as good as unconfined for them)`,
      "Allow only what Docker's default profile allows, or use the default profile",
    );
  } else {
    ctx.findings.pass('security-options', 'the seccomp profile allows nothing the default profile refuses');
  }
}
