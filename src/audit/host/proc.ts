// Reading /proc: processes (command line, owner, parent, executable), the sockets each holds, the
// kernel's socket tables (TCP, UDP, unix) as seen from a process's network namespace, and mounts.
// Everything returns undefined (or 'denied') rather than guessing when the kernel does not tell.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { ipv6Text } from '../../identify/ipv6-text.js';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** /proc/PID/comm: the kernel's name, at most 15 characters. */
  comm: string;
  argv: string[];
  /** The executable's path, when readable. */
  exe?: string;
  uid: number;
  gid: number;
  /** A kernel thread (no user space). */
  kernelThread: boolean;
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function listPids(procRoot = '/proc'): number[] {
  return readdirSync(procRoot)
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

const PF_KTHREAD = 0x00200000;

export function readProcess(pid: number): ProcessInfo | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  const status = readText(`/proc/${pid}/status`);
  if (stat === undefined || status === undefined) return undefined;
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(afterName[1]);
  const flags = Number(afterName[6]);
  const cmdline = readText(`/proc/${pid}/cmdline`) ?? '';
  const argv = cmdline.split('\0');
  if (argv.at(-1) === '') argv.pop();
  const field = (name: string): number[] => (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).map(Number);
  let exe: string | undefined;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    exe = undefined;
  }
  return {
    pid,
    ppid,
    comm: (readText(`/proc/${pid}/comm`) ?? '').trim(),
    argv,
    ...(exe !== undefined && { exe }),
    uid: field('Uid')[0] ?? -1,
    gid: field('Gid')[0] ?? -1,
    kernelThread: (flags & PF_KTHREAD) !== 0 || pid === 2 || ppid === 2,
  };
}

/** The inodes of the sockets a process holds open, or 'denied' when its fds cannot be read. */
export function socketInodes(pid: number): Set<number> | 'denied' {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 'denied';
  }
  const inodes = new Set<number>();
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(Number(match[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

export interface InetSocket {
  protocol: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  address: string;
  port: number;
  /** TCP LISTEN, or an unconnected UDP socket. */
  listening: boolean;
  inode: number;
  uid: number;
}

function hexToIPv4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  // The kernel prints the address in host (little-endian) byte order.
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

function hexToIPv6(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    for (let i = 3; i >= 0; i--) bytes.push(Number.parseInt(chunk.slice(i * 2, i * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  return ipv6Text(bytes);
}

/** Parses one /proc/net/{tcp,tcp6,udp,udp6} table. */
export function parseInetTable(text: string, protocol: InetSocket['protocol']): InetSocket[] {
  const out: InetSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const [hexAddress, hexPort] = fields[1]!.split(':');
    const state = fields[3]!;
    const v6 = protocol.endsWith('6');
    out.push({
      protocol,
      address: v6 ? hexToIPv6(hexAddress!) : hexToIPv4(hexAddress!),
      port: Number.parseInt(hexPort!, 16),
      listening: protocol.startsWith('tcp') ? state === '0A' : state === '07',
      uid: Number(fields[7]),
      inode: Number(fields[9]),
    });
  }
  return out;
}

/** TCP and UDP sockets in the network namespace of `pid` (or of this process). */
export function readInetSockets(pid: number | 'self'): InetSocket[] | undefined {
  const out: InetSocket[] = [];
  let any = false;
  for (const protocol of ['tcp', 'tcp6', 'udp', 'udp6'] as const) {
    const text = readText(`/proc/${pid}/net/${protocol}`);
    if (text === undefined) continue;
    any = true;
    out.push(...parseInetTable(text, protocol));
  }
  return any ? out : undefined;
}

export interface UnixSocket {
  path: string;
  inode: number;
  listening: boolean;
}

const SO_ACCEPTCON = 0x10000;

/** Parses /proc/net/unix: bound sockets with a path (abstract ones left out). */
export function parseUnixTable(text: string): UnixSocket[] {
  const out: UnixSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) continue;
    const path = fields.slice(7).join(' ');
    if (!path.startsWith('/')) continue;
    out.push({ path, inode: Number(fields[6]), listening: (Number.parseInt(fields[3]!, 16) & SO_ACCEPTCON) !== 0 });
  }
  return out;
}

export function readUnixSockets(pid: number | 'self'): UnixSocket[] | undefined {
  const text = readText(`/proc/${pid}/net/unix`);
  return text === undefined ? undefined : parseUnixTable(text);
}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  options: string;
}

const unescapeMount = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/** /proc/PID/mountinfo as mount points with their filesystem type, source and options. */
export function readMounts(pid: number | 'self' = 1): MountEntry[] | undefined {
  const text = readText(`/proc/${pid}/mountinfo`);
  if (text === undefined) return undefined;
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const fields = left.split(' ');
    const tail = right.split(' ');
    out.push({ mountPoint: unescapeMount(fields[4] ?? ''), options: fields[5] ?? '', fsType: tail[0] ?? '', source: unescapeMount(tail[1] ?? '') });
  }
  return out;
}
