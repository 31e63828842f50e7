// The words of BuildKit's two word splitters that mirror each other, extractBuilderFlags (the --flags of
// an instruction) and parseWords (ENV and LABEL arguments), collected as both collect them: a word ends
// at an unquoted space and is kept when it has characters or had quotes, so `''` is an empty word and
// a run of spaces is none.

export class WordCollector {
  readonly words: string[] = [];
  /** The word being read. */
  word = '';
  /** The word being read had quotes (Go's blankOK): kept even when empty. */
  quoted = false;

  /** Ends the word being read, keeping it if it counts as one. */
  end(): void {
    if (this.quoted || this.word.length > 0) this.words.push(this.word);
    this.word = '';
    this.quoted = false;
  }
}
