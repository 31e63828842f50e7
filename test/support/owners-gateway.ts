// One private engine behind one gateway whose unix socket every user may reach, with a policy that gives
// owners, and a home per unix user for the docker CLI run as that user (docker-as-user.ts): the set-up of
// the owners e2e tests, where two users on one gateway must keep to their own objects.

import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerAsUser, type DockerAsUserResult } from './docker-as-user.js';
import { startEngine, type Engine } from './engine.js';
import { startGateway } from './gateway.js';
import type { Teardown } from './teardown.js';

export interface OwnersGateway {
  readonly engine: Engine;
  /** The gateway's DOCKER_HOST. */
  readonly host: string;
  /** A directory every user may read (mode 0755), removed at teardown. */
  readonly publicDir: string;
  /** `uid`'s home, which it may write to. */
  home(uid: number): string;
  /** The docker CLI run as `uid` through the gateway. */
  as(uid: number, ...args: string[]): Promise<DockerAsUserResult>;
}

export async function startOwnersGateway(teardown: Teardown, policy: string, uids: readonly number[]): Promise<OwnersGateway> {
  const publicDir = teardown.tempDir('/tmp/dgo-', 0o755);
  const engine = await startEngine();
  teardown.add(() => engine.stop());
  const homes = new Map<number, string>();
  for (const uid of uids) {
    const home = join(publicDir, `home-${uid}`);
    mkdirSync(home);
    chownSync(home, uid, uid);
    homes.set(uid, home);
  }
  const policyFile = join(engine.dir, 'owners.yaml');
  writeFileSync(policyFile, policy);
  const socket = join(publicDir, 'gateway.sock');
  const gateway = await startGateway({ upstream: engine.socketPath, listen: [`unix://${socket}?mode=0666`], args: ['--policy', policyFile] });
  teardown.add(() => gateway.stopRunning());
  const host = `unix://${socket}`;
  return { engine, host, publicDir, home: (uid) => homes.get(uid)!, as: (uid, ...args) => dockerAsUser(uid, args, host, homes.get(uid)!) };
}
