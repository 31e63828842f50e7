// `dockgate serve --compat docker-socket-proxy[:tecnativa|:linuxserver]`: the gateway configured from
// docker-socket-proxy's environment, so that a compose file swaps the image and keeps its `environment:`.
// What the variables grant is src/policy/socket-proxy-policy.ts; where it listens by default,
// src/listen/container-network-listeners.ts. Here: the flag, the options it excludes, and `SOCKET_PATH`
// against `--upstream`.
import { ConfigError, readingConfig } from '../errors/config-error.js';
import type { Logger } from '../log/logger.js';
import { COMPAT_RULE, socketProxyGrantedOperations } from '../policy/socket-proxy-policy.js';
import { readSocketProxyEnvironment, SOCKET_PROXY_FLAVOURS, type SocketProxyEnvironment, type SocketProxyFlavour } from '../policy/socket-proxy-environment.js';

export const COMPAT_NAME = 'docker-socket-proxy';

/** `docker-socket-proxy` (flavour inferred) or `docker-socket-proxy:FLAVOUR`. */
export function parseCompat(value: string): SocketProxyFlavour | 'inferred' {
  const [name, flavour, ...rest] = value.split(':');
  if (name !== COMPAT_NAME || rest.length > 0 || (flavour !== undefined && !(SOCKET_PROXY_FLAVOURS as readonly string[]).includes(flavour))) {
    throw new ConfigError(`--compat ${value}: expected ${COMPAT_NAME}, ${SOCKET_PROXY_FLAVOURS.map((f) => `${COMPAT_NAME}:${f}`).join(' or ')}`);
  }
  return (flavour as SocketProxyFlavour | undefined) ?? 'inferred';
}

export function readCompatEnvironment(flavour: SocketProxyFlavour | 'inferred', env: NodeJS.ProcessEnv = process.env): SocketProxyEnvironment {
  return readingConfig(() => readSocketProxyEnvironment(env, flavour === 'inferred' ? undefined : flavour))();
}

/** Options that choose a policy of their own cannot be combined with the environment's. */
export function checkCompatAlone(given: { policy: boolean; profile: boolean; preset: boolean; allowBind: boolean }): void {
  const other = given.policy ? '--policy' : given.profile ? '--profile' : given.preset ? '--preset' : given.allowBind ? '--allow-bind' : undefined;
  if (other !== undefined) {
    throw new ConfigError(`--compat ${COMPAT_NAME} and ${other} go separately: the environment's variables are the policy (judged under baseline); write a --policy file for more`);
  }
}

/**
 * The engine socket: `--upstream` when given, `SOCKET_PATH` when set, else the usual default. Both given and
 * different is a mistake, not a choice to make silently: which engine a gateway fronts must be certain.
 */
export function compatUpstream(env: SocketProxyEnvironment, upstream: string, upstreamGiven: boolean, socketPathSet: boolean): string {
  if (!socketPathSet) return upstream;
  if (upstreamGiven && upstream !== env.upstream) {
    throw new ConfigError(`--upstream ${upstream} and SOCKET_PATH (${env.upstream.slice('unix://'.length)}) name different engine sockets; give one of them`);
  }
  return env.upstream;
}

export function logCompat(logger: Logger, env: SocketProxyEnvironment): void {
  for (const warning of env.warnings) logger.warn({ compat: COMPAT_NAME }, warning);
  logger.info(
    {
      compat: COMPAT_NAME,
      flavour: env.flavour,
      why: env.flavourReason,
      variables: env.given,
      rule: COMPAT_RULE,
      granted: socketProxyGrantedOperations(env),
    },
    'serving the docker-socket-proxy environment: the operations its variables grant, every body still judged under the baseline profile (privileged containers, host mounts and namespaces refused whatever the variables say)',
  );
}
