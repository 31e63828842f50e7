// The process behind a unix peer's pid, read from /proc without being fooled by pid reuse. The kernel
// records the pid at connect(); by the time dockgate reads /proc/PID/cgroup the peer may have exited and
// its number been given to another process (in another container). So the process's start time (field 22
// of /proc/PID/stat) is read before and after the cgroup, and must be the same both times (the pid was not
// reused during the read) and no later than the connection's accept (a process that started after the
// connection was accepted cannot be the one that connected). Where the kernel gives a pidfd of the peer
// (SO_PEERPIDFD), the peer is also checked to be alive after the read: then the pid was its own throughout,
// which closes the window the start time leaves (a pid reused between connect() and accept()).
import { readFileSync } from 'node:fs';
import { readContainerCgroup, type CgroupReading } from './container-cgroup.js';

/**
 * Clock ticks per second of /proc's times (USER_HZ, fixed by the kernel's ABI): 100 on every architecture
 * dockgate runs on. /proc counts from boot on the boot-time clock; Node's hrtime is the monotonic clock,
 * which stops while the machine is suspended: after a suspend, processes started since look younger than
 * they are to this comparison, and are taken for ordinary unix peers (never for the wrong container).
 */
const NANOSECONDS_PER_TICK = 10_000_000n;

/** Now, in /proc's clock ticks since boot: what a connection's accept is stamped with. */
export function ticksSinceBoot(): bigint {
  return process.hrtime.bigint() / NANOSECONDS_PER_TICK;
}

/** What is read of /proc for one pid; undefined when the process is gone. Tests give their own. */
export interface ProcFiles {
  stat(pid: number): string | undefined;
  cgroup(pid: number): string | undefined;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export const hostProc: ProcFiles = {
  stat: (pid) => readProc(`/proc/${pid}/stat`),
  cgroup: (pid) => readProc(`/proc/${pid}/cgroup`),
};

/** Field 22 (starttime) of /proc/PID/stat; the command name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`. */
export function startTimeOf(stat: string): bigint | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const field = fields[22 - 3];
  return field !== undefined && /^\d+$/.test(field) ? BigInt(field) : undefined;
}

/** A pidfd of the peer process (peer-credentials.ts openPeerPidfd). */
export interface PeerPidfd {
  /** Running or a zombie: it still holds its pid. */
  alive(): boolean;
  close(): void;
}

/** The peer's cgroup reading, or why it could not be read safely (`race`: the reason, for the audit record). */
export type PeerCgroup = CgroupReading | { kind: 'race'; why: string };

/**
 * Reads which container the peer `pid` of a connection accepted at `acceptedAt` (ticksSinceBoot) runs in;
 * `pidfd`: the peer's pidfd where the kernel gives one (`gone`: the peer had already exited).
 */
export function peerCgroup(pid: number, acceptedAt: bigint, proc: ProcFiles = hostProc, pidfd?: PeerPidfd | 'gone'): PeerCgroup {
  // pid 0: the peer is in a pid namespace that the gateway's cannot see (never the case for a gateway on the host).
  if (pid <= 0) return { kind: 'none' };
  if (pidfd === 'gone') return { kind: 'race', why: `the peer (pid ${pid}) exited before its cgroup was read` };
  // Most peers are host processes: one read tells them, and for them a race cannot matter (a pid reused by
  // another host process still names no container, and the peer is an ordinary unix peer either way). Only
  // a cgroup that names a container is read again, between the two start times.
  const first = proc.cgroup(pid);
  if (first === undefined) return { kind: 'race', why: `the peer (pid ${pid}) exited before its cgroup was read` };
  if (readContainerCgroup(first).kind === 'none') return { kind: 'none' };
  const before = readStart(pid, proc);
  if (before === undefined) return { kind: 'race', why: `the peer (pid ${pid}) exited before its cgroup was read` };
  if (before > acceptedAt) {
    return { kind: 'race', why: `pid ${pid} is a process started after the connection was accepted: the peer exited and its pid was reused` };
  }
  const text = proc.cgroup(pid);
  const after = readStart(pid, proc);
  if (text === undefined || after === undefined) return { kind: 'race', why: `the peer (pid ${pid}) exited while its cgroup was read` };
  if (after !== before) return { kind: 'race', why: `pid ${pid} was reused by another process while its cgroup was read` };
  if (pidfd !== undefined && !pidfd.alive()) return { kind: 'race', why: `the peer (pid ${pid}) exited, and its pid may have been reused, while its cgroup was read` };
  return readContainerCgroup(text);
}

function readStart(pid: number, proc: ProcFiles): bigint | undefined {
  const stat = proc.stat(pid);
  return stat === undefined ? undefined : startTimeOf(stat);
}
