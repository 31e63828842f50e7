// image_load: `POST /images/load?quiet=1` (what `docker load -i FILE` sends) with an image in `docker save`'s
// layout: manifest.json, the image's config JSON and one layer tar holding one file of random bytes
// (incompressible), 256 MiB in all (--quick: 64 MiB). The tarball is written once to a temporary file and
// streamed from it (from the page cache, after the first read) for each load; after each load the image is
// deleted through the engine's own socket, so that every load unpacks and registers the layer anew.
// Rounds, MB/s (the tarball's bytes over the time to the end of the engine's answer) and dockgate's peak
// RSS as bench/scenarios/upload-rounds.ts measures them.

import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectJson, httpRequest, type Target } from '../support/http.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { TAR_END, tarEntryBytes, tarHeader, tarPadding } from '../support/tar.js';
import { runUploads } from './upload-rounds.js';

const PIECE = 1024 * 1024;
const TAG = 'dockgate-bench-load:latest';

interface ImageTarball {
  path: string;
  bytes: number;
  /** sha256:<hex of the config JSON>, the ID the engine gives the loaded image. */
  imageId: string;
}

/**
 * Writes the tarball, the layer first: its digest (the config's rootfs.diff_ids) is hashed while it is
 * written, and the engine unpacks the whole tarball before it reads manifest.json, so the order is free.
 */
function writeImageTarball(dir: string, layerFileBytes: number, platform: { os: string; architecture: string }): ImageTarball {
  const path = join(dir, 'image.tar');
  const fd = openSync(path, 'w');
  let configHex: string;
  try {
    const layerTarBytes = tarEntryBytes(layerFileBytes) + TAR_END.length;
    const layerDigest = createHash('sha256');
    const layer = (chunk: Buffer): void => {
      layerDigest.update(chunk);
      writeSync(fd, chunk);
    };
    writeSync(fd, tarHeader('layer.tar', layerTarBytes));
    layer(tarHeader('bench.bin', layerFileBytes));
    const piece = Buffer.alloc(PIECE);
    for (let written = 0; written < layerFileBytes; written += PIECE) layer(randomFillSync(piece).subarray(0, Math.min(PIECE, layerFileBytes - written)));
    layer(tarPadding(layerFileBytes));
    layer(TAR_END);
    writeSync(fd, tarPadding(layerTarBytes));

    const config = Buffer.from(
      JSON.stringify({
        ...platform,
        config: {},
        created: new Date(0).toISOString(),
        rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest.digest('hex')}`] },
        history: [{ created: new Date(0).toISOString(), created_by: 'dockgate bench image_load' }],
      }),
    );
    configHex = createHash('sha256').update(config).digest('hex');
    const manifest = Buffer.from(JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [TAG], Layers: ['layer.tar'] }]));
    for (const [name, content] of [
      [`${configHex}.json`, config],
      ['manifest.json', manifest],
    ] as const) {
      writeSync(fd, tarHeader(name, content.length));
      writeSync(fd, content);
      writeSync(fd, tarPadding(content.length));
    }
    writeSync(fd, TAR_END);
  } finally {
    closeSync(fd);
  }
  return { path, bytes: statSync(path).size, imageId: `sha256:${configHex}` };
}

async function load(target: Target, apiVersion: string, tarball: ImageTarball): Promise<number> {
  const started = performance.now();
  const answer = await httpRequest(target, 'POST', `/v${apiVersion}/images/load?quiet=1`, {
    headers: { 'Content-Type': 'application/x-tar', 'Content-Length': tarball.bytes },
    timeoutMs: 600_000,
    body: async (write) => {
      for await (const chunk of createReadStream(tarball.path, { highWaterMark: PIECE })) await write(chunk as Buffer);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  // The engine answers 200 before it has read the tarball; a failure comes as an error message in the stream.
  const text = answer.body.toString('utf8');
  if (answer.status !== 200 || text.includes('"error') || !text.includes(`Loaded image: ${TAG}`))
    throw new Error(`POST images/load through ${target.name}: status ${answer.status}: ${text.slice(0, 500)}`);
  return tarball.bytes / 1e6 / seconds;
}

export async function runImageLoad(
  targets: readonly Target[],
  direct: Target,
  apiVersion: string,
  gatewayPid: number,
  settings: Settings['imageLoad'],
  results: Results,
  log: (line: string) => void,
): Promise<void> {
  const engine = expectJson<{ Os: string; Arch: string }>(await httpRequest(direct, 'GET', `/v${apiVersion}/version`), 200, 'GET /version');
  const dir = mkdtempSync(join(tmpdir(), 'dockgate-bench-load-'));
  try {
    const tarball = writeImageTarball(dir, settings.bytes, { os: engine.Os, architecture: engine.Arch });
    const remove = async (): Promise<number> => (await httpRequest(direct, 'DELETE', `/v${apiVersion}/images/${tarball.imageId}`)).status;
    await remove(); // a run stopped halfway may have left it
    await runUploads(
      {
        scenario: 'image_load',
        targets,
        gatewayPid,
        rounds: settings.rounds,
        bytes: tarball.bytes,
        upload: async (target) => {
          const rate = await load(target, apiVersion, tarball);
          const removed = await remove();
          if (removed !== 200) throw new Error(`deleting the loaded image ${tarball.imageId} after its load through ${target.name}: status ${removed}`);
          return rate;
        },
      },
      results,
      log,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
