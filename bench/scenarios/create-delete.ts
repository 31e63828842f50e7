// create_delete: the CLI's own containers/create body for `docker run -d --name x -v vol:/data -e A=1
// busybox sleep 1` (a fresh name each time), then DELETE of the container it created, one pair after the
// other on one kept-alive connection per target. Per round every target runs a slice of pairs; p50 is
// taken over the pair times of all slices.

import { expectJson, httpRequest, keepAliveAgent, type Target, type TargetName } from '../support/http.js';
import { cliCreate, RUN_WITH_VOLUME } from '../support/cli-bodies.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { rotated, Samples } from '../support/stats.js';

export async function runCreateDelete(targets: readonly Target[], apiVersion: string, settings: Settings['createDelete'], results: Results, log: (line: string) => void): Promise<void> {
  const create = cliCreate(apiVersion, RUN_WITH_VOLUME);
  const [createPath] = create.target.split('?');
  const agents = new Map(targets.map((t) => [t.name, keepAliveAgent()]));
  const samples = new Map<TargetName, Samples>(targets.map((t) => [t.name, new Samples()]));
  let serial = 0;

  const pair = async (target: Target): Promise<number> => {
    const agent = agents.get(target.name)!;
    const name = `bench-cd-${target.name}-${++serial}`;
    const started = performance.now();
    const created = expectJson<{ Id: string }>(
      await httpRequest(target, 'POST', `${createPath}?name=${name}`, { agent, body: create.body, headers: { 'Content-Type': 'application/json' } }),
      201,
      `create ${name} through ${target.name}`,
    );
    const removed = await httpRequest(target, 'DELETE', `/v${apiVersion}/containers/${created.Id}`, { agent });
    const elapsed = performance.now() - started;
    if (removed.status !== 204) throw new Error(`delete ${name} through ${target.name}: status ${removed.status}: ${removed.body.toString()}`);
    return elapsed;
  };

  try {
    for (const target of targets) await pair(target); // warm-up: the first create also makes the volume
    for (let round = 0; round < settings.rounds; round++) {
      for (const target of rotated(targets, round)) {
        const deadline = performance.now() + settings.sliceSeconds * 1000;
        for (let i = 0; i < settings.pairs && performance.now() < deadline; i++) samples.get(target.name)!.add(await pair(target));
      }
    }
  } finally {
    for (const agent of agents.values()) agent.destroy();
  }
  for (const target of targets) {
    const pooled = samples.get(target.name)!;
    results.add('create_delete', target.name, 'p50_ms', pooled.percentile(50), 'ms');
    log(`  create_delete ${target.name}: ${pooled.length} pairs, p50 ${pooled.percentile(50).toFixed(2)} ms, p90 ${pooled.percentile(90).toFixed(2)} ms`);
  }
}
