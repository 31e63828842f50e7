// Whoever can create containers chooses text the audit prints (bind sources and targets, sysctl keys, a
// cgroup parent, device paths and rules), and a hostile engine chooses all of it (names, versions,
// warnings, error answers). On a real engine, containers carry escape sequences (title, screen clear,
// hyperlink, clipboard write), C1 controls, bidi overrides and line separators in every field the engine
// accepts them in; a fake engine carries them where the real one refuses them (container names, version
// strings, warnings, error answers). `dockgate audit`'s text report shows every one escaped, a fake
// summary in them never starts a line, and the real summary is the last line, below the rule; the JSON
// report keeps every string exactly as the engine gave it.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from 'undici';
import { runAuditCli, validateReport, type Report } from '../support/audit-cli.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { startEngine, type Engine } from '../support/engine.js';
import { plainInspect, startHostileEngine, type HostileEngine } from '../support/hostile-engine.js';
import { sendJson } from '../support/json-request.js';
import { useTeardown } from '../support/teardown.js';

const HOOK_TIMEOUT_MS = 120_000;

const FAKE_SUMMARY = 'Summary: 0 critical, 0 high, 0 medium, 0 low, 0 info; 0 not checked — passing: nothing at or above high';
/**
 * Set the window title, clear the screen, plant a hyperlink and a clipboard write, a C1 CSI, a bidi
 * override, line and paragraph separators, a newline and tabs; a fake summary follows it in every field.
 */
const HOSTILE =
  '\u001b]0;pwned\u0007\u001b[2J\u001b[H\u001b]8;;mailto:x@evil.example\u001b\\click\u001b]8;;\u001b\\\u001b]52;c;Y3VybCBldmlsfHNo\u0007\u009b31m\u202etxt.exe\u2028\u2029\n\t\t';
/** What a terminal would obey or hide, where the report itself puts none (its own newlines and colours aside); tabs too. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
/** HOSTILE as inertText shows it. */
const SHOWN = '\\e]0;pwned\\u0007\\e[2J\\e[H\\e]8;;mailto:x@evil.example\\e\\\\click\\e]8;;\\e\\\\\\e]52;c;Y3VybCBldmlsfHNo\\u0007\\u009b31m\\u202etxt.exe\\u2028\\u2029\\n\\t\\t';

/** For a path component and a bind (`-v SOURCE:TARGET`), which cannot hold '/' and ':' respectively. */
const HOSTILE_PATH = HOSTILE.replace(/[:/]/g, '');
const SHOWN_PATH = SHOWN.replace(/[:/]/g, '');
const FAKE_SUMMARY_PATH = FAKE_SUMMARY.replace(/:/g, '');

/** Lines the report itself starts at the left margin. */
const OWN_MARGIN_LINE = /^(dockgate audit: |(CRITICAL|HIGH|MEDIUM|LOW|INFO|NOT CHECKED) \(\d+\)$|={40}$|Summary: )/;

/** Nothing of theirs acts on the terminal or starts a line; the one summary is the last line, below the rule, with the report's own counts. */
function assertInertAndUnforgeable(text: string, report: Report): void {
  assert.doesNotMatch(text, ACTIVE, JSON.stringify(text.slice(0, 4000)));
  const lines = text.trimEnd().split('\n');
  for (const [i, line] of lines.entries()) {
    if (line === '' || line.startsWith(' ')) continue;
    assert.match(line, OWN_MARGIN_LINE, `line ${i + 1} starts at the margin: ${line}`);
  }
  const summaries = lines.flatMap((line, i) => (line.startsWith('Summary: ') ? [i] : []));
  assert.deepEqual(summaries, [lines.length - 1]);
  assert.equal(lines.at(-2), '='.repeat(40));
  const s = report.summary;
  assert.ok(
    lines.at(-1)!.startsWith(`Summary: ${s['critical']} critical, ${s['high']} high, ${s['medium']} medium, ${s['low']} low, ${s['info']} info; ${s['notChecked']} not checked`),
    lines.at(-1),
  );
  // The fake summary is there, escaped, inside an indented line of the report's own.
  assert.ok(
    lines.some((line) => line.startsWith(' ') && /\\t\\tSummary:? 0 critical/.test(line)),
    'the hostile text is shown escaped',
  );
}

function allStrings(report: Report): string[] {
  return report.targets.flatMap((t) => [...t.findings.flatMap((f) => [f.subject ?? '', ...f.evidence]), ...t.notChecked.map((n) => n.reason)]);
}

