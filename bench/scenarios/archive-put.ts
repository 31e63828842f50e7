// archive_put: `PUT /containers/bench-archive/archive?path=/tmp` with a tar of one file, 1 GiB in all
// (--quick: 256 MiB), generated while it is sent from one random 1 MiB block, so the client reads no disk.
// MB/s (10^6 bytes) from the first byte sent to the engine's answer; the median of each target's rounds.
// dockgate's peak RSS: its VmHWM, reset before each of its transfers (and RSS sampled every 50 ms as a check).

import { randomFillSync } from 'node:crypto';
import { httpRequest, type Target, type TargetName } from '../support/http.js';
import { peakRssBytes, resetPeakRss, rssBytes, sampleRss } from '../support/process-stats.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { ARCHIVE_CONTAINER } from '../support/stack.js';
import { median, rotated } from '../support/stats.js';

const BLOCK = 512;
const PIECE = 1024 * 1024;

/** A ustar header for one regular file. */
function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  const field = (offset: number, length: number, value: string): void => void header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number): string => value.toString(8).padStart(length - 1, '0') + '\0';
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(size, 12));
  field(136, 12, octal(Math.floor(Date.now() / 1000), 12));
  field(148, 8, ' '.repeat(8)); // counted as spaces while the checksum is computed
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return header;
}

async function put(target: Target, apiVersion: string, totalBytes: number, piece: Buffer): Promise<number> {
  const fileSize = totalBytes - 3 * BLOCK; // header, then the two zero blocks that end an archive
  const started = performance.now();
  const answer = await httpRequest(target, 'PUT', `/v${apiVersion}/containers/${ARCHIVE_CONTAINER}/archive?path=/tmp`, {
    headers: { 'Content-Type': 'application/x-tar', 'Content-Length': totalBytes },
    timeoutMs: 600_000,
    body: async (write) => {
      await write(tarHeader('bench.bin', fileSize));
      for (let sent = 0; sent < fileSize; sent += piece.length) await write(sent + piece.length <= fileSize ? piece : piece.subarray(0, fileSize - sent));
      await write(Buffer.alloc(2 * BLOCK));
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (answer.status !== 200) throw new Error(`PUT archive through ${target.name}: status ${answer.status}: ${answer.body.toString().slice(0, 500)}`);
  return totalBytes / 1e6 / seconds;
}

export async function runArchivePut(
  targets: readonly Target[],
  apiVersion: string,
  gatewayPid: number,
  settings: Settings['archive'],
  results: Results,
  log: (line: string) => void,
): Promise<void> {
  const piece = randomFillSync(Buffer.alloc(PIECE));
  const rates = new Map<TargetName, number[]>(targets.map((t) => [t.name, []]));
  let peak = 0;
  let sampledPeak = 0;
  let hwmReset = true;
  const rssBefore: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    for (const target of rotated(targets, round)) {
      const watched = target.name === 'dockgate';
      if (watched) {
        hwmReset = resetPeakRss(gatewayPid) && hwmReset;
        rssBefore.push(rssBytes(gatewayPid));
      }
      const sampler = watched ? sampleRss(gatewayPid) : undefined;
      rates.get(target.name)!.push(await put(target, apiVersion, settings.bytes, piece));
      if (sampler !== undefined) {
        sampledPeak = Math.max(sampledPeak, sampler.stop());
        peak = Math.max(peak, peakRssBytes(gatewayPid));
      }
    }
  }
  for (const target of targets) {
    results.add('archive_put', target.name, 'mb_per_s', median(rates.get(target.name)!), 'MB/s');
    log(
      `  archive_put ${target.name}: ${rates
        .get(target.name)!
        .map((r) => r.toFixed(0))
        .join(', ')} MB/s (${(settings.bytes / 1024 ** 2).toFixed(0)} MiB each)`,
    );
  }
  if (targets.some((t) => t.name === 'dockgate')) {
    // Without a reset (not permitted), VmHWM covers the gateway's whole life, which still bounds the transfer's peak.
    results.add('archive_put', 'dockgate', 'peak_rss_mb', Math.max(peak, sampledPeak) / 1e6, 'MB');
    results.notes.push(
      `archive_put: dockgate's RSS before its transfers ${rssBefore.map((b) => (b / 1e6).toFixed(0)).join(', ')} MB, peak during them ${(Math.max(peak, sampledPeak) / 1e6).toFixed(0)} MB.`,
    );
    log(
      `  archive_put dockgate peak RSS: VmHWM ${(peak / 1e6).toFixed(1)} MB${hwmReset ? ' (reset before each transfer)' : ' (since start: reset not permitted)'}, sampled ${(sampledPeak / 1e6).toFixed(1)} MB; RSS before each transfer ${rssBefore.map((b) => (b / 1e6).toFixed(1)).join(', ')} MB`,
    );
  }
}
