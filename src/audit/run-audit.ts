// Runs the audit of one or more engines: gathers what the engine reports, and for an engine on this host
// its daemon process, configuration, sockets and host, then runs every check. A check that cannot run
// (no permission, no engine, a remote host) adds "not checked" entries, never a pass.
import { checkApiExposure } from './checks/api-exposure.js';
import { checkContainers } from './checks/containers.js';
import { checkDaemonOptions } from './checks/daemon-options.js';
import { checkGatewayListeners } from './checks/gateway-listeners.js';
import { checkEngine } from './checks/engine-checks.js';
import { checkHost } from './checks/host.js';
import { checkSocketAccess } from './checks/socket-access.js';
import { checkTlsMaterial } from './checks/tls-material.js';
import { engineRemaps, engineRootless, type AuditContext } from './context.js';
import { DEFAULT_ENGINE_TIME, EngineApi, parseEngineAddress, type EngineAddress, type TlsFiles } from './engine-api.js';
import { fetchDocument, type FetchedDocument, readBridgeNetwork, readInfo, readVersion } from './engine-documents.js';
import { Collector } from './finding.js';
import { AccountDb } from './host/accounts.js';
import { findDaemon, gatherDaemonFacts } from './host/daemon-process.js';
import type { AnswerProblems } from './read-answer.js';
import { buildReport, type AuditReport, type FailOn, type TargetReport } from './report.js';

export interface AuditOptions {
  /** Engines to audit, as DOCKER_HOST-style URLs; empty: the local engine (DOCKER_HOST, else /var/run/docker.sock). */
  hosts: readonly string[];
  /** Audit unix:// hosts through their API only, as if remote (e.g. a socket forwarded over SSH). */
  remote?: boolean;
  /** TLS files for tcp:// hosts. */
  tls?: TlsFiles;
  /** The daemon.json to read instead of the one the daemon uses. */
  configFile?: string;
  /** The dockerd process, instead of the one found holding the socket. */
  daemonPid?: number;
  allowProcesses?: readonly string[];
  /** How long after connecting to an engine it may still be asked anything, in ms. */
  engineTimeoutMs?: number;
  /** Containers inspected at most per engine, the most recently created (default 10000). */
  maxContainers?: number;
  failOn: FailOn;
  version: string;
  now?: Date;
  env?: NodeJS.ProcessEnv;
}

export interface PlannedTarget {
  address: EngineAddress;
  scope: 'local' | 'remote';
}

/** Which engines to audit and how; throws AddressError for a host that is not a valid URL. */
export function planTargets(options: AuditOptions): PlannedTarget[] {
  const env = options.env ?? process.env;
  let hosts = [...options.hosts];
  let tls = options.tls;
  if (hosts.length === 0) {
    const fromEnv = env['DOCKER_HOST'];
    hosts = [fromEnv !== undefined && fromEnv !== '' ? fromEnv : 'unix:///var/run/docker.sock'];
    const certPath = env['DOCKER_CERT_PATH'];
    if (tls === undefined && fromEnv?.startsWith('tcp://') && env['DOCKER_TLS_VERIFY'] !== undefined && env['DOCKER_TLS_VERIFY'] !== '' && certPath) {
      tls = { ca: `${certPath}/ca.pem`, cert: `${certPath}/cert.pem`, key: `${certPath}/key.pem` };
    }
  }
  const targets = hosts.map((host) => {
    const address = parseEngineAddress(host, tls);
    const local = !options.remote && (address.kind === 'unix' || options.daemonPid !== undefined);
    return { address, scope: local ? ('local' as const) : ('remote' as const) };
  });
  const locals = targets.filter((t) => t.scope === 'local');
  if ((options.daemonPid !== undefined || options.configFile !== undefined) && locals.length > 1) {
    throw new Error('--daemon-pid and --config-file describe one local engine: give at most one unix:// --host with them');
  }
  return targets;
}

async function guarded(ctx: AuditContext, area: string, check: () => void | Promise<void>): Promise<void> {
  try {
    await check();
  } catch (err) {
    ctx.collector.skip(area, `the check failed: ${(err as Error).message}`);
  }
}

export const DEFAULT_MAX_CONTAINERS = 10_000;

/**
 * One document of the engine, read by its schema: a failed call, or fields of the wrong type (read as
 * absent), are reported not checked under `area`. Null when the engine has no such document (404);
 * undefined when it could not be had.
 */
async function askEngine<T>(ctx: AuditContext, api: EngineApi, area: string, path: string, read: (json: unknown, problems: AnswerProblems) => T | undefined): Promise<T | null | undefined> {
  let document: FetchedDocument<T | undefined> | null;
  try {
    document = await fetchDocument(api, path, read);
  } catch (err) {
    ctx.collector.skip(area, `GET ${path} failed: ${(err as Error).message}; the checks that need it did not run`);
    return undefined;
  }
  if (document === null) return null;
  if (document.problems.count > 0) ctx.collector.skip(area, `GET ${path}: ${document.problems.describe()}: read as absent, so the checks that need it could not see it`);
  return document.value;
}

