// `dockgate check` judges the requests it expects `docker-compose up` to send; this holds that expectation
// to the real thing. Debian's docker-compose (Compose 1.29) brings projects up on a private engine through a
// relay that keeps the create requests as they arrive: one with two -f files, .env interpolation, a merge
// key, extends from another file, an active and an inactive profile and the security-relevant keys; one in
// the 2.x format with links, volumes_from, the namespaces of other services and networks of its own; one in
// the legacy format. composeRequests, given the same files, name, profiles and environment, must expect
// exactly those creates, with the same bodies. Only what no file sets is left out of the comparison:
// Compose's config hash and the files it names in its labels, the order of what Compose keeps in a Python
// set (network aliases, a service's binds and mounts), and the ids of containers a service refers to,
// which exist only once they are created (dockgate expects their names).
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { composeRequests } from '../../src/check/compose/compose-requests.js';
import { compose, composeDown, type ComposeProject } from '../support/compose.js';
import { dockerOk } from '../support/docker-cli.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startRecordingRelay, type RecordedRequest, type RecordingRelay } from '../support/recording-relay.js';
import { useTeardown } from '../support/teardown.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'compose');

/** Compose's own labels that no compose file sets: they name the files, the directory and a hash of the config. */
const UNSET_BY_FILES = ['com.docker.compose.config-hash', 'com.docker.compose.project.config_files', 'com.docker.compose.project.working_dir', 'com.docker.compose.project.environment_file'];

function comparable(body: unknown, names: ReadonlyMap<string, string>): unknown {
  let text = JSON.stringify(body);
  for (const [id, name] of names) text = text.replaceAll(id, name);
  const copy = JSON.parse(text) as Record<string, unknown>;
  const labels = copy['Labels'] as Record<string, string> | undefined;
  for (const label of UNSET_BY_FILES) delete labels?.[label];
  const endpoints = (copy['NetworkingConfig'] as { EndpointsConfig?: Record<string, { Aliases?: string[] }> } | undefined)?.EndpointsConfig ?? {};
  for (const endpoint of Object.values(endpoints)) endpoint.Aliases?.sort();
  const host = copy['HostConfig'] as { Binds?: string[]; Mounts?: unknown[] } | undefined;
  host?.Binds?.sort();
  host?.Mounts?.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return copy;
}

describe('the creates composeRequests expects are the ones docker-compose 1.29 sends', { timeout: 3 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let relay: RecordingRelay;
  let root: string;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    relay = await startRecordingRelay(engine.socketPath, engine.dir, /\/(containers|volumes|networks)\/create(\?|$)/);
    teardown.add(() => relay.close());
    root = teardown.tempDir('/tmp/dgcompose-');
  });

  /** Brings the fixture `name` up with docker-compose through the relay and compares what arrived with what composeRequests expects. */
  async function upAndCompare(
    name: string,
    files: readonly string[],
    env: Record<string, string> | ((dir: string) => Record<string, string>),
    profiles: readonly string[] = [],
  ): Promise<number> {
    const dir = join(root, name);
    cpSync(join(FIXTURES, name), dir, { recursive: true });
    const project: ComposeProject = { name, files: files.map((f) => join(dir, f)), env: typeof env === 'function' ? env(dir) : env };
    teardown.add(() => composeDown(relay.endpoint, project));
    const first = relay.recorded.length;
    await compose(relay.endpoint, project, [...profiles.flatMap((p) => ['--profile', p]), 'up', '-d', '--no-build']);
    const arrived: RecordedRequest[] = relay.recorded.slice(first);
    const names = new Map(
      (await dockerOk(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.Names}}'], relay.endpoint))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split(' ') as [string, string]),
    );
    const expected = composeRequests({ files: project.files, projectName: name, profiles, env: project.env });
    // Compose creates independent services in parallel (and orders the services of several files by a
    // Python set), so requests are compared by what they create, not by when.
    const key = (r: { method: string; path: string; body?: unknown }): string => `${r.method} ${r.path.replace(/^\/v[\d.]+/, '')} ${String((r.body as { Name?: string }).Name ?? '')}`;
    const sent = new Map(arrived.map((r) => [key(r), comparable(r.body, names)]));
    const ours = new Map(expected.map((r) => [key(r), comparable(r.body, names)]));
    assert.deepEqual([...ours.keys()].sort(), [...sent.keys()].sort());
    for (const [what, body] of sent) assert.deepEqual(ours.get(what), body, `${what}:\n ours ${JSON.stringify(ours.get(what))}\n sent ${JSON.stringify(body)}`);
    return sent.size;
  }

  test('two -f files, .env, extends, profiles and the security keys: the same creates with the same bodies', async () => {
    const creates = await upAndCompare('shop', ['docker-compose.yml', 'override.yml'], (dir) => ({ DATA_DIR: join(dir, 'data'), FOO: '' }), ['debug']);
    assert.equal(creates, 6, 'the default network, two volumes, three containers (tools is in no active profile)');
  });

  test('the 2.x format with links, volumes_from, other services’ namespaces and networks of its own', async () => {
    assert.equal(await upAndCompare('mesh', ['docker-compose.yml'], {}), 7, 'two networks, one volume, four containers (sidecar twice)');
  });

  test('the legacy format', async () => {
    assert.equal(await upAndCompare('legacy', ['docker-compose.yml'], {}), 1, 'one container, no network, no volume');
  });
});
