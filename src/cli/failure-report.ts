// What the command line prints when a command fails. Messages can quote file contents and paths (a
// policy value, a certificate field): shown, not obeyed.
import { ConfigError } from '../errors/config-error.js';
import { inertText } from '../log/inert-text.js';

/** The text for stderr: a ConfigError's message as one line; anything else, a bug, with its stack. */
export function failureReport(err: unknown): string {
  // The operator's mistake: one clear line, never a stack trace.
  if (err instanceof ConfigError) return `dockgate: ${inertText(err.message)}\n`;
  // Anything else is a bug: its stack, line by line, so that it can be reported and found.
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return `dockgate: internal error (a bug; please report it with what follows): ${text.split('\n').map(inertText).join('\n')}\n`;
}
