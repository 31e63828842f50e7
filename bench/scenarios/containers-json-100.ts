// containers_json_100: `GET /containers/json?all=1` (`docker ps -a`) with 100 more containers present,
// created (not started, no network) through the engine's own socket when the scenario starts and removed
// when it ends, so that the scenarios after it see the engine as before. Load and figures as
// containers_json's (bench/scenarios/http-load.ts); the answer is about 30 times longer.

import { BUSYBOX_IMAGE } from '../../test/support/busybox-image.js';
import { expectJson, httpRequest, type Target } from '../support/http.js';
import type { Results } from '../support/results.js';
import { runLoad, type LoadScenario } from './http-load.js';

const CONTAINERS = 100;
/** Creates (and removes) in flight at once: enough to keep the engine busy, few enough not to swamp it. */
const AT_ONCE = 8;

/** Runs `work` for 0..count-1, `AT_ONCE` at a time; every one runs even if one fails, and the first failure is thrown. */
async function inBatches(count: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: AT_ONCE }, async () => {
      while (next < count) {
        const index = next++;
        await work(index).catch((error: unknown) => void failures.push(error));
      }
    }),
  );
  if (failures.length > 0) throw failures[0];
}

export async function runContainersJson100(direct: Target, apiVersion: string, spec: Omit<LoadScenario, 'scenario' | 'load'>, results: Results, log: (line: string) => void): Promise<void> {
  const ids: string[] = [];
  const started = performance.now();
  try {
    const body = JSON.stringify({ Image: BUSYBOX_IMAGE, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
    await inBatches(CONTAINERS, async (index) => {
      const name = `bench-list100-${index}`;
      const created = expectJson<{ Id: string }>(
        await httpRequest(direct, 'POST', `/v${apiVersion}/containers/create?name=${name}`, { body, headers: { 'Content-Type': 'application/json' } }),
        201,
        `create ${name}`,
      );
      ids.push(created.Id);
    });
    const path = `/v${apiVersion}/containers/json?all=1`;
    const listed = expectJson<unknown[]>(await httpRequest(direct, 'GET', path), 200, `GET ${path}`);
    if (listed.length < CONTAINERS) throw new Error(`GET ${path} listed ${listed.length} containers after ${CONTAINERS} were created`);
    log(`  containers_json_100: ${CONTAINERS} containers created in ${((performance.now() - started) / 1000).toFixed(1)} s; the list has ${listed.length}`);
    await runLoad({ ...spec, scenario: 'containers_json_100', load: { method: 'GET', path, status: 200 } }, results, log);
  } finally {
    await inBatches(ids.length, async (index) => {
      const removed = await httpRequest(direct, 'DELETE', `/v${apiVersion}/containers/${ids[index]}`);
      if (removed.status !== 204) throw new Error(`removing container ${ids[index]}: status ${removed.status}: ${removed.body.toString()}`);
    });
  }
}
