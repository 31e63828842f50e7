// Request bodies the Docker CLI itself sent (test/fixtures/cli-bodies/, captured byte for byte), for the
// engine's API version when a capture exists for it.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'cli-bodies');
const CLI = 'docker-cli-28.2.2';

export interface CliRequest {
  command: string;
  method: string;
  target: string;
  body: string;
}

export function cliRequests(apiVersion: string): CliRequest[] {
  const preferred = join(FIXTURES, `${CLI}-api-${apiVersion}.json`);
  const file = existsSync(preferred) ? preferred : join(FIXTURES, `${CLI}-api-1.41.json`);
  const capture = JSON.parse(readFileSync(file, 'utf8')) as { requests: (CliRequest & { body: string | null })[] };
  return capture.requests.map((request) => ({ ...request, body: request.body ?? '' }));
}

/** The `containers/create` the CLI sends for `command`. */
export function cliCreate(apiVersion: string, command: string): CliRequest {
  const found = cliRequests(apiVersion).find((request) => request.command === command && request.target.includes('/containers/create'));
  if (found === undefined) throw new Error(`no captured containers/create for \`${command}\` in ${FIXTURES}`);
  return found;
}

export const RUN_WITH_VOLUME = 'docker run -d --name x -v vol:/data -e A=1 busybox sleep 1';
