// Starts a gateway from its configuration and stops it gracefully: on stop it closes its listeners,
// lets running requests and streams finish within the grace period, then cuts what is left.
import type { Logger } from '../log/logger.js';
import type { Policy } from '../judge/policy.js';
import type { AuditSink } from '../record/audit-sink.js';
import { createUpstream } from '../forward/upstream.js';
import { checkListenersHaveTls, openListener, type OpenListener } from '../listen/listeners.js';
import { loadTlsMaterial, type TlsFiles } from '../listen/tls-material.js';
import type { ListenerSpec } from '../listen/listener-spec.js';
import { Gateway } from './gateway.js';
import { createEngineLookup } from '../forward/engine-client.js';

export interface GatewayConfig {
  upstream: string;
  listeners: ListenerSpec[];
  tls?: TlsFiles;
  /** The policy in force; read per request, so a reload applies to the next request. */
  policy: () => Policy;
  audit: AuditSink;
  minApiVersion: readonly number[];
  logger: Logger;
}

export interface RunningGateway {
  /** Stops accepting, waits up to `graceMs` for running exchanges, then closes everything. */
  stop(graceMs: number): Promise<void>;
}

export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  // Everything that can be checked is checked before the first listener is bound.
  const tls = config.tls && loadTlsMaterial(config.tls);
  checkListenersHaveTls(config.listeners, tls);
  const upstream = createUpstream(config.upstream);
  const gateway = new Gateway({
    upstream,
    engine: createEngineLookup(upstream),
    policy: config.policy,
    audit: config.audit,
    minApiVersion: config.minApiVersion,
    logger: config.logger,
  });
  const open: OpenListener[] = [];
  try {
    for (const spec of config.listeners) open.push(await openListener(spec, gateway, tls, config.logger));
  } catch (err) {
    await Promise.all(open.map((l) => l.close()));
    upstream.close();
    throw err;
  }
  config.logger.info({ upstream: config.upstream, policy: config.policy().name }, 'dockgate is serving');

  return {
    async stop(graceMs: number): Promise<void> {
      const closing = Promise.all(open.map((l) => l.close()));
      for (const l of open) l.server.closeIdleConnections();
      const graceOver = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
      const drained = (async () => {
        await closing;
        while (gateway.hijacked.size > 0) await new Promise((r) => setTimeout(r, 50));
      })();
      if ((await Promise.race([drained, graceOver])) === 'timeout') {
        config.logger.warn({ graceMs }, 'grace period over; closing the connections still open');
        for (const l of open) l.server.closeAllConnections();
        for (const socket of gateway.hijacked) socket.destroy();
        await closing;
      }
      upstream.close();
      await config.audit.close();
    },
  };
}
