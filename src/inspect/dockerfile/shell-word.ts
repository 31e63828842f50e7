// One word of an instruction as the builder expands it before use: Lex.ProcessWord over the build's
// variables, with the Dockerfile's escape character. The builder applies it to ADD/COPY sources and
// destinations, FROM image names, flag values and the other single-word arguments; what it yields is
// what the engine fetches, copies or pulls, so it is what a judge must look at.
import { DockerfileSyntaxError } from './dockerfile-syntax-error.js';
import { ShellLexError, ShellLexer } from './shell-lexer.js';

export interface WordExpansion {
  readonly value: string;
  /** variables referenced that env did not know */
  readonly unknown: readonly string[];
  /** true when the word used a form whose result dockgate does not compute (e.g. ${VAR#pattern}, ${VAR/a/b} from newer lexers) */
  readonly uncertain: boolean;
}

/**
 * Expands word as the builder does. An unknown variable expands to nothing, as the engine expands an
 * unset one, and is listed in unknown. ${VAR?msg} and ${VAR:?msg} on an unset (or empty) variable,
 * which stop the build, and the pattern forms, which dockgate does not compute, add nothing to value
 * and set uncertain. What the lexer itself refuses (an unterminated quote or ${, a bad substitution)
 * throws a DockerfileSyntaxError with line 0.
 */
export function processWord(word: string, escape: string, env: (name: string) => string | undefined): WordExpansion {
  const lexer = new ShellLexer(word, { escape, rawQuotes: false, rawEscapes: false, skipUnsetEnv: false, env });
  try {
    const { result, unknown, uncertain } = lexer.process();
    return { value: result, unknown, uncertain };
  } catch (error) {
    if (error instanceof ShellLexError) throw new DockerfileSyntaxError(error.message, 0);
    throw error;
  }
}
