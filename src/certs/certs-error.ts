// A failure a `dockgate certs` user can act on: its message is one line, says what is wrong with which
// file or argument, and how to fix it. The CLI prints it as `dockgate: <message>`, never with a stack.
export class CertsError extends Error {
  override name = 'CertsError';
}

/** An errno-style failure of a file operation, as `cannot write DIR/ca.pem (EACCES)`. */
export function fileError(action: string, path: string, err: unknown): CertsError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return new CertsError(`cannot ${action} ${path} (${code ?? (err instanceof Error ? err.message : String(err))})`);
}
