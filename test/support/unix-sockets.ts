// Unix socket files as the gateway may find them at a path: answered by a live process, or left behind
// by a dead one (the file stays, nothing answers).

import { spawn } from 'node:child_process';
import { connect } from 'node:net';

/** What connecting to the socket at `path` gives: `connected`, or the error code (ECONNREFUSED, ENOENT, EACCES, ...). */
export function connectResult(path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Binds a socket at `path` in a process that is then SIGKILLed: the file stays, nothing answers. */
export async function leaveStaleSocket(path: string): Promise<void> {
  const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('bound'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
}
