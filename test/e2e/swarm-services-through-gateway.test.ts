// Swarm mode through the gateway: a single-node swarm is initialised, a service created, listed and
// removed, and the swarm left again, with the same results as on the engine's own socket. The swarm
// listens on loopback only. Node, service and task ids and the join tokens are new on every run and
// are replaced by placeholders; everything else, the CLI's warning about digests included, must match.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { useEngineBehindGateway } from '../support/engine-behind-gateway.js';
import type { Endpoint } from '../support/endpoint.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { normaliseAges } from '../support/normalise.js';
import { sameOnEveryEndpoint } from '../support/same-on-every-endpoint.js';

const CONVERGE_TIMEOUT_MS = 60_000;

/** Replaces each known id, and the 12-character short form the CLI prints of it, with its placeholder. */
function replaceIds(text: string, ids: Record<string, string>): string {
  let result = text.replace(/SWMTKN-1-[0-9a-z-]+/g, '<join-token>');
  for (const [placeholder, id] of Object.entries(ids)) {
    result = result.replaceAll(id, placeholder).replaceAll(id.slice(0, 12), placeholder);
  }
  return result;
}

async function waitForReplicas(endpoint: Endpoint, service: string, expected: string): Promise<void> {
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let replicas = '';
  while (replicas !== expected) {
    if (Date.now() > deadline) throw new Error(`service ${service} on ${endpoint.name}: replicas ${replicas}, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    replicas = (await dockerOk(['service', 'ls', '--filter', `name=${service}`, '--format', '{{.Replicas}}'], endpoint)).trim();
  }
}

describe('swarm services through the gateway', { timeout: 5 * 60_000 }, () => {
  const stack = useEngineBehindGateway();

  test('swarm init, service create/ls/ps/rm, swarm leave', async () => {
    const { endpoints } = stack();
    const outputs = await sameOnEveryEndpoint(endpoints, async (endpoint) => {
      const port = await freeLoopbackPort();
      const init = await dockerOk(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', `127.0.0.1:${port}`], endpoint);
      const nodeId = /current node \((\w+)\)/.exec(init)?.[1] ?? 'no node id in the init output';
      // --detach: without it the CLI draws progress bars, which depend on timing.
      const create = await docker(['service', 'create', '--detach', '--name', 'sleeper', BUSYBOX_IMAGE, 'sleep', '3600'], endpoint);
      const serviceId = create.stdout.trim();
      await waitForReplicas(endpoint, 'sleeper', '1/1');
      const ls = await dockerOk(['service', 'ls'], endpoint);
      const ps = await dockerOk(['service', 'ps', '--format', '{{.Name}} {{.Image}} {{.DesiredState}} {{.CurrentState}}', 'sleeper'], endpoint);
      const rm = await dockerOk(['service', 'rm', 'sleeper'], endpoint);
      const leave = await dockerOk(['swarm', 'leave', '--force'], endpoint);
      const ids = { '<node>': nodeId, '<service>': serviceId };
      return {
        init: replaceIds(init, ids).replace(`127.0.0.1:${port}`, '127.0.0.1:<port>'),
        create: { ...create, stdout: replaceIds(create.stdout, ids) },
        ls: normaliseAges(replaceIds(ls, ids)),
        ps: normaliseAges(ps),
        rm,
        leave,
      };
    });
    assert.match(outputs.init, /^Swarm initialized: current node \(<node>\) is now a manager\./);
    assert.equal(outputs.create.code, 0);
    assert.equal(outputs.create.stdout, '<service>\n');
    assert.match(outputs.ls, /^<service> {2}sleeper {2}replicated {2}1\/1 {2}busybox:test$/m);
    assert.equal(outputs.ps, 'sleeper.1 busybox:test Running Running <age> ago\n');
    assert.equal(outputs.rm, 'sleeper\n');
    assert.equal(outputs.leave, 'Node left the swarm.\n');
  });
});
