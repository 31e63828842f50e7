// `GET /containers/{id}/top?ps_args=...`: dockerd runs `ps` on the host, as root, with the client's
// arguments split at each space (daemon/top_unix.go), then keeps the rows whose PID column holds one of the
// container's processes. Two things make that a window onto what the client should not see: BSD `e`
// prints each process's environment (secrets handed to `docker exec -e` included), and a format that
// names another column "PID" (`-ouid=PID`, which the engine's own check misses without a space) makes
// host processes pass the filter. Under `safe` only a known list of selection and format options passes:
// no environment, no renamed or unknown columns, no option whose argument dockgate does not read.

import { show } from './go-strings.js';
import type { ReachContext } from './reach-context.js';

/** UNIX-style option letters that select processes or choose a fixed format, and take no argument. */
const UNIX_LETTERS = new Set('aAdefFHjlLMPTwyZc');
/** BSD-style letters, the same; `e` (environment) among the ones left out. */
const BSD_LETTERS = new Set('acfjlmnrsSuvwxXZTHM');
/** Format keywords that show neither environments nor anything beyond the process table's usual columns. */
const FORMAT_KEYWORDS = new Set([
  'pid',
  'ppid',
  'pgid',
  'pgrp',
  'sid',
  'tid',
  'lwp',
  'nlwp',
  'uid',
  'euid',
  'ruid',
  'suid',
  'user',
  'euser',
  'ruser',
  'uname',
  'gid',
  'egid',
  'rgid',
  'group',
  'egroup',
  'rgroup',
  'comm',
  'ucomm',
  'args',
  'cmd',
  'command',
  'etime',
  'etimes',
  'time',
  'cputime',
  'start',
  'lstart',
  'stime',
  'start_time',
  'bsdstart',
  '%cpu',
  'pcpu',
  'c',
  '%mem',
  'pmem',
  'rss',
  'rsz',
  'vsz',
  'vsize',
  'sz',
  'size',
  'stat',
  's',
  'state',
  'tty',
  'tt',
  'tname',
  'nice',
  'ni',
  'pri',
  'priority',
  'psr',
  'wchan',
  'cls',
  'class',
  'policy',
  'rtprio',
  'label',
  'f',
  'flags',
  'maj_flt',
  'min_flt',
  'cgroup',
]);
/** Options whose argument is the next word (or attached): a format list. */
const FORMAT_OPTIONS = new Set(['-o', 'o', '-O', 'O', '--format']);

/** Why `word` (a format list) is not safe, or undefined. */
function unsafeFormat(list: string): string | undefined {
  for (const keyword of list.split(',')) {
    if (keyword.includes('=') || keyword.includes(':')) return `the format ${show(list)} renames or resizes a column (a column named PID would let host processes through)`;
    if (!FORMAT_KEYWORDS.has(keyword)) return `the format keyword ${show(keyword)} is not one dockgate knows to be safe`;
  }
  return undefined;
}

/** Why `psArgs` (as the engine splits it) is not safe, or undefined when every word is. */
export function unsafeTopArguments(psArgs: string): string | undefined {
  const words = psArgs.split(' ');
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '' || word === '--forest' || word === '-w' || word === '-ww') continue;
    if (FORMAT_OPTIONS.has(word)) {
      const list = words[++i];
      if (list === undefined) return `${show(word)} has no format list after it`;
      const why = unsafeFormat(list);
      if (why !== undefined) return why;
      continue;
    }
    if (word.startsWith('--format=')) {
      const why = unsafeFormat(word.slice('--format='.length));
      if (why !== undefined) return why;
      continue;
    }
    const dashed = word.startsWith('-');
    const letters = dashed ? word.slice(1) : word;
    const allowed = dashed ? UNIX_LETTERS : BSD_LETTERS;
    // A cluster may end in o: its format list is the next word (`axo pid,comm`) or the rest (`-opid`).
    const format = letters.indexOf('o');
    const flags = format === -1 ? letters : letters.slice(0, format);
    if (!dashed && flags.includes('e')) return `${show(word)} prints each process's environment (BSD e), secrets given to docker exec -e included`;
    const unknown = [...flags].find((letter) => !allowed.has(letter));
    if (unknown !== undefined || letters === '') return `${show(word)} is not a ps option dockgate knows to be safe`;
    if (format !== -1) {
      const list = format + 1 < letters.length ? letters.slice(format + 1) : words[++i];
      if (list === undefined) return `${show(word)} has no format list after it`;
      const why = unsafeFormat(list);
      if (why !== undefined) return why;
    }
  }
  return undefined;
}

/** GET /containers/{id}/top. */
export function judgeTopArguments(ctx: ReachContext, psArgs: string | undefined): void {
  if (psArgs === undefined || psArgs === '' || ctx.constraints.topArguments === 'any') {
    ctx.findings.pass('query', psArgs === undefined || psArgs === '' ? "ps runs with the engine's default -ef" : 'the policy allows any ps arguments');
    return;
  }
  const why = unsafeTopArguments(psArgs);
  if (why === undefined) ctx.findings.pass('query', 'ps runs with options that print no environment and no renamed column');
  else
    ctx.deny(
      'query',
      '?ps_args',
      `${why}; dockerd runs ps on the host as root with these arguments`,
      'Use ps options such as -ef, aux or -o pid,user,args (or ask for a rule with top-arguments: any)',
    );
}
