// Large bodies go through the gateway as streams: a classic `docker build` with a 20 MiB context,
// and `docker save` / `docker load` of an image over 200 MiB, give the same results as on the engine's
// own socket, while the gateway's peak resident memory stays far below what buffering them would take.

import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { importRootfs, makeBusyboxRootfs } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { useEngineBehindGateway } from '../support/engine-behind-gateway.js';
import { normaliseIds, normaliseProgress } from '../support/normalise.js';
import { sameOnEveryEndpoint } from '../support/same-on-every-endpoint.js';

const MIB = 1024 * 1024;
const BUILD_CONTEXT_BYTES = 20 * MIB;
const BIG_LAYER_BYTES = 200 * MIB;
const BIG_IMAGE = 'big:test';
/** The gateway (node bin/dockgate.js) idles at about 55 MB; buffering one 200 MiB transfer alone would pass 150 MB. */
const PEAK_RSS_LIMIT_BYTES = 150 * 1000 * 1000;
/** Writing, reading and unpacking 200 MiB several times over takes a while on a busy 2-core machine. */
const TRANSFER_TIMEOUT_MS = 5 * 60_000;

/** Writes `size` random bytes to `path` in 1 MiB pieces, returning their sha256. */
function writeRandomFile(path: string, size: number): string {
  const hash = createHash('sha256');
  const piece = Buffer.alloc(MIB);
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < size; written += piece.length) {
      randomFillSync(piece);
      hash.update(piece);
      writeSync(fd, piece);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('large transfers stay streamed through the gateway', { timeout: 10 * 60_000 }, () => {
  const stack = useEngineBehindGateway();
  let contextDir = '';
  let blobSha = '';

  before(
    async () => {
      const { engine, direct } = stack();
      contextDir = join(engine.dir, 'build-context');
      mkdirSync(contextDir);
      blobSha = writeRandomFile(join(contextDir, 'blob'), BUILD_CONTEXT_BYTES);
      writeFileSync(join(contextDir, 'Dockerfile'), 'FROM busybox:test\nCOPY blob /blob\nRUN sha256sum /blob > /blob.sha256\n');

      const rootfs = join(engine.dir, 'big-rootfs');
      makeBusyboxRootfs(rootfs);
      writeRandomFile(join(rootfs, 'big.bin'), BIG_LAYER_BYTES);
      await importRootfs(direct, rootfs, join(engine.dir, 'big-rootfs.tar'), BIG_IMAGE);
      rmSync(rootfs, { recursive: true });
      rmSync(join(engine.dir, 'big-rootfs.tar'));
    },
    { timeout: TRANSFER_TIMEOUT_MS },
  );

  test('classic docker build with a 20 MiB context (ids and progress redraws normalised)', async () => {
    const { endpoints } = stack();
    const build = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      // --no-cache: every build runs every step, so every build prints the same steps.
      const result = await docker(['build', '--no-cache', '--tag', 'built:test', contextDir], { ...endpoint, timeoutMs: TRANSFER_TIMEOUT_MS });
      const inside = await dockerOk(['run', '--rm', 'built:test', 'cat', '/blob.sha256'], endpoint);
      await dockerOk(['rmi', 'built:test'], endpoint);
      return { ...result, stdout: normaliseIds(normaliseProgress(result.stdout)), inside };
    });
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /^Sending build context to Docker daemon {2}20\.97MB\n/);
    assert.match(build.stdout, /\nSuccessfully tagged built:test\n$/);
    assert.equal(build.inside, `${blobSha}  /blob\n`);
  });

  test("docker save and load of a 200 MiB image, with the gateway's peak RSS under 150 MB", async (t) => {
    const { endpoints, engine, gateway } = stack();
    const archive = join(engine.dir, 'saved.tar');
    const imageId = (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', BIG_IMAGE], stack().direct)).trim();
    const transfers = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      const options = { ...endpoint, timeoutMs: TRANSFER_TIMEOUT_MS };
      await dockerOk(['save', '--output', archive, BIG_IMAGE], options);
      const archiveSha = await sha256OfFile(archive);
      const rmi = normaliseIds(await dockerOk(['rmi', BIG_IMAGE], options));
      const load = await dockerOk(['load', '--input', archive], options);
      const id = (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', BIG_IMAGE], options)).trim();
      rmSync(archive);
      return { archiveSha, rmi, load, id };
    });
    assert.equal(transfers.load, `Loaded image: ${BIG_IMAGE}\n`);
    assert.equal(transfers.id, imageId);

    const peak = gateway.peakRssBytes();
    t.diagnostic(`gateway peak RSS (VmHWM): ${(peak / 1e6).toFixed(1)} MB`);
    assert.ok(peak < PEAK_RSS_LIMIT_BYTES, `gateway peak RSS ${(peak / 1e6).toFixed(1)} MB, limit ${PEAK_RSS_LIMIT_BYTES / 1e6} MB`);
  });
});
