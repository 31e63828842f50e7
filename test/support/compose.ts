// Runs Debian's docker-compose (Compose v1.29) against one engine, isolated from the machine's Docker
// configuration: a recipe from deploy/compose/ plus an override file the test writes (the test's engine
// socket in place of /var/run/docker.sock, a short health interval, a client instead of the application).

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dockerOk } from './docker-cli.js';
import type { Endpoint } from './endpoint.js';

const run = promisify(execFile);

export interface ComposeProject {
  /** The project name (-p): containers are PROJECT_SERVICE_1, networks and volumes PROJECT_NAME. */
  name: string;
  /** The recipe first, then overrides; relative paths in all of them are taken from the recipe's directory. */
  files: readonly string[];
  /** Variables the files interpolate. */
  env: Record<string, string>;
}

/** Runs docker-compose with `args` on the project; rejects with its output when it fails. */
export async function compose(endpoint: Endpoint, project: ComposeProject, args: readonly string[], timeoutMs = 180_000): Promise<string> {
  const config = mkdtempSync(join(tmpdir(), 'dockgate-compose-'));
  const fileArgs = project.files.flatMap((file) => ['-f', file]);
  try {
    const { stdout, stderr } = await run('docker-compose', ['--ansi', 'never', '-p', project.name, ...fileArgs, ...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: config, DOCKER_CONFIG: config, DOCKER_HOST: endpoint.host, ...project.env },
      timeout: timeoutMs,
      maxBuffer: 16 << 20,
    });
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`docker-compose ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}

/**
 * Stops and removes the project's containers, networks and volumes, and checks that the networks' bridges
 * went with them: a bridge the engine forgets (it is not removed when the engine stops) stays on the host.
 */
export async function composeDown(endpoint: Endpoint, project: ComposeProject): Promise<void> {
  const networks = await dockerOk(['network', 'ls', '--quiet', '--no-trunc', '--filter', `label=com.docker.compose.project=${project.name}`], endpoint);
  await compose(endpoint, project, ['down', '--volumes', '--remove-orphans', '--timeout', '2']);
  const bridges = networks
    .split('\n')
    .filter((id) => id !== '')
    .map((id) => `br-${id.slice(0, 12)}`);
  const left = bridges.filter((bridge) => existsSync(`/sys/class/net/${bridge}`));
  if (left.length > 0) throw new Error(`docker-compose down left bridges on the host: ${left.join(', ')}`);
}
