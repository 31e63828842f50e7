// A Dockerfile the engine's parser or shell lexer would refuse to read: the build fails before any
// instruction runs. Kept apart from the parser so that the shell lexer can throw it too.

export class DockerfileSyntaxError extends Error {
  /** line: the 1-based line the parser was reading; 0 where no line applies (a single word handed to the lexer). */
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(line > 0 ? `Dockerfile line ${line}: ${message}` : message);
    this.name = 'DockerfileSyntaxError';
  }
}
