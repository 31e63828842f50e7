// `dockgate serve --compat docker-socket-proxy`: every variable, on and off, alone and with POST=1 and
// CONTAINERS=1, against representative requests (docs/socket-proxy-compat-research.md §5.2, extended so
// that each variable has a request of its own, read and write), judged by the library judge() with the
// compat policy, and compared with what the image's own HAProxy rules let through (test/support/
// socket-proxy-model.ts), for Tecnativa's and LinuxServer's images. The two may differ only where an
// exception below says so, each with its reason; every exception must be met at least once, and dockgate
// never lets through what the proxy refuses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judge, type JudgeResult } from '../../src/decide/library-judge.js';
import type { Identity } from '../../src/identify/identity.js';
import { LINUXSERVER_SWITCHES, readSocketProxyEnvironment, SWITCH_VARIABLES } from '../../src/policy/socket-proxy-environment.js';
import { COMPAT_RULE, socketProxyPolicy } from '../../src/policy/socket-proxy-policy.js';
import { fakeEngine, plainContainer } from '../support/fake-engine.js';
import { proxyAllows, type Flavour, type On } from '../support/socket-proxy-model.js';
import { tarArchive } from '../support/tar-builder.js';

const CLIENT: Identity = { kind: 'tcp', listener: 'tcp://eth0:2375?allow=subnet', address: '172.18.0.7:40000' };
const abc = plainContainer('abc');
const engine = fakeEngine({
  containers: [abc],
  execs: [{ ID: 'e1', ContainerID: abc.Id }],
  images: [{ Id: 'sha256:2222', Config: {}, names: ['alpine', 'alpine:latest'] }],
});

interface Row {
  /** The research's row number, or E for the edge rows, X for rows added here. */
  id: string;
  method: string;
  path: string;
  body?: unknown;
  contentType?: string;
}

const JSON_TYPE = 'application/json';
const TAR = 'application/x-tar';
const context = tarArchive([{ name: 'Dockerfile', data: 'FROM alpine\n' }]);

