// Owners on the real engine, lists, prunes and commit (docs/owners-design.md, section 6): two unix users on
// one gateway socket, each its own owner, each with containers, volumes and networks, beside objects made on
// the engine directly (no owner). `docker ps -a`, `volume ls` and `network ls` of one never show the other's
// names or ids, nor the unowned ones; the client's own filters still apply; a prune removes only the
// owner's objects (the engine, asked directly, still has the rest); a commit of the other's container is
// answered as the engine answers for a missing one and changes nothing, and one of its own tags only a free reference; raw HTTP with the legacy filter
// form gets the same filtering as the CLI.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { docker, dockerOk } from '../support/docker-cli.js';
import { dockerAsUser, runAsUser } from '../support/docker-as-user.js';
import type { Engine } from '../support/engine.js';
import { startTwoUsers } from '../support/owners-rig.js';
import { useTeardown } from '../support/teardown.js';

const ALICE = 1000;
const BOB = 65534;

/** Subnets given (benchmarking addresses, RFC 2544), not taken from the engine's pools, which other engines on the host may hold. */
const SUBNETS: Record<string, string> = { alice: '198.19.201.0/24', bob: '198.19.202.0/24', legacy: '198.19.203.0/24' };

/** Each user's objects, named after the user: a running container with a volume in use, a stopped one, an unused volume, a network. */
interface Objects {
  readonly names: readonly string[];
  readonly ids: readonly string[];
}

