// systemd's docker.service and docker.socket as systemd would load them: the unit file from the first
// directory that has it, then its drop-ins (NAME.d/*.conf) in file-name order, where an empty
// assignment (`ExecStart=`) resets a list. Read without systemctl, so it also works where systemd is not running.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readText } from './proc.js';

export const UNIT_DIRS: readonly string[] = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

export interface LoadedUnit {
  /** The unit file and drop-ins read, in order. */
  files: string[];
  /** Each key's values in order, resets applied. */
  values: Map<string, string[]>;
}

/** Parses unit text into key → values, appending to `into` (empty assignments reset the key). */
export function parseUnitText(text: string, into: Map<string, string[]> = new Map()): Map<string, string[]> {
  let line = '';
  for (const physical of text.split('\n')) {
    // A trailing backslash continues the line.
    if (physical.endsWith('\\')) {
      line += `${physical.slice(0, -1)} `;
      continue;
    }
    line += physical;
    const trimmed = line.trim();
    line = '';
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';') || trimmed.startsWith('[')) continue;
    const eq = trimmed.indexOf('=');
    if (eq === -1) continue;
    const key = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (value === '') into.set(key, []);
    else into.set(key, [...(into.get(key) ?? []), value]);
  }
  return into;
}

export function loadUnit(name: string, dirs: readonly string[] = UNIT_DIRS): LoadedUnit | undefined {
  const files: string[] = [];
  const values = new Map<string, string[]>();
  const main = dirs.map((dir) => join(dir, name)).find((path) => readText(path) !== undefined);
  if (main === undefined) return undefined;
  files.push(main);
  parseUnitText(readText(main)!, values);
  const dropIns = new Map<string, string>();
  for (const dir of [...dirs].reverse()) {
    let entries: string[] = [];
    try {
      entries = readdirSync(join(dir, `${name}.d`));
    } catch {
      continue;
    }
    // A drop-in of the same name in an earlier directory overrides a later one.
    for (const entry of entries.filter((e) => e.endsWith('.conf'))) dropIns.set(entry, join(dir, `${name}.d`, entry));
  }
  for (const entry of [...dropIns.keys()].sort()) {
    const path = dropIns.get(entry)!;
    files.push(path);
    parseUnitText(readText(path) ?? '', values);
  }
  return { files, values };
}

/** Splits an ExecStart command line into words (systemd quoting: "..." and '...'), dropping the -@:+! prefixes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && i + 1 < line.length) current += line[++i];
      else current += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else if (c === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  if (words[0] !== undefined) words[0] = words[0].replace(/^[-@:+!]+/, '');
  return words;
}

/** Expands $VAR and ${VAR} from an environment (unknown variables expand to nothing, as systemd does). */
export function expandVariables(words: readonly string[], env: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const word of words) {
    // A lone $VAR is split into words; inside a word it is substituted.
    const lone = /^\$(\w+)$/.exec(word);
    if (lone) {
      out.push(...(env.get(lone[1]!) ?? '').split(/\s+/).filter((w) => w !== ''));
      continue;
    }
    out.push(word.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => env.get(a ?? b ?? '') ?? ''));
  }
  return out;
}

/** An EnvironmentFile: KEY=value lines, optional quotes. */
export function parseEnvironmentFile(text: string): Map<string, string> {
  const env = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?(\w+)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    env.set(match[1]!, value);
  }
  return env;
}

/** What a ListenStream= value listens on: a unix path, or a TCP port with an optional address. */
export function parseListenStream(value: string): { kind: 'unix'; path: string } | { kind: 'tcp'; address: string; port: number } | undefined {
  if (value.startsWith('/')) return { kind: 'unix', path: value };
  if (/^\d+$/.test(value)) return { kind: 'tcp', address: '', port: Number(value) };
  const match = /^(\[[^\]]*\]|[\d.]+):(\d+)$/.exec(value);
  if (match) return { kind: 'tcp', address: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
  return undefined;
}
