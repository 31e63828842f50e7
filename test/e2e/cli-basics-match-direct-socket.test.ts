// The everyday read-side commands and object management give, through the gateway's unix and
// mutual-TLS listeners, exactly what the engine's own socket gives.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { useEngineBehindGateway } from '../support/engine-behind-gateway.js';
import { apiRequest } from '../support/raw-http.js';
import { normaliseAges, normaliseIds } from '../support/normalise.js';
import { sameOnEveryEndpoint } from '../support/same-on-every-endpoint.js';

describe('docker CLI basics match the direct socket', { timeout: 5 * 60_000 }, () => {
  const stack = useEngineBehindGateway();

  before(async () => {
    // Something for ps, info and inspect to show: one running and one exited container.
    const { direct } = stack();
    await dockerOk(['run', '-d', '--name', 'listed-running', '--label', 'purpose=listing', BUSYBOX_IMAGE, 'sleep', '3600'], direct);
    await dockerOk(['run', '--name', 'listed-exited', BUSYBOX_IMAGE, 'true'], direct);
  });

  test('docker version: the server part', async () => {
    const { endpoints } = stack();
    const server = await sameOnEveryEndpoint(endpoints, (endpoint) => dockerOk(['version', '--format', '{{json .Server}}'], endpoint));
    assert.match(JSON.parse(server).ApiVersion, /^1\.\d+$/);
  });

  test('docker info', async () => {
    const { endpoints } = stack();
    // The CLI prints the engine's runtimes in Go map order, which changes from run to run: sort that line.
    const sortRuntimes = (text: string) => text.replace(/^( Runtimes:) (.*)$/m, (_, label: string, names: string) => `${label} ${names.split(' ').sort().join(' ')}`);
    const info = await sameOnEveryEndpoint(endpoints, async (endpoint) => sortRuntimes(await dockerOk(['info'], endpoint)));
    assert.match(info, /Containers: 2\n +Running: 1\n +Paused: 0\n +Stopped: 1\n/);
  });

  test('docker ps -a (container ages normalised)', async () => {
    const { endpoints } = stack();
    const listing = await sameOnEveryEndpoint(endpoints, async (endpoint) => normaliseAges(await dockerOk(['ps', '-a'], endpoint)));
    assert.match(listing, /listed-running\n/);
    assert.match(listing, /Exited \(0\) <age> ago .*listed-exited\n/);
  });

  test('docker images (image ages normalised)', async () => {
    const { endpoints } = stack();
    const listing = await sameOnEveryEndpoint(endpoints, async (endpoint) => normaliseAges(await dockerOk(['images'], endpoint)));
    assert.match(listing, /^busybox {2}test {2}[0-9a-f]{12} {2}<age> ago/m);
  });

  test('docker inspect of a container and an image', async () => {
    const { endpoints } = stack();
    const inspected = await sameOnEveryEndpoint(endpoints, (endpoint) => dockerOk(['inspect', 'listed-running', BUSYBOX_IMAGE], endpoint));
    const [container, image] = JSON.parse(inspected);
    assert.equal(container.Config.Labels.purpose, 'listing');
    assert.equal(container.State.Running, true);
    assert.deepEqual(image.RepoTags, [BUSYBOX_IMAGE]);
  });

  test('HEAD /_ping answers with the Api-Version header (clients negotiate with it)', async () => {
    const { endpoints } = stack();
    const ping = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      const response = await apiRequest(endpoint, 'HEAD', '/_ping');
      return { status: response.status, apiVersion: response.headers['api-version'], body: response.body };
    });
    assert.equal(ping.status, 200);
    assert.match(String(ping.apiVersion), /^1\.\d+$/);
    assert.equal(ping.body, '');
  });

  test('docker volume create, ls, inspect, rm', async () => {
    const { endpoints } = stack();
    const outputs = await sameOnEveryEndpoint(endpoints, async (endpoint) => ({
      create: await dockerOk(['volume', 'create', '--label', 'purpose=test', 'scratch'], endpoint),
      ls: await dockerOk(['volume', 'ls'], endpoint),
      inspect: await dockerOk(['volume', 'inspect', '--format', '{{.Name}} {{.Driver}} {{.Labels}}', 'scratch'], endpoint),
      rm: await dockerOk(['volume', 'rm', 'scratch'], endpoint),
      lsAfter: await dockerOk(['volume', 'ls', '--quiet'], endpoint),
    }));
    assert.deepEqual(outputs, {
      create: 'scratch\n',
      ls: 'DRIVER    VOLUME NAME\nlocal     scratch\n',
      inspect: 'scratch local map[purpose:test]\n',
      rm: 'scratch\n',
      lsAfter: '',
    });
  });

  test('docker network create, ls, rm (network ids normalised)', async () => {
    const { endpoints } = stack();
    const outputs = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      const output = {
        // --internal: a bridge that no container of ours could use to leave the host.
        create: await dockerOk(['network', 'create', '--internal', 'scratch-net'], endpoint),
        ls: await dockerOk(['network', 'ls', '--filter', 'name=scratch-net', '--format', '{{.ID}} {{.Name}} {{.Driver}} {{.Internal}}'], endpoint),
        rm: await dockerOk(['network', 'rm', 'scratch-net'], endpoint),
        lsAfter: await dockerOk(['network', 'ls', '--filter', 'name=scratch-net', '--quiet'], endpoint),
      };
      return JSON.parse(normaliseIds(JSON.stringify(output)));
    });
    assert.deepEqual(outputs, {
      create: '<id1>\n',
      ls: '<id1> scratch-net bridge true\n',
      rm: 'scratch-net\n',
      lsAfter: '',
    });
  });
});
