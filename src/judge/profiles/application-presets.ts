// Presets per application (`--preset NAME`, `?preset=NAME` on a listener, `preset: NAME` in a policy file):
// each grants exactly the Engine API operations that application calls, as read in its source
// (docs/presets-research.md has the calls with file:line references; docs/presets.md the presets), and
// judges what it writes under baseline's constraints, so host binds, privileges, host namespaces and the
// like stay refused. What a preset grants beyond the research is said where it is granted.
import { OPERATION_NAMES, type Operation } from '../../route/operations.js';
import type { ContainerConstraints } from '../container-constraints.js';
import { BASELINE_CONSTRAINTS } from './baseline-profile.js';
import { READ_REDACTION, type Redaction } from '../redaction.js';

export const PRESET_NAMES = ['traefik', 'portainer', 'watchtower', 'homepage', 'dozzle', 'diun', 'autoheal', 'gitlab-runner', 'github-actions-runner'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface ApplicationPreset {
  /** The application as people name it, for messages. */
  readonly application: string;
  readonly operations: readonly Operation[];
  readonly constraints: ContainerConstraints;
  /** How an operator gets past the constraints when the application legitimately needs more. */
  readonly widen: string;
  /** What the answers to its reads are redacted of (the dashboards: DASHBOARD_PRESETS). */
  readonly redact?: Redaction;
}

/**
 * The presets of applications that only show containers: they need no container's environment, host paths
 * or config data, so their answers are redacted of them (READ_REDACTION). Labels stay: Traefik, Homepage
 * and Diun are configured by them. Not Portainer (it shows and edits environments, and recreates from
 * what it reads), nor Watchtower (it recreates a container from its inspect: a redacted value would become
 * the new container's), nor autoheal and the CI runners, which are not dashboards.
 */
export const DASHBOARD_PRESETS: ReadonlySet<PresetName> = new Set(['traefik', 'homepage', 'dozzle', 'diun']);

/** Swarm membership and its keys, plugins (they run as root with what they were granted), BuildKit's channels. */
const PORTAINER_WITHHELD: ReadonlySet<Operation> = new Set<Operation>([
  'swarm.init',
  'swarm.join',
  'swarm.leave',
  'swarm.update',
  'swarm.unlock',
  'swarm.unlockkey',
  'plugin.pull',
  'plugin.upgrade',
  'plugin.set',
  'plugin.create',
  'plugin.enable',
  'plugin.disable',
  'plugin.push',
  'plugin.delete',
  'session',
  'grpc',
  'system.auth',
]);

function widenWith(name: PresetName): string {
  return `the ${name} preset judges bodies under baseline's constraints; where the application needs more, widen it with a policy-file rule that starts from \`preset: ${name}\` and adds the constraint it needs (docs/presets.md)`;
}

/**
 * Granted by every preset: `_ping` tells nothing, and every Docker client, health check and SDK version
 * negotiation sends it (Watchtower, Homepage and autoheal do not, but the `docker` CLI an operator points
 * at the same socket to check it does).
 */
const EVERY_PRESET_GRANTS: readonly Operation[] = ['system.ping'];

function preset(name: PresetName, application: string, operations: readonly Operation[], widen = widenWith(name)): ApplicationPreset {
  return {
    application,
    operations: [...new Set([...EVERY_PRESET_GRANTS, ...operations])],
    constraints: BASELINE_CONSTRAINTS,
    widen,
    ...(DASHBOARD_PRESETS.has(name) && { redact: READ_REDACTION }),
  };
}

/** Every operation of the route table but the withheld ones, CRIU checkpoints and the engine's debug endpoints. */
function portainerOperations(): Operation[] {
  return OPERATION_NAMES.filter((operation) => !PORTAINER_WITHHELD.has(operation) && !operation.startsWith('container.checkpoint.') && !operation.startsWith('debug.'));
}

export function applicationPreset(name: PresetName): ApplicationPreset {
  switch (name) {
    case 'traefik':
      // Docker provider: list, inspect, events (pdocker.go:117-161, shared.go:43); Swarm provider: services,
      // networks, tasks, node inspect (pswarm.go:159-309). Ping is also the SDK's version negotiation.
      return preset(name, 'Traefik', ['system.ping', 'system.version', 'container.list', 'container.inspect', 'system.events', 'service.list', 'network.list', 'task.list', 'node.inspect']);
    case 'portainer':
      // A management UI: its proxy forwards nearly the whole API (transport.go:88-124), and its own recreate,
      // stacks and webhooks create, pull, connect networks. Withheld: what changes the host beyond containers
      // (swarm membership and unlock keys, plugins), BuildKit's channels (Portainer builds with /build), and
      // /auth, which Portainer never sends (not in its operation list, portainer.go:1880-1984).
      return preset(name, 'Portainer (agentless)', portainerOperations());
    case 'watchtower':
      // client.go: list, inspect (+ polling), image inspect, pull, kill (it stops by kill), remove, create from
      // the old config, network disconnect/connect, start, rename (self-update) and image remove (--cleanup,
      // common enough to grant). Not granted: lifecycle hooks' exec (--enable-lifecycle-hooks, off by default).
      return preset(
        name,
        'Watchtower',
        [
          'container.list',
          'container.inspect',
          'image.inspect',
          'image.create',
          'container.kill',
          'container.delete',
          'container.create',
          'network.disconnect',
          'network.connect',
          'container.start',
          'container.rename',
          'image.delete',
        ],
        'watchtower recreates a container from its old configuration, so it may recreate only containers the baseline profile would let it create; ' +
          'to let it recreate this one, widen it with a policy-file rule that starts from `preset: watchtower` and adds what the container needs (allow-bind, privileged), docs/presets.md',
      );
    case 'homepage':
      // dockerode, unversioned paths: discovery and status/stats widgets (service-helpers.js:83-85,
      // status/[...service].js, stats/[...service].js); Swarm: services and tasks.
      return preset(name, 'Homepage', ['container.list', 'container.inspect', 'container.stats', 'service.list', 'service.inspect', 'task.list']);
    case 'dozzle':
      // The log viewer (client.go): ping, info, version, list, inspect, stats and logs streams, events.
      // --enable-actions and --enable-shell (start/stop/remove/create, attach/exec) are not granted.
      return preset(name, 'Dozzle', ['system.ping', 'system.info', 'system.version', 'container.list', 'container.inspect', 'container.stats', 'container.logs', 'system.events']);
    case 'diun':
      // pkg/docker: version on each scan, running containers, their images, services (Swarm provider).
      return preset(name, 'Diun', ['system.ping', 'system.version', 'container.list', 'image.inspect', 'service.list']);
    case 'autoheal':
      // docker-entrypoint: the unhealthy containers, and a restart of each (curl, unversioned).
      return preset(name, 'docker-autoheal', ['container.list', 'container.restart']);
    case 'gitlab-runner':
      // executors/docker: info/version on connect, images (inspect, pull, load and import of the helper, tag),
      // per-build networks and cache volumes, containers created, attached (the job script), started,
      // waited, stopped, inspected, logged, exec'd into, removed. It never builds or copies archives
      // through the Engine (builds run inside the job), so /build and /archive are not granted.
      return preset(name, 'GitLab Runner (docker executor)', [
        'system.ping',
        'system.info',
        'system.version',
        'image.inspect',
        'image.create',
        'image.load',
        'image.tag',
        'network.create',
        'network.inspect',
        'network.list',
        'network.disconnect',
        'network.delete',
        'volume.create',
        'volume.inspect',
        'volume.delete',
        'container.create',
        'container.start',
        'container.attach',
        'container.wait',
        'container.stop',
        'container.inspect',
        'container.logs',
        'container.exec.create',
        'exec.start',
        'container.delete',
      ]);
    case 'github-actions-runner':
      // DockerCommandManager.cs through the docker CLI: version, ps, rm, network prune/create/rm, login
      // (/auth), pull, build (the classic builder: BuildKit's channels stay refused by baseline), create,
      // start, logs, port/inspect, exec (with exec inspect for the exit code), run (attach, wait, kill on a
      // forwarded signal). It never copies archives, so /archive is not granted.
      return preset(name, 'GitHub Actions runner (container jobs)', [
        'system.ping',
        'system.version',
        'system.auth',
        'container.list',
        'container.delete',
        'network.prune',
        'network.create',
        'network.inspect',
        'network.delete',
        'image.create',
        'image.build',
        'container.create',
        'container.start',
        'container.inspect',
        'container.logs',
        'container.exec.create',
        'exec.start',
        'exec.inspect',
        'container.attach',
        'container.wait',
        'container.kill',
      ]);
  }
}

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

/** Why a preset refuses an operation, and what to do instead. */
export function presetRefusal(name: PresetName, application: string): (operation: Operation) => { reason: string; fix: string } {
  return (operation) => ({
    reason: `the ${name} preset grants only the Engine API calls ${application} makes, and ${operation} is not one of them`,
    fix: `Run this client through a listener whose policy grants ${operation}, or widen the preset with a policy-file rule that starts from \`preset: ${name}\` and lists its operations (docs/presets.md)`,
  });
}
