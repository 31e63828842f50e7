// Issue 12, class 5: a build context carries instructions the engine acts on. `ADD <url>` makes dockerd
// fetch the URL itself, from the host's network: a server that listens only on the host's loopback is
// reached. Directly, every spelling below makes the engine connect to a loopback trap; through the gateway
// (baseline) each build is refused before the engine sees it (no connection to the trap, no engine event,
// nothing left behind), with a message naming the instruction. The spellings are the parser's and the
// unpacker's, not the CLI's: escape directive and line continuations, a comment inside a continuation,
// lower case and JSON form, quotes, ARG defaults and --build-arg, a variable set by the base image's ENV,
// the base image's ONBUILD trigger, a Dockerfile reached through a symlink, one named by -f outside the
// context, and a raw gzip context whose Dockerfile is renamed into place by a PAX record. The neighbours
// pass: ADD and COPY of local files, a local tar ADD unpacks, COPY --from another stage, a syntax line
// the classic builder ignores, a Dockerfile in a subdirectory, a gzip context sent raw.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { docker, dockerOk } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { API, IMAGE, assertCliRefused, assertRefused, send, sendOk, startTrap, useGuardedEngine, withoutEngineTrace, type Trap } from '../support/host-escape.js';
import { paxRecord, tarArchive } from '../support/tar-builder.js';

/** A spelling of the attack: how to build it, through the CLI (a context directory) or raw (a body). */
interface Spelling {
  name: string;
  /** CLI arguments after `docker build`, given the trap. */
  cli?: (trap: Trap) => string[];
  /** A raw POST /build: query string and body. */
  raw?: (trap: Trap) => { query: string; body: Buffer };
}

