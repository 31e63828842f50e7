// `npm run bench:ab -- [--scenario S] [--rounds N]`: two builds of the gateway side by side, before one
// private engine, in alternated rounds: the build saved as the baseline (`npm run bench:ab -- --save-baseline`
// copies dist/ to dist-baseline/) against dist/ as it is now. This machine's speed drifts by tens of percent
// from minute to minute, so a change is judged by alternated rounds of the same run, never by two runs.
// Per round and build: the rate (requests/s, or MB/s for archive_put) and the gateway's CPU (utime + stime
// from /proc) per request or per MiB; then the medians and their ratio, candidate over baseline.
//
// The usual way: build the old code, `--save-baseline`, change and build, run. Scenarios are those of
// `npm run bench` that judge a change to the gateway's hot paths: ping (forwarded, 10 connections),
// denied (the CLI's create with --privileged, refused after its body is read), denied_bodiless
// (GET /debug/vars), archive_put (256 MiB tars into a created container).

import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUSYBOX_IMAGE } from '../test/support/busybox-image.js';
import { onProcessExit } from '../test/support/cleanup-on-exit.js';
import { startEngine } from '../test/support/engine.js';
import { putArchive } from './scenarios/archive-put.js';
import { loadSlice, type LoadRequest } from './scenarios/http-load.js';
import { cliCreate, RUN_WITH_VOLUME } from './support/cli-bodies.js';
import { expectJson, httpRequest, type Target } from './support/http.js';
import { cpuSeconds } from './support/process-stats.js';
import { ARCHIVE_CONTAINER } from './support/stack.js';
import { median, rotated } from './support/stats.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Beside dist/ on purpose: a build finds its addons at ../build/Release from its own folder. */
const BASELINE = join(REPO_ROOT, 'dist-baseline');
const CANDIDATE = join(REPO_ROOT, 'dist');

const SCENARIOS = ['ping', 'denied', 'denied_bodiless', 'archive_put'] as const;
type Scenario = (typeof SCENARIOS)[number];

const SLICE_SECONDS = 4;
const CONNECTIONS = 10;
const ARCHIVE_BYTES = 256 * 1024 * 1024;

interface Build {
  label: 'baseline' | 'candidate';
  dir: string;
  process?: ChildProcess;
  target?: Target;
  rates: number[];
  cpuPerUnit: number[];
}

