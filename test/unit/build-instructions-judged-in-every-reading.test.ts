// A build's Dockerfile is judged by what the engine will do with it, in every reading a parser may make:
// ADD of URLs and git sources (literal, quoted, from build arguments, ARG defaults, ENV, the base image's
// environment), the base image's ONBUILD triggers and the file's own, RUN options that reach the host
// under BuildKit, a syntax frontend, and a heredoc that one parser reads as a script and the other as
// instructions. The neighbours (local ADD, COPY --from a stage, RUN --mount=type=cache) pass.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BuildContextReading } from '../../src/inspect/build-context/read-build-context.js';
import { isRemoteSource } from '../../src/judge/reach/build-instructions.js';
import type { ContainerConstraints } from '../../src/judge/container-constraints.js';
import { fakeEngine } from '../support/fake-engine.js';
import { BASELINE_CONSTRAINTS, judgeOperation } from '../support/reach-fixtures.js';

const reading = (text: string): BuildContextReading => ({ form: 'archive', dockerfiles: [{ path: 'Dockerfile', text }] });

interface BuildOptions {
  query?: string;
  constraints?: ContainerConstraints;
  images?: Array<{ names: string[]; Env?: string[]; OnBuild?: string[] }>;
}

async function judgeBuild(text: string, options: BuildOptions = {}): Promise<string[]> {
  const engine = fakeEngine({ images: (options.images ?? []).map((i) => ({ Id: `sha256:${i.names[0]}`, names: i.names, Config: { Env: i.Env ?? [], OnBuild: i.OnBuild ?? null } })) });
  const outcome = await judgeOperation('image.build', reading(text), { query: options.query ?? '', engine, ...(options.constraints !== undefined && { constraints: options.constraints }) });
  return outcome.violations.map((v) => `${v.field}: ${v.why}`);
}

const BUSYBOX = [{ names: ['busybox'], Env: ['PATH=/bin'] }];

describe('ADD sources are judged as the engine will fetch them', () => {
  test('URLs and git sources in every spelling are refused; local files pass', async () => {
    for (const source of ['http://127.0.0.1/x', 'https://example.com/x', 'git@github.com:a/b.git', 'github.com/a/b', 'git://host/r', 'ssh://git@host/r', 'host:repo']) {
      assert.ok(isRemoteSource(source), source);
    }
    for (const source of ['local.txt', './dir/file', '/abs/file', 'dir/with:colon']) assert.ok(!isRemoteSource(source), source);
  });

  test('quoted, JSON, lower-case and continued spellings are all refused', async () => {
    for (const text of [
      'FROM busybox\nADD "http://127.0.0.1/x" /x\n',
      'FROM busybox\nadd ["http://127.0.0.1/x", "/x"]\n',
      'FROM busybox\nADD \\\n  http://127.0.0.1/x \\\n  /x\n',
      '# escape=`\nFROM busybox\nADD `\n# comment\n  http://127.0.0.1/x /x\n',
      "FROM busybox\nADD 'http://127.0.0.1/x' /x\n",
    ]) {
      const refused = await judgeBuild(text, { images: BUSYBOX });
      assert.equal(refused.length, 1, `${text}\n${refused.join('\n')}`);
      assert.match(refused[0]!, /ADD: makes the engine fetch "http:\/\/127\.0\.0\.1\/x"/);
    }
  });

  test('variables are expanded as the engine expands them: build args, ARG defaults, ENV, the base image', async () => {
    assert.equal((await judgeBuild('FROM busybox\nARG S=http://127.0.0.1/x\nADD $S /x\n', { images: BUSYBOX })).length, 1);
    assert.equal((await judgeBuild('FROM busybox\nARG S=local.txt\nADD ${S} /x\n', { images: BUSYBOX, query: `buildargs=${encodeURIComponent('{"S":"http://127.0.0.1/x"}')}` })).length, 1);
    assert.equal((await judgeBuild('FROM busybox\nENV S=http://127.0.0.1/x\nADD $S /x\n', { images: BUSYBOX })).length, 1);
    assert.equal((await judgeBuild('FROM base\nADD $S /x\n', { images: [{ names: ['base'], Env: ['S=http://127.0.0.1/x'] }] })).length, 1);
    // A global ARG is seen in a stage only when declared again there.
    assert.deepEqual(await judgeBuild('ARG S=http://127.0.0.1/x\nFROM busybox\nADD ${S}local.txt /x\n', { images: BUSYBOX }), []);
    assert.equal((await judgeBuild('ARG S=http://127.0.0.1/x\nFROM busybox\nARG S\nADD ${S} /x\n', { images: BUSYBOX })).length, 1);
    // Local values pass.
    assert.deepEqual(await judgeBuild('FROM busybox\nARG S=local.txt\nENV D=/dst\nADD $S $D\n', { images: BUSYBOX }), []);
  });

  test('a variable dockgate cannot know (a base image not on the engine) makes the source count as remote', async () => {
    const refused = await judgeBuild('FROM not-pulled-yet\nADD $S /x\n');
    assert.equal(refused.length, 1);
    assert.match(refused[0]!, /built from variables dockgate cannot resolve/);
  });

  test('remote-fetch lets URLs through', async () => {
    assert.deepEqual(await judgeBuild('FROM busybox\nADD http://127.0.0.1/x /x\n', { images: BUSYBOX, constraints: { ...BASELINE_CONSTRAINTS, remoteFetch: true } }), []);
  });
});