describe('a Dockerfile is judged by what the engine will do with it (baseline)', { timeout: 10 * 60_000 }, () => {
  const suite = useGuardedEngine({ gateways: () => [{ name: 'baseline', profile: 'baseline' }] });
  let trap: Trap;
  let work: string;

  /** A context directory holding `files` (a value starting with `->` is a symlink target). */
  function context(files: Record<string, string>): string {
    const dir = mkdtempSync(join(work, 'ctx-'));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      if (content.startsWith('->')) symlinkSync(content.slice(2), join(dir, name));
      else writeFileSync(join(dir, name), content);
    }
    return dir;
  }

  before(async () => {
    trap = await startTrap();
    const { engine } = suite();
    work = mkdtempSync(join(engine.dir, 'build-'));
    // Base images made directly, as anyone with a registry could publish them.
    await dockerOk(['build', '-t', 'env-url:base', context({ Dockerfile: `FROM ${IMAGE}\nENV SOURCE=${trap.url('/from-base-env')}\n` })], engine.endpoint);
    await dockerOk(['build', '-t', 'onbuild-add:base', context({ Dockerfile: `FROM ${IMAGE}\nONBUILD ADD ${trap.url('/from-onbuild')} /fetched\n` })], engine.endpoint);
  });
  after(() => trap.close());

  const spellings: Spelling[] = [
    { name: 'ADD <url>', cli: (t) => [context({ Dockerfile: `FROM ${IMAGE}\nADD ${t.url('/plain')} /fetched\n` })] },
    {
      name: 'escape directive, backtick continuation and a comment inside it',
      cli: (t) => [context({ Dockerfile: `# escape=\`\nFROM ${IMAGE}\nADD \`\n# a comment line the parser skips\n  ${t.url('/escaped')} \`\n  /fetched\n` })],
    },
    { name: 'lower case, JSON form', cli: (t) => [context({ Dockerfile: `from ${IMAGE}\nadd ["${t.url('/json')}", "/fetched"]\n` })] },
    { name: 'quoted source', cli: (t) => [context({ Dockerfile: `FROM ${IMAGE}\nADD "${t.url('/quoted')}" /fetched\n` })] },
    { name: 'ARG default', cli: (t) => [context({ Dockerfile: `FROM ${IMAGE}\nARG SOURCE=${t.url('/arg-default')}\nADD \${SOURCE} /fetched\n` })] },
    {
      name: '--build-arg',
      cli: (t) => ['--build-arg', `SOURCE=${t.url('/build-arg')}`, context({ Dockerfile: `FROM ${IMAGE}\nARG SOURCE=local.txt\nADD $SOURCE /fetched\n`, 'local.txt': 'x' })],
    },
    { name: "the base image's ENV", cli: () => [context({ Dockerfile: 'FROM env-url:base\nADD $SOURCE /fetched\n' })] },
    { name: "the base image's ONBUILD trigger", cli: () => [context({ Dockerfile: 'FROM onbuild-add:base\nRUN true\n' })] },
    { name: 'a Dockerfile that is a symlink', cli: (t) => [context({ Dockerfile: '->build/real', 'build/real': `FROM ${IMAGE}\nADD ${t.url('/symlinked')} /fetched\n` })] },
    {
      name: '-f outside the context',
      cli: (t) => {
        const outside = context({ 'Containerfile.evil': `FROM ${IMAGE}\nADD ${t.url('/outside')} /fetched\n` });
        return ['-f', join(outside, 'Containerfile.evil'), context({ README: 'nothing here' })];
      },
    },
    {
      name: 'a gzip context whose Dockerfile a PAX record renames into place',
      raw: (t) => ({
        query: 't=pax:evil',
        body: gzipSync(
          tarArchive([
            { name: 'Dockerfile', data: `FROM ${IMAGE}\n` },
            { name: 'PaxHeaders/x', type: 'x', data: paxRecord('path', 'Dockerfile') },
            { name: 'notes.txt', data: `FROM ${IMAGE}\nADD ${t.url('/pax')} /fetched\n` },
          ]),
        ),
      }),
    },
  ];

  async function build(endpoint: Endpoint, spelling: Spelling): Promise<{ code: number | null; stderr: string; status?: number; body?: string }> {
    if (spelling.cli !== undefined) return docker(['build', '-t', 'fetched:evil', ...spelling.cli(trap)], endpoint);
    const { query, body } = spelling.raw!(trap);
    const res = await send(endpoint, 'POST', `${API}/build?${query}`, { body, contentType: 'application/x-tar' });
    return { code: res.status === 200 ? 0 : 1, stderr: '', status: res.status, body: res.body };
  }

  for (const spelling of spellings) {
    it(`${spelling.name}: directly the engine fetches from the loopback trap; through the gateway it is refused first`, async () => {
      const { engine } = suite();
      const gateway = suite().gateway('baseline');
      const before = trap.connections();
      await withoutEngineTrace(engine, spelling.name, async () => {
        const refused = await build(gateway.endpoint, spelling);
        if (spelling.cli !== undefined) assertCliRefused({ code: refused.code, stdout: '', stderr: refused.stderr }, spelling.name, /ADD.*(fetch|variables)/);
        else assertRefused({ status: refused.status!, headers: { 'dockgate-decision': 'deny' }, body: refused.body! }, spelling.name, { mentions: /ADD.*fetch/ });
      });
      assert.equal(trap.connections(), before, `${spelling.name}: the engine connected to the trap through the gateway`);
      await build(engine.endpoint, spelling);
      assert.ok(trap.connections() > before, `${spelling.name}: directly, the engine fetches from ${trap.hostPort}`);
    });
  }

  it('the neighbours pass: local ADD and COPY, a tar ADD unpacks, COPY --from a stage, a syntax line, -f in a subdirectory', async () => {
    const { engine } = suite();
    const gateway = suite().gateway('baseline');
    const tarball = tarArchive([{ name: 'inside.txt', data: 'unpacked\n' }]);
    const dir = context({
      'ci/Dockerfile': [
        '# syntax=docker/dockerfile:1',
        `FROM ${IMAGE} AS files`,
        'ADD local.txt /local.txt',
        'ADD bundle.tar /bundle/',
        `FROM ${IMAGE}`,
        'COPY --from=files /local.txt /bundle/inside.txt /out/',
        'COPY ["local.txt", "/copied.txt"]',
        '',
      ].join('\n'),
      'local.txt': 'local\n',
    });
    writeFileSync(join(dir, 'bundle.tar'), tarball);
    const output = await dockerOk(['build', '-t', 'neighbour:ok', '-f', join(dir, 'ci/Dockerfile'), dir], gateway.endpoint);
    assert.match(output, /Successfully tagged neighbour:ok/);
    assert.equal(await dockerOk(['run', '--rm', 'neighbour:ok', 'cat', '/out/local.txt', '/out/inside.txt', '/copied.txt'], engine.endpoint), 'local\nunpacked\nlocal\n');
    await sendOk(engine.endpoint, 'DELETE', `${API}/images/neighbour:ok`);
  });

  it('a gzip context sent raw passes and builds', async () => {
    const { engine } = suite();
    const body = gzipSync(
      tarArchive([
        { name: 'Dockerfile', data: `FROM ${IMAGE}\nCOPY hello.txt /\n` },
        { name: 'hello.txt', data: 'hello\n' },
      ]),
    );
    const res = await send(suite().gateway('baseline').endpoint, 'POST', `${API}/build?t=gzip:ok`, { body, contentType: 'application/x-tar' });
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /Successfully tagged gzip:ok/);
    assert.equal(await dockerOk(['run', '--rm', 'gzip:ok', 'cat', '/hello.txt'], engine.endpoint), 'hello\n');
    await sendOk(engine.endpoint, 'DELETE', `${API}/images/gzip:ok`);
  });
});
