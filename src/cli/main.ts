// The `dockgate` command line. Each subcommand lives in its own file; this one only wires them.
import { Command } from 'commander';
import { failureReport } from './failure-report.js';

type Register = (program: Command) => void;

/**
 * Each subcommand's module is loaded only when that subcommand runs: `serve` runs for months, and the
 * certificate authority's and the host audit's libraries would weigh on its memory for nothing (docs/performance.md).
 * Without a known subcommand (`dockgate --help`, a typo) all are loaded, for the help and the suggestions.
 */
const SUBCOMMANDS: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./serve-command.js')).registerServe,
  policy: async () => (await import('./policy-command.js')).registerPolicy,
  audit: async () => (await import('./audit-command.js')).registerAudit,
  check: async () => (await import('./check-command.js')).registerCheck,
  certs: async () => (await import('./certs-command.js')).registerCerts,
  health: async () => (await import('./health-command.js')).registerHealth,
};

const program = new Command('dockgate')
  .description('A security gateway for the Docker daemon: every request understood, judged per client and recorded.')
  .showHelpAfterError('(dockgate --help lists the commands and options)')
  // Commander's own errors read like ours: one line starting with `dockgate:`.
  .configureOutput({ outputError: (text, write) => write(`dockgate: ${text.replace(/^error: /, '')}`) });

const asked = process.argv[2];
const names = asked !== undefined && Object.hasOwn(SUBCOMMANDS, asked) ? [asked] : Object.keys(SUBCOMMANDS);
for (const name of names) (await SUBCOMMANDS[name]!())(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(failureReport(err));
  process.exit(2);
});
