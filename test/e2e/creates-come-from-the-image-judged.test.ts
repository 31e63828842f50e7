// Issue 13, class 3: `restricted` decides "non-root" from the image's configured user when a create names
// none, and the engine resolves the image's name again when the create reaches it. Here the race is made
// every time: a relay holds the forwarded create while the test moves the tag from a non-root image to a
// root one. Directly the engine creates a container that runs as root. Through the gateway, what the create
// made is checked before the client hears of it: the container from the other image is removed and the
// client told to retry; without the move the container is created as asked, its Config.Image still the
// name the client used. While a create is being checked, the container cannot be started.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, type Gateway } from '../support/gateway.js';
import { restrictedBody } from '../support/host-escape.js';
import { startHoldingRelay, type HoldingRelay } from '../support/holding-relay.js';
import { apiRequest } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

describe('a container comes from the image its create was judged on (restricted)', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let relay: HoldingRelay;
  let gateway: Gateway;
  const imageIds = new Map<string, string>();

  const retag = async (to: 'race:nonroot' | 'race:root'): Promise<void> => {
    await dockerOk(['tag', to, 'race:latest'], engine.endpoint);
  };
  const create = (name: string) => apiRequest(gateway.unix!, 'POST', `/v1.41/containers/create?name=${name}`, { Image: 'race:latest', Cmd: ['id', '-u'], ...restrictedBody(undefined) });
  const names = async (): Promise<string> => dockerOk(['ps', '-a', '--format', '{{.Names}}'], engine.endpoint);

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    const dir = mkdtempSync(join(engine.dir, 'race-'));
    relay = await startHoldingRelay(engine.socketPath, dir);
    teardown.add(() => relay.close());
    gateway = await startGateway({ upstream: relay.path, listen: [`unix://${join(dir, 'gw.sock')}`], profile: 'restricted' });
    teardown.add(() => gateway.stopRunning());
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\nUSER 1000\n`);
    await dockerOk(['build', '-t', 'race:nonroot', dir], engine.endpoint);
    await dockerOk(['tag', BUSYBOX_IMAGE, 'race:root'], engine.endpoint);
    for (const image of ['race:nonroot', 'race:root']) imageIds.set(image, (await dockerOk(['image', 'inspect', '--format', '{{.Id}}', image], engine.endpoint)).trim());
  });

  test('directly, a create after the tag moved makes a container that runs as root', async () => {
    await retag('race:root');
    const created = await apiRequest(engine.endpoint, 'POST', '/v1.41/containers/create?name=race-direct', { Image: 'race:latest', ...restrictedBody(undefined) });
    assert.equal(created.status, 201, created.body);
    assert.equal((await dockerOk(['inspect', '--format', '{{.Image}}|{{.Config.User}}', 'race-direct'], engine.endpoint)).trim(), `${imageIds.get('race:root')}|`);
    await dockerOk(['rm', 'race-direct'], engine.endpoint);
  });

  test('through the gateway, the tag moved between judgement and create: the container is removed and the client told to retry', async () => {
    await retag('race:nonroot');
    const held = relay.hold(/^POST \S*\/containers\/create\?name=race-swapped HTTP\/1\.1$/);
    const answer = create('race-swapped');
    await held;
    await retag('race:root');
    relay.release();
    const refused = await answer;
    assert.equal(refused.status, 409, refused.body);
    assert.match(refused.body, /denied by create\.image: the image name was moved to another image/);
    assert.doesNotMatch(await names(), /race-swapped/, 'no container is left behind');
  });

  test('without the move the container is created, from the image judged, its Config.Image the name the client used', async () => {
    await retag('race:nonroot');
    const created = await create('race-kept');
    assert.equal(created.status, 201, created.body);
    assert.equal((await dockerOk(['inspect', '--format', '{{.Image}} {{.Config.Image}}', 'race-kept'], engine.endpoint)).trim(), `${imageIds.get('race:nonroot')} race:latest`);
  });

  test('while a create is being checked, a start of the container is refused', async () => {
    const held = relay.hold(/^GET \/containers\/[0-9a-f]{64}\/json HTTP\/1\.1$/);
    const answer = create('race-pending');
    await held;
    const start = await apiRequest(gateway.unix!, 'POST', '/v1.41/containers/race-pending/start');
    assert.equal(start.status, 409, start.body);
    assert.match(start.body, /denied by create\.pending/);
    relay.release();
    assert.equal((await answer).status, 201);
    const started = await apiRequest(gateway.unix!, 'POST', '/v1.41/containers/race-pending/start');
    assert.equal(started.status, 204, started.body);
  });
});
