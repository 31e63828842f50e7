// `dockgate serve`: runs the gateway in front of the engine until SIGTERM or SIGINT.
import type { Command } from 'commander';
import { ConfigError, loadingConfig, readingConfig } from '../errors/config-error.js';
import { createLogger, type Logger } from '../log/logger.js';
import { defaultUpstream, parseUpstream } from '../forward/upstream.js';
import { parseAdminListenSpec, parseInsecureLoopbackSpec, parseListenerSpec, type AdminListenerSpec, type InsecureLoopbackListenerSpec, type ListenerSpec } from '../listen/listener-spec.js';
import { Metrics } from '../observe/metrics.js';
import { parseApiVersion } from '../route/api-version.js';
import { BUILTIN_PROFILE_NAMES, choicePolicy } from '../policy/builtin-policies.js';
import { PRESET_NAMES } from '../judge/profiles/application-presets.js';
import { ListenerPolicies, shadowedRules } from '../policy/listener-policies.js';
import type { RulePolicy } from '../policy/rule-policy.js';
import { BODY_READINGS } from '../policy/policy-rule.js';
import type { Policy } from '../judge/policy.js';
import { openAuditSink } from '../record/open-audit-sink.js';
import { AUDIT_OUTAGE_MODES, AUDIT_SYNC_POINTS, type AuditOutageMode } from '../record/audit-sink.js';
import { startGateway } from '../gateway/running-gateway.js';
import { addLimitOptions, limitsFromOptions, type LimitOptions } from './limit-options.js';
import { dropPrivileges, resolveDropTarget } from '../privilege/drop-privileges.js';
import { parseInsecureNetworkSpec, type InsecureNetworkListenerSpec } from '../listen/insecure-network-spec.js';
import { containerNetworkListeners } from '../listen/container-network-listeners.js';
import { socketProxyPolicy } from '../policy/socket-proxy-policy.js';
import type { SocketProxyEnvironment } from '../policy/socket-proxy-environment.js';
import { checkCompatAlone, compatUpstream, logCompat, parseCompat, readCompatEnvironment } from './compat-mode.js';
import { AuditFeed } from '../record/audit-feed.js';
import { fedAuditSink } from '../record/fed-audit-sink.js';
import { loopbackHostNames } from '../listen/host-names.js';
import { runAudit } from '../audit/run-audit.js';
import { LiveView } from '../view/live-view.js';
import { ruleChangeFor } from '../learn/rule-change.js';
import { packageVersion } from './report-output.js';

interface ServeOptions extends LimitOptions {
  upstream: string;
  listen: ListenerSpec[];
  insecureListenLoopback: InsecureLoopbackListenerSpec[];
  insecureListen: InsecureNetworkListenerSpec[][];
  compat?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCrl?: string;
  policy?: string;
  profile: string;
  preset?: string;
  bodies: string;
  allowBind: string[];
  auditLog?: string;
  auditOutage: string;
  auditSync: string;
  minApiVersion: string;
  gracePeriod: string;
  spoolDir: string;
  user?: string;
  group: string[];
  adminListen?: AdminListenerSpec;
}

