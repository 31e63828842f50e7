// What the reporting commands (`audit`, `check`) share: the package's version for the report, the
// terminal the report is read on, the --fail-on and --format options, and where the report is written.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option } from 'commander';

/**
 * The width of the terminal the report is read on: standard output's, else standard error's (a report
 * piped to a pager is still read on the terminal); undefined without one (CI logs, cron mail).
 */
export function terminalWidth(): number | undefined {
  if (process.stdout.isTTY === true) return process.stdout.columns;
  if (process.stderr.isTTY === true) return process.stderr.columns;
  return undefined;
}

export function packageVersion(): string {
  // src/cli and dist/cli are both two levels below the package root.
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function formatOption(): Option {
  return new Option('--format <format>', 'report format').choices(['text', 'json', 'sarif']).default('text');
}

/** `--fail-on`, `what` saying what fails at `none`. */
export function failOnOption(what: string): Option {
  return new Option('--fail-on <severity>', `exit 1 when a finding is at or above this severity (${what})`).choices(['none', 'info', 'low', 'medium', 'high', 'critical']).default('high');
}

/** The report to `--output FILE`, else standard output. */
export function writeReport(text: string, output: string | undefined): void {
  if (output !== undefined) writeFileSync(output, text);
  else process.stdout.write(text);
}
