// A broken or hostile engine cannot stall or crash `dockgate audit`: against fake tcp:// engines on
// loopback that trickle their answers a byte at a time, lie about the types of their fields, or list
// 200,000 containers, the audit ends within its time, with a complete report (JSON valid against its
// schema, exit code from the findings, never 2) in which what could not be examined is "not checked" with
// the reason, and with bounded memory. The time and peak memory of each run are printed as diagnostics.

import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';
import { findingsOf, runAuditCli, validateReport, type AuditRun, type Report } from '../support/audit-cli.js';
import { containerId, plainInspect, startHostileEngine, type HostileEngine } from '../support/hostile-engine.js';

function reportOf(run: AuditRun): Report {
  assert.equal(run.stderr, '', 'nothing on standard error');
  assert.notEqual(run.code, 2, 'never the exit code of a crash or bad arguments');
  const report = JSON.parse(run.stdout) as Report;
  assert.deepEqual(validateReport(report), []);
  return report;
}

function measured(t: TestContext, what: string, run: AuditRun): void {
  t.diagnostic(`${what}: ${(run.elapsedMs / 1000).toFixed(1)} s, peak RSS ${Math.round(run.peakRssKiB / 1024)} MiB`);
}

function notChecked(report: Report): string[] {
  return report.targets[0]!.notChecked.map((n) => `${n.area}: ${n.reason}`);
}

