// The heredocs an instruction line opens, found as newer parsers find them (parser.go's
// heredocsFromLine and heredocFromMatch): the line is lexed into words with quotes and escapes kept
// (always with a backslash escape, whatever the escape directive says), and each word of the form
// [n]<<[-]WORD names one, in order. WORD is lexed again without quotes; if that takes quotes away the
// body is not expanded. A line the lexer cannot read opens no heredocs at all; a heredoc word it
// cannot read fails the parse.
import { DockerfileSyntaxError } from './dockerfile-syntax-error.js';
import { ShellLexError, ShellLexer } from './shell-lexer.js';

export interface HeredocOpener {
  readonly name: string;
  /** Variables in the body are expanded (the name was not quoted). */
  readonly expand: boolean;
  /** <<- : leading tabs are stripped from the body and from the terminator line. */
  readonly chomp: boolean;
}

/** reHeredoc; Go's \d and \s are ASCII only. */
const HEREDOC_WORD = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/u;

function lexWords(text: string, rawQuotes: boolean, rawEscapes: boolean): readonly string[] {
  const lexer = new ShellLexer(text, { escape: '\\', rawQuotes, rawEscapes, skipUnsetEnv: true, env: () => undefined });
  return lexer.process().words;
}

function quoteCount(word: string): number {
  return word.split('').filter((ch) => ch === "'" || ch === '"').length;
}

/** heredocFromMatch: the heredoc a word opens, if it is a heredoc word. */
function heredocOpenedBy(word: string, line: number): HeredocOpener | undefined {
  const match = HEREDOC_WORD.exec(word);
  const rest = match?.[3];
  if (!match || !rest) return undefined;
  try {
    const words = lexWords(rest, false, false);
    if (words.length !== 1) return undefined;
    const rawWords = lexWords(rest, true, false);
    if (rawWords.length !== words.length) throw new DockerfileSyntaxError(`internal lexing of heredoc produced inconsistent results: ${rest}`, line);
    return { name: words[0]!, expand: quoteCount(words[0]!) === quoteCount(rawWords[0]!), chomp: match[2] === '-' };
  } catch (error) {
    if (error instanceof ShellLexError) throw new DockerfileSyntaxError(error.message, line);
    throw error;
  }
}

/** heredocsFromLine. */
export function heredocOpeners(instructionLine: string, line: number): HeredocOpener[] {
  let words: readonly string[];
  try {
    words = lexWords(instructionLine, true, true);
  } catch (error) {
    if (!(error instanceof ShellLexError)) throw error;
    words = [];
  }
  return words.flatMap((word) => heredocOpenedBy(word, line) ?? []);
}
