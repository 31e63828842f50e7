// policy_decisions: the policy engine alone, on one core (this thread): `judge()` of the library API with
// the built-in baseline profile, from the dist/ build the gateway runs, on the containers/create bodies the
// Docker CLI sent (test/fixtures/cli-bodies/): the raw request read as the gateway reads it (target, route,
// Go-compatible body reader), judged, and re-serialised. Two of the four bodies are allowed, two refused.
// Engine look-ups are answered from memory. 16 decisions are kept in flight (host paths are resolved with
// lstat, which leaves the thread idle meanwhile); decisions per second: the median of the rounds.

import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ContainerFacts, EngineLookup, Identity } from '../../src/index.js';
import { plainContainer } from '../../test/support/fake-engine.js';
import { cliRequests } from '../support/cli-bodies.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { median } from '../support/stats.js';

type Library = typeof import('../../src/index.js');

/** The built library, as installed users get it; a variable path keeps the type check independent of dist/. */
const DIST_INDEX = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js')).href;

/** Decisions in flight at once on the one thread. */
const IN_FLIGHT = 16;

const IDENTITY: Identity = { kind: 'unix', listener: 'unix:///run/dockgate.sock', uid: 1000, gid: 1000, pid: 4242, user: 'ci', group: 'ci' };

/** What the bodies refer to: the named volume, the image, a plain container (for --volumes-from). */
function memoryEngine(): EngineLookup {
  const other: ContainerFacts = plainContainer('other');
  return {
    container: async (ref) => (ref === 'other' || ref === other.Id ? other : undefined),
    volume: async (name) => (name === 'vol' ? { Name: 'vol', Driver: 'local', Options: null } : undefined),
    image: async (ref) => (ref.startsWith('busybox') ? { Id: 'sha256:2222', Config: { User: '' } } : undefined),
    exec: async () => undefined,
  };
}

export async function runPolicyDecisions(apiVersion: string, settings: Settings['policy'], results: Results, log: (line: string) => void): Promise<void> {
  const library = (await import(DIST_INDEX)) as Library;
  const policy = library.builtinPolicy('baseline');
  const engine = memoryEngine();
  const requests = cliRequests(apiVersion)
    .filter((request) => request.method === 'POST' && request.target.includes('/containers/create'))
    .map((request) => ({
      method: 'POST',
      path: request.target,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(request.body),
      identity: IDENTITY,
      command: request.command,
    }));
  if (requests.length === 0) throw new Error('no captured containers/create bodies');

  const verdicts = await Promise.all(requests.map(async (request) => (await library.judge(policy, request, engine)).verdict));
  const slice = async (seconds: number): Promise<number> => {
    const started = performance.now();
    const deadline = started + seconds * 1000;
    let decisions = 0;
    let next = 0;
    // As in the gateway, several decisions are in flight at once on the one thread: a judge waiting for the
    // file system (host paths are resolved with lstat) leaves the core to the others.
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < deadline) {
          const index = next++ % requests.length;
          const result = await library.judge(policy, requests[index]!, engine);
          if (result.verdict !== verdicts[index]) throw new Error(`the verdict on \`${requests[index]!.command}\` changed to ${result.verdict}`);
          decisions += 1;
        }
      }),
    );
    return decisions / ((performance.now() - started) / 1000);
  };
  await slice(Math.min(0.5, settings.sliceSeconds)); // warm-up: the JIT settles
  const rates: number[] = [];
  for (let round = 0; round < settings.rounds; round++) rates.push(await slice(settings.sliceSeconds));
  // Each body alone, one decision at a time: what one request waits for (the median of up to 200).
  const latencies: string[] = [];
  for (const [index, request] of requests.entries()) {
    const times: number[] = [];
    const deadline = performance.now() + 200;
    while (times.length < 200 && performance.now() < deadline) {
      const started = performance.now();
      await library.judge(policy, request, engine);
      times.push(performance.now() - started);
    }
    latencies.push(`${verdicts[index]} ${median(times).toFixed(3)} ms \`${request.command.length > 50 ? `${request.command.slice(0, 47)}...` : request.command}\``);
  }
  results.add('policy_decisions', 'dockgate', 'per_s', median(rates), 'decisions/s');
  log(`  policy_decisions: ${IN_FLIGHT} in flight, rounds ${rates.map((r) => Math.round(r)).join(', ')} decisions/s; one at a time, per decision: ${latencies.join('; ')}`);
  results.notes.push(`policy_decisions, one decision at a time: ${latencies.join('; ')}`);
}
