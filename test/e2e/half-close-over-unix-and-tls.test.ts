// Half-close through the gateway, over its unix and its mutual-TLS listener. When stdin ends the CLI
// closes its sending side (FIN, or TLS close_notify) and keeps reading: that end must reach the
// container, and everything the container prints afterwards must still reach the CLI, which then
// sees the engine's end of the stream and exits. A gateway that closes both ways at the client's
// FIN loses the output; one that never passes the FIN on hangs until the timeout.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { useEngineBehindGateway } from '../support/engine-behind-gateway.js';
import { sameOnEveryEndpoint } from '../support/same-on-every-endpoint.js';

/** A hang here means an end was not passed on; fail fast rather than at the suite timeout. */
const CLI_TIMEOUT_MS = 20_000;

describe('half-close is carried both ways over unix and TLS', { timeout: 5 * 60_000 }, () => {
  const stack = useEngineBehindGateway();

  before(async () => {
    await dockerOk(['run', '-d', '--name', 'half-close-target', BUSYBOX_IMAGE, 'sleep', '3600'], stack().direct);
  });

  test('echo x | docker exec -i c cat prints x', async () => {
    const { endpoints } = stack();
    const output = await sameOnEveryEndpoint(endpoints, (endpoint) => dockerOk(['exec', '-i', 'half-close-target', 'cat'], { ...endpoint, input: 'x\n', timeoutMs: CLI_TIMEOUT_MS }));
    assert.equal(output, 'x\n');
  });

  test('output written a second after stdin ended still arrives', async () => {
    const { endpoints } = stack();
    const output = await sameOnEveryEndpoint(endpoints, (endpoint) =>
      dockerOk(['exec', '-i', 'half-close-target', 'sh', '-c', 'cat; sleep 1; echo after-stdin-ended'], {
        ...endpoint,
        input: 'x\n',
        timeoutMs: CLI_TIMEOUT_MS,
      }),
    );
    assert.equal(output, 'x\nafter-stdin-ended\n');
  });

  test('echo x | docker run -i --rm cat prints x', async () => {
    const { endpoints } = stack();
    const output = await sameOnEveryEndpoint(endpoints, (endpoint) => dockerOk(['run', '-i', '--rm', BUSYBOX_IMAGE, 'cat'], { ...endpoint, input: 'x\n', timeoutMs: CLI_TIMEOUT_MS }));
    assert.equal(output, 'x\n');
  });
});
