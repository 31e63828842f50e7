// Bind roots granted by `--allow-bind PATH[:ro]` or a policy's `allow-bind:` list: the directory is
// resolved on the host once (symlinks followed), so bind sources, resolved the same way, are compared
// with the directory the kernel would really mount.
import { realpathSync, statSync } from 'node:fs';
import type { BindRoot } from '../judge/container-constraints.js';

/** Parses `PATH` or `PATH:ro` and resolves it; throws an Error saying what is wrong. */
export function parseBindRoot(text: string): BindRoot {
  const readOnly = text.endsWith(':ro');
  const raw = readOnly ? text.slice(0, -3) : text;
  if (!raw.startsWith('/')) throw new Error(`${JSON.stringify(text)} is not an absolute path (write /srv/data or /srv/data:ro)`);
  if (raw.includes(':')) throw new Error(`${JSON.stringify(text)}: only :ro may follow the path`);
  let path: string;
  try {
    path = realpathSync(raw);
  } catch (err) {
    throw new Error(`${JSON.stringify(raw)} cannot be resolved on this host (${(err as NodeJS.ErrnoException).code ?? String(err)}); create the directory first`);
  }
  if (!statSync(path).isDirectory()) throw new Error(`${JSON.stringify(raw)} is not a directory`);
  return { path, readOnly };
}