const collect =
  <T>(parse: (v: string) => T) =>
  (value: string, previous: T[] = []): T[] => [...previous, parse(value)];

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description('serve the Docker Engine API through the gateway')
    .option('--upstream <url>', 'the engine socket (default: DOCKER_HOST when it is unix://, else unix:///var/run/docker.sock)', defaultUpstream())
    .option(
      '--listen <url>',
      'unix:///path.sock[?mode=0660&owner=U&group=G] or tcp://HOST:PORT[?allow=CIDR,...] (mutual TLS); &preset=NAME or &profile=NAME judges its clients by that; repeatable',
      collect(readingConfig(parseListenerSpec)),
      [],
    )
    .option(
      '--insecure-listen-loopback <url>',
      'tcp://127.0.0.1:PORT[?hosts=NAME:PORT,...]: plain HTTP WITHOUT authentication, loopback only, browsers refused; repeatable',
      collect(readingConfig(parseInsecureLoopbackSpec)),
      [],
    )
    .option(
      '--insecure-listen <url>',
      'tcp://ADDRESS:PORT?allow=CIDR,... or tcp://INTERFACE:PORT?allow=subnet[&hosts=NAME,...]: plain HTTP WITHOUT authentication on a container network, clients limited to allow=, browsers refused; repeatable',
      collect(readingConfig((url: string) => parseInsecureNetworkSpec(url))),
      [],
    )
    .option(
      '--compat <name>',
      "docker-socket-proxy[:tecnativa|:linuxserver]: the policy from that image's environment (CONTAINERS=1, POST=0, ...), judged under baseline; without a listener, :2375 on the container's networks",
    )
    .option('--tls-ca <file>', 'CA that signs client certificates (tcp listeners)')
    .option('--tls-cert <file>', 'server certificate (tcp listeners)')
    .option('--tls-key <file>', 'server private key (tcp listeners)')
    .option('--tls-crl <file>', "the CA's certificate revocation list (DIR/crl.pem of dockgate certs); reloaded on SIGHUP and when it changes")
    .option('--policy <file>', 'policy file (YAML); reloaded on SIGHUP and when it changes')
    .option('--profile <name>', `built-in policy: ${BUILTIN_PROFILE_NAMES.join(', ')}`, 'baseline')
    .option('--preset <name>', `the calls one application makes, as a policy: ${PRESET_NAMES.join(', ')}`)
    .option('--allow-bind <path[:ro]>', "grant a host bind root on top of --profile or --preset (not a listener's own); repeatable", collect(String), [])
    .option(
      '--bodies <reading>',
      `requests that need canonicalising (case-variant keys, unknown fields, repeats): ${BODY_READINGS.join(' or ')} (refused); a policy rule's bodies: wins`,
      'canonical',
    )
    .option('--audit-log <file>', 'durable audit trail (JSON Lines); without it records go to stderr')
    .option('--audit-outage <mode>', `while the audit log cannot be written: ${AUDIT_OUTAGE_MODES.join(' or ')} (state changes are refused either way)`, 'reads-continue')
    .option('--audit-sync <point>', `a state change's record is in the audit log before it is forwarded, and on disk (fdatasync) ${AUDIT_SYNC_POINTS.join(' or ')}`, 'before-answer')
    .option('--min-api-version <version>', 'refuse requests for older Engine API versions', '1.24')
    .option('--grace-period <seconds>', 'on SIGTERM, how long running requests and streams may finish', '10')
    .option('--spool-dir <dir>', 'where build contexts wait, on disk, while their Dockerfile is judged (writable by --user)', '/var/tmp')
    .option('--user <name|uid>', 'once listeners, audit log, TLS files and policy are open, drop root and run as this user (start as root)')
    .option('--group <name|gid>', "with --user: the groups kept (the first is the primary one; default: the user's primary group alone); repeatable", collect(String), [])
    .option(
      '--admin-listen <url>',
      'unix:///path.sock[?mode=0660&owner=U&group=G] or tcp://127.0.0.1:PORT (loopback only): serves /health, /ready, /metrics (Prometheus) and the live view at /, never the Engine API',
      readingConfig((url: string) => parseAdminListenSpec(url)),
    );
  addLimitOptions(serve);
  serve.action(async (opts: ServeOptions) => {
    const compat = opts.compat === undefined ? undefined : readCompatEnvironment(parseCompat(opts.compat));
    const logger = createLogger(compat?.logLevel);
    if (compat !== undefined) {
      checkCompatAlone({
        policy: opts.policy !== undefined,
        profile: serve.getOptionValueSource('profile') === 'cli',
        preset: opts.preset !== undefined,
        allowBind: opts.allowBind.length > 0,
      });
      opts.upstream = compatUpstream(compat, opts.upstream, serve.getOptionValueSource('upstream') === 'cli', process.env['SOCKET_PATH'] !== undefined);
    }
    const insecureListen = opts.insecureListen.flat();
    // The default unix listener only when nothing at all is asked for: an insecure listener alone is a choice.
    // In --compat mode the default is where docker-socket-proxy listens, in --insecure-listen's explicit form.
    const noListener = opts.listen.length === 0 && opts.insecureListenLoopback.length === 0 && insecureListen.length === 0;
    const defaults = !noListener
      ? []
      : compat !== undefined
        ? readingConfig(containerNetworkListeners)({ disableIpv6: compat.disableIpv6 })
        : [parseListenerSpec('unix:///run/dockgate.sock')];
    const listeners: ListenerSpec[] = [...opts.listen, ...defaults, ...opts.insecureListenLoopback, ...insecureListen];
    const tlsGiven = [opts.tlsCa, opts.tlsCert, opts.tlsKey].filter((v) => v !== undefined).length;
    if (tlsGiven !== 0 && tlsGiven !== 3) throw new ConfigError('--tls-ca, --tls-cert and --tls-key go together');
    if (opts.tlsCrl !== undefined && tlsGiven !== 3) throw new ConfigError('--tls-crl goes with --tls-ca, --tls-cert and --tls-key (it revokes certificates of that CA)');
    const grace = Number(opts.gracePeriod);
    if (!Number.isFinite(grace) || grace < 0) throw new ConfigError(`--grace-period ${opts.gracePeriod}: expected a number of seconds`);
    const minApiVersion = minimumVersion(opts.minApiVersion);
    const limits = limitsFromOptions(opts);
    const auditOutage = auditOutageMode(opts.auditOutage, opts.auditLog !== undefined);
    const auditSync = oneOf('--audit-sync', opts.auditSync, AUDIT_SYNC_POINTS);
    if (opts.group.length > 0 && opts.user === undefined) throw new ConfigError('--group goes with --user (the groups kept when dropping to that user)');
    // Resolved before anything is bound, so a mistyped name costs nothing.
    const dropTo = opts.user === undefined ? undefined : resolveDropTarget(opts.user, opts.group);
    // Binding the engine's socket or our own would hand a client the engine: never allowed, whatever the policy.
    const upstreamPath = readingConfig(parseUpstream)(opts.upstream);
    const protectedPaths = [upstreamPath, ...listeners.flatMap((l) => (l.kind === 'unix' ? [l.path] : []))];
    if (opts.adminListen !== undefined) checkAdminApart(opts.adminListen, listeners, upstreamPath);
    // One registry per gateway, made only when something will read it: without an admin listener nothing is counted.
    const metrics = opts.adminListen && new Metrics({ processMetrics: true });
    // What fails from here to serving is the host or the configuration: a policy file that does not load,
    // files that cannot be read, a listener that cannot be bound, a user that cannot reach the engine.
    const policy = await loadingConfig(() => choosePolicy(opts, serve.getOptionValueSource('profile') === 'cli', listeners, protectedPaths, logger, metrics, compat));
    // Said once the configuration is known to be usable (a refusal at start-up stays one line).
    if (compat !== undefined) logCompat(logger, compat);
    const sink = await openAuditSink(opts.auditLog, logger, { outage: auditOutage, sync: auditSync, metrics });
    // The admin listener's live view (src/view/) sees the records through an in-process feed.
    const feed = opts.adminListen && new AuditFeed();
    const audit = feed ? fedAuditSink(sink, feed) : sink;
    const admin = opts.adminListen &&
      feed &&
      metrics && {
        listen: opts.adminListen,
        metrics,
        pages: new LiveView({
          feed,
          hosts: loopbackHostNames(opts.adminListen.kind === 'unix' ? undefined : opts.adminListen.port),
          runAudit: () => runAudit({ hosts: [`unix://${upstreamPath}`], failOn: 'none', version: packageVersion() }),
          ruleChange: ruleChangeFor,
          onError: (err) => logger.error({ err }, 'live view: internal error'),
        }),
      };
    const running = await loadingConfig(() =>
      startGateway({
        upstream: opts.upstream,
        listeners,
        ...(tlsGiven === 3 ? { tls: { ca: opts.tlsCa!, cert: opts.tlsCert!, key: opts.tlsKey!, ...(opts.tlsCrl !== undefined && { crl: opts.tlsCrl }) } } : {}),
        policy: policy.current,
        audit,
        auditOutage,
        minApiVersion,
        logger,
        limits,
        spoolDirectory: opts.spoolDir,
        ...(admin && { admin }),
        ...(dropTo && {
          beforeServing: () => dropPrivileges(dropTo, upstreamPath, { '--policy': opts.policy, '--tls-crl': opts.tlsCrl, '--tls-ca': opts.tlsCa, '--tls-cert': opts.tlsCert }, logger),
        }),
      }),
    );
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      policy.close();
      logger.info({ signal, graceSeconds: grace }, 'stopping');
      running.stop(grace * 1000).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

interface ChosenPolicy {
  /** The policy in force now; a reload replaces what it returns. */
  current: () => Policy;
  close(): void;
}

/**
 * A policy file (watched for changes and SIGHUP), a built-in profile or preset with --allow-bind roots, or
 * docker-socket-proxy's environment (--compat); listeners with `?preset=` or `?profile=` judge by their own (src/policy/listener-policies.ts).
 */
async function choosePolicy(
  opts: ServeOptions,
  profileGiven: boolean,
  listeners: readonly ListenerSpec[],
  protectedPaths: string[],
  logger: Logger,
  metrics: Metrics | undefined,
  compat: SocketProxyEnvironment | undefined,
): Promise<ChosenPolicy> {
  const bodies = oneOf('--bodies', opts.bodies, BODY_READINGS);
  const perListener = (current: () => Policy): (() => Policy) => ListenerPolicies.over(current, listeners, { protectedPaths, bodies });
  if (compat !== undefined) {
    const policy = socketProxyPolicy(compat, { protectedPaths, bodies });
    return { current: perListener(() => policy), close: () => undefined };
  }
  if (opts.policy === undefined) {
    if (opts.preset !== undefined && profileGiven) throw new ConfigError('--preset and --profile go separately: a preset is a policy of its own (judged under baseline)');
    const choice = opts.preset !== undefined ? ({ kind: 'preset', name: opts.preset } as const) : ({ kind: 'profile', name: opts.profile } as const);
    const policy = choicePolicy(choice, { allowBind: opts.allowBind, protectedPaths, bodies });
    return { current: perListener(() => policy), close: () => undefined };
  }
  if (profileGiven || opts.preset !== undefined) {
    throw new ConfigError(`--policy and --${profileGiven ? 'profile' : 'preset'} go separately: a policy file names its profiles and presets per rule`);
  }
  if (opts.allowBind.length > 0) throw new ConfigError('--allow-bind goes with --profile or --preset; a policy file grants bind roots per rule');
  // The policy-file reader (YAML and schema libraries) is loaded only for a policy file: a built-in profile does without.
  const [{ loadPolicy }, { watchPolicyFile }, { PolicyFileError }] = await Promise.all([
    import('../policy/load-policy.js'),
    import('../policy/watch-policy-file.js'),
    import('../policy/policy-file-error.js'),
  ]);
  const warn = (message: string): void => logger.warn({ policy: opts.policy }, message);
  // A listener's own preset or profile wins for it: a rule that selects only such listeners is never used.
  const loaded = (next: RulePolicy): RulePolicy => {
    for (const rule of shadowedRules(next.rules, listeners)) warn(`${rule} selects only listeners with their own preset= or profile=, which win there: it is never used`);
    return next;
  };
  let policy: Policy = loaded(loadPolicy(opts.policy, { protectedPaths, bodies, warn }));
  const watcher = watchPolicyFile(
    opts.policy,
    (next, sha256) => {
      policy = loaded(next);
      metrics?.policyReloaded();
      logger.info({ policy: opts.policy, sha256 }, 'policy reloaded');
    },
    (err) => {
      metrics?.policyReloadFailed();
      logger.error({ policy: opts.policy, error: err instanceof PolicyFileError ? err.describeAll() : err.message }, 'the new policy does not load; the previous one stays in force');
    },
    { protectedPaths, bodies, warn },
  );
  return { current: perListener(() => policy), close: () => watcher.close() };
}

/**
 * The admin listener is a socket of its own: never an Engine API listener (whose clients must not read
 * what other clients do) nor the engine's socket.
 */
function checkAdminApart(admin: AdminListenerSpec, listeners: readonly ListenerSpec[], upstreamPath: string): void {
  const same = listeners.find((l) =>
    admin.kind === 'unix' ? l.kind === 'unix' && l.path === admin.path : l.kind !== 'unix' && l.port === admin.port && (l.host === admin.host || isUnspecified(l.host)),
  );
  if (same !== undefined) {
    throw new ConfigError(`--admin-listen ${admin.name}: is also an Engine API listener (${same.name}); the admin listener needs a socket of its own, which engine clients cannot reach`);
  }
  if (admin.kind === 'unix' && admin.path === upstreamPath) throw new ConfigError(`--admin-listen ${admin.name}: is the engine's socket (--upstream)`);
}

/** A flag's value, one of a few words. */
function oneOf<T extends string>(flag: string, text: string, words: readonly T[]): T {
  const word = words.find((w) => w === text);
  if (word === undefined) throw new ConfigError(`${flag} ${text}: expected ${words.join(' or ')}`);
  return word;
}

/** An address that binds every interface, loopback included. */
function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

function auditOutageMode(text: string, auditLogGiven: boolean): AuditOutageMode {
  const mode = oneOf('--audit-outage', text, AUDIT_OUTAGE_MODES);
  // Records on stderr never fail: refuse-all without a file would never refuse, which is not what was asked.
  if (mode === 'refuse-all' && !auditLogGiven) throw new ConfigError('--audit-outage refuse-all goes with --audit-log (records on stderr never fail)');
  return mode;
}

function minimumVersion(text: string): number[] {
  try {
    const version = parseApiVersion(text, text);
    return [version.major, version.minor];
  } catch {
    throw new ConfigError(`--min-api-version ${text}: expected an Engine API version such as 1.24`);
  }
}