async function auditTarget(target: PlannedTarget, options: AuditOptions, accounts: () => AccountDb): Promise<TargetReport> {
  const collector = new Collector();
  const { address, scope } = target;
  const ctx: AuditContext = {
    host: address.url,
    scope,
    accounts,
    collector,
    options: { allowProcesses: options.allowProcesses ?? [], maxContainers: options.maxContainers ?? DEFAULT_MAX_CONTAINERS, now: options.now ?? new Date() },
    ...(address.kind === 'unix' && scope === 'local' && { socketPath: address.socketPath }),
  };
  let reachable = true;
  try {
    ctx.api = await EngineApi.connect(address, { ...DEFAULT_ENGINE_TIME, ...(options.engineTimeoutMs !== undefined && { totalMs: options.engineTimeoutMs }) });
  } catch (err) {
    reachable = false;
    collector.skip('engine', `${address.url} could not be reached: ${(err as Error).message}; the engine, its settings and its containers were not checked`);
  }
  if (ctx.api !== undefined) {
    const api = ctx.api;
    ctx.version = (await askEngine(ctx, api, 'engine', '/version', readVersion)) ?? undefined;
    ctx.info = (await askEngine(ctx, api, 'engine', '/info', readInfo)) ?? undefined;
    ctx.bridge = await askEngine(ctx, api, 'daemon.icc', '/networks/bridge', readBridgeNetwork);
  }
  if (scope === 'local') {
    const lookup = findDaemon(ctx.socketPath, options.daemonPid);
    if (lookup.found) {
      try {
        ctx.daemon = await gatherDaemonFacts(lookup.process, lookup.foundBy, { ...(options.configFile !== undefined && { configFile: options.configFile }), accounts: accounts() });
      } catch (err) {
        collector.skip('daemon', `the dockerd process ${lookup.process.pid} could not be examined: ${(err as Error).message}`);
      }
    } else {
      collector.skip('daemon', `${lookup.reason}: its command line, configuration and real listeners were not examined`);
    }
  }
  await guarded(ctx, 'engine', () => checkEngine(ctx));
  await guarded(ctx, 'api', () => checkApiExposure(ctx));
  await guarded(ctx, 'daemon', () => checkDaemonOptions(ctx));
  await guarded(ctx, 'containers', () => checkContainers(ctx));
  if (scope === 'local') {
    await guarded(ctx, 'socket', () => checkSocketAccess(ctx));
    await guarded(ctx, 'gateway.listeners', () => checkGatewayListeners(ctx));
    await guarded(ctx, 'tls.material', () => checkTlsMaterial(ctx));
    await guarded(ctx, 'host', () => checkHost(ctx));
  } else {
    const why = 'a remote engine is audited through its API only: run dockgate audit on its host for this';
    collector.skip('socket', `the engine's unix sockets, their owners, groups and ACLs: ${why}`);
    collector.skip('tls.material', `the daemon's TLS files: ${why}`);
    collector.skip('host', `processes outside containers, storage partition and audit rules of its host: ${why}`);
    collector.skip('api.listeners', `what really listens on its host (only the engine's own warnings and this connection were judged): ${why}`);
    collector.skip('gateway.listeners', `whether a dockgate serve on its host listens in plain HTTP off loopback: ${why}`);
    if (reachable && (ctx.info?.Plugins?.Authorization ?? []).length === 0) {
      collector.skip('engine.authorization', `the engine runs no authorization plugin; whether a gateway such as dockgate stands in front of it cannot be seen through its API: ${why}`);
    }
  }
  ctx.api?.close();
  return {
    host: address.url,
    scope,
    reachable,
    engine:
      ctx.api === undefined
        ? null
        : {
            version: ctx.version?.Version ?? ctx.info?.ServerVersion ?? null,
            apiVersion: ctx.version?.ApiVersion ?? null,
            os: ctx.version?.Os ?? null,
            transport: ctx.api.transport,
            rootless: engineRootless(ctx),
            userNamespaceRemap: engineRemaps(ctx),
            daemonPid: ctx.daemon?.process.pid ?? null,
          },
    findings: collector.findings,
    notChecked: collector.notChecked,
  };
}

export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const startedAt = new Date();
  const targets = planTargets(options);
  let accounts: AccountDb | undefined;
  const lazyAccounts = (): AccountDb => (accounts ??= AccountDb.load());
  const reports: TargetReport[] = [];
  for (const target of targets) reports.push(await auditTarget(target, options, lazyAccounts));
  return buildReport(reports, options.failOn, startedAt, options.version);
}
