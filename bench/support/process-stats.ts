// Resource use of a process from /proc: resident memory now and at its peak, CPU time consumed.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

function statusField(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Resident set size now, in bytes. */
export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/** Peak resident set size since start or since the last resetPeakRss, in bytes. */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/** Makes VmHWM start again from the current RSS (writing 5 to clear_refs; needs to own the process or root). */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

let clockTicks: number | undefined;

/** CPU time (user + system) the process has used, in seconds. */
export function cpuSeconds(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start with field 3, the state; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Samples RSS every `intervalMs` until stopped; returns the highest value seen, in bytes. */
export function sampleRss(pid: number, intervalMs = 50): { stop(): number } {
  let highest = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      highest = Math.max(highest, rssBytes(pid));
    } catch {
      // the process is gone; the caller finds out on its own
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return highest;
    },
  };
}
