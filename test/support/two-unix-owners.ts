// One gateway for two unix users who are each their own owner (`owner: { from: uid }`), as the owners e2e
// tests use it: root (the harness) reads through it under read-only, without an owner; each user runs the
// real docker CLI as its uid (dockerAsUser) with a home of its own.

import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from './engine.js';
import { dockerAsUser, type DockerAsUserResult } from './docker-as-user.js';
import { startGateway } from './gateway.js';
import type { Teardown } from './teardown.js';

export const ALICE = 1000;
export const BOB = 65534;

export const TWO_OWNERS_POLICY = [
  'rules:',
  '  # The harness (root) waits for the socket and reads as a dashboard would: read-only, redacted, no owner.',
  '  - name: harness',
  '    match: { uid: 0 }',
  '    profile: read-only',
  '  - name: tenants',
  `    match: { uid: [${ALICE}, ${BOB}] }`,
  '    profile: baseline',
  '    owner: { from: uid }',
  '',
].join('\n');

export interface TwoOwnersGateway {
  /** DOCKER_HOST of the gateway's socket (mode 0666, in a directory every user can reach). */
  host: string;
  /** A directory every user can read, removed at teardown. */
  publicDir: string;
  /** The docker CLI run as `uid` through the gateway. */
  as(uid: number, ...args: string[]): Promise<DockerAsUserResult>;
}

export async function startTwoOwnersGateway(engine: Engine, teardown: Teardown, prefix: string): Promise<TwoOwnersGateway> {
  const publicDir = teardown.tempDir(prefix, 0o755);
  const homes = new Map<number, string>();
  for (const uid of [ALICE, BOB]) {
    const home = join(publicDir, `home-${uid}`);
    mkdirSync(home);
    chownSync(home, uid, uid);
    homes.set(uid, home);
  }
  const policy = join(engine.dir, 'owners.yaml');
  writeFileSync(policy, TWO_OWNERS_POLICY);
  const socket = join(publicDir, 'gateway.sock');
  const gateway = await startGateway({ upstream: engine.socketPath, listen: [`unix://${socket}?mode=0666`], args: ['--policy', policy] });
  teardown.add(() => gateway.stopRunning());
  const host = `unix://${socket}`;
  return { host, publicDir, as: (uid, ...args) => dockerAsUser(uid, args, host, homes.get(uid)!) };
}