describe('dockgate audit against hostile engines', { timeout: 5 * 60_000 }, () => {
  const engines: HostileEngine[] = [];
  after(async () => {
    for (const engine of engines) await engine.stop();
  });
  const start = async (options: Parameters<typeof startHostileEngine>[0]): Promise<HostileEngine> => {
    const engine = await startHostileEngine(options);
    engines.push(engine);
    return engine;
  };

  test('answers trickled a byte at a time end at the deadline: the report comes, within --timeout', async (t) => {
    // /info and every inspect trickle (a byte every 250 ms: each would take a minute or more); the rest answers.
    const engine = await start({ containers: 50, trickle: { path: /\/info|\/containers\/[0-9a-f]{64}\/json/, intervalMs: 250 } });
    // /info ends at the deadline of one call (20 s); the inspects at what is left of the engine's 30 s.
    const run = await runAuditCli(['--host', engine.url, '--format', 'json', '--fail-on', 'none', '--timeout', '30']);
    measured(t, 'trickle, --timeout 30', run);
    const report = reportOf(run);
    assert.ok(run.elapsedMs > 29_000 && run.elapsedMs < 40_000, `took ${run.elapsedMs} ms`);
    const items = notChecked(report);
    assert.ok(items.includes('engine: GET /info failed: no complete answer within 20 s; the checks that need it did not run'), items.join('\n'));
    const timeUp = "the audit's time for this engine ran out (--timeout 30 s; raise it to wait longer)";
    assert.ok(
      items.some((n) => n.startsWith(`containers: GET /containers/{id}/json failed: no complete answer before ${timeUp}: 4 containers (`)),
      items.join('\n'),
    );
    assert.ok(
      items.some((n) => n.startsWith(`containers: GET /containers/{id}/json failed: ${timeUp}: 46 containers (`)),
      items.join('\n'),
    );
    // What did answer was judged: /version, and the audit's own plain-HTTP connection.
    assert.equal(findingsOf(report, 'api.tcp-plaintext').length, 1);
    assert.equal((report.targets[0] as unknown as { engine: { version: string } }).engine.version, '27.3.1');
  });

  test('fields that lie about their types are not checked, with the reason; the rest of the report comes', async (t) => {
    const privileged = (id: string, index: number) => ({ ...plainInspect(id, index), HostConfig: { ...(plainInspect(id, index)['HostConfig'] as object), Privileged: true } });
    const engine = await start({
      containers: 8,
      version: { Version: 27, ApiVersion: ['1.47'], Os: { linux: true } },
      // SecurityOptions as a number ended the run with exit 2 and no report before (`.includes is not a function`).
      info: { ServerVersion: '27.3.1', SecurityOptions: 5, Warnings: { a: 1 }, Plugins: [], Swarm: 'active', Debug: 'yes', DockerRootDir: 5, LiveRestoreEnabled: false },
      bridge: { Options: ['icc'] },
      listingEntry: (id, index) => (index === 7 ? { Id: 12345 } : { Id: id }),
      inspect: (id, index) => {
        switch (index) {
          case 0:
            return privileged(id, index);
          case 1: // wrongly typed Privileged, but SYS_ADMIN among capabilities of the wrong type
            return {
              ...plainInspect(id, index),
              Name: 42,
              State: [],
              HostConfig: { Privileged: 'yes', CapAdd: [1, 'SYS_ADMIN'], Memory: '64m', PidsLimit: 64 },
              Mounts: 'none',
              NetworkSettings: { Ports: { '80/tcp': 'x' } },
            };
          case 2:
            return 'this is not JSON {';
          case 3:
            return '12';
          case 4:
            return 500;
          default:
            return plainInspect(id, index);
        }
      },
    });
    const run = await runAuditCli(['--host', engine.url, '--format', 'json', '--fail-on', 'critical']);
    measured(t, 'lying types', run);
    const report = reportOf(run);
    assert.equal(run.code, 1, 'the privileged container is still found, and fails --fail-on critical');
    assert.deepEqual(
      findingsOf(report, 'container.privileged').map((f) => f.subject),
      ['c0'],
    );
    // The container whose Privileged is a string is judged on the rest: its capability is found.
    const caps = findingsOf(report, 'container.capabilities');
    assert.deepEqual(
      caps.map((f) => f.subject),
      [containerId(1).slice(0, 12)],
    );
    assert.ok(
      caps[0]!.evidence.some((e) => e.includes('SYS_ADMIN')),
      caps[0]!.evidence.join('\n'),
    );
    // live-restore false was read, though the document lies elsewhere.
    assert.equal(findingsOf(report, 'daemon.live-restore-off').length, 1);
    const items = notChecked(report);
    const expected = [
      /^engine: GET \/version: Version: expected a string, found the number 27; ApiVersion: expected a string, found a list; Os: expected a string, found an object: read as absent/,
      /^engine: GET \/info: SecurityOptions: expected a list, found the number 5; Warnings: expected a list, found an object; Plugins: expected an object, found a list; Swarm: expected an object, found a string; Debug: expected true or false, found a string; and 1 more: read as absent/,
      /^daemon\.icc: GET \/networks\/bridge: Options: expected an object, found a list/,
      /^containers: GET \/containers\/json\?all=1: 1 entry without a readable id, so that container was not checked: \[7\]\.Id: expected a string, found the number 12345$/,
      /^containers: GET \/containers\/\{id\}\/json: HostConfig\.Privileged: expected true or false, found a string: read as absent, so the checks that need it could not see it: 1 container \(0{7}1c{4}\)$/,
      /^containers: GET \/containers\/\{id\}\/json failed: answered with unreadable JSON: 1 container \(0{7}2c{4}\)$/,
      /^containers: GET \/containers\/\{id\}\/json: the answer: expected an object, found the number 12: read as absent, .*: 1 container \(0{7}3c{4}\)$/,
      /^containers: GET \/containers\/\{id\}\/json failed: answered 500: 1 container \(0{7}4c{4}\)$/,
    ];
    for (const pattern of expected)
      assert.ok(
        items.some((n) => pattern.test(n)),
        `${pattern} in\n${items.join('\n')}`,
      );
  });

  test('200,000 containers: listed as they stream, 10,000 judged, the rest counted as not checked, in bounded time and memory', async (t) => {
    // Every thousandth container is privileged: ten of them among the 10,000 most recent, which are judged.
    const privileged = (id: string, index: number) => ({ ...plainInspect(id, index), HostConfig: { ...(plainInspect(id, index)['HostConfig'] as object), Privileged: index % 1000 === 0 } });
    const engine = await start({ containers: 200_000, inspect: privileged });
    const run = await runAuditCli(['--host', engine.url, '--format', 'json', '--fail-on', 'none'], {}, 120_000);
    measured(t, '200,000 containers, --max-containers 10000 (the default)', run);
    const report = reportOf(run);
    assert.ok(run.elapsedMs < 60_000, `took ${run.elapsedMs} ms`);
    assert.ok(run.peakRssKiB > 0 && run.peakRssKiB < 300 * 1024, `peak RSS ${run.peakRssKiB} KiB`);
    assert.equal(engine.requests.get('inspect'), 10_000);
    assert.deepEqual(
      findingsOf(report, 'container.privileged').map((f) => f.subject),
      Array.from({ length: 10 }, (_, i) => `c${i * 1000}`).sort(),
    );
    assert.ok(
      notChecked(report).includes(
        'containers: 200000 containers are listed; only the 10000 most recently created were inspected (--max-containers 10000): raise it to check the other 190000',
      ),
      notChecked(report).join('\n'),
    );
  });
});
