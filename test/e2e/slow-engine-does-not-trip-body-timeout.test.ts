// --body-timeout bounds how long a client may pause while it sends a body. When the engine is the slow
// side (dockerd busy, the host overloaded), the gateway stops reading the client until the engine catches
// up: that wait is the gateway's, not the client's, and must not cut an upload. Here dockerd is frozen
// (SIGSTOP) for three times the body timeout in the middle of a `docker cp` upload through the gateway,
// and the upload still completes, whole. A client that pauses by itself is still cut (the control case).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk, spawnDocker } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGatewayInFront, type GatewayInFront } from '../support/gateway.js';
import { tarEnd, tarHeader } from '../support/tar-archive.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;
const BODY_TIMEOUT_S = 1;
const FROZEN_MS = 3 * BODY_TIMEOUT_S * 1000;

/** Writes to a stream, waiting for it to drain when its buffer is full. */
async function write(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  if (!stream.write(data)) await new Promise((resolve) => stream.once('drain', resolve));
}

describe('a slow engine does not trip the client body timeout', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let gateway: GatewayInFront;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      gateway = await startGatewayInFront(engine, { profile: 'baseline', args: ['--body-timeout', String(BODY_TIMEOUT_S)] });
      teardown.add(() => gateway.stop());
      await dockerOk(['create', '--name', 'slow-target', '--network', 'none', BUSYBOX_IMAGE, 'true'], engine.endpoint);
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test('docker cp of 64 MiB completes while dockerd is frozen for 3 s mid-upload', async (t) => {
    const fileSize = 64 * 1024 * 1024;
    const block = Buffer.alloc(1024 * 1024, 0x5a);
    const expected = createHash('sha256');
    const cp = spawnDocker(['cp', '-', 'slow-target:/tmp'], gateway.unix);
    let stderr = '';
    cp.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => cp.on('close', resolve));
    let thawed = false;
    const thaw = (): void => {
      if (!thawed) engine.signalDaemon('SIGCONT');
      thawed = true;
    };
    teardown.add(async () => thaw());
    await write(cp.stdin, tarHeader('big.bin', fileSize));
    let frozenAt = 0;
    for (let sent = 0; sent < fileSize; sent += block.length) {
      if (sent === 16 * 1024 * 1024) {
        engine.signalDaemon('SIGSTOP');
        frozenAt = Date.now();
        setTimeout(thaw, FROZEN_MS);
      }
      expected.update(block);
      await write(cp.stdin, block);
    }
    await write(cp.stdin, tarEnd(fileSize));
    cp.stdin.end();
    const code = await exited;
    thaw();
    const waited = Date.now() - frozenAt;
    t.diagnostic(`upload done ${waited} ms after dockerd was frozen for ${FROZEN_MS} ms`);
    assert.equal(code, 0, `docker cp through the gateway failed: ${stderr}\n--- gateway ---\n${gateway.output()}`);
    assert.ok(waited >= FROZEN_MS, `the upload outlasted the freeze (${waited} ms), so the client really waited on the engine`);
    // The engine has the whole file: copied back out through the engine's own socket (a tar: header, then the data).
    const out = await copyOut('slow-target:/tmp/big.bin');
    assert.equal(out.length >= 512 + fileSize, true, `the copy back has ${out.length} bytes`);
    const actual = createHash('sha256')
      .update(out.subarray(512, 512 + fileSize))
      .digest('hex');
    assert.equal(actual, expected.digest('hex'), 'the file in the container is the one sent');
  });

  test('a client that pauses its own upload longer than the body timeout is cut with a 408 (control)', async () => {
    const auditFrom = statSync(gateway.auditLog).size;
    const cp = spawnDocker(['cp', '-', 'slow-target:/tmp'], gateway.unix);
    let stderr = '';
    cp.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => cp.on('close', resolve));
    await write(cp.stdin, tarHeader('paused.bin', 1024 * 1024));
    await write(cp.stdin, Buffer.alloc(64 * 1024));
    // Nothing more for three body timeouts.
    await new Promise((resolve) => setTimeout(resolve, FROZEN_MS));
    cp.stdin.end();
    const code = await exited;
    assert.notEqual(code, 0, 'the paused upload was cut');
    assert.match(stderr + gateway.output(), /limits\.body-timeout|408/, `the cut names the body timeout: ${stderr}`);
    // The trail says why: the upload was being streamed to the engine when its client went quiet, and the
    // exchange ends as the body-timeout refusal, not as an allowed request whose connection happened to drop.
    const { trail } = await waitForAuditTrail(gateway.auditLog, auditFrom, (records) => records.some((r) => r.phase === 'done' && r.method === 'PUT'));
    const done = trail.records.filter((r) => r.phase === 'done' && r.method === 'PUT');
    assert.deepEqual(
      done.map((r) => [r.operation, r.decision, r.rule, r.status]),
      [['container.archive.put', 'deny', 'limits.body-timeout', 408]],
      JSON.stringify(done),
    );
    assert.ok(
      trail.records.some((r) => r.phase === 'forwarding' && r.id === done[0]!.id),
      'it had been forwarded (its forwarding record is there): the timeout struck while streaming',
    );
  });

  /** `docker cp CONTAINER:PATH -` on the engine's own socket: the tar it prints. */
  async function copyOut(source: string): Promise<Buffer> {
    const cp = spawnDocker(['cp', source, '-'], engine.endpoint);
    cp.stdin.end();
    const chunks: Buffer[] = [];
    cp.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    let stderr = '';
    cp.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => cp.on('close', resolve));
    assert.equal(code, 0, `docker cp ${source} -: ${stderr}`);
    return Buffer.concat(chunks);
  }
});
