// Both forms of Docker's connection hijack, written byte by byte on raw connections: with `Upgrade: tcp`
// dockerd answers `101 UPGRADED`, without it (the legacy form) `200 OK`; either way a raw multiplexed
// stream follows, stdin goes up the same connection, and our half-close ends the container's stdin.
// The gateway must carry both like the engine's own socket does. And bytes pipelined behind an
// upgrade request must never reach the engine as a request of their own: dockerd runs such a request
// when it refuses the upgrade, so a gateway that passes them on lets an unjudged request through.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { demultiplex } from '../support/docker-stream-frames.js';
import { useEngineBehindGateway } from '../support/engine-behind-gateway.js';
import type { Endpoint } from '../support/endpoint.js';
import { apiRequest, requestBytes, sendRaw, UPGRADE_HEADERS } from '../support/raw-http.js';
import { sameOnEveryEndpoint } from '../support/same-on-every-endpoint.js';

const API = '/v1.41';
const HIJACK_FORMS = [
  { form: 'legacy (no Upgrade header)', headers: [] as readonly string[], status: 200 },
  { form: 'Upgrade: tcp', headers: UPGRADE_HEADERS, status: 101 },
];
/** How long a pipelined request is given to reach the engine, if it is going to. */
const SMUGGLE_SETTLE_MS = 2_000;

async function createExec(endpoint: Endpoint, container: string, cmd: string[]): Promise<string> {
  const created = await apiRequest(endpoint, 'POST', `${API}/containers/${container}/exec`, {
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Cmd: cmd,
  });
  assert.equal(created.status, 201, created.body);
  return JSON.parse(created.body).Id;
}

/**
 * Sends the hijacking request, waits for the response head, runs `afterHead`, then writes `stdin` and
 * half-closes; resolves with the status, content type and demultiplexed output once the peer ends the stream.
 */
async function hijack(endpoint: Endpoint, request: Buffer, stdin: string, afterHead: () => Promise<void> = async () => {}) {
  const received = sendRaw(endpoint, request);
  const { head } = await received.head();
  await afterHead();
  // Raw bytes only after the answer: before it, they would be a second request (see the last tests).
  received.socket.end(stdin);
  const all = await received.end();
  const stream = all.subarray(all.indexOf('\r\n\r\n') + 4);
  return { status: head.status, contentType: head.headers.get('content-type'), ...demultiplex(stream) };
}

async function volumeExists(direct: Endpoint, name: string): Promise<boolean> {
  return (await dockerOk(['volume', 'ls', '--quiet'], direct)).split('\n').includes(name);
}

describe('hijack forms through the gateway', { timeout: 5 * 60_000 }, () => {
  const stack = useEngineBehindGateway();

  before(async () => {
    await dockerOk(['run', '-d', '--name', 'exec-target', BUSYBOX_IMAGE, 'sleep', '3600'], stack().direct);
  });

  for (const { form, headers, status } of HIJACK_FORMS) {
    test(`exec start, ${form}: ${status} and a raw stream both ways`, async () => {
      const { endpoints } = stack();
      const result = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
        const execId = await createExec(endpoint, 'exec-target', ['sh', '-c', 'cat; echo stdin-ended >&2']);
        const start = requestBytes('POST', `${API}/exec/${execId}/start`, { Detach: false, Tty: false }, headers);
        return hijack(endpoint, start, 'hello exec\n');
      });
      assert.deepEqual(result, { status, contentType: 'application/vnd.docker.raw-stream', stdout: 'hello exec\n', stderr: 'stdin-ended\n' });
    });

    test(`container attach, ${form}: ${status} and a raw stream both ways`, async () => {
      const { endpoints } = stack();
      const result = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
        // StdinOnce: the end of our stdin closes the container's, so cat exits and the stream ends.
        const created = await apiRequest(endpoint, 'POST', `${API}/containers/create?name=attach-target`, {
          Image: BUSYBOX_IMAGE,
          Cmd: ['sh', '-c', 'cat; echo stdin-ended >&2'],
          OpenStdin: true,
          StdinOnce: true,
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
        });
        assert.equal(created.status, 201, created.body);
        const attach = requestBytes('POST', `${API}/containers/attach-target/attach?stream=1&stdin=1&stdout=1&stderr=1`, {}, headers);
        // Attached first, started second: nothing the container prints can be missed.
        const output = await hijack(endpoint, attach, 'hello attach\n', async () => {
          const started = await apiRequest(endpoint, 'POST', `${API}/containers/attach-target/start`);
          assert.equal(started.status, 204, started.body);
        });
        await dockerOk(['rm', '--force', 'attach-target'], endpoint);
        return output;
      });
      assert.deepEqual(result, { status, contentType: 'application/vnd.docker.raw-stream', stdout: 'hello attach\n', stderr: 'stdin-ended\n' });
    });
  }

  test('a request pipelined behind a refused upgrade is not run by the engine', async () => {
    const { direct, viaUnix, viaTls } = stack();
    const smuggle = async (endpoint: Endpoint, volume: string) => {
      const unknownExec = requestBytes('POST', `${API}/exec/no-such-exec/start`, { Detach: false, Tty: false }, UPGRADE_HEADERS);
      const pipelined = requestBytes('POST', `${API}/volumes/create`, { Name: volume });
      const received = sendRaw(endpoint, Buffer.concat([unknownExec, pipelined]));
      await received.settle(SMUGGLE_SETTLE_MS);
      received.socket.destroy();
      return volumeExists(direct, volume);
    };
    // The hazard, shown on the engine itself: it answers 404 and then runs the pipelined request.
    assert.equal(await smuggle(direct, 'smuggled-direct'), true, 'control: dockerd runs a request pipelined behind a refused upgrade');
    assert.equal(await smuggle(viaUnix, 'smuggled-via-unix'), false, 'the pipelined request reached the engine through the unix listener');
    assert.equal(await smuggle(viaTls, 'smuggled-via-tls'), false, 'the pipelined request reached the engine through the TLS listener');
  });

  test('a request pipelined behind an accepted upgrade is not run by the engine', async () => {
    const { endpoints, direct } = stack();
    const created = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      const execId = await createExec(endpoint, 'exec-target', ['cat']);
      const start = requestBytes('POST', `${API}/exec/${execId}/start`, { Detach: false, Tty: false }, UPGRADE_HEADERS);
      const pipelined = requestBytes('POST', `${API}/volumes/create`, { Name: 'smuggled-behind-upgrade' });
      const received = sendRaw(endpoint, Buffer.concat([start, pipelined]));
      await received.settle(SMUGGLE_SETTLE_MS);
      received.socket.destroy();
      return volumeExists(direct, 'smuggled-behind-upgrade');
    });
    assert.equal(created, false);
  });
});
