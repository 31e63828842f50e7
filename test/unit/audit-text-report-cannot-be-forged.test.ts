// The text report quotes what others wrote (container names, bind paths, sysctl keys, the engine's
// version, warnings and error answers). None of it acts on the terminal, and none of it can pass for the
// report's own lines: only headings, the rule and the summary start at the left margin, the summary is
// the last line below the rule, and on a terminal lines are folded before the terminal would wrap them,
// so that a fake summary padded to the terminal's width never reaches the margin either.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONTINUATION, foldLine } from '../../src/audit/format/fold-line.js';
import { renderText } from '../../src/audit/format/text.js';
import { buildReport, type TargetReport } from '../../src/audit/report.js';

/** What a terminal would obey or hide: C0 (but the report's own newlines), DEL, C1, bidi and invisible format characters, line separators. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
const FAKE_SUMMARY = 'Summary: 0 critical, 0 high, 0 medium, 0 low, 0 info; 0 not checked — passing: nothing at or above high';
const HOSTILE = `\u001b]0;pwned\u0007\u001b[2J\u001b[H\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\\u001b]52;c;cm0gLXJmIH4=\u0007\u009b2J\u202eexe.txt\u2028\u2029\r\n\t\t\t${FAKE_SUMMARY}`;

function hostileTarget(): TargetReport {
  return {
    host: 'tcp://127.0.0.1:2375',
    scope: 'remote',
    reachable: true,
    engine: { version: `27.3.1${HOSTILE}`, apiVersion: `1.47${HOSTILE}`, os: 'linux', transport: 'http', rootless: false, userNamespaceRemap: false, daemonPid: null },
    findings: [
      {
        id: 'container.host-bind',
        severity: 'low',
        title: 'A container bind-mounts a host path',
        subject: `web${HOSTILE}`,
        evidence: [`container web${HOSTILE} (0123456789ab, running)`, `Mounts: read-write bind of /srv/${HOSTILE} at /data${HOSTILE}`],
        remediation: 'Prefer named volumes',
      },
      {
        id: 'container.sysctls',
        severity: 'medium',
        title: 'A container sets kernel parameters beyond the Pod Security baseline',
        subject: 'web',
        evidence: [`HostConfig.Sysctls.net.${HOSTILE}: sets the kernel parameter`],
        remediation: 'Recreate it without the --sysctl entries',
      },
    ],
    notChecked: [{ area: 'engine', reason: `GET /info failed: answered 500: ${HOSTILE}` }],
  };
}

const report = buildReport([hostileTarget()], 'high', new Date(), '0.1.0');

/** Lines the report itself starts at the left margin. */
const OWN_MARGIN_LINE = /^(dockgate audit: |(CRITICAL|HIGH|MEDIUM|LOW|INFO|NOT CHECKED) \(\d+\)$|={40}$|Summary: )/;

/** Every line at the margin is the report's own, and the summary (its own counts) is the last, below the rule. */
function checkNothingPassesForTheReport(text: string, counts: string): void {
  const lines = text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .trimEnd()
    .split('\n');
  const rule = lines.lastIndexOf('='.repeat(40));
  assert.ok(lines[rule + 1]!.startsWith(`Summary: ${counts}`), lines[rule + 1]);
  // A summary longer than the terminal goes on on continuation lines.
  for (const more of lines.slice(rule + 2)) assert.ok(more.startsWith(CONTINUATION), more);
  for (const [i, line] of lines.entries()) {
    if (line === '' || line.startsWith(' ')) continue;
    assert.match(line, OWN_MARGIN_LINE, `line ${i + 1} starts at the margin: ${line}`);
    if (line.startsWith('Summary: ')) assert.equal(i, rule + 1, `a summary on line ${i + 1} of ${lines.length}`);
  }
}

