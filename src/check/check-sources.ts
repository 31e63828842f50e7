// What `dockgate check` is given, turned into the requests it would send: a JSON file is a raw container
// create body, a YAML file a compose project (read by compose/compose-requests.ts as Compose 1.29 reads
// it), anything else a shell script whose `docker run` and `docker create` commands are read as the docker
// CLI reads them.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readingConfig } from '../errors/config-error.js';
import { bodyFileRequest } from './body-file.js';
import { composeRequests } from './compose/compose-requests.js';
import type { NotCheckedCommand } from './check-report.js';
import type { CheckedRequest } from './checked-request.js';
import { scriptRequests } from './run-line/run-requests.js';
import type { ShellEnvironment } from './run-line/shell-words.js';

export interface CheckSources {
  requests: CheckedRequest[];
  notChecked: NotCheckedCommand[];
}

const readText = readingConfig((file: string) => readFileSync(file, 'utf8'));

export type SourceKind = 'body' | 'compose' | 'script';

export function sourceKind(file: string): SourceKind {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'body';
  if (ext === '.yml' || ext === '.yaml') return 'compose';
  return 'script';
}

/** How compose projects are read: Compose's `-p` and `--profile`. */
export interface ComposeOptions {
  projectName?: string;
  profiles?: readonly string[];
}

/**
 * The requests of `files`, in the order given: each compose file a project of its own, each JSON file a
 * body, each other file a script; then one project of the `merged` compose files, merged as Compose merges
 * `-f a -f b`.
 */
export function fileRequests(files: readonly string[], env: ShellEnvironment, compose: ComposeOptions = {}, merged: readonly string[] = []): CheckSources {
  const out: CheckSources = { requests: [], notChecked: [] };
  const project = (composeFiles: readonly string[]): CheckedRequest[] =>
    composeRequests({
      files: composeFiles,
      env,
      ...(compose.projectName !== undefined && { projectName: compose.projectName }),
      ...(compose.profiles !== undefined && compose.profiles.length > 0 && { profiles: compose.profiles }),
    });
  for (const file of files) {
    const kind = sourceKind(file);
    if (kind === 'compose') {
      out.requests.push(...project([file]));
      continue;
    }
    const text = readText(file);
    if (kind === 'body') {
      out.requests.push(bodyFileRequest(text, file));
    } else {
      const script = scriptRequests(text, file, env);
      out.requests.push(...script.requests);
      out.notChecked.push(...script.notChecked);
    }
  }
  if (merged.length > 0) out.requests.push(...project(merged));
  return out;
}
