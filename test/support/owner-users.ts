// Two unix users as two owners on one gateway (docs/owners-design.md): a private engine, a gateway socket
// every uid may reach, a home per user for its docker CLI, and a policy whose rule `tenants` gives each of
// them its uid as owner (the harness, root, has no owner).
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEngine, type Engine } from './engine.js';
import { startGateway } from './gateway.js';
import type { Teardown } from './teardown.js';

export const ALICE = 1000;
export const BOB = 65534;

const POLICY = [
  'rules:',
  '  # The harness (root) waits for the socket; it has no owner.',
  '  - name: harness',
  '    match: { uid: 0 }',
  '    profile: read-only',
  '  - name: tenants',
  `    match: { uid: [${ALICE}, ${BOB}] }`,
  '    profile: baseline',
  '    owner: { from: uid }',
  '',
].join('\n');

export interface OwnerUsers {
  engine: Engine;
  /** The gateway's socket, and the same as a DOCKER_HOST. */
  socket: string;
  host: string;
  /** Each user's home (its own, writable), by uid. */
  homes: ReadonlyMap<number, string>;
  auditLog: string;
}

export async function startOwnerUsers(teardown: Teardown): Promise<OwnerUsers> {
  const publicDir = teardown.tempDir('/tmp/dgo-', 0o755);
  const engine = await startEngine();
  teardown.add(() => engine.stop());
  const homes = new Map<number, string>();
  for (const uid of [ALICE, BOB]) {
    const home = join(publicDir, `home-${uid}`);
    mkdirSync(home);
    chownSync(home, uid, uid);
    homes.set(uid, home);
  }
  const policy = join(engine.dir, 'owners.yaml');
  writeFileSync(policy, POLICY);
  const socket = join(publicDir, 'gateway.sock');
  const auditLog = join(engine.dir, 'audit.jsonl');
  const gateway = await startGateway({ upstream: engine.socketPath, listen: [`unix://${socket}?mode=0666`], args: ['--policy', policy], auditLog });
  teardown.add(() => gateway.stopRunning());
  return { engine, socket, host: `unix://${socket}`, homes, auditLog };
}