function parseArgs(argv: readonly string[]): { saveBaseline: boolean; scenario: Scenario; rounds: number } {
  let saveBaseline = false;
  let scenario: Scenario = 'ping';
  let rounds = 6;
  for (const arg of argv) {
    if (arg === '--save-baseline') saveBaseline = true;
    else if (arg.startsWith('--scenario=')) {
      const name = arg.slice('--scenario='.length);
      if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--scenario: unknown ${name} (known: ${SCENARIOS.join(', ')})`);
      scenario = name as Scenario;
    } else if (arg.startsWith('--rounds=')) {
      rounds = Number(arg.slice('--rounds='.length));
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: a whole number of at least 1');
    } else throw new Error(`unknown argument ${arg} (known: --save-baseline, --scenario=${SCENARIOS.join('|')}, --rounds=N)`);
  }
  return { saveBaseline, scenario, rounds };
}

/** `node DIR/cli/main.js serve` with baseline's profile and a durable audit log, as `npm run bench` runs it; resolves once it answers. */
async function startBuild(build: Build, engineSocket: string, dir: string): Promise<void> {
  const home = mkdtempSync(join(dir, `${build.label}-`));
  const socketPath = join(home, 'gateway.sock');
  const child = spawn(
    process.execPath,
    [
      join(build.dir, 'cli', 'main.js'),
      'serve',
      '--upstream',
      `unix://${engineSocket}`,
      '--listen',
      `unix://${socketPath}`,
      '--profile',
      'baseline',
      '--audit-log',
      join(home, 'audit.jsonl'),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  onProcessExit(() => child.kill('SIGKILL'));
  build.process = child;
  build.target = { name: 'dockgate', socketPath };
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`the ${build.label} gateway exited with ${child.exitCode}`);
    const answered = await httpRequest(build.target, 'GET', '/_ping').catch(() => undefined);
    if (answered?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the ${build.label} gateway did not answer within 10 s`);
}

/** What one round asks of a build: its rate, and the units its CPU time is divided by. */
async function measure(scenario: Scenario, target: Target, apiVersion: string, piece: Buffer): Promise<{ rate: number; units: number }> {
  if (scenario === 'archive_put') return { rate: await putArchive(target, apiVersion, ARCHIVE_BYTES, piece), units: ARCHIVE_BYTES / (1024 * 1024) };
  const loads: Record<Exclude<Scenario, 'archive_put'>, () => LoadRequest> = {
    ping: () => ({ method: 'GET', path: `/v${apiVersion}/_ping`, status: 200 }),
    denied_bodiless: () => ({ method: 'GET', path: '/debug/vars', status: 403 }),
    denied: () => {
      const create = cliCreate(apiVersion, RUN_WITH_VOLUME);
      return { method: 'POST', path: create.target, body: create.body.replace('"Privileged":false', '"Privileged":true'), status: 403 };
    },
  };
  const slice = await loadSlice(target, loads[scenario](), CONNECTIONS, SLICE_SECONDS, undefined);
  return { rate: slice.rps, units: slice.responses };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.saveBaseline) {
    if (!existsSync(CANDIDATE)) throw new Error('no dist/ to save: run `npm run build` first');
    rmSync(BASELINE, { recursive: true, force: true });
    cpSync(CANDIDATE, BASELINE, { recursive: true });
    console.log(`saved dist/ as ${BASELINE}`);
    return;
  }
  if (!existsSync(BASELINE)) throw new Error('no baseline: build the code to compare against, then `npm run bench:ab -- --save-baseline`');
  const builds: Build[] = [
    { label: 'baseline', dir: BASELINE, rates: [], cpuPerUnit: [] },
    { label: 'candidate', dir: CANDIDATE, rates: [], cpuPerUnit: [] },
  ];
  const engine = await startEngine();
  try {
    const direct: Target = { name: 'direct', socketPath: engine.socketPath };
    const apiVersion = expectJson<{ ApiVersion: string }>(await httpRequest(direct, 'GET', '/version'), 200, 'GET /version').ApiVersion;
    expectJson(await httpRequest(direct, 'POST', `/v${apiVersion}/images/${BUSYBOX_IMAGE}/tag?repo=busybox&tag=latest`), 201, 'tag busybox');
    const archive = JSON.stringify({ Image: BUSYBOX_IMAGE, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
    expectJson(
      await httpRequest(direct, 'POST', `/v${apiVersion}/containers/create?name=${ARCHIVE_CONTAINER}`, { body: archive, headers: { 'Content-Type': 'application/json' } }),
      201,
      'create',
    );
    for (const build of builds) await startBuild(build, engine.socketPath, engine.dir);
    const piece = randomFillSync(Buffer.alloc(1024 * 1024));
    // One unmeasured round: both builds warm (their code optimised, their heaps grown) before the first counts.
    for (const build of builds) await measure(args.scenario, build.target!, apiVersion, piece);
    for (let round = 0; round < args.rounds; round++) {
      for (const build of rotated(builds, round)) {
        const before = cpuSeconds(build.process!.pid!);
        const { rate, units } = await measure(args.scenario, build.target!, apiVersion, piece);
        build.rates.push(rate);
        build.cpuPerUnit.push(((cpuSeconds(build.process!.pid!) - before) / units) * 1e6);
      }
    }
  } finally {
    for (const build of builds) build.process?.kill('SIGKILL');
    await engine.stop();
  }
  const unit = args.scenario === 'archive_put' ? ['MB/s', 'µs of CPU per MiB'] : ['req/s', 'µs of CPU per request'];
  console.log(`${args.scenario}, ${args.rounds} alternated rounds (${unit[0]} / ${unit[1]}):`);
  for (const build of builds) {
    const rounds = build.rates.map((rate, i) => `${rate.toFixed(0)}/${build.cpuPerUnit[i]!.toFixed(1)}`).join('  ');
    console.log(`  ${build.label.padEnd(9)} ${rounds}   median ${median(build.rates).toFixed(0)} / ${median(build.cpuPerUnit).toFixed(1)}`);
  }
  const [baseline, candidate] = builds as [Build, Build];
  console.log(
    `  candidate / baseline: rate ${(median(candidate.rates) / median(baseline.rates)).toFixed(2)}x, CPU ${(median(candidate.cpuPerUnit) / median(baseline.cpuPerUnit)).toFixed(2)}x`,
  );
}

main().catch((error: unknown) => {
  console.error(`bench:ab: ${(error as Error).message}`);
  process.exit(1);
});
