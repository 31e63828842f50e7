// Starts a gateway from its configuration and stops it gracefully: on stop it closes its listeners,
// lets running requests and streams finish within the grace period, then cuts what is left.
import { X509Certificate } from 'node:crypto';
import { isGatewayError } from '../errors/catalogue.js';
import type { Logger } from '../log/logger.js';
import { createAdminServer, type AdminPages } from '../observe/admin-server.js';
import type { Metrics } from '../observe/metrics.js';
import { Readiness } from '../observe/readiness.js';
import type { Policy } from '../judge/policy.js';
import type { ContainerFacts } from '../judge/engine-lookup.js';
import type { AuditOutageMode, AuditSink } from '../record/audit-sink.js';
import { createUpstream, type Upstream } from '../forward/upstream.js';
import { checkListenersHaveTls, openListener, type OpenListener } from '../listen/listeners.js';
import { ServingLatch } from '../listen/serving-latch.js';
import { loadTlsMaterial, type TlsFiles } from '../listen/tls-material.js';
import { TlsContext } from '../listen/tls-context.js';
import { ConnectionRefusals } from '../listen/connection-refusals.js';
import type { AdminListenerSpec, ListenerSpec } from '../listen/listener-spec.js';
import { openAdminListener, type OpenAdminListener } from '../listen/admin-listener.js';
import { Gateway } from './gateway.js';
import { padHeap } from './heap-padding.js';
import { createEngineLookup, pingEngine } from '../forward/engine-client.js';
import { Admission } from '../admit/admission.js';
import { BodyBudgets } from '../admit/body-budgets.js';
import { ConnectionBudget } from '../admit/connection-budget.js';
import type { Limits } from '../admit/limits.js';

export interface GatewayConfig {
  upstream: string;
  listeners: ListenerSpec[];
  tls?: TlsFiles;
  /** The policy in force; read per request, so a reload applies to the next request. */
  policy: () => Policy;
  audit: AuditSink;
  auditOutage?: AuditOutageMode;
  minApiVersion: readonly number[];
  logger: Logger;
  limits: Limits;
  /** Where build contexts are held while judged (serve --spool-dir). */
  spoolDirectory: string;
  /**
   * Runs once every listener is bound and the CRL watched, before "serving" is logged: serve --user drops
   * root here. If it throws, everything opened is closed again and start-up fails with its error.
   */
  beforeServing?: () => Promise<void>;
  /**
   * serve --admin-listen: /health, /ready and /metrics on a listener of their own (src/observe/), and the
   * metrics every part counts into (the audit sink was given them when it was opened); `pages`, the live
   * view at `/` (src/view/), fed by the audit sink.
   */
  admin?: { listen: AdminListenerSpec; metrics: Metrics; pages?: AdminPages };
}

export interface RunningGateway {
  /** Stops accepting, waits up to `graceMs` for running exchanges, then closes everything. */
  stop(graceMs: number): Promise<void>;
}

type ExpiryWarnings = typeof import('../certs/expiry-warnings.js').certificateExpiryWarnings;

/** How often the TLS files are checked for expiry while serving (and once at start). */
const EXPIRY_CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

/**
 * Logs the certificates serve reads (CA, server certificate) that expire within 30 days or have expired,
 * and a CRL near or past its nextUpdate: warnings for what is coming, errors for what has happened.
 */
function warnAboutExpiry(files: TlsFiles, logger: Logger, certificateExpiryWarnings: ExpiryWarnings): void {
  const paths = [files.ca, files.cert, ...(files.crl !== undefined ? [files.crl] : [])];
  for (const warning of certificateExpiryWarnings(paths)) {
    const fields = { file: warning.file, kind: warning.kind, subject: warning.subject, expires: warning.expires, daysLeft: warning.daysLeft };
    if (warning.status === 'expiring-soon') logger.warn(fields, warning.message);
    else logger.error(fields, warning.message);
  }
}

