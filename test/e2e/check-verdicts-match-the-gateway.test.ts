// Issue 18, acceptance 2: `dockgate check` gives the verdicts the gateway gives when the same containers are
// really sent through it. A corpus (test/fixtures/check/) of docker run/create lines and raw create bodies,
// host-reaching settings beside their benign neighbours, is judged by `dockgate check` (as shipped, no
// engine), then sent through `dockgate serve` under the same profile to a private engine: the script run by
// sh with the real docker CLI, the bodies as raw requests. Per request, in order: the same decision (the
// gateway's audit trail), the same refusal message (what the CLI prints); each refusal at the line and
// column of the flag or key that asked for it; the SARIF output valid against the 2.1.0 schema.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import { validateSarif } from '../support/audit-cli.js';
import { runCheckCli } from '../support/check-cli.js';
import { compose } from '../support/compose.js';
import { docker } from '../support/docker-cli.js';
import { API, IMAGE, send, useGuardedEngine } from '../support/host-escape.js';

const CORPUS = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'check'));
const SCRIPT = join(CORPUS, 'run-lines.sh');
const BODIES = ['create-benign.json', 'create-privileged.json'].map((name) => join(CORPUS, name));
/** Each compose file is its own project; each refused service stands alone, since Compose stops a project at its first refusal. */
const COMPOSE_FILES = ['benign.yml', 'privileged.yml', 'host-namespaces.yml', 'socket.yml', 'devices-and-capabilities.yml', 'host-bind.yml'];
/** Where each compose refusal must point: the file, then each refused field at its line and column. */
const EXPECTED_COMPOSE_REFUSALS: Array<[string, Array<[string, number, number]>]> = [
  ['privileged.yml', [['HostConfig.Privileged', 6, 5]]],
  [
    'host-namespaces.yml',
    [
      ['HostConfig.NetworkMode', 6, 5],
      ['HostConfig.PidMode', 7, 5],
    ],
  ],
  ['socket.yml', [['HostConfig.Mounts[0].Source', 7, 9]]],
  [
    'devices-and-capabilities.yml',
    [
      ['HostConfig.CapAdd[0]', 7, 9],
      ['HostConfig.Devices', 8, 5],
    ],
  ],
  ['host-bind.yml', [['HostConfig.Binds[0]', 7, 9]]],
];

interface Finding {
  id: string;
  field?: string;
  location: { file: string; line: number; column: number };
}
interface Verdict {
  subject: string;
  method: string;
  path: string;
  verdict: 'allow' | 'deny';
  message?: string;
  findings: Finding[];
}
interface Report {
  exitCode: number;
  requests: Verdict[];
}

/** Where each refusal of the corpus must point: the request's line, then each refused field at its line and column. */
const EXPECTED_REFUSALS: Array<[string, number, Array<[string, number, number]>]> = [
  ['run-lines.sh', 7, [['HostConfig.Privileged', 7, 15]]],
  ['run-lines.sh', 8, [['HostConfig.Binds[0]', 8, 17]]],
  ['run-lines.sh', 9, [['HostConfig.NetworkMode', 10, 3]]],
  ['run-lines.sh', 12, [['HostConfig.PidMode', 12, 15]]],
  ['run-lines.sh', 13, [['HostConfig.CapAdd[1]', 13, 15]]],
  ['run-lines.sh', 15, [['HostConfig.Devices', 15, 15]]],
  ['run-lines.sh', 16, [['HostConfig.Binds[0]', 16, 15]]],
  ['run-lines.sh', 17, [['HostConfig.Mounts[0].Source', 17, 15]]],
  [
    'run-lines.sh',
    21,
    [
      ['HostConfig.SecurityOpt[0]', 21, 15],
      ['HostConfig.IpcMode', 21, 49],
    ],
  ],
  [
    'run-lines.sh',
    22,
    [
      ['HostConfig.UTSMode', 22, 15],
      ['HostConfig.UsernsMode', 22, 26],
    ],
  ],
  [
    'run-lines.sh',
    24,
    [
      ['HostConfig.CapAdd[0]', 24, 25],
      ['HostConfig.Devices', 24, 45],
    ],
  ],
  ['create-privileged.json', 1, [['HostConfig.Privileged', 6, 5]]],
];

