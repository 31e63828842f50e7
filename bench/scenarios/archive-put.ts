// archive_put: `PUT /containers/bench-archive/archive?path=/tmp` with a tar of one file, 1 GiB in all
// (--quick: 256 MiB), generated while it is sent from one random 1 MiB block, so the client reads no disk.
// Rounds, MB/s and dockgate's peak RSS as bench/scenarios/upload-rounds.ts measures them.

import { randomFillSync } from 'node:crypto';
import { httpRequest, type Target } from '../support/http.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { ARCHIVE_CONTAINER } from '../support/stack.js';
import { BLOCK, TAR_END, tarHeader } from '../support/tar.js';
import { runUploads } from './upload-rounds.js';

const PIECE = 1024 * 1024;

/** One archive of `totalBytes` into ARCHIVE_CONTAINER, made of `piece` repeated: its MB/s. */
export async function putArchive(target: Target, apiVersion: string, totalBytes: number, piece: Buffer): Promise<number> {
  const fileSize = totalBytes - BLOCK - TAR_END.length; // header, then the two zero blocks that end an archive
  const started = performance.now();
  const answer = await httpRequest(target, 'PUT', `/v${apiVersion}/containers/${ARCHIVE_CONTAINER}/archive?path=/tmp`, {
    headers: { 'Content-Type': 'application/x-tar', 'Content-Length': totalBytes },
    timeoutMs: 600_000,
    body: async (write) => {
      await write(tarHeader('bench.bin', fileSize));
      for (let sent = 0; sent < fileSize; sent += piece.length) await write(sent + piece.length <= fileSize ? piece : piece.subarray(0, fileSize - sent));
      await write(TAR_END);
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
  await runUploads(
    { scenario: 'archive_put', targets, gatewayPid, rounds: settings.rounds, bytes: settings.bytes, upload: (target) => putArchive(target, apiVersion, settings.bytes, piece) },
    results,
    log,
  );
}