describe('a real engine whose containers carry escape sequences in every field it accepts them in', { timeout: 4 * 60_000 }, () => {
  const teardown = useTeardown(HOOK_TIMEOUT_MS);
  let engine: Engine;
  let text: Awaited<ReturnType<typeof runAuditCli>>;
  let json: Report;
  let source: string;

  before(
    async () => {
      engine = await startEngine({ image: true });
      teardown.add(() => engine.stop());
      source = join(engine.dir, `bind${HOSTILE_PATH}${FAKE_SUMMARY_PATH}`);
      mkdirSync(source);
      const client = new Client('http://localhost', { socketPath: engine.socketPath });
      teardown.add(() => client.close());
      const odd = `${HOSTILE}${FAKE_SUMMARY}`;
      const creates: Array<[string, unknown]> = [
        ['binds', { HostConfig: { Binds: [`${source}:/data${HOSTILE_PATH}${FAKE_SUMMARY_PATH}`] } }],
        ['mounts', { HostConfig: { Mounts: [{ Type: 'bind', Source: source, Target: `/m${odd}` }] } }],
        ['sysctls', { HostConfig: { Sysctls: { [`kernel.${odd}`]: '1' } } }],
        ['cgroup', { HostConfig: { CgroupParent: `/cg${odd}` } }],
        ['devices', { HostConfig: { Devices: [{ PathOnHost: '/dev/null', PathInContainer: `/dev/x${odd}`, CgroupPermissions: 'rwm' }], DeviceCgroupRules: [`c 1:3 rwm ${odd}`] } }],
      ];
      for (const [name, body] of creates) {
        const answer = await sendJson(client, 'POST', `/v1.41/containers/create?name=${name}`, {
          Image: BUSYBOX_IMAGE,
          Cmd: ['true'],
          Labels: { [`label${odd}`]: odd },
          ...(body as object),
        });
        assert.equal(answer.statusCode, 201, `${name}: ${answer.text}`);
      }
      text = await runAuditCli(['--host', `unix://${engine.socketPath}`, '--fail-on', 'none']);
      const jsonRun = await runAuditCli(['--host', `unix://${engine.socketPath}`, '--format', 'json', '--fail-on', 'none']);
      json = JSON.parse(jsonRun.stdout) as Report;
    },
    { timeout: HOOK_TIMEOUT_MS },
  );

  test('the text report shows every such character escaped, and its summary cannot be imitated', () => {
    assert.equal(text.code, 0, text.stderr);
    assertInertAndUnforgeable(text.stdout, json);
    const shownAsIs = [`bind${SHOWN_PATH}${FAKE_SUMMARY_PATH}`, `/data${SHOWN_PATH}${FAKE_SUMMARY_PATH}`, `/m${SHOWN}${FAKE_SUMMARY}`, `HostConfig.Sysctls.kernel.${SHOWN}${FAKE_SUMMARY}`];
    // The cgroup parent is quoted by the reach judge (JSON, which escapes ESC but not C1, bidi or separators), then shown inert.
    const shownQuoted = ['host cgroup "/cg\\\\u001b]0;pwned\\\\u0007\\\\u001b[2J', '\\u009b31m\\u202etxt.exe\\u2028\\u2029\\\\n\\\\t\\\\tSummary: 0 criti..."'];
    for (const shown of [...shownAsIs, ...shownQuoted]) assert.ok(text.stdout.includes(shown), `${JSON.stringify(shown)} in\n${text.stdout}`);
  });

  test('the JSON report keeps every string exactly as the engine gave it', () => {
    assert.deepEqual(validateReport(json), []);
    const strings = allStrings(json);
    for (const exact of [source, `/data${HOSTILE_PATH}${FAKE_SUMMARY_PATH}`, `/m${HOSTILE}${FAKE_SUMMARY}`, `kernel.${HOSTILE}${FAKE_SUMMARY}`]) {
      assert.ok(
        strings.some((s) => s.includes(exact)),
        `${JSON.stringify(exact)} in the JSON report`,
      );
    }
  });
});

describe('a fake engine with escape sequences where a real one refuses them: names, versions, warnings, error answers', { timeout: 2 * 60_000 }, () => {
  let fake: HostileEngine;
  let text: Awaited<ReturnType<typeof runAuditCli>>;
  let json: Report;
  const odd = `${HOSTILE}${FAKE_SUMMARY}`;

  before(async () => {
    fake = await startHostileEngine({
      containers: 3,
      version: { Version: `27.3.1${odd}`, ApiVersion: `1.47${odd}`, Os: 'linux' },
      info: {
        ServerVersion: `27.3.1${odd}`,
        SecurityOptions: ['name=seccomp,profile=builtin'],
        Warnings: [`WARNING: ${odd}`],
        LoggingDriver: `json-file${odd}`,
        Plugins: { Authorization: [`authz${odd}`] },
      },
      inspect: (id, index) =>
        index === 2
          ? 500
          : {
              ...plainInspect(id, index),
              Name: `/name${odd}`,
              State: { Status: `exited${odd}`, Running: false },
              HostConfig: { ...(plainInspect(id, index)['HostConfig'] as object), Privileged: true },
            },
    });
  });
  after(() => fake.stop());

  test('the text report shows every such character escaped, and its summary cannot be imitated', async () => {
    text = await runAuditCli(['--host', fake.url, '--fail-on', 'none']);
    json = JSON.parse((await runAuditCli(['--host', fake.url, '--format', 'json', '--fail-on', 'none'])).stdout) as Report;
    assert.equal(text.code, 0, text.stderr);
    assertInertAndUnforgeable(text.stdout, json);
    for (const shown of [
      `Docker Engine 27.3.1${SHOWN}`,
      `container.privileged [CIS 5.5] A container is privileged: name${SHOWN}`,
      `exited${SHOWN}${FAKE_SUMMARY}: one docker start away`,
      `GET /info Warnings: WARNING: ${SHOWN.split('\\u2028')[0]!}`,
    ]) {
      assert.ok(text.stdout.includes(shown), `${JSON.stringify(shown)} in\n${text.stdout}`);
    }
  });

  test('the JSON report keeps them exactly', () => {
    assert.deepEqual(validateReport(json), []);
    const target = json.targets[0]!;
    assert.equal((target as unknown as { engine: { version: string } }).engine.version, `27.3.1${odd}`);
    assert.ok(target.findings.some((f) => f.id === 'container.privileged' && f.subject === `name${odd}`));
    // A warning is shown by its first line, trimmed, as the engine writes several-line warnings.
    assert.ok(allStrings(json).some((s) => s.includes(`WARNING: ${HOSTILE.split('\u2028')[0]!}`)));
  });
});
