// `dockgate serve`: runs the gateway in front of the engine until SIGTERM or SIGINT.
import type { Command } from 'commander';
import { createLogger } from '../log/logger.js';
import { defaultUpstream } from '../forward/upstream.js';
import { parseListenerSpec, type ListenerSpec } from '../listen/listener-spec.js';
import { parseApiVersion } from '../route/api-version.js';
import { profileByName, PROFILE_NAMES } from '../judge/profiles/profiles.js';
import { openAuditSink } from '../record/open-audit-sink.js';
import { startGateway } from '../gateway/running-gateway.js';

interface ServeOptions {
  upstream: string;
  listen: ListenerSpec[];
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  policy?: string;
  profile: string;
  allowBind: string[];
  auditLog?: string;
  minApiVersion: string;
  gracePeriod: string;
}

const collect = <T>(parse: (v: string) => T) => (value: string, previous: T[] = []): T[] => [...previous, parse(value)];

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the Docker Engine API through the gateway')
    .option('--upstream <url>', 'the engine socket (default: DOCKER_HOST when it is unix://, else unix:///var/run/docker.sock)', defaultUpstream())
    .option('--listen <url>', 'unix:///path.sock[?mode=0660&owner=U&group=G] or tcp://HOST:PORT; repeatable', collect(parseListenerSpec), [])
    .option('--tls-ca <file>', 'CA that signs client certificates (tcp listeners)')
    .option('--tls-cert <file>', 'server certificate (tcp listeners)')
    .option('--tls-key <file>', 'server private key (tcp listeners)')
    .option('--policy <file>', 'policy file (YAML)')
    .option('--profile <name>', `built-in policy: ${PROFILE_NAMES.join(', ')}`, 'read-only')
    .option('--allow-bind <path[:ro]>', 'grant a host bind root on top of the profile; repeatable', collect(String), [])
    .option('--audit-log <file>', 'durable audit trail (JSON Lines); without it records go to stderr')
    .option('--min-api-version <version>', 'refuse requests for older Engine API versions', '1.24')
    .option('--grace-period <seconds>', 'on SIGTERM, how long running requests and streams may finish', '10')
    .action(async (opts: ServeOptions) => {
      const logger = createLogger();
      if (opts.policy !== undefined) throw new Error('--policy files are not supported yet; use --profile');
      if (opts.allowBind.length > 0) throw new Error('--allow-bind needs a profile that inspects container parameters (baseline, restricted), which this version does not have yet');
      const listeners = opts.listen.length > 0 ? opts.listen : [parseListenerSpec('unix:///run/dockgate.sock')];
      const tlsGiven = [opts.tlsCa, opts.tlsCert, opts.tlsKey].filter((v) => v !== undefined).length;
      if (tlsGiven !== 0 && tlsGiven !== 3) throw new Error('--tls-ca, --tls-cert and --tls-key go together');
      const grace = Number(opts.gracePeriod);
      if (!Number.isFinite(grace) || grace < 0) throw new Error(`--grace-period ${opts.gracePeriod}: expected a number of seconds`);
      const audit = await openAuditSink(opts.auditLog, logger);
      const running = await startGateway({
        upstream: opts.upstream,
        listeners,
        ...(tlsGiven === 3 ? { tls: { ca: opts.tlsCa!, cert: opts.tlsCert!, key: opts.tlsKey! } } : {}),
        policy: profileByName(opts.profile),
        audit,
        minApiVersion: minimumVersion(opts.minApiVersion),
        logger,
      });
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
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

function minimumVersion(text: string): number[] {
  try {
    const version = parseApiVersion(text, text);
    return [version.major, version.minor];
  } catch {
    throw new Error(`--min-api-version ${text}: expected an Engine API version such as 1.24`);
  }
}
