// What the owners tests share: the policy of an admin without an owner and tenants owned by their user
// name and containers labelled with an owner (unit tests, through the library judge()), and the
// real-engine rig of two unix users on one gateway socket, each its own owner by uid (e2e tests).
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicy } from '../../src/index.js';
import type { ContainerFacts } from '../../src/judge/engine-lookup.js';
import { dockerOk } from './docker-cli.js';
import { dockerAsUser, type DockerAsUserResult } from './docker-as-user.js';
import { startEngine, type Engine, type EngineOptions } from './engine.js';
import { plainContainer } from './fake-engine.js';
import { startGateway, type GatewayOptions } from './gateway.js';
import type { Teardown } from './teardown.js';

/** `admin` (uid 0) has no owner; `tenants` (gid 1000 or 1001) are owned by their user name, sharing `shared` kinds. */
export function tenantsPolicy(shared: readonly string[] = []): ReturnType<typeof loadPolicy> {
  return loadPolicy(
    [
      'rules:',
      '  - name: admin',
      '    match: { uid: 0 }',
      '    profile: baseline',
      '  - name: tenants',
      '    match: { gid: [1000, 1001] }',
      '    profile: baseline',
      '    owner: { from: user }',
      ...(shared.length === 0 ? [] : [`    shared: [${shared.join(', ')}]`]),
      '',
    ].join('\n'),
    { name: 'owners.yaml' },
  );
}

/** A container whose labels name `owner`, or carry only another label when it has none. */
export function ownedContainer(name: string, owner: string | undefined): ContainerFacts {
  const container = plainContainer(name);
  return { ...container, Config: { ...container.Config, Labels: owner === undefined ? { other: 'x' } : { 'dockgate.owner': owner } } };
}

export const ALICE_UID = 1000;
export const BOB_UID = 65534;

/** The rig's policy: the harness (root) without an owner, and alice and bob each their own owner by uid. */
function twoUsersPolicy(options: TwoUsersOptions): string {
  const shared = options.shared ?? [];
  return [
    'rules:',
    '  # The harness (root) waits for the socket; it has no owner.',
    '  - name: harness',
    '    match: { uid: 0 }',
    `    profile: ${options.harnessProfile ?? 'read-only'}`,
    '  - name: tenants',
    `    match: { uid: [${ALICE_UID}, ${BOB_UID}] }`,
    '    profile: baseline',
    '    owner: { from: uid }',
    ...(shared.length === 0 ? [] : [`    shared: [${shared.join(', ')}]`]),
    '',
  ].join('\n');
}

export interface TwoUsers {
  engine: Engine;
  /** A directory every user can read (the socket's), removed at teardown. */
  publicDir: string;
  /** The gateway's unix socket, open to every user, and the same as a DOCKER_HOST. */
  socket: string;
  host: string;
  /** Each user's home, writable by it (the CLI keeps its config there). */
  homes: ReadonlyMap<number, string>;
  /** The docker CLI as `uid`, through the gateway. */
  as(uid: number, ...args: string[]): Promise<DockerAsUserResult>;
  /** The docker CLI on the engine's own socket, past the gateway (must succeed). */
  direct(...args: string[]): Promise<string>;
}

export interface TwoUsersOptions {
  /** The gateway's audit log. */
  auditLog?: GatewayOptions['auditLog'];
  /** How the private engine is started. */
  engine?: EngineOptions;
  /** What is done on the engine before the gateway starts (e.g. a swarm made), and undone at teardown. */
  prepare?: (engine: Engine) => Promise<void>;
  /** The kinds the tenants share (e.g. images, for busybox:test, which has no owner); none by default. */
  shared?: readonly string[];
  /** The harness's profile; read-only by default. */
  harnessProfile?: 'read-only' | 'baseline';
}

/** A private engine and a gateway in front of it whose tenants, alice (uid 1000) and bob (uid 65534), are each their own owner. */
export async function startTwoUsers(teardown: Teardown, options: TwoUsersOptions = {}): Promise<TwoUsers> {
  const publicDir = teardown.tempDir('/tmp/dgo-', 0o755);
  // Networks from a pool of the engine's own: the host may hold bridges that take docker's default pools.
  const engine = await startEngine({ ...options.engine, daemonJson: { 'default-address-pools': [{ base: '10.199.0.0/16', size: 24 }], ...options.engine?.daemonJson } });
  teardown.add(() => engine.stop());
  await options.prepare?.(engine);
  const homes = new Map<number, string>();
  for (const uid of [ALICE_UID, BOB_UID]) {
    const home = join(publicDir, `home-${uid}`);
    mkdirSync(home);
    chownSync(home, uid, uid);
    homes.set(uid, home);
  }
  const policy = join(engine.dir, 'owners.yaml');
  writeFileSync(policy, twoUsersPolicy(options));
  const socket = join(publicDir, 'gateway.sock');
  const running = await startGateway({
    upstream: engine.socketPath,
    listen: [`unix://${socket}?mode=0666`],
    args: ['--policy', policy],
    ...(options.auditLog !== undefined && { auditLog: options.auditLog }),
  });
  teardown.add(() => running.stopRunning());
  return {
    engine,
    publicDir,
    socket,
    host: `unix://${socket}`,
    homes,
    as: (uid, ...args) => dockerAsUser(uid, args, `unix://${socket}`, homes.get(uid)!),
    direct: (...args) => dockerOk(args, engine.endpoint),
  };
}