const ROWS: readonly Row[] = [
  { id: '1', method: 'GET', path: '/_ping' },
  { id: '2', method: 'HEAD', path: '/_ping' },
  { id: '3', method: 'GET', path: '/v1.47/version' },
  { id: '4', method: 'GET', path: '/events?since=0' },
  { id: '5', method: 'GET', path: '/info' },
  { id: '6', method: 'GET', path: '/system/df' },
  { id: '7', method: 'POST', path: '/auth', body: { username: 'u', password: 'p', serveraddress: 'registry.example' }, contentType: JSON_TYPE },
  { id: '8', method: 'GET', path: '/containers/json' },
  { id: '9', method: 'GET', path: '/v1.41/containers/abc/json' },
  { id: '10', method: 'GET', path: '/containers/abc/logs?stdout=1' },
  { id: '11', method: 'GET', path: '/containers/abc/top' },
  { id: '12', method: 'GET', path: '/containers/abc/changes' },
  { id: '13', method: 'GET', path: '/containers/abc/export' },
  { id: '14', method: 'GET', path: '/containers/abc/archive?path=/etc/hostname' },
  { id: '15', method: 'HEAD', path: '/containers/abc/archive?path=/etc' },
  { id: '16', method: 'PUT', path: '/containers/abc/archive?path=/tmp', body: tarArchive([{ name: 'f', data: 'x' }]), contentType: TAR },
  { id: '17', method: 'GET', path: '/containers/abc/attach/ws?stream=1' },
  { id: '18', method: 'POST', path: '/containers/create?name=t', body: { Image: 'alpine' }, contentType: JSON_TYPE },
  { id: '19', method: 'POST', path: '/containers/abc/wait' },
  { id: '20', method: 'POST', path: '/containers/abc/exec', body: { Cmd: ['true'] }, contentType: JSON_TYPE },
  { id: '21', method: 'DELETE', path: '/containers/abc?force=1' },
  { id: '22', method: 'POST', path: '/containers/abc/start' },
  { id: '23', method: 'POST', path: '/containers/abc/stop' },
  { id: '25', method: 'POST', path: '/containers/abc/restart' },
  { id: '26', method: 'POST', path: '/containers/abc/kill?signal=HUP' },
  { id: '27', method: 'POST', path: '/containers/abc/pause' },
  { id: '28', method: 'POST', path: '/containers/abc/unpause' },
  { id: '30', method: 'GET', path: '/exec/e1/json' },
  { id: '31', method: 'POST', path: '/exec/e1/start', body: { Detach: true }, contentType: JSON_TYPE },
  { id: '32', method: 'GET', path: '/images/json' },
  { id: '33', method: 'GET', path: '/images/get?names=alpine' },
  { id: '34', method: 'POST', path: '/images/create?fromImage=alpine&tag=latest' },
  { id: '35', method: 'DELETE', path: '/images/alpine' },
  { id: '36', method: 'GET', path: '/networks' },
  { id: '37', method: 'POST', path: '/networks/create', body: { Name: 't' }, contentType: JSON_TYPE },
  { id: '38', method: 'GET', path: '/volumes' },
  { id: '39', method: 'DELETE', path: '/volumes/t' },
  { id: '40', method: 'POST', path: '/build?t=x', body: context, contentType: TAR },
  { id: '41', method: 'POST', path: '/commit?container=abc' },
  { id: '42', method: 'GET', path: '/configs' },
  { id: '43', method: 'GET', path: '/secrets' },
  { id: '44', method: 'GET', path: '/services' },
  { id: '45', method: 'GET', path: '/tasks' },
  { id: '46', method: 'GET', path: '/nodes' },
  { id: '47', method: 'GET', path: '/plugins' },
  { id: '48', method: 'GET', path: '/swarm/unlockkey' },
  { id: '49', method: 'GET', path: '/distribution/alpine/json' },
  { id: '50', method: 'POST', path: '/session' },
  { id: '51', method: 'POST', path: '/grpc' },
  { id: '52', method: 'GET', path: '/debug/vars' },
  // Each section's writes, and reads the research's table leaves out.
  { id: 'X1', method: 'POST', path: '/build/prune' },
  { id: 'X2', method: 'POST', path: '/configs/create', body: { Name: 'c', Data: 'eA==' }, contentType: JSON_TYPE },
  { id: 'X3', method: 'POST', path: '/secrets/create', body: { Name: 's', Data: 'eA==' }, contentType: JSON_TYPE },
  { id: 'X4', method: 'DELETE', path: '/services/svc' },
  { id: 'X5', method: 'GET', path: '/services/svc/logs?stdout=1' },
  { id: 'X6', method: 'GET', path: '/tasks/t1/logs?stdout=1' },
  { id: 'X7', method: 'DELETE', path: '/nodes/n1' },
  { id: 'X8', method: 'POST', path: '/plugins/p1/disable' },
  { id: 'X9', method: 'POST', path: '/swarm/leave' },
  { id: 'X10', method: 'POST', path: '/volumes/prune' },
  { id: 'X11', method: 'DELETE', path: '/networks/t' },
  { id: 'X12', method: 'GET', path: '/containers/abc/checkpoints' },
  { id: 'X13', method: 'GET', path: '/containers/abc/stats?stream=0' },
  { id: 'X14', method: 'POST', path: '/exec/e1/resize?h=10&w=10' },
  { id: 'X15', method: 'HEAD', path: '/info' },
  { id: 'X16', method: 'POST', path: '/images/alpine/tag?repo=x&tag=y' },
  // The edge rows: what the proxy passes and dockgate reads as the engine does.
  { id: 'E1', method: 'GET', path: '/CONTAINERS/json' },
  { id: 'E2', method: 'GET', path: '/_ping/../containers/json' },
  { id: 'E3', method: 'GET', path: '/containers/abc//logs' },
  { id: 'E5', method: 'OPTIONS', path: '/containers/json' },
  { id: 'E6', method: 'GET', path: '/v1.99/containers/json' },
  { id: 'E8', method: 'GET', path: '/libpod/_ping' },
  { id: 'E7', method: 'POST', path: '/containers/create', body: { Image: 'alpine', HostConfig: { Privileged: true } }, contentType: JSON_TYPE },
];

/** The environments: the defaults, POST=1, and each variable flipped alone, with POST=1, with CONTAINERS=1, and with both. */
function environments(flavour: Flavour): Array<Record<string, string>> {
  const variables = SWITCH_VARIABLES.filter((name) => flavour === 'linuxserver' || !(LINUXSERVER_SWITCHES as readonly string[]).includes(name));
  const envs: Array<Record<string, string>> = [{}, { POST: '1' }];
  for (const name of variables) {
    if (name === 'POST') continue;
    const flipped = readSocketProxyEnvironment({}, flavour).switches.get(name) ? '0' : '1';
    envs.push({ [name]: flipped }, { [name]: flipped, POST: '1' });
    if (name !== 'CONTAINERS') envs.push({ [name]: flipped, CONTAINERS: '1' }, { [name]: flipped, CONTAINERS: '1', POST: '1' });
  }
  // LinuxServer's gates open: what CONTAINERS=1 gives there with every ALLOW_* flag on, and with each one left out.
  if (flavour === 'linuxserver') {
    const open: Record<string, string> = Object.fromEntries([...LINUXSERVER_SWITCHES.map((name) => [name, '1']), ['CONTAINERS', '1'], ['POST', '1'], ['EXEC', '1'], ['COMMIT', '1']]);
    envs.push(open, ...Object.keys(open).map((left) => Object.fromEntries(Object.entries(open).filter(([name]) => name !== left))));
  }
  return envs;
}

