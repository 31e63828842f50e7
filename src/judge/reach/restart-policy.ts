// Restart policies: the engine starts a container again on its own (when it exits, when the daemon
// restarts), and every start mounts its host paths anew, resolving them on the host again. dockgate judges
// the create and every start a client asks for; a start the engine makes by itself is judged by no one, and
// a container with write access under an allowed root could meanwhile have turned a component of another
// bind's source into a symlink (the class of CVE-2018-15664). So a container with host paths may not
// restart on its own, and a swarm service (whose tasks the swarm starts whenever it decides) may not
// have host paths at all.
import type { RestartPolicyBody } from '../../inspect/schemas/resources.js';
import type { ReachContext } from './reach-context.js';
import { isRecord } from './reach-context.js';
import { show } from './go-strings.js';

/** The restart policies under which the engine starts a container without being asked. */
const AUTOMATIC = new Set(['always', 'unless-stopped', 'on-failure']);

/** The policy's name when it makes the engine restart the container on its own, else undefined. */
export function automaticRestart(policy: RestartPolicyBody | undefined): string | undefined {
  const name = isRecord(policy) && typeof policy.Name === 'string' ? policy.Name : '';
  return AUTOMATIC.has(name) ? name : undefined;
}

/** Refuses an automatic restart policy on a container that mounts host paths (`ctx.hostPaths`, judged first). */
export function judgeRestartWithHostPaths(ctx: ReachContext, policy: RestartPolicyBody | undefined, field: string): void {
  const name = automaticRestart(policy);
  if (name === undefined) {
    ctx.findings.pass('restart', 'the engine does not restart it on its own');
    return;
  }
  if (ctx.hostPaths.length === 0) {
    ctx.findings.pass('restart', `restart ${show(name)}: no host paths to resolve again`);
    return;
  }
  ctx.deny(
    'restart',
    field,
    `restart ${show(name)} makes the engine start the container again on its own, mounting ${ctx.hostPaths[0]} anew without dockgate judging it (a symlink swapped in meanwhile would be followed)`,
    'Use --restart no for a container with host paths (start it again through the gateway), or keep the data in a named volume',
  );
}

/** Refuses host paths in a swarm service: the swarm starts its tasks, and mounts them, whenever it decides. */
export function judgeServiceHostPaths(ctx: ReachContext, field: string): void {
  if (ctx.hostPaths.length === 0) {
    ctx.findings.pass('restart', 'no host paths for the swarm to mount on its own');
    return;
  }
  ctx.deny(
    'restart',
    field,
    `the swarm starts the service's tasks on its own (restarts, updates, rescheduling), each mounting ${ctx.hostPaths[0]} anew without dockgate judging it`,
    'Keep the data of a service in a named volume',
  );
}
