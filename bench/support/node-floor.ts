// The Node floor target (node-floor-server.ts): what forwarding a ping costs a Node process that does nothing
// else, measured beside dockgate and HAProxy so the gap between dockgate and any proxy on Node is a figure of
// the same run, not an argument.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER = join(HERE, 'node-floor-server.ts');
/** Where `--import tsx` is resolved from. */
const REPOSITORY = join(HERE, '..', '..');

export function startNodeFloor(engineSocket: string, listenSocket: string): Promise<ProxyProcess> {
  return startProxyProcess({
    name: 'node floor',
    command: process.execPath,
    args: ['--import', 'tsx', SERVER, engineSocket, listenSocket],
    env: { PATH: process.env['PATH'] },
    cwd: REPOSITORY,
    listenSocket,
  });
}
