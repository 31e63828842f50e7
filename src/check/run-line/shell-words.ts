// The commands of a shell script as the shell would run them, each word with the line and column it starts
// at: mvdan-sh (mvdan/sh, the parser of shfmt) reads the script (quotes, `\` continuations, comments,
// several commands on a line, commands inside `if`, pipelines), and each word is given the value the shell
// would pass after quote removal. A word whose value only running the shell would give (a command
// substitution, `${X:-default}`, an unquoted expansion that would be split) has no single reading here and
// is an error at its place, never a guess.
import sh, { type ShNode, type ShParamExp, type ShQuoted, type ShWord, type ShLit, type ShCallExpr } from 'mvdan-sh';
import { ConfigError } from '../../errors/config-error.js';
import type { SourceLocation } from '../checked-request.js';

export interface ShellWord {
  value: string;
  location: SourceLocation;
}

export interface ShellCommand {
  /** The program the command runs when it is a plain literal (`docker`, `/usr/bin/docker` as `docker`, after `sudo` or `exec`), else undefined. */
  program: string | undefined;
  location: SourceLocation;
  /** The words from the program on, as the shell would pass them (read only for the commands asked for: a script's other commands may use any shell). */
  words(): ShellWord[];
}

/** What the words read: the variables of `$NAME` and `${NAME}`, and HOME for `~`. */
export type ShellEnvironment = Readonly<Record<string, string | undefined>>;

const { syntax } = sh;

function at(file: string, node: ShNode): SourceLocation {
  return { file, line: node.Pos().Line(), column: node.Pos().Col() };
}

function unreadable(file: string, node: ShNode, what: string): ConfigError {
  const { line, column } = at(file, node);
  return new ConfigError(`${file}:${line}:${column}: ${what}, which only running the shell would give a value; write the value itself`);
}

/** An unquoted literal: a backslash keeps the next character, a backslash-newline joins lines. */
function unquotedLiteral(text: string): string {
  return text.replace(/\\(\n|.)/gs, (_, c: string) => (c === '\n' ? '' : c));
}

/** A literal inside double quotes: a backslash escapes only $ ` " \ and the newline. */
function doubleQuotedLiteral(text: string): string {
  return text.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c));
}

function parameter(file: string, node: ShParamExp, env: ShellEnvironment, quoted: boolean): string {
  const plain = !node.Excl && !node.Length && !node.Width && node.Index === null && node.Slice === null && node.Repl === null && node.Names === 0 && node.Exp === null;
  if (!plain) throw unreadable(file, node, `\${${node.Param.Value}...} is an expansion with an operator`);
  const value = env[node.Param.Value] ?? '';
  if (!quoted && /[\s*?[]/.test(value)) throw unreadable(file, node, `$${node.Param.Value} is unquoted and its value would be split or globbed`);
  return value;
}

function partValue(file: string, part: ShNode, env: ShellEnvironment, quoted: boolean, first: boolean): string {
  switch (syntax.NodeType(part)) {
    case 'Lit': {
      const text = (part as ShLit).Value;
      if (quoted) return doubleQuotedLiteral(text);
      // A leading `~` or `~/` is the home directory (`~user` would need the password database).
      const home = first && (text === '~' || text.startsWith('~/')) ? (env['HOME'] ?? '') + text.slice(1) : text;
      return unquotedLiteral(home);
    }
    case 'SglQuoted': {
      const single = part as ShQuoted;
      if (single.Dollar) throw unreadable(file, part, `$'...' is a quoting with escapes of its own`);
      return single.Value;
    }
    case 'DblQuoted': {
      const double = part as ShQuoted;
      if (double.Dollar) throw unreadable(file, part, `$"..." is a translated string`);
      return double.Parts.map((inner) => partValue(file, inner, env, true, false)).join('');
    }
    case 'ParamExp':
      return parameter(file, part as ShParamExp, env, quoted);
    default:
      throw unreadable(file, part, `${syntax.NodeType(part)} (a substitution or expansion)`);
  }
}

function wordValue(file: string, word: ShWord, env: ShellEnvironment): string {
  return word.Parts.map((part, i) => partValue(file, part, env, false, i === 0)).join('');
}

/** A word that is one plain literal (`docker`, `/usr/bin/docker`), else undefined. */
function literalOf(word: ShWord): string | undefined {
  const [part, ...more] = word.Parts;
  return part !== undefined && more.length === 0 && syntax.NodeType(part) === 'Lit' ? unquotedLiteral((part as ShLit).Value) : undefined;
}

/** Commands that run the next word as the program (`sudo docker run ...`), when given no options of their own. */
const RUNS_THE_NEXT_WORD = new Set(['sudo', 'exec', 'command', 'nohup', 'time']);

function programIndex(args: readonly ShWord[]): number {
  let index = 0;
  while (index + 1 < args.length && RUNS_THE_NEXT_WORD.has(literalOf(args[index]!) ?? '')) index++;
  return index;
}

/**
 * Every simple command of `source` (a script, or one command line), wherever it sits: top level, pipelines,
 * lists, `if` and loops. A script the shell could not parse is an error at the place the shell names.
 */
export function shellCommands(source: string, file: string, env: ShellEnvironment): ShellCommand[] {
  let tree;
  try {
    tree = syntax.NewParser().Parse(source, file);
  } catch (err) {
    const parseError = err as { Error?: () => string };
    if (typeof parseError.Error === 'function') throw new ConfigError(parseError.Error());
    throw err;
  }
  const commands: ShellCommand[] = [];
  syntax.Walk(tree, (node) => {
    if (node !== null && syntax.NodeType(node) === 'CallExpr') {
      const call = node as ShCallExpr;
      const start = programIndex(call.Args);
      const first = call.Args[start];
      if (first !== undefined) {
        const literal = literalOf(first);
        const program = literal === undefined ? undefined : literal.slice(literal.lastIndexOf('/') + 1);
        const args = call.Args.slice(start);
        commands.push({ program, location: at(file, first), words: () => args.map((word) => ({ value: wordValue(file, word, env), location: at(file, word) })) });
      }
    }
    return true;
  });
  return commands;
}
