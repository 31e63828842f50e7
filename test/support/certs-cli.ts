// `dockgate certs ...` for unit tests, without the rest of the CLI: the certs command registered on a
// program of its own, with main.ts's error handling, run with this process's arguments.
import { Command } from 'commander';
import { registerCerts } from '../../src/cli/certs-command.js';

const program = new Command('dockgate').configureOutput({ outputError: (text, write) => write(`dockgate: ${text.replace(/^error: /, '')}`) });
registerCerts(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`dockgate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
