// The reading of JSON bodies held against the real engine. For every container create body dockgate
// accepts, the engine is sent both the client's original bytes and dockgate's canonical serialisation:
// both must give the same container (or the same error), and what dockgate judged (privileged, binds,
// capabilities, user, labels) must be what the engine applied. For the spellings of FIELD-NOTES section 3
// (case variants, ſ, repeated keys, root-level HostConfig fields, lone surrogates), the engine is shown to
// apply what a naive JSON.parse reading would miss, and dockgate's canonical form to carry exactly that.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { applyLegacyRoot, readJudgedBody, serializeJudgedBody } from '../../src/inspect/inspect-body.js';
import { parseApiVersion } from '../../src/route/api-version.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { startEngine, type Engine } from '../support/engine.js';

const HOOK_TIMEOUT_MS = 120_000;
/** The private engine (20.10) speaks API 1.41, so it applies root-level HostConfig fields. */
const ENGINE_API = parseApiVersion('1.41', '1.41');

/** dockgate's reading of a create body for this engine. */
function judge(body: Buffer): unknown {
  return applyLegacyRoot(readJudgedBody('container.create', body, 'application/json'), ENGINE_API).value;
}

interface EngineAnswer {
  status: number;
  body: string;
}

/** One request to the engine's own socket with exactly these body bytes. */
function send(engine: Engine, method: string, path: string, body?: Buffer): Promise<EngineAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: engine.socketPath,
        method,
        path,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': body.length },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.on('error', reject);
    req.end(body);
  });
}

interface Inspected {
  Config: Record<string, unknown>;
  HostConfig: Record<string, unknown>;
}

/** Creates a container from `body` and returns its inspection (then removes it), or the engine's error. */
async function createAndInspect(engine: Engine, body: Buffer): Promise<{ created: Inspected } | { error: EngineAnswer }> {
  const created = await send(engine, 'POST', '/v1.41/containers/create', body);
  if (created.status !== 201) return { error: created };
  const { Id } = JSON.parse(created.body) as { Id: string };
  const inspected = await send(engine, 'GET', `/v1.41/containers/${Id}/json`);
  await send(engine, 'DELETE', `/v1.41/containers/${Id}?force=1&v=1`);
  assert.equal(inspected.status, 200, inspected.body);
  return { created: JSON.parse(inspected.body) as Inspected };
}

const CONFIG_FIELDS = ['User', 'Env', 'Cmd', 'Entrypoint', 'Labels', 'ExposedPorts', 'Volumes', 'WorkingDir', 'StopSignal', 'StopTimeout', 'Healthcheck', 'Tty', 'OpenStdin'];
const HOST_CONFIG_FIELDS = [
  'Binds',
  'Privileged',
  'CapAdd',
  'CapDrop',
  'MaskedPaths',
  'ReadonlyPaths',
  'Memory',
  'MemorySwap',
  'NanoCpus',
  'PidsLimit',
  'SecurityOpt',
  'Tmpfs',
  'Sysctls',
  'PortBindings',
  'NetworkMode',
  'PidMode',
  'IpcMode',
  'UTSMode',
  'UsernsMode',
  'CgroupnsMode',
  'Devices',
  'Ulimits',
  'Mounts',
  'ReadonlyRootfs',
  'RestartPolicy',
  'Init',
  'LogConfig',
  'VolumesFrom',
  'GroupAdd',
  'ExtraHosts',
  'Dns',
];

function pick(source: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, source[field]]));
}

const ACCEPTED_BODIES: Record<string, string> = {
  'an escaped key naming the exact field (Privileg\\u0065d)': `{"Image":"${BUSYBOX_IMAGE}","HostConfig":{"Privileg\\u0065d":true}}`,
  'strslice strings for Cmd, CapAdd and CapDrop': `{"Image":"${BUSYBOX_IMAGE}","Cmd":"true","HostConfig":{"CapAdd":"NET_ADMIN","CapDrop":"MKNOD"}}`,
  'nulls for pointer and slice fields, and an emptied MaskedPaths': `{"Image":"${BUSYBOX_IMAGE}","Entrypoint":null,"Env":null,"HostConfig":{"Binds":null,"CapAdd":null,"MaskedPaths":[],"ReadonlyPaths":null,"OomKillDisable":null}}`,
  'escaped and non-ASCII strings, and a label named __proto__': `{"Image":"${BUSYBOX_IMAGE}","User":"10\\u0030","Labels":{"__proto__":"p","\\u00e9t\\u00e9":"\\ud83d\\ude00","a.b":"\\"q\\"\\/"},"Env":["A=\\u2028\\t"]}`,
  'integers of several Go types, and binds': `{"Image":"${BUSYBOX_IMAGE}","StopTimeout":7,"HostConfig":{"Binds":["/tmp:/host:ro"],"Memory":67108864,"MemorySwap":-1,"NanoCpus":500000000,"PidsLimit":100,"BlkioWeight":300,"ShmSize":1048576}}`,
};

