// ping, containers_json, containers_json_100, denied and denied_bodiless: keep-alive requests from
// autocannon (in this process) at a fixed number of connections. Per concurrency: a warm-up slice per
// target, then rounds in which every target gets one slice, starting with a different target each round.
// Requests/s is the median of a target's slices; p50/p99 are taken over the latencies of all its slices
// (recorded per response, to the microsecond). For a target given a process to watch (ping: dockgate and
// HAProxy), cpu_us_per_req is that process's CPU time (utime + stime from /proc) over the target's measured
// slices of every concurrency, warm-ups left out, divided by the responses of those slices.

import autocannon from 'autocannon';
import type { Target, TargetName } from '../support/http.js';
import { cpuSeconds } from '../support/process-stats.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { median, rotated, Samples } from '../support/stats.js';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** Every response must have this status; anything else fails the scenario. */
  status: number;
}

export interface Slice {
  rps: number;
  responses: number;
}

/** One slice of keep-alive load on one target; fails on any answer but `load.status`. */
export async function loadSlice(target: Target, load: LoadRequest, connections: number, seconds: number, samples: Samples | undefined): Promise<Slice> {
  let responses = 0;
  const unexpected = new Map<number, number>();
  const instance = autocannon({
    url: `http://docker${load.path}`,
    socketPath: target.socketPath,
    connections,
    duration: seconds,
    sampleInt: 100,
    timeout: 10,
    method: load.method,
    headers: { ...load.headers, ...(load.body !== undefined && { 'Content-Type': 'application/json' }) },
    ...(load.body !== undefined && { body: load.body }),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    responses += 1;
    if (statusCode !== load.status) unexpected.set(statusCode, (unexpected.get(statusCode) ?? 0) + 1);
    else samples?.add(responseTime);
  });
  const started = performance.now();
  const result = await instance;
  const elapsed = (performance.now() - started) / 1000;
  const problems = [
    ...(result.errors > 0 ? [`${result.errors} connection errors`] : []),
    ...(result.timeouts > 0 ? [`${result.timeouts} timeouts`] : []),
    ...[...unexpected].map(([status, count]) => `${count} answers with status ${status}`),
    ...(responses === 0 ? ['no answer at all'] : []),
  ];
  if (problems.length > 0) throw new Error(`${load.method} ${load.path} on ${target.name} at ${connections} connections: ${problems.join(', ')} (expected status ${load.status})`);
  return { rps: responses / elapsed, responses };
}

export interface LoadScenario {
  scenario: string;
  load: LoadRequest;
  targets: readonly Target[];
  concurrencies: readonly number[];
  /** Record latency percentiles as well as requests/s. */
  latencies: boolean;
  rounds: number;
  sliceSeconds: number;
  warmupSeconds: number;
  /** The process serving a target, whose CPU per response is measured (cpu_us_per_req); none for the others. */
  cpuPids?: Partial<Record<TargetName, number>>;
}

export async function runLoad(spec: LoadScenario, results: Results, log: (line: string) => void): Promise<void> {
  const watched = spec.targets.flatMap((target) => {
    const pid = spec.cpuPids?.[target.name];
    return pid === undefined ? [] : [{ name: target.name, pid, seconds: 0, responses: 0 }];
  });
  for (const connections of spec.concurrencies) {
    for (const target of spec.targets) if (spec.warmupSeconds > 0) await loadSlice(target, spec.load, connections, spec.warmupSeconds, undefined);
    const rates = new Map<TargetName, number[]>(spec.targets.map((t) => [t.name, []]));
    const samples = new Map<TargetName, Samples>(spec.targets.map((t) => [t.name, new Samples()]));
    for (let round = 0; round < spec.rounds; round++) {
      for (const target of rotated(spec.targets, round)) {
        const cpu = watched.find((w) => w.name === target.name);
        const cpuBefore = cpu === undefined ? 0 : cpuSeconds(cpu.pid);
        const measured = await loadSlice(target, spec.load, connections, spec.sliceSeconds, spec.latencies ? samples.get(target.name) : undefined);
        if (cpu !== undefined) {
          cpu.seconds += cpuSeconds(cpu.pid) - cpuBefore;
          cpu.responses += measured.responses;
        }
        rates.get(target.name)!.push(measured.rps);
      }
    }
    for (const target of spec.targets) {
      const targetRates = rates.get(target.name)!;
      results.add(spec.scenario, target.name, `rps_c${connections}`, median(targetRates), 'req/s');
      if (spec.latencies) {
        const pooled = samples.get(target.name)!;
        results.add(spec.scenario, target.name, `p50_ms_c${connections}`, pooled.percentile(50), 'ms');
        results.add(spec.scenario, target.name, `p99_ms_c${connections}`, pooled.percentile(99), 'ms');
      }
      log(`  ${spec.scenario} c${connections} ${target.name}: slices ${targetRates.map((r) => Math.round(r)).join(', ')} req/s`);
    }
  }
  for (const cpu of watched) {
    results.add(spec.scenario, cpu.name, 'cpu_us_per_req', (cpu.seconds / cpu.responses) * 1e6, 'us');
    log(`  ${spec.scenario} ${cpu.name} (pid ${cpu.pid}): ${cpu.seconds.toFixed(2)} s of CPU for ${cpu.responses} responses`);
  }
}

export function loadSettings(settings: Settings['http']): Pick<LoadScenario, 'rounds' | 'sliceSeconds' | 'warmupSeconds'> {
  return { rounds: settings.rounds, sliceSeconds: settings.sliceSeconds, warmupSeconds: settings.warmupSeconds };
}
