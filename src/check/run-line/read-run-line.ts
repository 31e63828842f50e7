// A `docker run` or `docker create` command line read flag by flag as the docker CLI reads it (cobra and
// pflag, with interspersed flags off, as cli/command/container/run.go and create.go set them): `--flag=value`
// and `--flag value` (a value flag takes the next word whatever it starts with), booleans alone or as
// `--flag=false`, grouped short flags (`-itd`, `-dp 80:80`, `-p8080:80`, `-p=8080:80`), `--` ending the
// flags, the first word that is not a flag being the image and the rest the command. An unknown flag or a
// value flag without a value is the CLI's own error, at its place in the file.
import { ConfigError } from '../../errors/config-error.js';
import type { SourceLocation } from '../checked-request.js';
import { RUN_FLAGS, type RunFlag } from './run-flags.js';
import type { ShellWord } from './shell-words.js';

export interface FlagUse {
  flag: RunFlag;
  /** The value given (`true`/`false` for a boolean). */
  value: string;
  /** Where the flag's word starts (for a short flag in a group, the group's word). */
  location: SourceLocation;
}

export interface RunLine {
  /** `run` or `create`. */
  command: 'run' | 'create';
  uses: FlagUse[];
  image: ShellWord;
  args: ShellWord[];
  /** Where the `docker` word is. */
  location: SourceLocation;
}

/** The flags each command knows, by long name and by shorthand. */
const FLAGS = {
  run: flagIndex(RUN_FLAGS),
  create: flagIndex(RUN_FLAGS.filter((f) => f.runOnly !== true)),
};

function flagIndex(flags: readonly RunFlag[]): { long: ReadonlyMap<string, RunFlag>; short: ReadonlyMap<string, RunFlag> } {
  return { long: new Map(flags.map((f) => [f.name, f])), short: new Map(flags.filter((f) => f.short !== undefined).map((f) => [f.short!, f])) };
}

/** Go's strconv.ParseBool, which pflag's boolean flags use. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function cliError(where: SourceLocation, command: string, message: string): ConfigError {
  return new ConfigError(`${where.file}:${where.line}:${where.column}: docker ${command}: ${message} (the docker CLI refuses this line too; see 'docker ${command} --help')`);
}

function booleanValue(text: string, name: string, where: SourceLocation, command: string): string {
  if (TRUE.has(text)) return 'true';
  if (FALSE.has(text)) return 'false';
  throw cliError(where, command, `invalid argument "${text}" for "${name}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`);
}

/** The words after `docker run` (or `docker container create`, ...), read as the CLI reads them. */
export function readRunLine(command: 'run' | 'create', words: readonly ShellWord[], location: SourceLocation): RunLine {
  const uses: FlagUse[] = [];
  const known = FLAGS[command];
  let i = 0;
  const next = (): ShellWord | undefined => words[++i];
  for (; i < words.length; i++) {
    const word = words[i]!;
    const text = word.value;
    if (text === '--') {
      i++;
      break;
    }
    if (!text.startsWith('-') || text === '-') break;
    if (text.startsWith('--')) {
      const eq = text.indexOf('=');
      const name = eq === -1 ? text.slice(2) : text.slice(2, eq);
      const flag = known.long.get(name);
      if (flag === undefined) throw cliError(word.location, command, `unknown flag: --${name}`);
      if (flag.kind === 'bool') {
        uses.push({ flag, value: eq === -1 ? 'true' : booleanValue(text.slice(eq + 1), name, word.location, command), location: word.location });
      } else if (eq !== -1) {
        uses.push({ flag, value: text.slice(eq + 1), location: word.location });
      } else {
        const value = next();
        if (value === undefined) throw cliError(word.location, command, `flag needs an argument: --${name}`);
        uses.push({ flag, value: value.value, location: word.location });
      }
      continue;
    }
    // A group of shorthands: booleans until one that takes a value, which takes the rest of the word (after
    // an optional `=`) or the next word.
    for (let at = 1; at < text.length; at++) {
      const letter = text[at]!;
      const flag = known.short.get(letter);
      if (flag === undefined) throw cliError(word.location, command, `unknown shorthand flag: '${letter}' in ${text}`);
      const rest = text.slice(at + 1);
      if (flag.kind === 'bool') {
        if (rest.startsWith('=')) {
          uses.push({ flag, value: booleanValue(rest.slice(1), flag.name, word.location, command), location: word.location });
          break;
        }
        uses.push({ flag, value: 'true', location: word.location });
        continue;
      }
      if (rest !== '') {
        uses.push({ flag, value: rest.startsWith('=') ? rest.slice(1) : rest, location: word.location });
      } else {
        const value = next();
        if (value === undefined) throw cliError(word.location, command, `flag needs an argument: '${letter}' in -${letter}`);
        uses.push({ flag, value: value.value, location: word.location });
      }
      break;
    }
  }
  const help = uses.find((u) => u.flag.name === 'help');
  if (help !== undefined) throw new ConfigError(`${help.location.file}:${help.location.line}:${help.location.column}: docker ${command} --help prints the usage and sends nothing to check`);
  const image = words[i];
  if (image === undefined) throw cliError(location, command, `"docker ${command}" requires at least 1 argument`);
  return { command, uses, image, args: words.slice(i + 1), location };
}