describe('triggers, heredocs and frontends', () => {
  test("the base image's ONBUILD triggers are judged with its environment; the file's own too", async () => {
    const base = [{ names: ['trigger-base'], Env: ['S=http://127.0.0.1/env'], OnBuild: ['ADD $S /x'] }];
    const refused = await judgeBuild('FROM trigger-base\nRUN true\n', { images: base });
    assert.equal(refused.length, 1, refused.join('\n'));
    assert.match(refused[0]!, /trigger-base ONBUILD.*http:\/\/127\.0\.0\.1\/env/);
    assert.equal((await judgeBuild('FROM busybox\nONBUILD ADD http://127.0.0.1/x /x\n', { images: BUSYBOX })).length, 1);
  });

  test('a heredoc body that a parser without heredocs reads as instructions is judged in both readings', async () => {
    const refused = await judgeBuild('FROM busybox\nRUN <<EOF\nADD http://127.0.0.1/x /x\nEOF\n', { images: BUSYBOX });
    assert.ok(
      refused.some((r) => /ADD: makes the engine fetch/.test(r)),
      refused.join('\n'),
    );
  });

  test('RUN options that reach the host are refused; cache and bind mounts pass', async () => {
    const refused = await judgeBuild(
      'FROM busybox\nRUN --network=host true\nRUN --security=insecure true\nRUN --mount=type=secret,id=x cat /run/secrets/x\nRUN --mount=type=ssh true\nRUN --device=nvidia.com/gpu=all true\nRUN --future-flag=1 true\n',
      { images: BUSYBOX },
    );
    assert.equal(refused.length, 6, refused.join('\n'));
    assert.match(refused.join('\n'), /--network: runs the step on the host's network/);
    assert.match(refused.join('\n'), /--security: runs the step without confinement/);
    assert.match(refused.join('\n'), /--mount: hands the step a secret/);
    assert.match(refused.join('\n'), /--mount: hands the step an SSH agent's keys/);
    assert.match(refused.join('\n'), /--device: gives the step a host device/);
    assert.match(refused.join('\n'), /--future-flag: is a RUN option dockgate does not know/);
    assert.deepEqual(
      await judgeBuild('FROM busybox AS a\nRUN --mount=type=cache,target=/c --mount=type=bind,from=a,target=/a --network=none true\nFROM a\nCOPY --from=a /x /y\n', { images: BUSYBOX }),
      [],
    );
  });

  test('under BuildKit a syntax directive or BUILDKIT_SYNTAX needs remote-fetch; the classic builder ignores it', async () => {
    const text = '# syntax=docker/dockerfile:1\nFROM busybox\n';
    assert.deepEqual(await judgeBuild(text, { images: BUSYBOX }), []);
    assert.match((await judgeBuild(text, { images: BUSYBOX, query: 'version=2', constraints: { ...BASELINE_CONSTRAINTS, buildkit: true } })).join('\n'), /# syntax: names a frontend image/);
    assert.match(
      (
        await judgeBuild('FROM busybox\n', {
          images: BUSYBOX,
          query: `version=2&buildargs=${encodeURIComponent('{"BUILDKIT_SYNTAX":"evil/frontend"}')}`,
          constraints: { ...BASELINE_CONSTRAINTS, buildkit: true },
        })
      ).join('\n'),
      /BUILDKIT_SYNTAX/,
    );
  });

  test('the image allow-list applies to FROM and COPY --from, not to stages', async () => {
    const constraints = { ...BASELINE_CONSTRAINTS, images: ['docker.io/library/busybox'] };
    assert.deepEqual(await judgeBuild('FROM busybox AS base\nFROM base\nCOPY --from=base /a /b\nCOPY --from=0 /a /b\n', { images: BUSYBOX, constraints }), []);
    assert.match((await judgeBuild('FROM busybox\nCOPY --from=evil/tools /a /b\n', { images: BUSYBOX, constraints })).join('\n'), /evil\/tools/);
    assert.match((await judgeBuild('FROM alpine\n', { constraints })).join('\n'), /alpine/);
  });

  test('a Dockerfile no parser reads is refused; buildargs the engine cannot decode are refused', async () => {
    assert.match((await judgeBuild('# escape=x\nFROM busybox\n', { images: BUSYBOX })).join('\n'), /does not parse/);
    await assert.rejects(judgeBuild('FROM busybox\n', { images: BUSYBOX, query: `buildargs=${encodeURIComponent('{"A":1}')}` }), /buildargs/);
  });
});