interface Case {
  row: Row;
  flavour: Flavour;
  env: Record<string, string>;
  on: On;
  proxy: boolean;
  result: JudgeResult;
}

/**
 * Where dockgate differs from the proxy, on purpose (README, "Stricter than docker-socket-proxy"). Each
 * applies to cases the proxy allows and dockgate refuses; `applies` must single them out exactly.
 */
const EXCEPTIONS: ReadonlyArray<{ name: string; reason: string; applies: (c: Case) => boolean }> = [
  {
    name: 'attach over a websocket needs POST=1',
    reason: "GET /containers/{id}/attach/ws writes the container's stdin: a write, whatever its method",
    applies: (c) => c.row.id === '17' && !c.on('POST'),
  },
  {
    name: 'exec create needs EXEC=1',
    reason: "creating an exec is half of running a command in a container; LinuxServer's README says EXEC covers it, the configs do not",
    applies: (c) => c.row.id === '20' && !c.on('EXEC'),
  },
  {
    name: 'commit needs CONTAINERS=1 (and ALLOW_EXPORT=1 with LinuxServer)',
    reason: "a commit copies a container's filesystem into an image, as export does",
    applies: (c) => c.row.id === '41' && (!c.on('CONTAINERS') || (c.flavour === 'linuxserver' && !c.on('ALLOW_EXPORT'))),
  },
  {
    name: "LinuxServer's ALLOW_LOGS also gates service and task logs",
    reason: 'ALLOW_LOGS=0 says no logs; service and task logs are container logs by another path',
    applies: (c) => (c.row.id === 'X5' || c.row.id === 'X6') && c.flavour === 'linuxserver' && !c.on('ALLOW_LOGS'),
  },
  {
    name: 'CRIU checkpoints are never granted',
    reason: 'the baseline profile withholds checkpoints (the host dumps and restores process memory)',
    applies: (c) => c.row.id === 'X12',
  },
  {
    name: "what is granted is judged under baseline's constraints",
    reason:
      "a granted operation gets the request to the judge, not to the engine: privileged creates, swarm membership and its join tokens and unlock key, plugins' state and BuildKit's channels are refused as --profile baseline refuses them",
    applies: (c) => c.result.rule === COMPAT_RULE && c.result.trace.some((s) => s.step === 'operation' && s.outcome === 'pass'),
  },
  {
    name: 'requests are read as the engine reads them',
    reason:
      'the proxy matches prefixes case-insensitively and forwards what dockerd then redirects or answers 404/405; dockgate refuses what has no route or single reading (DG_PATH_MALFORMED, unknown routes, versions newer than it knows)',
    applies: (c) => ['E1', 'E2', 'E3', 'E5', 'E6', 'X15'].includes(c.row.id) && c.result.rule !== COMPAT_RULE,
  },
  {
    name: "Podman's API is not served",
    reason:
      "LinuxServer's image passes /libpod/_ping and /libpod/version by default (LIBPOD_PING=1, LIBPOD_VERSION=1); dockgate fronts the Docker Engine API only, and has no route for them",
    applies: (c) => c.row.id === 'E8' && c.flavour === 'linuxserver' && c.result.rule !== COMPAT_RULE,
  },
];

async function runCases(flavour: Flavour): Promise<Case[]> {
  const cases: Case[] = [];
  for (const env of environments(flavour)) {
    const read = readSocketProxyEnvironment(env, flavour);
    const on: On = (name) => read.switches.get(name as never) === true;
    const policy = socketProxyPolicy(read);
    for (const row of ROWS) {
      const result = await judge(
        policy,
        {
          method: row.method,
          path: row.path,
          headers: { host: 'socket-proxy:2375', ...(row.contentType !== undefined && { 'content-type': row.contentType }) },
          body: row.body,
          identity: CLIENT,
        },
        engine,
      );
      cases.push({ row, flavour, env, on, proxy: proxyAllows(flavour, on, row.method, row.path), result });
    }
  }
  return cases;
}