function cliCreateBodies(): Record<string, string> {
  const bodies: Record<string, string> = {};
  for (const file of ['docker-cli-28.2.2-api-1.41.json', 'docker-cli-20.10.24-api-1.41.json']) {
    const set = JSON.parse(readFileSync(new URL(`../fixtures/cli-bodies/${file}`, import.meta.url), 'utf8')) as {
      requests: { command: string; target: string; body: string }[];
    };
    for (const request of set.requests) {
      if (!request.target.includes('/containers/create')) continue;
      // The captured bodies name `busybox`, which the private engine lacks, and bind /srv/data, which this
      // machine may lack; the engine would refuse both before reading the rest.
      bodies[`${file}: ${request.command}`] = request.body.replace('"Image":"busybox"', `"Image":"${BUSYBOX_IMAGE}"`).replace('"Source":"/srv/data"', '"Source":"/tmp"');
    }
  }
  return bodies;
}

describe('JSON bodies are read like the engine reads them', { timeout: 10 * 60_000 }, () => {
  let engine: Engine;
  /** Accepted bodies the engine created a container from (the others it refused, alike in both forms). */
  const createdFrom: string[] = [];

  before(
    async () => {
      engine = await startEngine();
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  after(
    async () => {
      await engine?.stop();
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  for (const [what, text] of Object.entries({ ...ACCEPTED_BODIES, ...cliCreateBodies() })) {
    test(`accepted, and its canonical form means the same to the engine: ${what}`, async () => {
      const original = Buffer.from(text, 'utf8');
      const judged = judge(original) as {
        User?: string;
        Labels?: Record<string, string>;
        HostConfig?: { Privileged?: boolean; Binds?: string[]; CapAdd?: string[] };
      };
      const canonical = serializeJudgedBody(judged);
      const fromOriginal = await createAndInspect(engine, original);
      const fromCanonical = await createAndInspect(engine, canonical);
      if ('error' in fromOriginal) {
        assert.deepEqual(fromCanonical, fromOriginal, `${what}: the engine refused the original; the canonical form must be refused alike`);
        return;
      }
      assert.ok('created' in fromCanonical, `${what}: the canonical form was refused: ${JSON.stringify(fromCanonical)}`);
      createdFrom.push(what);
      const a = fromOriginal.created;
      const b = fromCanonical.created;
      assert.deepEqual(pick(b.Config, CONFIG_FIELDS), pick(a.Config, CONFIG_FIELDS), `${what}: Config differs`);
      assert.deepEqual(pick(b.HostConfig, HOST_CONFIG_FIELDS), pick(a.HostConfig, HOST_CONFIG_FIELDS), `${what}: HostConfig differs`);
      // And the engine applied what dockgate judged.
      assert.equal(b.HostConfig.Privileged, judged.HostConfig?.Privileged ?? false, `${what}: Privileged`);
      assert.deepEqual(b.HostConfig.Binds, judged.HostConfig?.Binds ?? null, `${what}: Binds`);
      assert.deepEqual(b.HostConfig.CapAdd, judged.HostConfig?.CapAdd ?? null, `${what}: CapAdd`);
      assert.equal(b.Config.User, judged.User ?? '', `${what}: User`);
      assert.deepEqual(b.Config.Labels, judged.Labels ?? {}, `${what}: Labels`);
    });
  }

  test('most accepted bodies were compared on a created container, not only on an error', () => {
    assert.ok(createdFrom.length >= Object.keys(ACCEPTED_BODIES).length + 4, `created from: ${createdFrom.join('; ')}`);
  });

  const READ_AS_GO_READS_THEM: Record<string, [string, (inspected: Inspected) => boolean]> = {
    'a lower-case hostconfig/privileged': [`{"Image":"${BUSYBOX_IMAGE}","hostconfig":{"privileged":true}}`, (i) => i.HostConfig.Privileged === true],
    'a second spelling of Privileged after the first': [`{"Image":"${BUSYBOX_IMAGE}","HostConfig":{"Privileged":false,"PRIVILEGED":true}}`, (i) => i.HostConfig.Privileged === true],
    'a repeated HostConfig (the engine merges both)': [
      `{"Image":"${BUSYBOX_IMAGE}","HostConfig":{"Privileged":true},"HostConfig":{"Binds":["/tmp:/host"]}}`,
      (i) => i.HostConfig.Privileged === true && JSON.stringify(i.HostConfig.Binds) === '["/tmp:/host"]',
    ],
    'Binds spelled with U+017F': [`{"Image":"${BUSYBOX_IMAGE}","HostConfig":{"Bind\u017f":["/tmp:/host"]}}`, (i) => JSON.stringify(i.HostConfig.Binds) === '["/tmp:/host"]'],
    'root-level Privileged without HostConfig': [`{"Image":"${BUSYBOX_IMAGE}","Privileged":true}`, (i) => i.HostConfig.Privileged === true],
    'root-level Binds beside a null HostConfig': [`{"Image":"${BUSYBOX_IMAGE}","HostConfig":null,"Binds":["/tmp:/host"]}`, (i) => JSON.stringify(i.HostConfig.Binds) === '["/tmp:/host"]'],
    'a lone surrogate in User (the engine reads U+FFFD)': [`{"Image":"${BUSYBOX_IMAGE}","User":"\\ud800"}`, (i) => i.Config.User === '\ufffd'],
    'root-level Memory beside a HostConfig that leaves it zero': [
      `{"Image":"${BUSYBOX_IMAGE}","HostConfig":{"Privileged":false},"Memory":67108864,"Privileged":true}`,
      (i) => i.HostConfig.Memory === 67108864 && i.HostConfig.Privileged === false,
    ],
    'a repeated Mounts list whose second element decodes into the first': [
      `{"Image":"${BUSYBOX_IMAGE}","HostConfig":{"Mounts":[{"Type":"bind","Source":"/tmp"}],"Mounts":[{"Target":"/host"}]}}`,
      (i) => JSON.stringify(i.HostConfig.Mounts) === '[{"Type":"bind","Source":"/tmp","Target":"/host"}]',
    ],
    'an unknown field and a null pointer after a value': [
      `{"Image":"${BUSYBOX_IMAGE}","Container":"x","HostConfig":{"Init":true,"Init":null,"Privileged":true,"Privileged":null}}`,
      (i) => (i.HostConfig.Init ?? null) === null && i.HostConfig.Privileged === true,
    ],
  };

  for (const [what, [text, engineApplied]] of Object.entries(READ_AS_GO_READS_THEM)) {
    test(`read as the engine reads it, and its canonical form applies the same: ${what}`, async () => {
      const original = Buffer.from(text, 'utf8');
      const canonical = serializeJudgedBody(judge(original));
      const direct = await createAndInspect(engine, original);
      const throughCanonical = await createAndInspect(engine, canonical);
      assert.ok('created' in direct, `${what}: the engine refused it itself: ${JSON.stringify(direct)}`);
      assert.ok('created' in throughCanonical, `${what}: the engine refused the canonical form ${canonical.toString()}: ${JSON.stringify(throughCanonical)}`);
      assert.ok(
        engineApplied(direct.created),
        `${what}: the engine did not apply it as expected: ${JSON.stringify(pick(direct.created.HostConfig, ['Privileged', 'Binds', 'Mounts', 'Init']))}`,
      );
      assert.ok(engineApplied(throughCanonical.created), `${what}: the canonical form ${canonical.toString()} means something else to the engine`);
      assert.deepEqual(pick(throughCanonical.created.HostConfig, HOST_CONFIG_FIELDS), pick(direct.created.HostConfig, HOST_CONFIG_FIELDS), `${what}: HostConfig differs`);
      assert.deepEqual(pick(throughCanonical.created.Config, CONFIG_FIELDS), pick(direct.created.Config, CONFIG_FIELDS), `${what}: Config differs`);
    });
  }

  test('a second JSON value is ignored by the engine (it reads the first only), so dockgate refuses it', async () => {
    const text = `{"Image":"${BUSYBOX_IMAGE}"} {"HostConfig":{"Privileged":true}}`;
    assert.throws(() => readJudgedBody('container.create', Buffer.from(text), undefined), /data follows the JSON value/);
    const direct = await createAndInspect(engine, Buffer.from(text));
    assert.ok('created' in direct, JSON.stringify(direct));
    assert.equal(direct.created.HostConfig.Privileged, false);
  });
});
