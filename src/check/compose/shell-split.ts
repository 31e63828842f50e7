// A `command:` or `entrypoint:` given as one string, split into words as docker-py splits it (Python's
// shlex.split, POSIX mode, no comments): blanks separate words, '...' is literal, "..." keeps the text
// with `\` escaping only `\`, `"`, `$`, `` ` `` and a newline, and a `\` outside quotes escapes the next
// character. No variables are expanded and no operators are recognised (shell-quote's reading, which
// does both, would split `a|b` where Python does not), hence this reading of its own.
import type { SourceLocation } from '../checked-request.js';
import { ComposeFileError } from './compose-file-error.js';

export function splitCommand(text: string, at: SourceLocation): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '\\"$`\n'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (/\s/u.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === '\\') {
        if (i + 1 >= text.length) throw new ComposeFileError(at, `cannot split ${JSON.stringify(text)} into words: No escaped character`);
        word += text[++i];
      } else word += c;
    }
  }
  if (quote !== undefined) throw new ComposeFileError(at, `cannot split ${JSON.stringify(text)} into words: No closing quotation`);
  if (inWord) words.push(word);
  return words;
}
