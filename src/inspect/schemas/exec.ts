// Exec bodies: POST /containers/{id}/exec (what runs, as whom, privileged or not) and POST /exec/{id}/start.
import { arrayOf, bool, object, pointer, str, stringList, uint, type BodyOf } from '../body-schema.js';

/** *[2]uint: height and width of the TTY. */
const consoleSize = pointer(arrayOf(uint, 2));

export const execCreateBody = object({
  User: str,
  Privileged: bool,
  Tty: bool,
  ConsoleSize: consoleSize,
  AttachStdin: bool,
  AttachStderr: bool,
  AttachStdout: bool,
  // Not in the specs, but in the Go type up to engine 28 and sent by the Docker CLI.
  Detach: bool,
  DetachKeys: str,
  Env: stringList,
  WorkingDir: str,
  Cmd: stringList,
});

export type ExecCreateBody = BodyOf<typeof execCreateBody>;

export const execStartBody = object({ Detach: bool, Tty: bool, ConsoleSize: consoleSize });
