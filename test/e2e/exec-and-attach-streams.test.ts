// The hijacked and long-lived streams of exec, attach and logs -f carry the same bytes through the
// gateway's unix and mutual-TLS listeners as on the engine's own socket.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerInTerminal, dockerOk, dockerWithOpenStdin, followDocker } from '../support/docker-cli.js';
import { useEngineBehindGateway } from '../support/engine-behind-gateway.js';
import { sameOnEveryEndpoint } from '../support/same-on-every-endpoint.js';

describe('exec, attach and log streams match the direct socket', { timeout: 5 * 60_000 }, () => {
  const stack = useEngineBehindGateway();

  before(async () => {
    await dockerOk(['run', '-d', '--name', 'exec-target', BUSYBOX_IMAGE, 'sleep', '3600'], stack().direct);
  });

  test('docker exec: stdout, stderr and exit code', async () => {
    const { endpoints } = stack();
    const exec = await sameOnEveryEndpoint(endpoints, (endpoint) => docker(['exec', 'exec-target', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 5'], endpoint));
    assert.deepEqual(exec, { code: 5, stdout: 'to-stdout\n', stderr: 'to-stderr\n' });
  });

  test('docker exec -i: 1 MiB of piped random stdin arrives intact', async () => {
    const { endpoints } = stack();
    const input = randomBytes(1024 * 1024);
    const exec = await sameOnEveryEndpoint(endpoints, (endpoint) => dockerOk(['exec', '-i', 'exec-target', 'sha256sum'], { ...endpoint, input }));
    assert.equal(exec, `${createHash('sha256').update(input).digest('hex')}  -\n`);
  });

  test('docker exec -it from a terminal: a terminal inside, the exit code comes back', async () => {
    const { endpoints } = stack();
    const exec = await sameOnEveryEndpoint(endpoints, (endpoint) =>
      dockerInTerminal(['exec', '-it', 'exec-target', 'sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo both-terminals; exit 7'], endpoint),
    );
    assert.deepEqual(exec, { code: 7, stdout: 'both-terminals\r\n', stderr: '' });
  });

  test('docker attach: stdin in, output out, exit code of the container', async () => {
    const { endpoints } = stack();
    const attach = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      // The container waits for a line on stdin, so nothing it prints can be missed before attach.
      await dockerOk(['run', '-d', '-i', '--name', 'attach-target', BUSYBOX_IMAGE, 'sh', '-c', 'read line; echo "got $line"; exit 8'], endpoint);
      const result = await dockerWithOpenStdin(['attach', 'attach-target'], { ...endpoint, input: 'hello attach\n' });
      await dockerOk(['rm', 'attach-target'], endpoint);
      return result;
    });
    assert.deepEqual(attach, { code: 8, stdout: 'got hello attach\n', stderr: '' });
  });

  test('docker logs -f: lines keep coming while the CLI follows', async () => {
    const { endpoints } = stack();
    const lines = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      await dockerOk(['run', '-d', '--name', 'ticker', BUSYBOX_IMAGE, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done'], endpoint);
      const logs = followDocker(['logs', '--follow', 'ticker'], endpoint);
      try {
        // tick 3 is printed about 2 s after start, well after the CLI has connected: it came live.
        const seen = await logs.waitForOutput((stdout) => stdout.includes('tick 3\n'), 20_000);
        assert.ok(logs.isRunning(), 'docker logs -f exited instead of following');
        return seen.split('\n').slice(0, 3);
      } finally {
        await logs.stop();
        await dockerOk(['rm', '-f', 'ticker'], endpoint);
      }
    });
    assert.deepEqual(lines, ['tick 1', 'tick 2', 'tick 3']);
  });
});