describe('owners: lists and prunes show only the owner’s own objects', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown(60_000);
  let engine: Engine;
  let host: string;
  let socket: string;
  let homes: ReadonlyMap<number, string>;
  const made = new Map<string, Objects>();

  const as = (uid: number, ...args: string[]) => dockerAsUser(uid, args, host, homes.get(uid)!);
  const asOk = async (uid: number, ...args: string[]): Promise<string> => {
    const result = await as(uid, ...args);
    assert.equal(result.code, 0, `${uid}: docker ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const direct = (...args: string[]) => dockerOk(args, engine.endpoint);
  /** Raw HTTP as `uid`, not the CLI: curl on the gateway's socket; the status code on the last line. */
  const curlAs = async (uid: number, method: string, path: string): Promise<{ status: number; body: string }> => {
    const result = await runAsUser(uid, ['curl', '-s', '-X', method, '-w', '\n%{http_code}', '--unix-socket', socket, `http://docker/v1.41${path}`]);
    assert.equal(result.code, 0, result.stderr);
    const at = result.stdout.lastIndexOf('\n');
    return { status: Number(result.stdout.slice(at + 1)), body: result.stdout.slice(0, at) };
  };

  async function makeObjects(uid: number, who: string): Promise<Objects> {
    // Made first: a volume the engine makes for a bind is unlabelled yet (docs/owners-design.md, "What remains" 1).
    await asOk(uid, 'volume', 'create', `${who}-used`);
    const web = (await asOk(uid, 'run', '-d', '--name', `${who}-web`, '-v', `${who}-used:/data`, BUSYBOX_IMAGE, 'sleep', '300')).trim();
    const old = (await asOk(uid, 'create', '--name', `${who}-old`, BUSYBOX_IMAGE, 'true')).trim();
    await asOk(uid, 'volume', 'create', `${who}-data`);
    const net = (await asOk(uid, 'network', 'create', '--subnet', SUBNETS[who]!, `${who}-net`)).trim();
    return { names: [`${who}-web`, `${who}-old`, `${who}-used`, `${who}-data`, `${who}-net`], ids: [web, old, net] };
  }

  /** Everything one client sees of containers, volumes and networks, as the CLI prints it in full. */
  async function everythingSeenBy(uid: number): Promise<string> {
    return [await asOk(uid, 'ps', '-a', '--no-trunc'), await asOk(uid, 'volume', 'ls'), await asOk(uid, 'network', 'ls', '--no-trunc')].join('\n');
  }

  function assertShowsNone(output: string, objects: Objects, what: string): void {
    for (const token of [...objects.names, ...objects.ids, ...objects.ids.map((id) => id.slice(0, 12))]) {
      assert.ok(!output.includes(token), `${what} shows ${token}:\n${output}`);
    }
  }

  before(
    async () => {
      // busybox:test has no owner: usable only where images are shared.
      ({ engine, socket, host, homes } = await startTwoUsers(teardown, { shared: ['images'] }));
      made.set('alice', await makeObjects(ALICE, 'alice'));
      made.set('bob', await makeObjects(BOB, 'bob'));
      // Objects of nobody: made on the engine itself, before owners, by an operator.
      const legacy = (await direct('create', '--name', 'legacy-box', BUSYBOX_IMAGE, 'true')).trim();
      await direct('volume', 'create', 'legacy-data');
      const legacyNet = (await direct('network', 'create', '--subnet', SUBNETS['legacy']!, 'legacy-net')).trim();
      made.set('legacy', { names: ['legacy-box', 'legacy-data', 'legacy-net'], ids: [legacy, legacyNet] });
    },
    { timeout: 120_000 },
  );

  test('ps -a, volume ls and network ls show each owner its own objects and nothing of the other’s or of nobody’s', async () => {
    for (const [uid, own, others] of [
      [ALICE, 'alice', ['bob', 'legacy']],
      [BOB, 'bob', ['alice', 'legacy']],
    ] as const) {
      const seen = await everythingSeenBy(uid);
      for (const name of made.get(own)!.names) assert.ok(seen.includes(name), `${own} sees its own ${name}:\n${seen}`);
      for (const id of made.get(own)!.ids) assert.ok(seen.includes(id), `${own} sees its own ${id}`);
      for (const other of others) assertShowsNone(seen, made.get(other)!, `${own}'s lists`);
    }
    // The engine itself has all of them: the lists were filtered, not the objects missing.
    const all = await direct('ps', '-a', '--format', '{{.Names}}');
    for (const name of ['alice-web', 'bob-web', 'legacy-box']) assert.ok(all.includes(name));
  });

  test('the client’s own filters still apply within its objects, and a filter on the other owner’s label finds nothing', async () => {
    const names = async (uid: number, ...args: string[]) => (await asOk(uid, ...args)).trim().split('\n').filter(Boolean).sort();
    assert.deepEqual(await names(ALICE, 'ps', '-a', '--filter', 'name=web', '--format', '{{.Names}}'), ['alice-web']);
    assert.deepEqual(await names(ALICE, 'ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}'), ['alice-old']);
    assert.deepEqual(await names(ALICE, 'ps', '--format', '{{.Names}}'), ['alice-web'], 'without -a: the running ones');
    assert.deepEqual(await names(ALICE, 'volume', 'ls', '-q', '--filter', 'dangling=true'), ['alice-data']);
    assert.deepEqual(await names(ALICE, 'volume', 'ls', '-q', '--filter', 'dangling=false'), ['alice-used']);
    assert.deepEqual(await names(ALICE, 'network', 'ls', '--filter', 'name=net', '--format', '{{.Name}}'), ['alice-net']);
    assert.deepEqual(await names(ALICE, 'ps', '-a', '--filter', `label=dockgate.owner=${BOB}`, '--format', '{{.Names}}'), []);
    assert.deepEqual(await names(ALICE, 'volume', 'ls', '-q', '--filter', `label=dockgate.owner=${BOB}`), []);
    // before/since name a boundary container: the owner's own, forwarded by full id; another owner's is refused
    // in the same words as a missing one (it would tell when that one was made, or that it exists).
    assert.deepEqual(await names(ALICE, 'ps', '-a', '--filter', 'before=alice-old', '--format', '{{.Names}}'), ['alice-web']);
    assert.deepEqual(await names(ALICE, 'ps', '-a', '--filter', 'since=alice-web', '--format', '{{.Names}}'), ['alice-old']);
    for (const ref of ['bob-web', 'no-such-container']) {
      const boundary = await as(ALICE, 'ps', '-a', '--filter', `since=${ref}`);
      assert.notEqual(boundary.code, 0, ref);
      assert.equal(
        boundary.stderr.replaceAll(ref, 'REF'),
        `Error response from daemon: dockgate: container.list (GET /containers/json) denied by policy.tenants: filters.since: names "REF", which is no container of the owner "${ALICE}". Name only containers created by this owner, the owner rule "tenants" gives this client, by full id or name\n`,
      );
    }
  });

  test('a client that is not the CLI, sending the legacy filter form over raw HTTP, gets the same filtering', async () => {
    const containers = await curlAs(BOB, 'GET', `/containers/json?all=1&filters=${encodeURIComponent('{"name":["web","old"]}')}`);
    assert.equal(containers.status, 200, containers.body);
    assert.deepEqual((JSON.parse(containers.body) as Array<{ Names: string[] }>).map((c) => c.Names[0]).sort(), ['/bob-old', '/bob-web']);
    const volumes = await curlAs(BOB, 'GET', `/volumes?filters=${encodeURIComponent('{"dangling":["true"]}')}`);
    assert.deepEqual(
      (JSON.parse(volumes.body) as { Volumes: Array<{ Name: string }> }).Volumes.map((v) => v.Name),
      ['bob-data'],
    );
    const networks = await curlAs(BOB, 'GET', '/networks');
    assert.deepEqual(
      (JSON.parse(networks.body) as Array<{ Name: string }>).map((n) => n.Name),
      ['bob-net'],
    );
    for (const answer of [containers, volumes, networks]) assertShowsNone(answer.body, made.get('alice')!, "bob's raw HTTP lists");
    // Filters the engine cannot read are refused, as the engine refuses them.
    const unreadable = await curlAs(BOB, 'GET', `/containers/json?filters=${encodeURIComponent('["web"]')}`);
    assert.equal(unreadable.status, 400);
    assert.match(JSON.parse(unreadable.body).message as string, /query parameter "filters" denied by query\.canonical: the engine cannot read it as filters/);
  });

  test('a commit of the other owner’s container is answered as a missing one and changes nothing; the owner commits its own', async () => {
    const images = async () => (await direct('images', '-aq', '--no-trunc')).trim();
    const imagesBefore = await images();
    const missing = await docker(['commit', 'no-such-container'], engine.endpoint);
    assert.notEqual(missing.code, 0);
    for (const ref of ['alice-web', made.get('alice')!.ids[0]!.slice(0, 12)]) {
      const foreign = await as(BOB, 'commit', ref);
      assert.equal(foreign.code, missing.code, foreign.stderr);
      assert.equal(foreign.stderr, missing.stderr.replaceAll('no-such-container', ref), `bob's commit of ${ref} reads as a missing container`);
    }
    assert.equal(await images(), imagesBefore, 'no image was made');
    assert.equal((await direct('inspect', '--format', '{{.State.Running}} {{.State.Paused}}', 'alice-web')).trim(), 'true false', 'alice-web never paused');

    const committed = (await asOk(ALICE, 'commit', 'alice-web')).trim();
    assert.equal((await direct('image', 'inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', committed)).trim(), String(ALICE), 'the image keeps its container’s owner');
    // A commit's tag is owned like any tag (docs/owners-design.md, "What remains" 5): a free one is made, with the owner's label.
    const tagged = await as(ALICE, 'commit', 'alice-web', 'alice-snapshot:1');
    assert.equal(tagged.code, 0, tagged.stderr);
    assert.equal((await direct('image', 'inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', 'alice-snapshot:1')).trim(), String(ALICE));
    const moved = await as(ALICE, 'commit', 'alice-web', BUSYBOX_IMAGE);
    assert.notEqual(moved.code, 0, 'a commit does not move a reference to an image of no owner');
    assert.match(moved.stderr, /denied by policy\.tenants: \?repo "[^"]*busybox:test" points at an image that has no owner/);
  });

  test('prunes remove only the owner’s objects: the engine, asked directly, still has the other’s and nobody’s', async () => {
    await asOk(BOB, 'rm', '-f', 'bob-web');
    const containerPrune = await asOk(BOB, 'container', 'prune', '-f');
    assert.match(containerPrune, new RegExp(made.get('bob')!.ids[1]!));
    await asOk(BOB, 'volume', 'prune', '-f');
    await asOk(BOB, 'network', 'prune', '-f');
    const containers = await direct('ps', '-a', '--format', '{{.Names}}');
    const volumes = await direct('volume', 'ls', '-q');
    const networks = await direct('network', 'ls', '--format', '{{.Name}}');
    for (const name of ['alice-web', 'alice-old', 'legacy-box']) assert.ok(containers.includes(name), `${name} is left:\n${containers}`);
    for (const name of ['alice-data', 'alice-used', 'legacy-data']) assert.ok(volumes.includes(name), `${name} is left:\n${volumes}`);
    for (const name of ['alice-net', 'legacy-net']) assert.ok(networks.includes(name), `${name} is left:\n${networks}`);
    assert.ok(!containers.includes('bob-old'), 'bob’s stopped container was pruned');
    for (const name of ['bob-data', 'bob-used']) assert.ok(!volumes.includes(name), `bob’s unused ${name} was pruned`);
    assert.ok(!networks.includes('bob-net'), 'bob’s network was pruned');
  });
});
