// The `dockgate` command line. Each subcommand lives in its own file; this one only wires them.
import { Command } from 'commander';
import { registerServe } from './serve-command.js';
import { registerPolicy } from './policy-command.js';
import { registerAudit } from './audit-command.js';
import { registerCerts } from './certs-command.js';

const program = new Command('dockgate')
  .description('A security gateway for the Docker daemon: every request understood, judged per client and recorded.')
  .showHelpAfterError('(dockgate --help lists the commands and options)')
  // Commander's own errors read like ours: one line starting with `dockgate:`.
  .configureOutput({ outputError: (text, write) => write(`dockgate: ${text.replace(/^error: /, '')}`) });

registerServe(program);
registerPolicy(program);
registerAudit(program);
registerCerts(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // Users get one clear line, never a stack trace.
  process.stderr.write(`dockgate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
