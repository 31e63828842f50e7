// `npm run bench [-- --quick] [-- --haproxy-keepalive] [-- --admin-listen] [-- --only=ping,exec_echo]`: the
// direct engine socket, dockgate (profile baseline, durable audit log; with --admin-listen, its admin listener
// and the metrics it counts) and HAProxy (bench/haproxy.cfg) side by side, in one run against one private engine;
// for ping, also the Node floor (bench/support/node-floor.ts: a Node HTTP server that only forwards).
// Prints a table on stdout (progress goes to stderr) and writes bench/results.json:
// {"machine", "node", "engine", "rows": [{"scenario", "target", "metric", "value", "unit"}]}; a row's target
// is one of the three, `node_floor` (ping only: a note under the table, no column), or `disk` for fdatasync,
// the machine's own figure. Under the table, issue 19's acceptance checks (bench/support/report.ts), each on
// ratios measured in this one run.
// Scenarios, in the order they run: policy_decisions (no engine), ping (with the CPU dockgate, HAProxy and
// the Node floor spend per answer), containers_json (3 running containers), containers_json_100 (`?all=1`
// with 100 more), denied (a create refused after reading its body), denied_bodiless (GET /debug/vars, refused on its path),
// fdatasync (the audit log's disk; it runs whenever create_delete does, whose target it bounds),
// create_delete, exec_echo, archive_put, image_load, tls_handshakes, idle_events.
// `npm run bench` installs what is missing and builds dist/ first (the gateway runs as shipped).
// Everything started is stopped at the end, on failure too; Ctrl-C is handled by the exit hooks of
// test/support (engine, gateway) and bench/support/proxy-process.ts (HAProxy, the Node floor).

import { writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runArchivePut } from './scenarios/archive-put.js';
import { runContainersJson100 } from './scenarios/containers-json-100.js';
import { runCreateDelete } from './scenarios/create-delete.js';
import { runExecEcho } from './scenarios/exec-echo.js';
import { runFdatasync } from './scenarios/fdatasync.js';
import { runLoad, loadSettings } from './scenarios/http-load.js';
import { runIdleEvents } from './scenarios/idle-events.js';
import { runImageLoad } from './scenarios/image-load.js';
import { runPolicyDecisions } from './scenarios/policy-decisions.js';
import { runTlsHandshakes } from './scenarios/tls-handshakes.js';
import { cliCreate, RUN_WITH_VOLUME } from './support/cli-bodies.js';
import { httpRequest } from './support/http.js';
import { nodeFloorNote, renderChecks, renderTable, targetChecks } from './support/report.js';
import { Results } from './support/results.js';
import { FULL, QUICK } from './support/settings.js';
import { startStack, type Stack } from './support/stack.js';

const SCENARIOS = [
  'policy_decisions',
  'ping',
  'containers_json',
  'containers_json_100',
  'denied',
  'denied_bodiless',
  'fdatasync',
  'create_delete',
  'exec_echo',
  'archive_put',
  'image_load',
  'tls_handshakes',
  'idle_events',
] as const;
type Scenario = (typeof SCENARIOS)[number];

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
/** The API version of the captured CLI bodies the policy microbenchmark judges (it runs before the engine starts). */
const POLICY_API_VERSION = '1.41';

/** The refusal of `denied_bodiless`: baseline grants everything but checkpoints and the engine's debug endpoints. */
const BODILESS_REFUSAL = '/debug/vars';

/**
 * The refused create of `denied`: what the CLI sends for `docker run -d --privileged --name x -v vol:/data -e A=1
 * busybox sleep 1`, i.e. the captured body of create_delete with the one field --privileged sets.
 */
function privilegedCreate(apiVersion: string): { target: string; body: string } {
  const create = cliCreate(apiVersion, RUN_WITH_VOLUME);
  const body = create.body.replace('"Privileged":false', '"Privileged":true');
  if (body === create.body) throw new Error('the captured create body has no "Privileged":false to turn into --privileged');
  return { target: create.target, body };
}

