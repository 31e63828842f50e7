// `dockgate policy ...` for tests, without the rest of the CLI: the policy command registered on a
// program of its own, run with this process's arguments.
import { Command } from 'commander';
import { registerPolicy } from '../../src/cli/policy-command.js';

const program = new Command('dockgate').configureOutput({ outputError: (text, write) => write(`dockgate: ${text.replace(/^error: /, '')}`) });
registerPolicy(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`dockgate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
