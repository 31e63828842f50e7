// Binds the admin server (src/observe/admin-server.ts) where --admin-listen says: a unix socket with its
// mode and owner, bound as the Engine API's unix listeners are (unix-listener.ts), or a loopback TCP port.
// It serves no one before the gateway does (the serving latch): a probe must not see "healthy" from a
// process that is still starting, or still root before --user drops it.
import type http from 'node:http';
import type { Logger } from '../log/logger.js';
import type { AdminPages } from '../observe/admin-server.js';
import type { AdminListenerSpec } from './listener-spec.js';
import { gateAccept } from './listeners.js';
import type { ServingLatch } from './serving-latch.js';
import { bindUnixListener } from './unix-listener.js';

export interface OpenAdminListener {
  server: http.Server;
  /** Stops accepting, closes its connections and removes its socket file. */
  close(): Promise<void>;
}

export async function openAdminListener(spec: AdminListenerSpec, server: http.Server, serving: ServingLatch, logger: Logger, pages?: AdminPages): Promise<OpenAdminListener> {
  gateAccept(server, serving, () => true);
  let remove: () => Promise<void> = () => Promise.resolve();
  if (spec.kind === 'unix') {
    remove = await bindUnixListener(server, spec, '--admin-listen');
  } else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: spec.host, port: spec.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
  logger.info({ listener: spec.name, ...(spec.kind === 'unix' && { mode: spec.mode.toString(8) }) }, `admin listener: /health, /ready, /metrics${pages ? ', the live view at /' : ''}`);
  return {
    server,
    close: async () => {
      // Scrapes are short: nothing to wait for; the live view's event streams end with it.
      pages?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await remove();
    },
  };
}
