// The --name=value flags at the start of an instruction's arguments, cut off as split_command.go's
// extractBuilderFlags cuts them: only words that begin with two raw dashes, quotes (' and ") removed,
// the escape character taking the next byte literally, a bare -- ending the flags. It walks bytes, not
// characters: a byte of a multi-byte character is a character of its own (so U+00A0's second byte,
// 0xA0, is a space to unicode.IsSpace and ends a word) and is written back as the Latin-1 character
// of that value, as Go's WriteRune(rune(byte)) writes it.
import type { DockerfileFlag } from './dockerfile-parser.js';
import { fromByteString, isGoSpace, toByteString } from './go-strings.js';
import { WordCollector } from './word-collector.js';

export interface BuilderFlagsSplit {
  readonly flags: readonly DockerfileFlag[];
  /** What follows the flags, not yet trimmed. */
  readonly rest: string;
}

const IN_SPACES = 0;
const IN_WORD = 1;
const IN_QUOTE = 2;

/** BFlags.Parse's reading of one flag word: the name between -- and the first '=', the value after it. */
function toFlag(word: string): DockerfileFlag {
  const body = word.slice(2);
  const equals = body.indexOf('=');
  return equals < 0 ? { name: body, value: undefined } : { name: body.slice(0, equals), value: body.slice(equals + 1) };
}

/** extractBuilderFlags; escape is the character the parser version escapes with here. */
export function extractBuilderFlags(text: string, escape: string): BuilderFlagsSplit {
  const line = toByteString(text);
  const collected = new WordCollector();
  const done = (rest: string): BuilderFlagsSplit => ({ flags: collected.words.map(toFlag), rest });
  let phase = IN_SPACES;
  let quote = '';
  for (let pos = 0; pos <= line.length; pos++) {
    let ch = line[pos] ?? '';
    if (phase === IN_SPACES) {
      if (pos === line.length) break;
      if (isGoSpace(ch.charCodeAt(0))) continue;
      // Only a word that starts with -- is a flag; the first one that does not starts the arguments.
      if (ch !== '-' || pos + 1 === line.length || line[pos + 1] !== '-') return done(fromByteString(line.slice(pos)));
      phase = IN_WORD;
    }
    if (pos === line.length) {
      if (collected.word !== '--') collected.end();
      break;
    }
    if (phase === IN_WORD) {
      if (isGoSpace(ch.charCodeAt(0))) {
        phase = IN_SPACES;
        if (collected.word === '--') return done(fromByteString(line.slice(pos)));
        collected.end();
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        collected.quoted = true;
        phase = IN_QUOTE;
        continue;
      }
      if (ch === escape) {
        if (pos + 1 === line.length) continue; // an escape at the very end is dropped
        ch = line[++pos]!;
      }
      collected.word += ch;
      continue;
    }
    // IN_QUOTE
    if (ch === quote) {
      phase = IN_WORD;
      continue;
    }
    if (ch === escape) {
      if (pos + 1 === line.length) {
        phase = IN_WORD;
        continue;
      }
      ch = line[++pos]!;
    }
    collected.word += ch;
  }
  return done('');
}
