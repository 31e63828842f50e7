// A free TCP port on loopback, for servers (the gateway's TLS listener, swarm) that must be told one.

import { createServer } from 'node:net';

/** A port that was free a moment ago; the small race with other processes is accepted in tests. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
