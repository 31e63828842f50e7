// deploy/dockgate.service stays a valid, hardened unit whose command line dockgate accepts: systemd's own
// checker verifies it and rates its exposure, the hardening the README promises is in it, and the paths
// in its ExecStart agree with the directories it grants. systemd-analyze comes from Debian's `systemd`
// package (scripts/install-test-deps.sh installs it); without it this test fails, it never skips.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { parseListenerSpec } from '../../src/listen/listener-spec.js';
import { BUILTIN_PROFILE_NAMES } from '../../src/policy/builtin-policies.js';

const UNIT = 'deploy/dockgate.service';
/** `systemd-analyze security` exposure, in tenths: 2.0 and below is what systemd calls OK. */
const MAX_EXPOSURE = 20;

function systemdAnalyze(args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  if (result.error !== undefined) {
    assert.fail(`systemd-analyze cannot be run (${result.error.message}): install Debian's systemd package (bash scripts/install-test-deps.sh)`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** The unit's [Service] settings: every value of each key, in order, continuation lines joined. */
function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      section = line;
      continue;
    }
    if (section !== '[Service]') continue;
    const equals = line.indexOf('=');
    const key = line.slice(0, equals);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(equals + 1).trim()]);
  }
  return settings;
}

/** Splits a command line the way systemd does for the forms the unit uses: words, and "double-quoted" words. */
function words(commandLine: string): string[] {
  return [...commandLine.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
}

function only(settings: Map<string, string[]>, key: string): string | undefined {
  const values = settings.get(key);
  return values === undefined ? undefined : values[values.length - 1];
}

test('systemd-analyze verify accepts the unit', () => {
  const { status, output } = systemdAnalyze(['verify', UNIT]);
  assert.equal(status, 0, `systemd-analyze verify ${UNIT} failed:\n${output}`);
  assert.doesNotMatch(output, /dockgate\.service/, `systemd-analyze verify warns about the unit:\n${output}`);
});

test(`systemd-analyze security rates the unit's exposure ${MAX_EXPOSURE / 10} or lower`, () => {
  const { status, output } = systemdAnalyze(['security', '--offline=yes', `--threshold=${MAX_EXPOSURE}`, UNIT]);
  assert.equal(status, 0, `exposure above ${MAX_EXPOSURE / 10}:\n${output}`);
});

test('the unit has the hardening the README describes', () => {
  const s = serviceSettings(readFileSync(UNIT, 'utf8'));
  assert.equal(only(s, 'NoNewPrivileges'), 'yes');
  assert.equal(only(s, 'ProtectSystem'), 'strict');
  assert.equal(only(s, 'PrivateTmp'), 'yes');
  assert.equal(only(s, 'DynamicUser'), 'yes', 'never root');
  assert.equal(s.get('User'), undefined, 'DynamicUser picks the user');
  assert.equal(only(s, 'CapabilityBoundingSet'), '', 'no capabilities at all');
  assert.equal(only(s, 'AmbientCapabilities'), '');
  assert.equal(only(s, 'RestrictAddressFamilies'), 'AF_UNIX AF_INET AF_INET6');
  // Hiding /home would make the gateway judge bind paths it cannot see (README, "Running under systemd").
  assert.equal(only(s, 'ProtectHome'), 'read-only');
  // V8's JIT needs writable executable memory: with this set, node would not start.
  assert.notEqual(only(s, 'MemoryDenyWriteExecute'), 'yes');
  // The listener's group is set with chown(2): a filter that removes it would stop the gateway at start.
  for (const filter of s.get('SystemCallFilter') ?? []) {
    assert.doesNotMatch(filter, /^~.*@(privileged|chown)\b/, `SystemCallFilter=${filter} takes chown(2) away`);
  }
  assert.equal(only(s, 'ExecReload'), '/bin/kill -HUP $MAINPID', 'reload is SIGHUP, which reloads a --policy file');
});

test('ExecStart is a serve command line whose paths lie in the directories the unit grants', () => {
  const s = serviceSettings(readFileSync(UNIT, 'utf8'));
  const argv = words(only(s, 'ExecStart') ?? '');
  const serve = argv.indexOf('serve');
  assert.ok(serve > 0 && argv[0] === '/usr/bin/env' && argv[1] === 'node' && argv[2]?.endsWith('/bin/dockgate.js'), `ExecStart: ${argv.join(' ')}`);
  const options = new Map<string, string[]>();
  for (let i = serve + 1; i < argv.length; i += 2) {
    assert.match(argv[i]!, /^--[a-z-]+$/, `an option name at ${argv.slice(i).join(' ')}`);
    options.set(argv[i]!, [...(options.get(argv[i]!) ?? []), argv[i + 1]!]);
  }
  const runtimeDirectory = `/run/${only(s, 'RuntimeDirectory')}`;
  const groups = (only(s, 'SupplementaryGroups') ?? '').split(/\s+/);
  for (const listen of options.get('--listen') ?? []) {
    const spec = parseListenerSpec(listen);
    if (spec.kind !== 'unix') continue;
    assert.equal(dirname(spec.path), runtimeDirectory, `${listen}: the socket's directory is the unit's RuntimeDirectory`);
    if (spec.group !== undefined) assert.ok(groups.includes(spec.group), `${listen}: the service is in group ${spec.group}, so it may give the socket to it without CAP_CHOWN`);
    assert.equal(spec.owner, undefined, `${listen}: owner= needs CAP_CHOWN, which the unit does not grant`);
  }
  assert.equal(dirname(options.get('--audit-log')?.[0] ?? ''), `/var/log/${only(s, 'LogsDirectory')}`, 'the audit log lies in the LogsDirectory');
  assert.ok(BUILTIN_PROFILE_NAMES.includes(options.get('--profile')?.[0] as (typeof BUILTIN_PROFILE_NAMES)[number]), 'a built-in profile');
  assert.match(options.get('--upstream')?.[0] ?? '', /^unix:\/\//);
  assert.ok(groups.includes('docker'), 'the service may open the engine socket (group docker)');
});