describe('dockgate check decides as the gateway does on the same containers', { timeout: 4 * 60_000 }, () => {
  const suite = useGuardedEngine({
    gateways: (_, host) => [
      { name: 'baseline', profile: 'baseline', allowBind: [host.root] },
      { name: 'restricted', profile: 'restricted' },
    ],
  });
  const env = (): Record<string, string> => ({ IMAGE, DATA: join(suite().host.root, 'x') });
  const checkArgs = (): string[] => ['--profile', 'baseline', '--allow-bind', suite().host.root];

  it('run lines and raw bodies: the same decisions and messages as the gateway, each refusal at its line and column', async () => {
    const checked = await runCheckCli([...checkArgs(), '--format', 'json', SCRIPT, ...BODIES], env());
    assert.equal(checked.code, 1, `check exits 1 on critical findings\n${checked.stderr}`);
    const report = JSON.parse(checked.stdout) as Report;
    assert.equal(report.requests.length, 19);

    const gateway = suite().gateway('baseline');
    const from = statSync(gateway.auditLog).size;
    const config = mkdtempSync(join(tmpdir(), 'check-cli-'));
    mkdirSync(join(config, 'home'));
    let stderr: string;
    try {
      // The script as a user would run it: sh, the real docker CLI, each command's failure left to the next line.
      const run = spawnSync('sh', [SCRIPT], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: join(config, 'home'), DOCKER_CONFIG: config, DOCKER_HOST: gateway.endpoint.host, DOCKER_CLI_HINTS: 'false', ...env() },
        encoding: 'utf8',
        timeout: 120_000,
      });
      stderr = run.stderr;
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
    const bodyAnswers = [];
    for (const file of BODIES) bodyAnswers.push(await send(gateway.endpoint, 'POST', `${API}/containers/create`, { body: readFileSync(file) }));

    const isCreate = (r: AuditLine): boolean => r.phase === 'done' && r.operation === 'container.create';
    // `done` records are written after the answer: wait for all of them.
    const { trail } = await waitForAuditTrail(gateway.auditLog, from, (records) => records.filter(isCreate).length >= report.requests.length);
    const creates = trail.records.filter(isCreate);
    assert.deepEqual(
      creates.map((r) => r.decision),
      report.requests.map((r) => r.verdict),
      'the gateway decided each create as check did, in order',
    );
    const cliRefusals = [...stderr.matchAll(/Error response from daemon: (dockgate: .*)$/gm)].map((m) => m[1]);
    const bodyRefusals = bodyAnswers.filter((a) => a.status === 403).map((a) => (JSON.parse(a.body) as { message: string }).message);
    assert.deepEqual(
      [...cliRefusals, ...bodyRefusals],
      report.requests.filter((r) => r.verdict === 'deny').map((r) => r.message),
      'what the client sees is the message check reports',
    );
    assert.deepEqual(
      bodyAnswers.map((a) => a.status),
      [201, 403],
    );

    const refusals = report.requests
      .filter((r) => r.verdict === 'deny')
      .map((r): [string, number, Array<[string, number, number]>] => [
        r.findings[0]!.location.file.split('/').at(-1)!,
        r.subject.endsWith('.json') ? 1 : Number(/line (\d+)/.exec(r.subject)![1]),
        r.findings.map((f) => [f.field!, f.location.line, f.location.column]),
      ]);
    assert.deepEqual(refusals, EXPECTED_REFUSALS);
  });

  it('compose files: docker-compose through the gateway makes the same creates with the same decisions and messages; each refusal at its key', async () => {
    const gateway = suite().gateway('baseline');
    const refusals: Array<[string, Array<[string, number, number]>]> = [];
    for (const [index, name] of COMPOSE_FILES.entries()) {
      const file = join(CORPUS, 'compose', name);
      const project = `check${index}`;
      const checked = await runCheckCli([...checkArgs(), '--format', 'json', '-p', project, file], env());
      assert.ok(checked.code === 0 || checked.code === 1, `${name}: ${checked.stderr}`);
      const report = JSON.parse(checked.stdout) as Report;
      const from = statSync(gateway.auditLog).size;
      let output = '';
      try {
        output = await compose(gateway.endpoint, { name: project, files: [file], env: env() }, ['up', '--no-start']);
      } catch (error) {
        output = (error as Error).message;
      }
      const judged = (r: AuditLine): boolean => r.phase === 'done' && ['container.create', 'volume.create', 'network.create'].includes(r.operation ?? '');
      const { trail } = await waitForAuditTrail(gateway.auditLog, from, (records) => records.filter(judged).length >= report.requests.length);
      const sent = trail.records
        .filter(judged)
        .map((r) => `${r.method} ${r.path} ${r.decision}`)
        .sort();
      // The audit record's path carries no query (the container's name).
      const checkedCreates = report.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')} ${r.verdict}`).sort();
      assert.deepEqual(sent, checkedCreates, `${name}: the same creates, decided alike\n${output}`);
      for (const denied of report.requests.filter((r) => r.verdict === 'deny')) {
        assert.ok(output.includes(denied.message!), `${name}: docker-compose shows the message check reports\n${denied.message!}\n${output}`);
        refusals.push([name, denied.findings.map((f) => [f.field!, f.location.line, f.location.column])]);
      }
    }
    assert.deepEqual(refusals, EXPECTED_COMPOSE_REFUSALS);
  });

  it('SARIF 2.1.0 output of the whole corpus validates against the published schema, one result per refused field at its place', async () => {
    const composeFiles = COMPOSE_FILES.map((name) => join(CORPUS, 'compose', name));
    const checked = await runCheckCli([...checkArgs(), '--format', 'sarif', SCRIPT, ...BODIES, ...composeFiles], env());
    assert.equal(checked.code, 1, checked.stderr);
    const sarif = JSON.parse(checked.stdout) as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { region: { startLine: number; startColumn: number } } }> }> }> };
    assert.deepEqual(validateSarif(sarif), []);
    const regions = sarif.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.region);
    assert.deepEqual(
      regions.map((r) => [r.startLine, r.startColumn]),
      [...EXPECTED_REFUSALS.flatMap(([, , fields]) => fields), ...EXPECTED_COMPOSE_REFUSALS.flatMap(([, fields]) => fields)].map(([, line, column]) => [line, column]),
    );
  });

  it('a verdict that rests on the engine: without one check names the look-up; with --upstream it gives the gateway’s verdict and message', async () => {
    // restricted requires a non-root user; left empty, the user is the image's, which only the engine knows.
    const line = ['docker', 'run', '--rm', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '-m', '64m', '--pids-limit', '10', '--cpus', '1', IMAGE, 'true'];
    const through = await docker(line.slice(1), suite().gateway('restricted').endpoint);
    const refusal = /Error response from daemon: (dockgate: .*)$/m.exec(through.stderr)?.[1];
    assert.ok(refusal !== undefined, `the gateway refuses the image's root user\n${through.stderr}`);
    const offline = JSON.parse((await runCheckCli(['--profile', 'restricted', '--format', 'json', '--', ...line])).stdout) as Report & { requests: Array<{ engineAsked: string[] }> };
    assert.deepEqual(offline.requests[0]!.engineAsked, [`image ${IMAGE}`]);
    assert.equal(offline.requests[0]!.verdict, 'deny');
    const online = JSON.parse((await runCheckCli(['--profile', 'restricted', '--upstream', `unix://${suite().engine.socketPath}`, '--format', 'json', '--', ...line])).stdout) as Report;
    assert.equal(online.requests[0]!.message, refusal);
    assert.match(refusal, /busybox:test/, 'the refusal names the image whose user it read');
    assert.notEqual(offline.requests[0]!.message, refusal, 'without the engine the reason is the look-up it could not make');
  });

  it('--fail-on sets the exit code as the audit’s does; a line the CLI refuses is exit 2 at its place', async () => {
    assert.equal((await runCheckCli([...checkArgs(), '--fail-on', 'none', SCRIPT], env())).code, 0);
    const unknown = await runCheckCli([...checkArgs(), '--', 'docker', 'run', '--privilegd', IMAGE]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^dockgate: <command line>:1:12: docker run: unknown flag: --privilegd/);
  });
});