export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  padHeap(config.logger);
  // Everything that can be checked is checked before the first listener is bound.
  const material = config.tls && loadTlsMaterial(config.tls, (message) => config.logger.warn({}, message));
  checkListenersHaveTls(config.listeners, material);
  const tls = material && new TlsContext(material, config.tls!.crl, config.logger);
  // Loaded only for TLS listeners (the certificate parser weighs some 25 MB of memory a gateway without
  // them does not need), and before any privilege drop, while every module file is still readable.
  const certificateExpiryWarnings = config.listeners.some((l) => l.kind === 'tcp') ? (await import('../certs/expiry-warnings.js')).certificateExpiryWarnings : undefined;
  const upstream = createUpstream(config.upstream);
  const metrics = config.admin?.metrics;
  const engine = createEngineLookup(upstream);
  const gateway = new Gateway({
    upstream,
    engine,
    policy: config.policy,
    audit: config.audit,
    ...(config.auditOutage !== undefined && { auditOutage: config.auditOutage }),
    minApiVersion: config.minApiVersion,
    logger: config.logger,
    admission: new Admission(config.limits, metrics),
    budgets: new BodyBudgets(config.limits, metrics),
    bodyTimeoutMs: config.limits.bodyTimeoutMs,
    spoolDirectory: config.spoolDirectory,
    ...(metrics && { metrics }),
  });
  const refusals = new ConnectionRefusals(config.audit, config.logger, undefined, metrics);
  const open: OpenListener[] = [];
  let admin: OpenAdminListener | undefined;
  const serving = new ServingLatch();
  const connections = new ConnectionBudget(config.limits.maxConnections);
  // Unix peers in a container are told by it: the listeners ask the same engine client as decisions do.
  const containers = (id: string): Promise<ContainerFacts | undefined> => engine.container(id);
  const context = { gateway, logger: config.logger, refusals, limits: config.limits, connections, serving, containers, ...(tls && { tls }), ...(metrics && { metrics }) };
  if (metrics !== undefined) {
    metrics.watchOpen({ connections: () => connections.open, streams: () => gateway.hijacked.size });
    if (material) {
      metrics.certificateExpires('server', new X509Certificate(material.cert).validTo);
      metrics.certificateExpires('ca', new X509Certificate(material.ca).validTo);
    }
  }
  try {
    for (const spec of config.listeners) open.push(await openListener(spec, context));
    if (config.admin !== undefined) admin = await openAdmin(config.admin, upstream, config, serving);
    tls?.watch();
    await config.beforeServing?.();
    serving.open();
  } catch (err) {
    serving.abandon();
    tls?.close();
    await Promise.all([...open.map((l) => l.close()), admin?.close()]);
    refusals.close();
    upstream.close();
    throw err;
  }
  let expiryTimer: NodeJS.Timeout | undefined;
  if (config.tls && certificateExpiryWarnings) {
    const files = config.tls;
    warnAboutExpiry(files, config.logger, certificateExpiryWarnings);
    expiryTimer = setInterval(() => warnAboutExpiry(files, config.logger, certificateExpiryWarnings), EXPIRY_CHECK_INTERVAL_MS);
    expiryTimer.unref();
  }
  config.logger.info({ upstream: config.upstream, policy: config.policy().name }, 'dockgate is serving');

  return {
    async stop(graceMs: number): Promise<void> {
      clearInterval(expiryTimer);
      tls?.close();
      // The admin listener goes first: probes see the gateway go away while it drains.
      await admin?.close();
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
      refusals.close();
      await config.audit.close();
    },
  };
}

/** The admin listener: its server, /ready's checks (a ping through the engine client, the audit sink's health). */
function openAdmin({ listen, metrics, pages }: NonNullable<GatewayConfig['admin']>, upstream: Upstream, config: GatewayConfig, serving: ServingLatch): Promise<OpenAdminListener> {
  const readiness = new Readiness({
    pingEngine: () =>
      pingEngine(upstream).catch((err: unknown) => {
        throw new Error(isGatewayError(err) ? err.detail.why : String(err));
      }),
    auditHealthy: () => config.audit.healthy,
  });
  const server = createAdminServer({ metrics, readiness, ...(pages && { pages }) }, (err) => config.logger.error({ err }, 'internal error on the admin listener'));
  return openAdminListener(listen, server, serving, config.logger, pages);
}
