// `dockgate check` judges the requests it expects `docker-compose up` to send; this holds that expectation
// to the real thing. Debian's docker-compose (Compose 1.29) brings a project up (two -f files, .env
// interpolation, a merge key, extends from another file, an active and an inactive profile, and the
// security-relevant keys) on a private engine through a relay that keeps the create requests as they
// arrive; composeRequests, given the same files, name, profile and environment, must expect exactly those
// creates, in that order, with the same bodies. Only what no file sets is left out of the comparison:
// Compose's config hash and the files it names in its labels, and the order of what Compose keeps in a
// Python set (network aliases, a service's binds and mounts).
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { composeRequests } from '../../src/check/compose/compose-requests.js';
import { compose, composeDown, type ComposeProject } from '../support/compose.js';
import { startEngine, type Engine } from '../support/engine.js';
import { startRecordingRelay, type RecordingRelay } from '../support/recording-relay.js';
import { useTeardown } from '../support/teardown.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'compose', 'shop');

/** Compose's own labels that no compose file sets: they name the files, the directory and a hash of the config. */
const UNSET_BY_FILES = ['com.docker.compose.config-hash', 'com.docker.compose.project.config_files', 'com.docker.compose.project.working_dir', 'com.docker.compose.project.environment_file'];

function comparable(body: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  const labels = copy['Labels'] as Record<string, string> | undefined;
  for (const label of UNSET_BY_FILES) delete labels?.[label];
  const endpoints = (copy['NetworkingConfig'] as { EndpointsConfig?: Record<string, { Aliases?: string[] }> } | undefined)?.EndpointsConfig ?? {};
  for (const endpoint of Object.values(endpoints)) endpoint.Aliases?.sort();
  // Compose passes a service's volumes through a Python set before splitting them into binds and mounts.
  const host = copy['HostConfig'] as { Binds?: string[]; Mounts?: unknown[] } | undefined;
  host?.Binds?.sort();
  host?.Mounts?.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return copy;
}

describe('the creates composeRequests expects are the ones docker-compose 1.29 sends', { timeout: 2 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let relay: RecordingRelay;
  let project: ComposeProject;
  let dir: string;

  before(async () => {
    engine = await startEngine();
    teardown.add(() => engine.stop());
    relay = await startRecordingRelay(engine.socketPath, engine.dir, /\/(containers|volumes|networks)\/create(\?|$)/);
    teardown.add(() => relay.close());
    dir = join(teardown.tempDir('/tmp/dgcompose-'), 'shop');
    cpSync(FIXTURE, dir, { recursive: true });
    project = { name: 'shop', files: [join(dir, 'docker-compose.yml'), join(dir, 'override.yml')], env: { DATA_DIR: join(dir, 'data'), FOO: '' } };
    teardown.add(() => composeDown(relay.endpoint, project));
  });

  test('up with the debug profile: the same network, volume and container creates, with the same bodies', async () => {
    await compose(relay.endpoint, project, ['--profile', 'debug', 'up', '-d', '--no-build']);
    const expected = composeRequests({ files: project.files, projectName: project.name, profiles: ['debug'], env: project.env });
    // Compose creates independent services in parallel (and orders the services of several files by a
    // Python set), so requests are compared by what they create, not by when.
    const key = (r: { method: string; path: string; body?: unknown }): string => `${r.method} ${r.path.replace(/^\/v[\d.]+/, '')} ${String((r.body as { Name?: string }).Name ?? '')}`;
    const sent = new Map(relay.recorded.map((r) => [key(r), comparable(r.body)]));
    const ours = new Map(expected.map((r) => [key(r), comparable(r.body)]));
    assert.equal(sent.size, 6, `the default network, two volumes, three containers (tools is in no active profile): ${[...sent.keys()].join(', ')}`);
    assert.deepEqual([...ours.keys()].sort(), [...sent.keys()].sort());
    for (const [what, body] of sent) assert.deepEqual(ours.get(what), body, `${what}:\n ours ${JSON.stringify(ours.get(what))}\n sent ${JSON.stringify(body)}`);
  });
});
