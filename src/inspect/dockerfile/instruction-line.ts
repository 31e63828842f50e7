// One logical line (continuations joined) read into an instruction, as parser.go's newNodeFromLine
// reads it: split_command.go's splitCommand cuts the keyword and the --flags, then the dispatch table
// of line_parsers.go splits the rest the way that keyword's line parser does. args is the list of
// values the parser chains after the keyword (what instructions.nodeArgs hands on), quotes and escapes
// left in place: the shell lexer deals with them when the builder runs the instruction.
import { extractBuilderFlags } from './builder-flags.js';
import type { DockerfileFlag, DockerfileInstruction } from './dockerfile-parser.js';
import { DockerfileSyntaxError } from './dockerfile-syntax-error.js';
import { fromByteString, goToLower, isGoSpace, toByteString, trimGoSpace } from './go-strings.js';
import { readJsonStringArray } from './instruction-json-array.js';
import type { ParserVersion } from './parser-versions.js';
import { WordCollector } from './word-collector.js';

export interface InstructionContext {
  readonly version: ParserVersion;
  /** The escape character the directives chose. */
  readonly escape: string;
  /** The line the instruction starts on, for errors and for the instruction. */
  readonly line: number;
}

interface ParsedArguments {
  readonly args: readonly string[];
  readonly json: boolean;
  readonly trigger?: DockerfileInstruction;
}

type LineParser = (rest: string, context: InstructionContext) => ParsedArguments;

/** parser.go's reWhitespace: ASCII blanks only, unlike unicode.IsSpace. */
const BLANKS = /[\t\v\f\r ]+/;

const shellForm = (args: readonly string[]): ParsedArguments => ({ args, json: false });

/** splitCommand: the keyword as written, the flags, the trimmed rest. */
function splitCommand(line: string, context: InstructionContext): { command: string; flags: readonly DockerfileFlag[]; rest: string } {
  const trimmed = trimGoSpace(line);
  const blank = BLANKS.exec(trimmed);
  if (!blank) return { command: trimmed, flags: [], rest: '' };
  const escape = context.version.flagsEscapeWithDirectiveToken ? context.escape : '\\';
  const { flags, rest } = extractBuilderFlags(trimmed.slice(blank.index + blank[0].length), escape);
  return { command: trimmed.slice(0, blank.index), flags, rest: trimGoSpace(rest) };
}

/** parseIgnore: an unknown keyword keeps one empty argument; the builder then refuses the instruction. */
const parseIgnore: LineParser = () => shellForm(['']);

/** parseString: the rest as one argument. */
const parseString: LineParser = (rest) => shellForm(rest === '' ? [] : [rest]);

/** parseStringsWhitespaceDelimited: split on ASCII blanks, nothing else. */
const parseStringsWhitespaceDelimited: LineParser = (rest) => shellForm(rest === '' ? [] : rest.split(BLANKS));

/** parseMaybeJSON: the exec form if the rest is a JSON array of strings, else the rest as one argument. */
const parseMaybeJSON: LineParser = (rest, context) => {
  if (rest === '') return shellForm([]);
  const json = readJsonStringArray(rest, context.version.jsonFirstValueOnly, context.line);
  return json ? { args: json, json: true } : shellForm([rest]);
};

/** parseMaybeJSONToList: the exec form, else whitespace-delimited words. */
const parseMaybeJSONToList: LineParser = (rest, context) => {
  const json = readJsonStringArray(rest, context.version.jsonFirstValueOnly, context.line);
  return json ? { args: json, json: true } : parseStringsWhitespaceDelimited(rest, context);
};

/**
 * parseWords: words split on unquoted Unicode spaces, quotes and escapes kept. Outside quotes the
 * escape character keeps itself and the next character (even a quote); inside double quotes it keeps
 * the closing quote from closing; inside single quotes it is an ordinary character.
 */
function parseWords(rest: string, escape: string): string[] {
  const chars = [...rest];
  const collected = new WordCollector();
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = chars[pos] ?? '';
    if (phase === 'spaces') {
      if (pos === chars.length) break;
      if (isGoSpace(ch.codePointAt(0)!)) continue;
      phase = 'word';
    }
    if (pos === chars.length) {
      collected.end();
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch.codePointAt(0)!)) {
        phase = 'spaces';
        collected.end();
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        collected.quoted = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue; // an escape at the end of the line is dropped
        collected.word += ch;
        ch = chars[++pos]!;
      }
      collected.word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      collected.word += ch;
      ch = chars[++pos]!;
    }
    collected.word += ch;
  }
  return collected.words;
}