function parseArgs(argv: readonly string[]): { quick: boolean; haproxyKeepAlive: boolean; adminListen: boolean; only: Set<Scenario> } {
  let quick = false;
  let haproxyKeepAlive = false;
  let adminListen = false;
  let only = new Set<Scenario>(SCENARIOS);
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--haproxy-keepalive') haproxyKeepAlive = true;
    else if (arg === '--admin-listen') adminListen = true;
    else if (arg.startsWith('--only=')) {
      const names = arg.slice('--only='.length).split(',');
      const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
      if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
      only = new Set(names as Scenario[]);
      // create_delete's target is bounded by the disk's fdatasync latency: measured with it, at the cost of a fraction of a second.
      if (only.has('create_delete')) only.add('fdatasync');
    } else throw new Error(`unknown argument ${arg} (known: --quick, --haproxy-keepalive, --admin-listen, --only=SCENARIO,...)`);
  }
  return { quick, haproxyKeepAlive, adminListen, only };
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function machine(): string {
  const cores = cpus();
  return `${cores.length} x ${cores[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 1e9).toFixed(1)} GB RAM, ${type()} ${release()}`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const settings = args.quick ? QUICK : FULL;
  const results = new Results();
  const started = performance.now();
  // Bounds the whole run: a hung scenario must not keep an engine running forever.
  const watchdog = setTimeout(
    () => {
      console.error(`bench: still running after ${args.quick ? 5 : 30} minutes; stopping everything`);
      process.kill(process.pid, 'SIGTERM');
    },
    (args.quick ? 5 : 30) * 60_000,
  );
  watchdog.unref();

  const run = async (scenario: Scenario, body: () => Promise<void>): Promise<void> => {
    if (!args.only.has(scenario)) return;
    const at = performance.now();
    log(`${scenario}...`);
    try {
      await body();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.failures.push({ scenario, error: message });
      log(`  ${scenario} FAILED: ${message}`);
    }
    log(`  (${((performance.now() - at) / 1000).toFixed(1)} s)`);
  };

  log(`dockgate bench (${args.quick ? 'quick' : 'full'} run) on ${machine()}, Node ${process.version}`);
  await run('policy_decisions', () => runPolicyDecisions(POLICY_API_VERSION, settings.policy, results, log));

  let stack: Stack | undefined;
  let engine = 'not started';
  try {
    stack = await startStack({ haproxyServerKeepAlive: args.haproxyKeepAlive, adminListen: args.adminListen, log });
    engine = stack.engineVersion;
    const { direct, dockgate, haproxyTarget, apiVersion } = stack;
    const all = [direct, dockgate, haproxyTarget];
    const refused = privilegedCreate(apiVersion);

    // Each target answers as the scenarios assume: HAProxy's ACLs refuse what they do not list, dockgate refuses the
    // privileged create and the debug endpoint.
    const unlisted = await httpRequest(haproxyTarget, 'GET', `/v${apiVersion}/images/json`);
    if (unlisted.status !== 403) throw new Error(`haproxy let GET /images/json through (status ${unlisted.status}): is bench/haproxy.cfg in force?`);
    const denied = await httpRequest(dockgate, 'POST', refused.target, { body: refused.body, headers: { 'Content-Type': 'application/json' } });
    if (denied.status !== 403) throw new Error(`dockgate answered the privileged create with ${denied.status}, not 403: ${denied.body.toString()}`);
    const debug = await httpRequest(dockgate, 'GET', BODILESS_REFUSAL);
    if (debug.status !== 403) throw new Error(`dockgate answered GET ${BODILESS_REFUSAL} with ${debug.status}, not 403: ${debug.body.toString()}`);

    const http = loadSettings(settings.http);
    const deniedSettings = { rounds: settings.denied.rounds, sliceSeconds: settings.denied.sliceSeconds, warmupSeconds: settings.http.warmupSeconds };
    const cpuPids = { dockgate: stack.gateway.pid, haproxy: stack.haproxy.pid, node_floor: stack.nodeFloor.pid };
    await run('ping', async () => {
      const targets = [...all, stack!.nodeFloorTarget];
      await runLoad({ scenario: 'ping', load: { method: 'GET', path: '/_ping', status: 200 }, targets, concurrencies: [10, 64], latencies: true, cpuPids, ...http }, results, log);
      results.notes.push(nodeFloorNote(results));
    });
    await run('containers_json', () =>
      runLoad(
        { scenario: 'containers_json', load: { method: 'GET', path: `/v${apiVersion}/containers/json`, status: 200 }, targets: all, concurrencies: [10, 64], latencies: true, ...http },
        results,
        log,
      ),
    );
    await run('containers_json_100', () =>
      runContainersJson100(direct, apiVersion, { targets: all, concurrencies: [10, 64], latencies: true, ...loadSettings(settings.containersJson100) }, results, log),
    );
    await run('denied', () =>
      runLoad(
        {
          scenario: 'denied',
          load: { method: 'POST', path: refused.target, body: refused.body, status: 403 },
          targets: [dockgate],
          concurrencies: [10],
          latencies: false,
          ...deniedSettings,
        },
        results,
        log,
      ),
    );
    await run('denied_bodiless', () =>
      runLoad(
        { scenario: 'denied_bodiless', load: { method: 'GET', path: BODILESS_REFUSAL, status: 403 }, targets: [dockgate], concurrencies: [10], latencies: false, ...deniedSettings },
        results,
        log,
      ),
    );
    await run('fdatasync', () => {
      runFdatasync(stack!.gateway.auditLog, settings.fdatasync, results, log);
      return Promise.resolve();
    });
    await run('create_delete', () => runCreateDelete(all, apiVersion, settings.createDelete, results, log));
    await run('exec_echo', () => runExecEcho(all, apiVersion, settings.exec, results, log));
    await run('archive_put', () => runArchivePut(all, apiVersion, stack!.gateway.pid, settings.archive, results, log));
    await run('image_load', () => runImageLoad(all, direct, apiVersion, stack!.gateway.pid, settings.imageLoad, results, log));
    await run('tls_handshakes', () => runTlsHandshakes(stack!.tls, stack!.gateway.pid, settings.tls, results, log));
    await run('idle_events', () => runIdleEvents(dockgate, apiVersion, stack!.gateway.pid, settings.idleEvents, results, log));
    if (stack.gateway.exit() !== undefined) throw new Error(`the gateway died during the run:\n${stack.gateway.output()}`);
  } catch (error) {
    results.failures.push({ scenario: 'set-up', error: error instanceof Error ? error.message : String(error) });
    log(`bench FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    if (stack !== undefined) {
      log('stopping haproxy, dockgate and the engine...');
      await stack.stop().catch((error: unknown) => {
        results.failures.push({ scenario: 'teardown', error: String(error) });
      });
    }
  }

  writeFileSync(RESULTS_FILE, `${JSON.stringify({ machine: machine(), node: process.version, engine, rows: results.rows }, null, 2)}\n`);
  const checks = targetChecks(results);
  const seconds = (performance.now() - started) / 1000;
  const out: string[] = [
    `dockgate bench, ${args.quick ? 'quick' : 'full'} run (${seconds.toFixed(0)} s): ${machine()}; Node ${process.version}; ${engine}; HAProxy engine connections ${args.haproxyKeepAlive ? 'kept alive' : 'one per request'}`,
    '',
    renderTable(results, checks),
    '',
    "The issue's targets:",
    renderChecks(checks),
    '',
    ...results.notes,
    '',
    `Written: ${RESULTS_FILE}`,
  ];
  if (results.failures.length > 0) out.push('', 'FAILED:', ...results.failures.map((f) => `  ${f.scenario}: ${f.error}`));
  process.stdout.write(`${out.join('\n')}\n`);
  return results.failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('bench:', error);
    process.exit(1);
  },
);