const describeCase = (c: Case): string =>
  `${c.flavour} ${JSON.stringify(c.env)} ${c.row.id} ${c.row.method} ${c.row.path}: proxy ${c.proxy ? 'allows' : 'denies'}, dockgate ${c.result.verdict} (${c.result.rule}: ${c.result.reason})`;

describe('docker-socket-proxy variables through judge()', () => {
  for (const flavour of ['tecnativa', 'linuxserver'] as const) {
    test(`${flavour}: every variable on and off matches the proxy's rules, but for the listed exceptions`, async () => {
      const cases = await runCases(flavour);
      const met = new Map<string, number>();
      const unexplained: string[] = [];
      for (const c of cases) {
        const dockgate = c.result.verdict === 'allow';
        if (dockgate === c.proxy) {
          // A refusal both agree on names the variable to set, when one would grant it.
          if (!dockgate && c.result.rule === COMPAT_RULE && /is not granted by the docker-socket-proxy environment/.test(c.result.reason)) {
            assert.match(c.result.fix ?? '', /^Set [A-Z_]+=1( [A-Z_]+=1)* in the environment of dockgate serve --compat docker-socket-proxy$/, describeCase(c));
          }
          continue;
        }
        assert.ok(!dockgate, `dockgate allows what the proxy refuses: ${describeCase(c)}`);
        const exception = EXCEPTIONS.find((e) => e.applies(c));
        if (exception === undefined) unexplained.push(describeCase(c));
        else met.set(exception.name, (met.get(exception.name) ?? 0) + 1);
      }
      assert.deepEqual(unexplained, [], `differences no exception explains:\n${unexplained.join('\n')}`);
      for (const exception of EXCEPTIONS) {
        if (flavour === 'tecnativa' && (exception.name.startsWith("LinuxServer's") || exception.name.startsWith("Podman's"))) continue;
        assert.ok((met.get(exception.name) ?? 0) > 0, `the exception "${exception.name}" was never met: remove it or add its request`);
      }
      // Every variable changes some grant (none is read and ignored): some environment with it flipped
      // grants differently from the same environment without it (GRPC grants what baseline then refuses).
      const key = (env: Record<string, string>): string => JSON.stringify(Object.entries(env).sort());
      const verdicts = new Map<string, string>();
      const granted = (c: Case): string => (c.result.trace.some((step) => step.step === 'operation' && step.outcome === 'pass') ? 'g' : '-');
      for (const c of cases) verdicts.set(key(c.env), `${verdicts.get(key(c.env)) ?? ''}${granted(c)}`);
      for (const name of SWITCH_VARIABLES.filter((n) => flavour === 'linuxserver' || !(LINUXSERVER_SWITCHES as readonly string[]).includes(n))) {
        const matters = environments(flavour).some((env) => {
          if (env[name] === undefined) return false;
          const without = Object.fromEntries(Object.entries(env).filter(([n]) => n !== name));
          const other = verdicts.get(key(without));
          return other !== undefined && other !== verdicts.get(key(env));
        });
        assert.ok(matters, `${name} changes no verdict in ${flavour} mode`);
      }
    });
  }

  test('a privileged create is refused with CONTAINERS=1 POST=1, by the compat rule under baseline', async () => {
    const policy = socketProxyPolicy(readSocketProxyEnvironment({ CONTAINERS: '1', POST: '1' }));
    const result = await judge(
      policy,
      { method: 'POST', path: '/v1.41/containers/create', headers: { 'content-type': JSON_TYPE }, body: { Image: 'alpine', HostConfig: { Privileged: true } }, identity: CLIENT },
      engine,
    );
    assert.equal(result.verdict, 'deny');
    assert.equal(result.rule, 'compat.docker-socket-proxy');
    assert.match(result.message!, /denied by compat\.docker-socket-proxy: HostConfig\.Privileged: /);
  });

  test("Tecnativa's order: ALLOW_START=1 grants nothing while POST=0, and the refusal says so", async () => {
    const policy = socketProxyPolicy(readSocketProxyEnvironment({ ALLOW_START: '1' }, 'tecnativa'));
    const result = await judge(policy, { method: 'POST', path: '/containers/abc/start', identity: CLIENT }, engine);
    assert.equal(result.verdict, 'deny');
    assert.match(result.reason, /checks POST first/);
    assert.equal(result.fix, 'Set POST=1 in the environment of dockgate serve --compat docker-socket-proxy');
    const lsio = socketProxyPolicy(readSocketProxyEnvironment({ ALLOW_START: '1' }, 'linuxserver'));
    assert.equal((await judge(lsio, { method: 'POST', path: '/containers/abc/start', identity: CLIENT }, engine)).verdict, 'allow');
  });
});