/** Go's %q closely enough for an error message. */
const quoted = (s: string): string => JSON.stringify(s);

/**
 * parseNameVal for ENV and LABEL: `KEY name=value ...`, or the legacy `KEY name value` when the first
 * word has no '='. Newer parsers chain a third value after each pair, the separator ("=" or "" for
 * the legacy form); v0.8 chains name and value only.
 */
function parseNameVal(key: string): LineParser {
  return (rest, context) => {
    const withSeparator = (name: string, value: string, separator: string): string[] => (context.version.nameValueSeparators ? [name, value, separator] : [name, value]);
    const words = parseWords(rest, context.escape);
    if (words.length === 0) return shellForm([]);
    if (!words[0]!.includes('=')) {
      const blank = BLANKS.exec(rest);
      if (!blank) throw new DockerfileSyntaxError(`${key} must have two arguments`, context.line);
      return shellForm(withSeparator(rest.slice(0, blank.index), rest.slice(blank.index + blank[0].length), ''));
    }
    const args: string[] = [];
    for (const word of words) {
      const equals = word.indexOf('=');
      if (equals < 0) throw new DockerfileSyntaxError(`Syntax error - can't find = in ${quoted(word)}. Must be of the form: name=value`, context.line);
      args.push(...withSeparator(word.slice(0, equals), word.slice(equals + 1), '='));
    }
    return shellForm(args);
  };
}

/** parseNameOrNameVal for ARG: the words as they are. */
const parseNameOrNameVal: LineParser = (rest, context) => shellForm(parseWords(rest, context.escape));

/**
 * parseHealthConfig: the type word (CMD, NONE), then the rest as parseMaybeJSON reads it. It finds the
 * end of the type word byte by byte, so a byte 0x85 or 0xA0 inside a character ends it.
 */
const parseHealthConfig: LineParser = (rest, context) => {
  const bytes = toByteString(rest);
  let sep = 0;
  while (sep < bytes.length && !isGoSpace(bytes.charCodeAt(sep))) sep++;
  let next = sep;
  while (next < bytes.length && isGoSpace(bytes.charCodeAt(next))) next++;
  if (sep === 0) return shellForm([]);
  const command = parseMaybeJSON(fromByteString(bytes.slice(next)), context);
  return { args: [fromByteString(bytes.slice(0, sep)), ...command.args], json: command.json };
};

/** parseSubCommand for ONBUILD: the rest is an instruction line of its own, the trigger. */
const parseSubCommand: LineParser = (rest, context) => (rest === '' ? shellForm([]) : { args: [], json: false, trigger: parseInstructionLine(rest, context) });

/** parser.go's dispatch table, keyed by the lower-cased keyword. */
const DISPATCH: ReadonlyMap<string, LineParser> = new Map([
  ['add', parseMaybeJSONToList],
  ['arg', parseNameOrNameVal],
  ['cmd', parseMaybeJSON],
  ['copy', parseMaybeJSONToList],
  ['entrypoint', parseMaybeJSON],
  ['env', parseNameVal('ENV')],
  ['expose', parseStringsWhitespaceDelimited],
  ['from', parseStringsWhitespaceDelimited],
  ['healthcheck', parseHealthConfig],
  ['label', parseNameVal('LABEL')],
  ['maintainer', parseString],
  ['onbuild', parseSubCommand],
  ['run', parseMaybeJSON],
  ['shell', parseMaybeJSON],
  ['stopsignal', parseString],
  ['user', parseString],
  ['volume', parseMaybeJSONToList],
  ['workdir', parseString],
]);

/** newNodeFromLine, without heredocs (the parser reads those from the lines that follow). */
export function parseInstructionLine(line: string, context: InstructionContext): DockerfileInstruction {
  const { command, flags, rest } = splitCommand(line, context);
  const keyword = goToLower(command);
  const { args, json, trigger } = (DISPATCH.get(keyword) ?? parseIgnore)(rest, context);
  return { keyword, line: context.line, flags, json, args, heredocs: [], ...(trigger && { trigger }) };
}
