// What archive_put and image_load share: rounds of one big upload per target, each round starting with
// another target. MB/s (10^6 bytes) from the first byte sent to the engine's answer; the median of each
// target's rounds. dockgate's peak RSS: its VmHWM, reset before each of its uploads (and RSS sampled every
// 50 ms as a check), so that the figure is what streaming the upload costs, not what came before.

import type { Target, TargetName } from '../support/http.js';
import { peakRssBytes, resetPeakRss, rssBytes, sampleRss } from '../support/process-stats.js';
import type { Results } from '../support/results.js';
import { median, rotated } from '../support/stats.js';

export interface Uploads {
  scenario: string;
  targets: readonly Target[];
  gatewayPid: number;
  rounds: number;
  /** The size of one upload, for the log. */
  bytes: number;
  /** One upload through `target`, answered as expected: its MB/s. */
  upload(target: Target): Promise<number>;
}

export async function runUploads(spec: Uploads, results: Results, log: (line: string) => void): Promise<void> {
  const { scenario, targets, gatewayPid } = spec;
  const rates = new Map<TargetName, number[]>(targets.map((t) => [t.name, []]));
  let peak = 0;
  let sampledPeak = 0;
  let hwmReset = true;
  const rssBefore: number[] = [];
  for (let round = 0; round < spec.rounds; round++) {
    for (const target of rotated(targets, round)) {
      const watched = target.name === 'dockgate';
      if (watched) {
        hwmReset = resetPeakRss(gatewayPid) && hwmReset;
        rssBefore.push(rssBytes(gatewayPid));
      }
      const sampler = watched ? sampleRss(gatewayPid) : undefined;
      try {
        rates.get(target.name)!.push(await spec.upload(target));
      } finally {
        if (sampler !== undefined) sampledPeak = Math.max(sampledPeak, sampler.stop());
      }
      if (watched) peak = Math.max(peak, peakRssBytes(gatewayPid));
    }
  }
  for (const target of targets) {
    results.add(scenario, target.name, 'mb_per_s', median(rates.get(target.name)!), 'MB/s');
    log(
      `  ${scenario} ${target.name}: ${rates
        .get(target.name)!
        .map((r) => r.toFixed(0))
        .join(', ')} MB/s (${(spec.bytes / 1024 ** 2).toFixed(0)} MiB each)`,
    );
  }
  if (targets.some((t) => t.name === 'dockgate')) {
    // Without a reset (not permitted), VmHWM covers the gateway's whole life, which still bounds the upload's peak.
    results.add(scenario, 'dockgate', 'peak_rss_mb', Math.max(peak, sampledPeak) / 1e6, 'MB');
    results.notes.push(
      `${scenario}: dockgate's RSS before its uploads ${rssBefore.map((b) => (b / 1e6).toFixed(0)).join(', ')} MB, peak during them ${(Math.max(peak, sampledPeak) / 1e6).toFixed(0)} MB.`,
    );
    log(
      `  ${scenario} dockgate peak RSS: VmHWM ${(peak / 1e6).toFixed(1)} MB${hwmReset ? ' (reset before each upload)' : ' (since start: reset not permitted)'}, sampled ${(sampledPeak / 1e6).toFixed(1)} MB; RSS before each upload ${rssBefore.map((b) => (b / 1e6).toFixed(1)).join(', ')} MB`,
    );
  }
}
