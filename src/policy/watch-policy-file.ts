// Reloads a policy file on SIGHUP and when the file changes (editors that write a new file and rename
// it over the old one included: the directory is watched). A new file that does not load leaves the
// running policy in place and is reported with its file:line:column; requests never wait for a reload.
//
// A file changed in place can be caught half-written, and half a policy can parse and grant more than the
// whole (a rule's `except:` not written yet). So a change is loaded only once the file has held still: the
// same size, modification time and content across a settle time (default one second) after the last
// change event. Writing a new file and renaming it over the old one is the safe way to change a policy;
// SIGHUP loads at once (the operator says the file is ready).
import { createHash } from 'node:crypto';
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parsePolicyText, readPolicyFile, type LoadPolicyOptions } from './load-policy.js';
import type { RulePolicy } from './rule-policy.js';

export interface PolicyWatcher {
  /** Reloads now (what SIGHUP does); resolves once the new policy is handed over or the error reported. */
  reload(): Promise<void>;
  /** Stops watching and removes the SIGHUP handler. */
  close(): void;
}

export interface WatchOptions extends LoadPolicyOptions {
  /** Reload on SIGHUP (default true). */
  sighup?: boolean;
  /** Quiet time after the last change event before reloading, in ms (default 100). */
  debounceMs?: number;
  /** How long a changed file must hold still (size, mtime, content) before it is loaded, in ms (default 1000). */
  settleMs?: number;
}

/** The file's content with what says whether it is still being written. */
interface Snapshot {
  text: string;
  size: number;
  mtimeMs: number;
}

async function snapshot(file: string, options: LoadPolicyOptions): Promise<Snapshot> {
  const text = readPolicyFile(file, options);
  const info = await stat(file);
  return { text, size: info.size, mtimeMs: info.mtimeMs };
}

const sameSnapshot = (a: Snapshot, b: Snapshot): boolean => a.text === b.text && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** What reload logs name a policy by: the SHA-256 of the text loaded. */
export function policyHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Watches `file`. `onReload` gets each new policy that loaded; `onError` gets a PolicyFileError (or an
 * Error) for a file that did not, and the caller keeps using the policy it has.
 */
export function watchPolicyFile(file: string, onReload: (policy: RulePolicy, sha256: string) => void, onError: (error: Error) => void, options: WatchOptions = {}): PolicyWatcher {
  let lastText: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const load = async (force: boolean): Promise<void> => {
    let text: string;
    try {
      const first = await snapshot(file, options);
      if (!force) {
        if (first.text === lastText) return;
        await new Promise((settled) => setTimeout(settled, options.settleMs ?? 1000));
        // Still changing: the change event that moved it schedules the next look.
        if (!sameSnapshot(first, await snapshot(file, options))) return;
      }
      text = first.text;
    } catch (err) {
      // A rename in progress leaves the path missing for a moment; the next event reloads it.
      if (!force && !existsSync(file)) return;
      onError(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (!force && text === lastText) return;
    lastText = text;
    let policy: RulePolicy;
    try {
      policy = parsePolicyText(text, file, options);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    onReload(policy, policyHash(text));
  };

  const reload = (force: boolean): Promise<void> => {
    running = running.then(() => (closed ? undefined : load(force)));
    return running;
  };

  // Remember what is loaded now, so a change event that rewrites the same text does not reload.
  try {
    lastText ??= readPolicyFile(file, {});
  } catch {
    // Reported by whoever loaded it first; a change event will try again.
  }

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(false), options.debounceMs ?? 100);
    });
    watcher.on('error', (err) => onError(err));
  } catch (err) {
    onError(err instanceof Error ? err : new Error(String(err)));
  }

  const onHup = (): void => void reload(true);
  if (options.sighup !== false) process.on('SIGHUP', onHup);

  return {
    reload: () => reload(true),
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      if (options.sighup !== false) process.off('SIGHUP', onHup);
    },
  };
}
