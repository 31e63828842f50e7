// A container's life — run in every mode, stop, kill, rm, cp both ways, commit — gives the same
// results through the gateway's unix and mutual-TLS listeners as on the engine's own socket.
// Container and image ids differ per run and are normalised; nothing else is.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerInTerminal, dockerOk } from '../support/docker-cli.js';
import { useEngineBehindGateway } from '../support/engine-behind-gateway.js';
import { normaliseIds } from '../support/normalise.js';
import { sameOnEveryEndpoint } from '../support/same-on-every-endpoint.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('container lifecycle matches the direct socket', { timeout: 5 * 60_000 }, () => {
  const stack = useEngineBehindGateway();

  test('docker run attached: stdout, stderr and exit code', async () => {
    const { endpoints } = stack();
    const run = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      const result = await docker(['run', '--name', 'attached', BUSYBOX_IMAGE, 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3'], endpoint);
      await dockerOk(['rm', 'attached'], endpoint);
      return result;
    });
    assert.deepEqual(run, { code: 3, stdout: 'to-stdout\n', stderr: 'to-stderr\n' });
  });

  test('docker run -d: prints the id, the container runs', async () => {
    const { endpoints } = stack();
    const run = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      const id = await dockerOk(['run', '-d', '--name', 'detached', BUSYBOX_IMAGE, 'sleep', '3600'], endpoint);
      const state = await dockerOk(['inspect', '--format', '{{.Id}} {{.State.Running}}', 'detached'], endpoint);
      await dockerOk(['rm', '-f', 'detached'], endpoint);
      return normaliseIds(id + state);
    });
    assert.equal(run, '<id1>\n<id1> true\n');
  });

  test('docker run --rm: output, exit code, and the container is gone', async () => {
    const { endpoints } = stack();
    const run = await sameOnEveryEndpoint(endpoints, async (endpoint) => ({
      run: await docker(['run', '--rm', '--name', 'removed', BUSYBOX_IMAGE, 'sh', '-c', 'echo bye; exit 4'], endpoint),
      left: await dockerOk(['ps', '--all', '--quiet', '--filter', 'name=^removed$'], endpoint),
    }));
    assert.deepEqual(run, { run: { code: 4, stdout: 'bye\n', stderr: '' }, left: '' });
  });

  test('docker run -i: piped stdin reaches the container whole', async () => {
    const { endpoints } = stack();
    const input = randomBytes(256 * 1024);
    const run = await sameOnEveryEndpoint(endpoints, (endpoint) => dockerOk(['run', '-i', '--rm', BUSYBOX_IMAGE, 'sha256sum'], { ...endpoint, input }));
    assert.equal(run, `${sha256(input)}  -\n`);
  });

  test('docker run -t: the container gets a terminal (stdin closed, not a terminal)', async () => {
    const { endpoints } = stack();
    const run = await sameOnEveryEndpoint(endpoints, (endpoint) => docker(['run', '-t', '--rm', BUSYBOX_IMAGE, 'sh', '-c', '[ -t 1 ] && echo stdout-is-a-terminal; tty'], endpoint));
    // The terminal turns \n into \r\n: proof that a tty, not a pipe, carried the output.
    assert.deepEqual(run, { code: 0, stdout: 'stdout-is-a-terminal\r\n/dev/pts/0\r\n', stderr: '' });
  });

  test('docker run -it from a terminal: stdin and stdout are terminals, the exit code comes back', async () => {
    const { endpoints } = stack();
    const run = await sameOnEveryEndpoint(endpoints, (endpoint) =>
      dockerInTerminal(['run', '-it', '--rm', BUSYBOX_IMAGE, 'sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo both-terminals; exit 6'], endpoint),
    );
    assert.deepEqual(run, { code: 6, stdout: 'both-terminals\r\n', stderr: '' });
  });

  test('docker stop, kill and rm', async () => {
    const { endpoints } = stack();
    const outputs = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      // sleep as PID 1 ignores SIGTERM: stop ends in SIGKILL after its timeout, hence exit code 137.
      await dockerOk(['run', '-d', '--name', 'to-stop', BUSYBOX_IMAGE, 'sleep', '3600'], endpoint);
      await dockerOk(['run', '-d', '--name', 'to-kill', BUSYBOX_IMAGE, 'sleep', '3600'], endpoint);
      return {
        stop: await dockerOk(['stop', '-t', '1', 'to-stop'], endpoint),
        kill: await dockerOk(['kill', 'to-kill'], endpoint),
        states: await dockerOk(['inspect', '--format', '{{.Name}} {{.State.Status}} {{.State.ExitCode}}', 'to-stop', 'to-kill'], endpoint),
        rm: await dockerOk(['rm', 'to-stop', 'to-kill'], endpoint),
        left: await dockerOk(['ps', '--all', '--quiet', '--filter', 'name=^to-'], endpoint),
      };
    });
    assert.deepEqual(outputs, {
      stop: 'to-stop\n',
      kill: 'to-kill\n',
      states: '/to-stop exited 137\n/to-kill exited 137\n',
      rm: 'to-stop\nto-kill\n',
      left: '',
    });
  });

  test('docker cp into and out of a container, content checked', async () => {
    const { endpoints, engine } = stack();
    const localDir = mkdtempSync(join(engine.dir, 'cp-'));
    const sent = randomBytes(300 * 1024);
    writeFileSync(join(localDir, 'sent.bin'), sent);
    // The same local path every time: the CLI names it in its report.
    const fetched = join(localDir, 'fetched.txt');
    const outputs = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      await dockerOk(['run', '-d', '--name', 'cp-target', BUSYBOX_IMAGE, 'sleep', '3600'], endpoint);
      await dockerOk(['exec', 'cp-target', 'sh', '-c', 'echo made inside the container > /tmp/made-inside.txt'], endpoint);
      const copyIn = await docker(['cp', join(localDir, 'sent.bin'), 'cp-target:/tmp/sent.bin'], endpoint);
      const arrived = await dockerOk(['exec', 'cp-target', 'sha256sum', '/tmp/sent.bin'], endpoint);
      const copyOut = await docker(['cp', 'cp-target:/tmp/made-inside.txt', fetched], endpoint);
      await dockerOk(['rm', '-f', 'cp-target'], endpoint);
      const content = readFileSync(fetched, 'utf8');
      rmSync(fetched);
      return { copyIn, arrived, copyOut, fetched: content };
    });
    assert.equal(outputs.copyIn.code, 0);
    assert.equal(outputs.arrived, `${sha256(sent)}  /tmp/sent.bin\n`);
    assert.equal(outputs.copyOut.code, 0);
    assert.equal(outputs.fetched, 'made inside the container\n');
  });

  test("docker commit: the new image holds the container's changes", async () => {
    const { endpoints } = stack();
    const outputs = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      await dockerOk(['run', '--name', 'to-commit', BUSYBOX_IMAGE, 'sh', '-c', 'echo committed content > /tmp/marker'], endpoint);
      const commit = await dockerOk(['commit', '--change', 'LABEL committed=yes', 'to-commit', 'committed:test'], endpoint);
      const output = {
        commit: normaliseIds(commit),
        marker: await dockerOk(['run', '--rm', 'committed:test', 'cat', '/tmp/marker'], endpoint),
        label: await dockerOk(['image', 'inspect', '--format', '{{.Config.Labels.committed}}', 'committed:test'], endpoint),
      };
      await dockerOk(['rm', 'to-commit'], endpoint);
      await dockerOk(['rmi', 'committed:test'], endpoint);
      return output;
    });
    assert.deepEqual(outputs, { commit: 'sha256:<id1>\n', marker: 'committed content\n', label: 'yes\n' });
  });
});
