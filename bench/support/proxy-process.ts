// A proxy the benchmark runs in front of the engine as a process of its own (HAProxy, the Node floor), so
// its CPU can be read from /proc apart from the benchmark's: started, ready once it answers /_ping on its
// unix socket, stopped with SIGTERM (SIGKILL after 5 s), and killed when the benchmark exits, however it exits.

import { spawn } from 'node:child_process';
import { onProcessExit } from '../../test/support/cleanup-on-exit.js';
import { pingStatus } from '../../test/support/raw-http.js';

const READY_TIMEOUT_MS = 10_000;

export interface ProxyProcessSpec {
  name: string;
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Where it runs (the repository, for a script run with `--import tsx`); the benchmark's own by default. */
  cwd?: string;
  listenSocket: string;
}

export interface ProxyProcess {
  pid: number;
  socketPath: string;
  stop(): Promise<void>;
}

export async function startProxyProcess(spec: ProxyProcessSpec): Promise<ProxyProcess> {
  const child = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const cancelExitKill = onProcessExit(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      cancelExitKill();
      resolve();
    });
    child.once('error', (error) => {
      output += `\n(spawn failed: ${error.message})`;
      resolve();
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const stop = async (): Promise<void> => {
    if (gone) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = { name: spec.name, host: `unix://${spec.listenSocket}` };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while ((await pingStatus(endpoint)) !== 200) {
    if (gone || Date.now() > deadline) {
      await stop();
      throw new Error(`${spec.name} did not answer /_ping on ${spec.listenSocket}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { pid: child.pid!, socketPath: spec.listenSocket, stop };
}
