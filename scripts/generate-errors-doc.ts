// Writes docs/errors.md from the catalogue (src/errors/catalogue.ts), the one place codes, statuses and
// rule names are kept: `npm run docs:errors`. test/unit/errors-doc-matches-catalogue.test.ts fails when the
// committed file is not what this writes, so the page cannot drift from the code.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CATALOGUE, CONNECTION_REFUSALS } from '../src/errors/catalogue.js';

export const ERRORS_DOC_PATH = fileURLToPath(new URL('../docs/errors.md', import.meta.url));

/** A table cell: one line, its pipes escaped. */
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;

/** The text of docs/errors.md. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Errors and refusals',
    '',
    '<!-- Generated from src/errors/catalogue.ts by `npm run docs:errors`; edit the catalogue, not this file. -->',
    '',
    'Every refusal the gateway answers itself has a stable code and rule name. The client gets the status',
    'below, the header `Dockgate-Decision` (`deny` for a refusal, `error` when the gateway could not serve)',
    "and a body shaped like the engine's own errors, which the Docker CLI prints as",
    '`Error response from daemon: dockgate: WHAT denied by RULE: WHY. FIX` (`WHAT failed (RULE): ...` for',
    "errors). A policy rule that refuses names itself in place of the catalogue's rule. The audit record of",
    'the request carries the same rule and reason.',
    '',
    '## Refusals of a request',
    '',
    row(['code', 'status', 'rule', 'decision', 'meaning']),
    row(['---', '---', '---', '---', '---']),
    ...Object.entries(CATALOGUE).map(([code, entry]) => row([`\`${code}\``, String(entry.status), `\`${entry.rule}\``, entry.decision, entry.means])),
    '',
    '## Connections refused before a request',
    '',
    'No HTTP answer is possible for these: the connection is closed, and a `phase: "connection"` audit record',
    'and a log line name the cause and the rule.',
    '',
    row(['cause', 'rule', 'fix']),
    row(['---', '---', '---']),
    ...Object.entries(CONNECTION_REFUSALS).map(([cause, refusal]) => row([`\`${cause}\``, `\`${refusal.rule}\``, refusal.fix])),
  ];
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ERRORS_DOC_PATH, renderErrorsDoc());
  process.stdout.write(`wrote ${ERRORS_DOC_PATH}\n`);
}
