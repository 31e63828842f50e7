// What the owners tests share: for unit tests, a policy whose tenants (gid 1000, 1001) are each their own
// owner by user name beside an admin without one, and containers labelled with an owner; for end-to-end
// tests, a real engine behind a gateway whose tenants are unix users, each with a home for its CLI.
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerFacts } from '../../src/judge/engine-lookup.js';
import { loadPolicy } from '../../src/policy/load-policy.js';
import { dockerOk } from './docker-cli.js';
import { startEngine, type Engine } from './engine.js';
import { plainContainer } from './fake-engine.js';
import { startGateway } from './gateway.js';
import type { Teardown } from './teardown.js';

/** `admin` (uid 0, no owner) and `tenants` (gid 1000 or 1001, owner from the user name), both baseline. */
export const TENANTS_POLICY = loadPolicy(
  [
    'rules:',
    '  - name: admin',
    '    match: { uid: 0 }',
    '    profile: baseline',
    '  - name: tenants',
    '    match: { gid: [1000, 1001] }',
    '    profile: baseline',
    '    owner: { from: user }',
    '',
  ].join('\n'),
  { name: 'owners.yaml' },
);

/** A container whose labels name `owner`, or carry only another label when it has none. */
export function ownedContainer(name: string, owner: string | undefined): ContainerFacts {
  const container = plainContainer(name);
  return { ...container, Config: { ...container.Config, Labels: owner === undefined ? { other: 'x' } : { 'dockgate.owner': owner } } };
}

export interface OwnersGateway {
  readonly engine: Engine;
  /** The gateway's unix socket (mode 0666), and the same as a DOCKER_HOST. */
  readonly socket: string;
  readonly host: string;
  /** Each tenant uid's home, writable by it (the CLI keeps its config there). */
  readonly homes: ReadonlyMap<number, string>;
}

/**
 * A private engine and a gateway in front of it whose policy makes each of `uids` its own owner (`owner:
 * { from: uid }`, baseline); root (the harness) reads only, without an owner.
 */
export async function startOwnersGateway(teardown: Teardown, uids: readonly number[], tempPrefix: string): Promise<OwnersGateway> {
  const publicDir = teardown.tempDir(tempPrefix, 0o755);
  const engine = await startEngine();
  teardown.add(() => engine.stop());
  // Before the engine stops: a stopped engine leaves its networks' bridges on the host, whose address pools
  // then run out for every later engine.
  teardown.add(() => dockerOk(['network', 'prune', '-f'], engine.endpoint));
  const homes = new Map<number, string>();
  for (const uid of uids) {
    const home = join(publicDir, `home-${uid}`);
    mkdirSync(home);
    chownSync(home, uid, uid);
    homes.set(uid, home);
  }
  const policy = join(engine.dir, 'owners.yaml');
  writeFileSync(
    policy,
    [
      'rules:',
      '  # The harness (root) waits for the socket; it has no owner.',
      '  - name: harness',
      '    match: { uid: 0 }',
      '    profile: read-only',
      '  - name: tenants',
      `    match: { uid: [${uids.join(', ')}] }`,
      '    profile: baseline',
      '    owner: { from: uid }',
      '',
    ].join('\n'),
  );
  const socket = join(publicDir, 'gateway.sock');
  const gateway = await startGateway({ upstream: engine.socketPath, listen: [`unix://${socket}?mode=0666`], args: ['--policy', policy] });
  teardown.add(() => gateway.stopRunning());
  return { engine, socket, host: `unix://${socket}`, homes };
}
