// A read-only client reads no container's environment values or host paths: a container made on the engine
// directly with `-e PASSWORD=...` and a host bind shows them to the engine's own socket, and through the
// gateway (`--profile read-only`, which redacts by default) `docker inspect`, `docker ps --no-trunc
// --format json` and the dockerode SDK show the variable names with `<redacted>` values and `<redacted>`
// sources, while everything else reads as the engine wrote it. A policy-file rule's `redact:` adds labels
// by pattern, which `docker events` attributes carry too; the audit record counts what was redacted.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { waitForAuditTrail } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startGateway, startGatewayInFront, type Gateway, type GatewayInFront } from '../support/gateway.js';
import { useTeardown } from '../support/teardown.js';

const SECRET = 'hunter2-do-not-leak';
const NAME = 'redact-me';
const IMAGE_WITH_ENV = 'redact-me-image:1';
const VOLUME = 'redact-me-share';

const POLICY = `version: 1
rules:
  - name: dashboard
    profile: read-only
    redact: [env, mounts, labels:db.*]
`;

interface Inspected {
  Config: { Env: string[]; Labels: Record<string, string> };
  HostConfig: { Binds: string[] };
  Mounts: { Source: string; Destination: string }[];
}

describe('read-only clients read no environment values, host paths or named labels', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let readOnly: GatewayInFront;
  let withLabels: Gateway;
  let hostDir: string;
  let since: number;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    hostDir = join(engine.dir, 'private-host-dir');
    mkdirSync(hostDir);
    since = Math.floor(Date.now() / 1000) - 1;
    await dockerOk(
      [
        'create',
        '--name',
        NAME,
        '-e',
        `PASSWORD=${SECRET}`,
        '-e',
        'PLAIN=visible',
        '-v',
        `${hostDir}:/data:ro`,
        '--label',
        'db.password=labelled-secret',
        '--label',
        'app=web',
        BUSYBOX_IMAGE,
        'true',
      ],
      engine.endpoint,
    );
    await dockerOk(['commit', '--change', `ENV API_TOKEN=${SECRET}`, NAME, IMAGE_WITH_ENV], engine.endpoint);
    await dockerOk(['volume', 'create', '--driver', 'local', '--opt', 'type=cifs', '--opt', 'device=//files/share', '--opt', `o=username=u,password=${SECRET}`, VOLUME], engine.endpoint);
    readOnly = await startGatewayInFront(engine, { profile: 'read-only' });
    teardown.add(() => readOnly.stopRunning());
    const dir = teardown.tempDir('/tmp/dockgate-redact-');
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    withLabels = await startGateway({
      upstream: engine.socketPath,
      listen: [`unix://${join(dir, 'gw.sock')}`],
      auditLog: join(dir, 'audit.jsonl'),
      args: ['--policy', join(dir, 'policy.yaml')],
    });
    teardown.add(() => withLabels.stopRunning());
  });

  test('docker inspect: the engine shows the values; through the read-only gateway only the names, and <redacted> sources', async () => {
    const direct = JSON.parse(await dockerOk(['inspect', NAME], engine.endpoint)) as Inspected[];
    assert.ok(direct[0]!.Config.Env.includes(`PASSWORD=${SECRET}`), 'the engine itself shows the value');
    assert.ok(direct[0]!.HostConfig.Binds.includes(`${hostDir}:/data:ro`));

    const text = await dockerOk(['inspect', NAME], readOnly.unix);
    assert.ok(!text.includes(SECRET), 'the value never reaches the read-only client');
    assert.ok(!text.includes(hostDir), 'nor the host path');
    const viaGateway = JSON.parse(text) as Inspected[];
    const { Config, HostConfig, Mounts } = viaGateway[0]!;
    assert.ok(Config.Env.includes('PASSWORD=<redacted>') && Config.Env.includes('PLAIN=<redacted>'), Config.Env.join(' '));
    assert.deepEqual(HostConfig.Binds, ['<redacted>:/data:ro']);
    assert.deepEqual(
      Mounts.map((m) => [m.Source, m.Destination]),
      [['<redacted>', '/data']],
    );
    // The read-only profile leaves labels: dashboards are configured by them.
    assert.equal(Config.Labels['db.password'], 'labelled-secret');
    // Everything else is the engine's answer: the same document once the redacted values are put back.
    const restored = structuredClone(viaGateway[0]!);
    restored.Config.Env = direct[0]!.Config.Env;
    restored.HostConfig.Binds = direct[0]!.HostConfig.Binds;
    restored.Mounts = direct[0]!.Mounts;
    assert.deepEqual(restored, direct[0]);

    const { trail, complete } = await waitForAuditTrail(readOnly.auditLog, 0, (records) => records.some((r) => r.operation === 'container.inspect' && r.phase === 'done'));
    assert.ok(complete, 'the inspect has its done record');
    const record = trail.records.find((r) => r.operation === 'container.inspect' && r.phase === 'done') as unknown as { redacted?: Record<string, number> };
    assert.deepEqual(record.redacted, { env: Config.Env.filter((e) => e.includes('=')).length, mounts: 2, secrets: 0 });
  });

  test('docker ps --no-trunc --format json: mounts listed as <redacted> through the gateway, as the host path directly', async () => {
    const direct = await dockerOk(['ps', '-a', '--no-trunc', '--format', 'json'], engine.endpoint);
    assert.ok(direct.includes(hostDir), 'the engine lists the bind by its host path');
    const viaGateway = await dockerOk(['ps', '-a', '--no-trunc', '--format', 'json'], readOnly.unix);
    assert.ok(!viaGateway.includes(hostDir));
    const row = JSON.parse(viaGateway.trim()) as { Names: string; Mounts: string; Labels: string };
    assert.equal(row.Names, NAME);
    assert.equal(row.Mounts, '<redacted>');
    assert.match(row.Labels, /app=web/);
  });

  test('the dockerode SDK reads the redacted answers as JSON like any other', async () => {
    const sdk = new Docker({ socketPath: readOnly.unix.host.replace(/^unix:\/\//, '') });
    const inspected = await sdk.getContainer(NAME).inspect();
    assert.ok(inspected.Config.Env.includes('PASSWORD=<redacted>'));
    assert.ok(!JSON.stringify(inspected).includes(SECRET));
    const listed = await sdk.listContainers({ all: true });
    assert.deepEqual(
      listed.map((c) => c.Mounts.map((m) => m.Source)),
      [['<redacted>']],
    );
  });

  test('a rule that redacts labels by pattern: inspect and the events attributes carry <redacted> for them only', async () => {
    const endpoint = withLabels.unix!;
    const inspected = (JSON.parse(await dockerOk(['inspect', NAME], endpoint)) as Inspected[])[0]!;
    assert.equal(inspected.Config.Labels['db.password'], '<redacted>');
    assert.equal(inspected.Config.Labels.app, 'web');
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const eventsArgs = ['events', '--since', String(since), '--until', until, '--filter', 'type=container', '--format', '{{json .}}'];
    const direct = await dockerOk(eventsArgs, engine.endpoint);
    assert.ok(direct.includes('labelled-secret'), 'the engine reports the label in the create event');
    const viaGateway = await dockerOk(eventsArgs, endpoint);
    assert.ok(!viaGateway.includes('labelled-secret'));
    const created = viaGateway
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { Action: string; Actor: { Attributes: Record<string, string> } })
      .find((e) => e.Action === 'create');
    assert.equal(created?.Actor.Attributes['db.password'], '<redacted>');
    assert.equal(created?.Actor.Attributes.app, 'web');
    assert.equal(created?.Actor.Attributes.name, NAME);
  });

  test("image env, image history and a volume's mount credentials: shown by the engine, <redacted> through the read-only gateway", async () => {
    for (const args of [
      ['image', 'inspect', IMAGE_WITH_ENV],
      ['history', '--no-trunc', IMAGE_WITH_ENV],
      ['volume', 'inspect', VOLUME],
      ['volume', 'ls', '--format', '{{json .}}'],
    ]) {
      const direct = await dockerOk(args, engine.endpoint);
      const viaGateway = await dockerOk(args, readOnly.unix);
      if (args[1] === 'inspect') assert.ok(direct.includes(SECRET), `the engine shows it: docker ${args.join(' ')}`);
      assert.ok(!viaGateway.includes(SECRET), `docker ${args.join(' ')} through the gateway`);
    }
    const image = (JSON.parse(await dockerOk(['image', 'inspect', IMAGE_WITH_ENV], readOnly.unix)) as { Config: { Env: string[] } }[])[0]!;
    assert.ok(image.Config.Env.includes('API_TOKEN=<redacted>'), image.Config.Env.join(' '));
    const volume = (JSON.parse(await dockerOk(['volume', 'inspect', VOLUME], readOnly.unix)) as { Name: string; Options: Record<string, string> }[])[0]!;
    assert.deepEqual(volume.Options, { type: '<redacted>', device: '<redacted>', o: '<redacted>' });
    assert.equal(volume.Name, VOLUME);
  });
});