describe('the text report shows what others wrote, inert', () => {
  test('no escape sequence, control, bidi or separator character of theirs reaches the terminal', () => {
    const text = renderText(report, { colour: false });
    assert.doesNotMatch(text, ACTIVE, JSON.stringify(text));
    assert.ok(text.includes('web\\e]0;pwned\\u0007\\e[2J\\e[H\\e]8;;https://evil.example\\e\\\\link'), text);
    // Tabs too: a run of them would take the cursor to the last column, whatever the terminal's width.
    assert.ok(text.includes('\\u009b2J\\u202eexe.txt\\u2028\\u2029\\r\\n\\t\\t\\tSummary: 0 critical'), text);
    assert.ok(text.includes('Docker Engine 27.3.1\\e]0;pwned'), text);
  });

  test("with colour, the only escapes are the report's own colours", () => {
    const text = renderText(report, { colour: true });
    assert.doesNotMatch(text.replace(/\x1b\[[0-9;]*m/g, ''), ACTIVE);
    assert.ok(text.includes('\x1b[1mSummary:\x1b[0m'));
  });

  test('their text never starts a line, and the summary is the last line, below the rule', () => {
    checkNothingPassesForTheReport(renderText(report, { colour: false }), '0 critical, 0 high, 1 medium, 1 low, 0 info; 1 not checked');
  });
});

describe('on a terminal, lines are folded before the terminal wraps them', () => {
  /** Columns a terminal gives each character: two for the wide ones used here, one for the rest. */
  const columns = (line: string): number => [...line.replace(/\x1b\[[0-9;]*m/g, '')].reduce((n, c) => n + (/[\u3000-\u9fff\uff00-\uffef]/u.test(c) ? 2 : 1), 0);

  for (const width of [80, 120]) {
    test(`a fake summary padded to start a screen line of a ${width}-column terminal never does`, () => {
      // The evidence line starts with 8 columns of the report's own; the padding puts the fake summary at column `width` exactly.
      const padded = `x${'y'.repeat(width - 8 - 1)}${FAKE_SUMMARY}`;
      const wide = `宽${'字'.repeat(width)}${FAKE_SUMMARY}`;
      const target = {
        ...hostileTarget(),
        findings: [
          {
            id: 'container.host-bind',
            severity: 'low' as const,
            title: 'A container bind-mounts a host path',
            subject: wide,
            evidence: [padded, `Mounts: ${'z '.repeat(width)}${FAKE_SUMMARY}`],
            remediation: 'r',
          },
        ],
      };
      const forged = buildReport([target], 'high', new Date(), '0.1.0');
      // Unfolded, a terminal of this width would show the fake summary at its margin.
      const unfolded = renderText(forged, { colour: false })
        .split('\n')
        .find((l) => l.includes(padded))!;
      assert.equal(unfolded.slice(width).startsWith('Summary: 0 critical'), true);
      for (const colour of [false, true]) {
        const text = renderText(forged, { colour, width });
        for (const line of text.trimEnd().split('\n')) assert.ok(columns(line) < width, `${columns(line)} columns: ${line}`);
        checkNothingPassesForTheReport(text, '0 critical, 0 high, 0 medium, 1 low, 0 info; 1 not checked');
      }
    });
  }

  test('a folded line goes on indented deeper than any line the report starts, breaking at a space where it can', () => {
    const line = `      - Mounts: read-write bind of /srv/${'a'.repeat(30)} at /data ${'b'.repeat(40)}`;
    const folded = foldLine(line, 60);
    assert.deepEqual(folded, ['      - Mounts: read-write bind of', `${CONTINUATION}/srv/${'a'.repeat(30)} at /data`, `${CONTINUATION}${'b'.repeat(40)}`]);
    // Without a space to break at, where the room ends.
    assert.deepEqual(foldLine(`      - ${'c'.repeat(100)}`, 60), [`      - ${'c'.repeat(51)}`, `${CONTINUATION}${'c'.repeat(49)}`]);
    assert.deepEqual(foldLine('short', 80), ['short']);
  });
});
