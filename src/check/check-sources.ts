// What `dockgate check` is given, turned into the requests it would send: a JSON file is a raw container
// create body, a YAML file a compose project, anything else a shell script whose `docker run` and
// `docker create` commands are read as the docker CLI reads them.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readingConfig } from '../errors/config-error.js';
import { bodyFileRequest } from './body-file.js';
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

/** The requests of the body files and scripts among `files`, in the order given. */
export function fileRequests(files: readonly string[], env: ShellEnvironment): CheckSources {
  const out: CheckSources = { requests: [], notChecked: [] };
  for (const file of files) {
    const text = readText(file);
    if (sourceKind(file) === 'body') {
      out.requests.push(bodyFileRequest(text, file));
    } else {
      const script = scriptRequests(text, file, env);
      out.requests.push(...script.requests);
      out.notChecked.push(...script.notChecked);
    }
  }
  return out;
}
